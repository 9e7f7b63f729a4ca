/**
 * @module gateway/auth/payload-verify — checks a body against the SHA-256 its signature covers
 * (`x-amz-content-sha256: <hex>`), while it streams through to a backend.
 *
 * The body cannot be hashed before it is forwarded (it may be gigabytes), so the bytes flow on
 * as they come, except the last piece: it is held until the digest is known, and the stream
 * fails instead of releasing it when the digest differs. A backend therefore never receives the
 * whole declared `content-length` of a bad body, and a proxy that aborts its backend request on
 * the stream's error leaves nothing stored.
 */
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { S3Error } from "../s3-error.js";

/**
 * A pass-through Transform that fails with `XAmzContentSHA256Mismatch` at the end when the
 * body's SHA-256 is not `expectedSha256`.
 * @example
 * if (auth.payload.kind === "signed") body = req.pipe(new PayloadHashVerifier(auth.payload.sha256));
 */
export class PayloadHashVerifier extends Transform {
  readonly #expected: string;
  readonly #hash: Hash = createHash("sha256");
  readonly #onBytes: ((bytes: number) => void) | undefined;
  #held: Buffer | undefined;

  /**
   * @param expectedSha256 the hex SHA-256 the client signed (either case).
   * @param onBytes called with the size of every piece (for metrics), so that counting needs no
   *   stream stage of its own.
   */
  constructor(expectedSha256: string, onBytes?: (bytes: number) => void) {
    super();
    this.#expected = expectedSha256.toLowerCase();
    this.#onBytes = onBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#onBytes?.(chunk.length);
    this.#hash.update(chunk);
    if (this.#held) this.push(this.#held);
    this.#held = chunk;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.#hash.digest("hex");
    if (actual !== this.#expected) {
      this.#held = undefined;
      callback(
        new S3Error(
          "XAmzContentSHA256Mismatch",
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          {
            ClientComputedContentSHA256: this.#expected,
            S3ComputedContentSHA256: actual,
          },
        ),
      );
      return;
    }
    if (this.#held) this.push(this.#held);
    this.#held = undefined;
    callback();
  }
}
