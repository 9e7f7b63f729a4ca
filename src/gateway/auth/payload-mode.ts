/**
 * @module gateway/auth/payload-mode — what a request's signature says about its body, as
 * declared by `x-amz-content-sha256`: nothing (`UNSIGNED-PAYLOAD`), its SHA-256, or that it comes
 * `aws-chunked` (chunk by chunk signed, or unsigned with a checksum trailer). The body itself is
 * checked later, while it streams, by payload-verify and aws-chunked.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html
 */
import { S3Error } from "../s3-error.js";

/** `x-amz-content-sha256` values other than a hex digest. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/** What a streamed, signed upload needs to verify its chunk signatures. */
export interface ChunkSigning {
  /**
   * The SigV4 signing key of the request's credential scope. authenticate() makes it
   * non-enumerable, so that logging or serializing an auth context does not leak it; pass the
   * object itself on (a spread copy would lose the key).
   */
  readonly signingKey: Uint8Array;
  /** The request time, `YYYYMMDDTHHMMSSZ`, as in the request's string to sign. */
  readonly amzDate: string;
  /** The credential scope, `YYYYMMDD/region/s3/aws4_request`. */
  readonly scope: string;
  /** The request's own signature: the "previous signature" of the first chunk. */
  readonly seedSignature: string;
}

/** Facts every `aws-chunked` mode carries. */
interface StreamingFacts {
  /** `x-amz-decoded-content-length`: the payload length once decoded, when the client said. */
  readonly decodedLength: number | undefined;
  /** `x-amz-trailer`: the lowercase names of the trailers the client announced. */
  readonly declaredTrailers: readonly string[];
}

/** The body as the signature covers it. */
export type PayloadMode =
  /** Not covered: `UNSIGNED-PAYLOAD`, every presigned URL, and anonymous requests. */
  | { readonly kind: "unsigned" }
  /** Covered by its SHA-256 (lowercase hex), to be checked as it streams. */
  | { readonly kind: "signed"; readonly sha256: string }
  /** `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`: each chunk (and the trailer) signed. */
  | ({ readonly kind: "streaming-signed"; readonly trailer: boolean; readonly signing: ChunkSigning } & StreamingFacts)
  /** `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: plain chunks, a checksum trailer at the end. */
  | ({ readonly kind: "streaming-unsigned-trailer" } & StreamingFacts);

/** The `aws-chunked` modes. */
export type StreamingPayloadMode = Extract<PayloadMode, { kind: "streaming-signed" | "streaming-unsigned-trailer" }>;

/** True for the modes whose body is `aws-chunked` framed. */
export const isStreamingPayload = (mode: PayloadMode): mode is StreamingPayloadMode =>
  mode.kind === "streaming-signed" || mode.kind === "streaming-unsigned-trailer";

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Whether a value is one `x-amz-content-sha256` may take. */
export function isPayloadHashValue(value: string): boolean {
  return (
    HEX_SHA256.test(value) ||
    value === UNSIGNED_PAYLOAD ||
    value === STREAMING_SIGNED ||
    value === STREAMING_SIGNED_TRAILER ||
    value === STREAMING_UNSIGNED_TRAILER
  );
}

/** Refuses a value `x-amz-content-sha256` may not take (S3's own wording). */
export function invalidPayloadHash(value: string): S3Error {
  return new S3Error(
    "InvalidArgument",
    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, " +
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
    { ArgumentName: "x-amz-content-sha256", ArgumentValue: value },
  );
}

/** A hex digest as the signed mode keeps it (lowercase, so comparisons need no case folding). */
export const isHexSha256 = (value: string): boolean => HEX_SHA256.test(value);

/** Parses `x-amz-decoded-content-length`; `undefined` when absent. */
export function parseDecodedLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^\d{1,15}$/.test(text)) {
    throw new S3Error("InvalidArgument", "x-amz-decoded-content-length must be a non-negative integer.", {
      ArgumentName: "x-amz-decoded-content-length",
      ArgumentValue: value,
    });
  }
  return Number(text);
}

/** Parses `x-amz-trailer` (a comma-separated list of header names) into lowercase names. */
export function parseDeclaredTrailers(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
}
