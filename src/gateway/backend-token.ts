/**
 * @module gateway/backend-token — a backend's own continuation token, as callers hold it: sealed
 * (AES-256-GCM) so that what a backend writes into it (RGW puts the next physical key there,
 * mapped prefix and all) is never shown, and bound to the listing's route and backend bucket so
 * that it cannot be replayed elsewhere. Keyed like merged-listing tokens: replicas sharing
 * `listingTokenSecret` (or the same routes) open each other's tokens.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { S3Error } from "./s3-error.js";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and opens backend continuation tokens with one key. */
export class BackendTokenVault {
  readonly #key: Buffer;

  /** @param secret - the router's `listingTokenSecret`, or material derived from its routes. */
  constructor(secret: string) {
    this.#key = createHash("sha256").update("s3-router backend continuation token\0").update(secret).digest();
  }

  /** The caller's form of backend `token`, valid only for `scope` (the listing's route and bucket). */
  seal(token: string, scope: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(scope, "utf8"));
    const sealed = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
  }

  /**
   * The backend token a caller's token holds.
   * @throws {@link S3Error} `InvalidArgument` (as S3 answers a token it did not issue) for a
   *   token that is malformed, tampered with, or from another listing.
   */
  open(sealed: string, scope: string): string {
    const bytes = Buffer.from(sealed, "base64url");
    if (bytes.length < IV_BYTES + TAG_BYTES || bytes.toString("base64url") !== sealed) throw invalid();
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(scope, "utf8"));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch (cause) {
      throw invalid(cause);
    }
  }
}

const invalid = (cause?: unknown) =>
  new S3Error(
    "InvalidArgument",
    "The continuation token provided is incorrect",
    { ArgumentName: "continuation-token" },
    cause === undefined ? undefined : { cause },
  );
