/**
 * @module gateway/auth/aws-chunked — decodes an `aws-chunked` request body (streamed SigV4
 * uploads) into the plain payload, verifying as it goes what the client signed or summed:
 *
 * - `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`: `<hex-size>;chunk-signature=<sig>\r\n<data>\r\n`
 *   … `0;chunk-signature=<sig>\r\n`, then (with `-TRAILER`) `name:value\r\n` lines and
 *   `x-amz-trailer-signature:<sig>\r\n`, then `\r\n`. Every chunk signature is checked (each
 *   chains on the previous one, starting from the request's own signature), and so is the
 *   trailer signature;
 * - `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: the same framing without signatures (`<hex-size>\r\n`),
 *   its integrity resting on the checksum trailer.
 *
 * A trailer `x-amz-checksum-crc32|crc32c|sha1|sha256` is checked against the decoded payload,
 * the trailer names against `x-amz-trailer`, and the payload length against
 * `x-amz-decoded-content-length`.
 *
 * Why bytes are released when they are: a signed chunk is held until its signature is checked (so
 * no unverified byte reaches a backend; chunks are capped in size for that reason), and the last
 * piece of the payload is always held until everything at the end — trailer signature, checksum,
 * length — is verified. A backend that has received `content-length` bytes may store the object
 * even if the stream then fails; holding the last piece back means it never has them all unless
 * the body is good.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
 */
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { S3Error } from "../s3-error.js";
import type { ChunkSigning, StreamingPayloadMode } from "./payload-mode.js";
import { EMPTY_SHA256, sha256Hex, signString, signaturesEqual } from "./sigv4-crypto.js";
import { checksumForTrailer, type RunningChecksum } from "./trailer-checksum.js";

/** Options of {@link AwsChunkedDecoder}. */
export interface AwsChunkedDecoderOptions {
  /**
   * Largest signed chunk accepted, in bytes. A signed chunk is held in memory until its signature
   * is verified, so this bounds the memory one upload can take. Clients use 8 KiB to 1 MiB.
   * Unsigned chunks are streamed through and not limited.
   * @default 16 MiB
   */
  readonly maxChunkSize?: number | undefined;
  /**
   * Called with the size of every piece received, before decoding (for metrics): counting here
   * spares a stream stage of its own on every chunk of the upload.
   */
  readonly onBytes?: ((bytes: number) => void) | undefined;
}

/** The trailers of a body (lowercase names), without `x-amz-trailer-signature`. */
export type Trailers = Readonly<Record<string, string>>;

/** 16 MiB. */
const DEFAULT_MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/**
 * Longest chunk header line, in bytes. A chunk header is `<≤16 hex>;chunk-signature=<64 hex>`;
 * extensions of unsigned chunks get some room. Exported for tests: with
 * {@link MAX_TRAILER_BYTES} and `maxChunkSize` it is what bounds the bytes the decoder takes from
 * a hostile stream before failing.
 */
export const MAX_CHUNK_HEADER_LINE = 1024;
/** All trailer lines together, in bytes. */
export const MAX_TRAILER_BYTES = 16 * 1024;
const MAX_TRAILERS = 16;

const SIGNED_HEADER = /^([0-9a-fA-F]{1,13});chunk-signature=([0-9a-fA-F]{64})$/;
const UNSIGNED_HEADER = /^([0-9a-fA-F]{1,13})(?:;.*)?$/;

type State = "header" | "data" | "data-cr" | "data-lf" | "trailer" | "done";

const framingError = (problem: string): S3Error =>
  new S3Error("InvalidRequest", `Malformed aws-chunked body: ${problem}`);

/**
 * A Transform from an `aws-chunked` body to its payload. Errors (an {@link S3Error}) destroy the
 * stream: `SignatureDoesNotMatch` (chunk or trailer signature), `InvalidRequest` (framing, an
 * undeclared or missing trailer, a chunk over the size limit), `IncompleteBody` (the body ends
 * early, or its length differs from `x-amz-decoded-content-length`), `BadDigest` (checksum
 * trailer mismatch).
 *
 * The trailers are available, once verified and before `end`, as {@link trailers} and as a
 * `trailers` event.
 * @example
 * const body = req.pipe(new AwsChunkedDecoder(auth.payload));
 * body.trailers.then((t) => t["x-amz-checksum-crc32"]);
 */
