/**
 * @module spanning/listing-token — continuation tokens of merged listings. A token holds the
 * listing's position in the caller's key space (every backend restarts from it), so it is
 * stateless: any router or gateway replica with the same secret continues the listing. An HMAC
 * binds it to its listing (bucket, prefix, delimiter…) and rejects tampering.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { InvalidTokenError } from "../errors.js";

const VERSION = 1;

/** Seals and opens continuation tokens with one secret. */
export class ListingTokenCodec {
  readonly #secret: Uint8Array;

  constructor(secret: string | Uint8Array) {
    this.#secret = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
  }

  /** A codec whose secret derives from `material` (e.g. the routing configuration). */
  static derivedFrom(material: string): ListingTokenCodec {
    return new ListingTokenCodec(createHash("sha256").update(`s3-router listing token\0${material}`).digest());
  }

  /** An opaque token carrying `state`, valid only for the listing described by `scope`. */
  seal(state: unknown, scope: string): string {
    const body = Buffer.from(JSON.stringify({ v: VERSION, s: state }), "utf8");
    return `${body.toString("base64url")}.${this.#mac(body, scope).toString("base64url")}`;
  }

  /**
   * The state sealed in `token`.
   * @throws {@link InvalidTokenError} when the token is malformed, tampered with, or was issued
   *   for another listing.
   */
  open<T>(token: string, scope: string): T {
    const dot = token.indexOf(".");
    if (dot < 0) throw new InvalidTokenError(token, "not a token this router issued");
    const body = Buffer.from(token.slice(0, dot), "base64url");
    const mac = Buffer.from(token.slice(dot + 1), "base64url");
    const expected = this.#mac(body, scope);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      throw new InvalidTokenError(
        token,
        "its signature does not match (tampered, corrupted, or issued for another listing or router secret)",
      );
    }
    const parsed = JSON.parse(body.toString("utf8")) as { v?: unknown; s?: unknown };
    if (parsed.v !== VERSION) throw new InvalidTokenError(token, `unsupported token version ${String(parsed.v)}`);
    return parsed.s as T;
  }

  #mac(body: Uint8Array, scope: string): Buffer {
    return createHmac("sha256", this.#secret).update(scope).update("\0").update(body).digest();
  }
}
