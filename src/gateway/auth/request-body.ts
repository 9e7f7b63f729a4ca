/**
 * @module gateway/auth/request-body — the request body as a proxy should forward it: decoded
 * from `aws-chunked` and verified against what the signature covers ({@link PayloadMode}).
 *
 * The incoming request is piped, never destroyed, when verification fails: destroying a server
 * request closes its socket, and the gateway still has to answer with the S3 error. Node drains
 * the unread rest of the body once the response is sent.
 */
import type { IncomingHttpHeaders } from "node:http";
import { Transform, finished, type Readable, type TransformCallback } from "node:stream";
import { S3Error } from "../s3-error.js";
import { AwsChunkedDecoder, type AwsChunkedDecoderOptions } from "./aws-chunked.js";
import { EMPTY_SHA256 } from "./sigv4-crypto.js";
import type { AuthContext } from "./sigv4-verify.js";
import { PayloadHashVerifier } from "./payload-verify.js";

/** Counts the bytes as received (before decoding), for metrics. */
class ByteCounter extends Transform {
  readonly #onBytes: (bytes: number) => void;

  constructor(onBytes: (bytes: number) => void) {
    super();
    this.#onBytes = onBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#onBytes(chunk.length);
    callback(null, chunk);
  }
}

/** Whether the request announces a body at all (a length above zero, or chunked transfer). */
function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers["transfer-encoding"] !== undefined) return true;
  const length = headers["content-length"];
  return length !== undefined && length.trim() !== "0";
}

/**
 * The body to forward, decoded and verified while it streams.
 * - `aws-chunked` bodies come out decoded (an {@link AwsChunkedDecoder}, whose `trailers` hold
 *   the checksum trailer once verified);
 * - a signed SHA-256 is checked ({@link PayloadHashVerifier}: the stream fails with
 *   `XAmzContentSHA256Mismatch` before its last bytes are released);
 * - an unsigned body is the request itself (or a counting pass-through).
 * Errors of the incoming request (client gone) fail the returned stream with `IncompleteBody`.
 * @param onRawBytes called with the size of every piece received, before decoding.
 * @returns `undefined` when the request has no body.
 * @throws {@link S3Error} when a body is required by the payload mode but absent (`IncompleteBody`),
 *   or when a request without body signed the hash of a non-empty one
 *   (`XAmzContentSHA256Mismatch`).
 */
export function decodeRequestBody(
  auth: AuthContext,
  req: Readable & { readonly headers: IncomingHttpHeaders },
  onRawBytes?: (bytes: number) => void,
  options: AwsChunkedDecoderOptions = {},
): Readable | undefined {
  const payload = auth.payload;
  if (!hasBody(req.headers)) {
    if (payload.kind === "streaming-signed" || payload.kind === "streaming-unsigned-trailer") {
      throw new S3Error(
        "IncompleteBody",
        "The request has no body, but its x-amz-content-sha256 announces an aws-chunked one",
      );
    }
    if (payload.kind === "signed" && payload.sha256 !== EMPTY_SHA256) {
      throw new S3Error(
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {
          ClientComputedContentSHA256: payload.sha256,
          S3ComputedContentSHA256: EMPTY_SHA256,
        },
      );
    }
    return undefined;
  }

  // One stream stage at most: it counts the bytes too (a stage of its own would add a Writable
  // and a Readable hop to every chunk of every upload).
  let stage: Transform | undefined;
  if (payload.kind === "streaming-signed" || payload.kind === "streaming-unsigned-trailer")
    stage = new AwsChunkedDecoder(payload, { ...options, onBytes: onRawBytes });
  else if (payload.kind === "signed") stage = new PayloadHashVerifier(payload.sha256, onRawBytes);
  else if (onRawBytes) stage = new ByteCounter(onRawBytes);
  if (!stage) return req;
  const last = stage;
  req.pipe(last);
  finished(req, { writable: false }, (error) => {
    if (error && !last.destroyed) {
      last.destroy(new S3Error("IncompleteBody", "The request body terminated unexpectedly", {}, { cause: error }));
    }
  });
  return last;
}