export class AwsChunkedDecoder extends Transform {
  /** Resolves with the verified trailers just before the stream ends; rejects if it fails. */
  readonly trailers: Promise<Trailers>;

  readonly #signing: ChunkSigning | undefined;
  readonly #trailerAllowed: boolean;
  readonly #declared: readonly string[];
  readonly #decodedLength: number | undefined;
  readonly #maxChunkSize: number;
  readonly #onBytes: ((bytes: number) => void) | undefined;
  /** Running checksums of the declared checksum trailers this gateway can check. */
  readonly #checksums = new Map<string, RunningChecksum>();

  #state: State = "header";
  /** The line being read (a chunk header or a trailer), in pieces. */
  #line: Buffer[] = [];
  #lineLength = 0;
  #trailerBytes = 0;
  /** Bytes of the current chunk still to come. */
  #remaining = 0;
  /** The current chunk's signature, its hash so far and its data (signed mode only). */
  #chunkSignature = "";
  #chunkHash: Hash | undefined;
  #pieces: Buffer[] = [];
  /** The signature the next one chains on. */
  #previous: string;
  /** Payload bytes decoded so far. */
  #decoded = 0;
  /** The last payload piece, held until the next one (or the verified end) releases it. */
  #held: Buffer | undefined;
  #received: Array<[name: string, value: string]> = [];
  #trailerSignature: string | undefined;
  /** The trailers once {@link #finish} has verified everything; announced at the stream's end. */
  #verified: Trailers = {};
  #resolve!: (trailers: Trailers) => void;
  #reject!: (error: unknown) => void;
  #settled = false;

  constructor(mode: StreamingPayloadMode, options: AwsChunkedDecoderOptions = {}) {
    super();
    this.#signing = mode.kind === "streaming-signed" ? mode.signing : undefined;
    this.#trailerAllowed = mode.kind === "streaming-unsigned-trailer" || mode.trailer;
    this.#declared = this.#trailerAllowed ? mode.declaredTrailers : [];
    this.#decodedLength = mode.decodedLength;
    this.#maxChunkSize = options.maxChunkSize ?? DEFAULT_MAX_CHUNK_SIZE;
    this.#onBytes = options.onBytes;
    this.#previous = this.#signing?.seedSignature ?? "";
    for (const name of this.#declared) {
      const checksum = checksumForTrailer(name);
      if (checksum) this.#checksums.set(name, checksum);
      else if (name.startsWith("x-amz-checksum-")) {
        // A checksum nobody verifies would pass corrupted data as checked.
        throw new S3Error("InvalidRequest", `The checksum trailer ${name} is not supported`);
      }
    }
    this.trailers = new Promise<Trailers>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Whoever does not ask for the trailers must not get an unhandled rejection for them; the
    // same error reaches them through the stream anyway.
    this.trailers.catch(() => {});
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#onBytes?.(chunk.length);
    try {
      this.#consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      // Tolerated: a body that stops right after its last trailer line (or its last chunk) without
      // the closing empty line. Everything that matters is signed or summed before that point.
      if (this.#state === "trailer" && this.#lineLength === 0) this.#finish();
      if (this.#state !== "done")
        throw new S3Error(
          "IncompleteBody",
          "The request body terminated unexpectedly: the aws-chunked body has no final chunk",
        );
      // Only now, with nothing after the end, is the body good: bytes after its end fail it (see
      // #consume), and until then the last piece stays held and the trailers unannounced.
      const trailers = this.#verified;
      this.#settled = true;
      this.#resolve(trailers);
      this.emit("trailers", trailers);
      if (this.#held) this.push(this.#held);
      this.#held = undefined;
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(error ?? new S3Error("IncompleteBody", "The request body was aborted"));
    }
    this.#held = undefined;
    this.#pieces = [];
    callback(error);
  }

  #consume(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.#state) {
        case "header":
        case "trailer": {
          const nl = chunk.indexOf(0x0a, i);
          const end = nl < 0 ? chunk.length : nl;
          this.#appendLine(chunk.subarray(i, end));
          if (nl < 0) return;
          i = nl + 1;
          const line = this.#takeLine();
          if (this.#state === "header") this.#onChunkHeader(line);
          else this.#onTrailerLine(line);
          break;
        }
        case "data": {
          const n = Math.min(this.#remaining, chunk.length - i);
          this.#onData(chunk.subarray(i, i + n));
          i += n;
          if (this.#remaining === 0) this.#state = "data-cr";
          break;
        }
        case "data-cr":
          if (chunk[i++] !== 0x0d) throw framingError("chunk data is not followed by CRLF (is the chunk size right?)");
          this.#state = "data-lf";
          break;
        case "data-lf":
          if (chunk[i++] !== 0x0a) throw framingError("chunk data is not followed by CRLF (is the chunk size right?)");
          this.#endChunk();
          this.#state = "header";
          break;
        case "done":
          throw framingError("data after the end of the body");
      }
    }
  }

  #appendLine(piece: Buffer): void {
    this.#lineLength += piece.length;
    if (this.#state === "header" && this.#lineLength > MAX_CHUNK_HEADER_LINE)
      throw framingError(`a chunk header is longer than ${MAX_CHUNK_HEADER_LINE} bytes`);
    if (this.#state === "trailer" && this.#trailerBytes + this.#lineLength > MAX_TRAILER_BYTES)
      throw framingError(`the trailers exceed ${MAX_TRAILER_BYTES} bytes`);
    if (piece.length > 0) this.#line.push(piece);
  }

  /** The line read so far, without its line end (CRLF, or a bare LF which is tolerated). */
  #takeLine(): string {
    let text = Buffer.concat(this.#line, this.#lineLength).toString("latin1");
    if (this.#state === "trailer") this.#trailerBytes += this.#lineLength + 1;
    this.#line = [];
    this.#lineLength = 0;
    if (text.endsWith("\r")) text = text.slice(0, -1);
    return text;
  }

  #onChunkHeader(line: string): void {
    const match = (this.#signing ? SIGNED_HEADER : UNSIGNED_HEADER).exec(line);
    if (!match) {
      throw framingError(
        this.#signing
          ? `expected "<hex-size>;chunk-signature=<signature>", got "${line.slice(0, 100)}"`
          : `expected "<hex-size>", got "${line.slice(0, 100)}"`,
      );
    }
    const size = parseInt(match[1]!, 16);
    if (this.#signing && size > this.#maxChunkSize)
      throw framingError(`a signed chunk of ${size} bytes exceeds the limit of ${this.#maxChunkSize} bytes`);
    if (this.#decodedLength !== undefined && this.#decoded + size > this.#decodedLength) {
      throw new S3Error(
        "IncompleteBody",
        `The decoded body is longer than x-amz-decoded-content-length (${this.#decodedLength} bytes)`,
      );
    }
    this.#chunkSignature = match[2] ?? "";
    if (size === 0) {
      // The final chunk is signed too: over empty data, chained on the last data chunk.
      if (this.#signing) this.#verifyChunk(EMPTY_SHA256);
      this.#state = "trailer";
      return;
    }
    this.#remaining = size;
    if (this.#signing) this.#chunkHash = createHash("sha256");
    this.#state = "data";
  }

  #onData(piece: Buffer): void {
    this.#remaining -= piece.length;
    this.#decoded += piece.length;
    for (const checksum of this.#checksums.values()) checksum.update(piece);
    if (this.#signing) {
      this.#chunkHash!.update(piece);
      this.#pieces.push(piece);
    } else {
      this.#release(piece);
    }
  }

  #endChunk(): void {
    if (!this.#signing) return;
    this.#verifyChunk(this.#chunkHash!.digest("hex"));
    this.#chunkHash = undefined;
    const pieces = this.#pieces;
    this.#pieces = [];
    for (const piece of pieces) this.#release(piece);
  }

  #verifyChunk(dataSha256: string): void {
    const signing = this.#signing!;
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${signing.amzDate}\n${signing.scope}\n${this.#previous}\n${EMPTY_SHA256}\n${dataSha256}`;
    const expected = signString(signing.signingKey, toSign);
    if (!signaturesEqual(this.#chunkSignature, expected)) {
      throw new S3Error(
        "SignatureDoesNotMatch",
        `The chunk signature we calculated does not match the signature you provided (the chunk ending at payload byte ${this.#decoded}).`,
        {
          StringToSign: toSign,
          SignatureProvided: this.#chunkSignature,
        },
      );
    }
    this.#previous = expected;
  }

  /** Passes on the held piece and holds this one. */
  #release(piece: Buffer): void {
    if (this.#held) this.push(this.#held);
    this.#held = piece;
  }

  #onTrailerLine(line: string): void {
    if (line === "") {
      this.#finish();
      return;
    }
    if (!this.#trailerAllowed)
      throw framingError(`a trailer ("${line.slice(0, 100)}") in a body whose x-amz-content-sha256 announces none`);
    if (this.#trailerSignature !== undefined) throw framingError("x-amz-trailer-signature must be the last trailer");
    const colon = line.indexOf(":");
    if (colon < 1) throw framingError(`expected a "name:value" trailer, got "${line.slice(0, 100)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "x-amz-trailer-signature") {
      // Kept (to check at the end) when the body is signed; an unsigned body has nothing to check
      // it against, so it is only dropped. Either way it must be the last trailer.
      this.#trailerSignature = this.#signing ? value : "";
      return;
    }
    if (this.#received.some(([n]) => n === name)) throw framingError(`the trailer ${name} appears twice`);
    if (this.#received.length >= MAX_TRAILERS) throw framingError(`more than ${MAX_TRAILERS} trailers`);
    this.#received.push([name, value]);
  }

  /**
   * Verifies everything that can only be verified at the end. The last piece is released by
   * `_flush`, once the input has ended: a body with bytes after its end must fail before a
   * backend has all of it.
   */
  #finish(): void {
    const signing = this.#signing;
    if (signing && this.#trailerAllowed) {
      if (this.#trailerSignature === undefined) throw framingError("the trailers have no x-amz-trailer-signature");
      // Names lowercased, values trimmed, each line ending in "\n", in the order sent.
      const canonical = this.#received.map(([n, v]) => `${n}:${v}\n`).join("");
      const toSign = `AWS4-HMAC-SHA256-TRAILER\n${signing.amzDate}\n${signing.scope}\n${this.#previous}\n${sha256Hex(Buffer.from(canonical, "latin1"))}`;
      const expected = signString(signing.signingKey, toSign);
      if (!signaturesEqual(this.#trailerSignature, expected)) {
        throw new S3Error(
          "SignatureDoesNotMatch",
          "The trailer signature we calculated does not match the signature you provided (aws-chunked body).",
          {
            StringToSign: toSign,
            SignatureProvided: this.#trailerSignature,
          },
        );
      }
      this.#previous = expected;
    }
    for (const [name] of this.#received) {
      if (!this.#declared.includes(name))
        throw new S3Error("InvalidRequest", `The trailer ${name} was sent but not declared in x-amz-trailer`);
    }
    for (const name of this.#declared) {
      if (!this.#received.some(([n]) => n === name))
        throw new S3Error("InvalidRequest", `The trailer ${name} declared in x-amz-trailer was not sent`);
    }
    if (this.#decodedLength !== undefined && this.#decoded !== this.#decodedLength) {
      throw new S3Error(
        "IncompleteBody",
        `You did not provide the number of bytes specified by x-amz-decoded-content-length (${this.#decodedLength}; got ${this.#decoded})`,
      );
    }
    for (const [name, value] of this.#received) {
      const checksum = this.#checksums.get(name);
      if (checksum && checksum.digest() !== value) {
        throw new S3Error(
          "BadDigest",
          `The ${checksum.algorithm} you specified did not match the calculated checksum.`,
        );
      }
    }
    // A null-prototype record: a trailer named `__proto__` is a key like any other.
    const trailers: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [name, value] of this.#received) trailers[name] = value;
    this.#verified = trailers;
    this.#state = "done";
  }
}
