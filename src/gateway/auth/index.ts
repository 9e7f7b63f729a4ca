/**
 * @module gateway/auth — who sent a request and whether its body is what they signed: the user
 * directory, SigV4 verification (header and presigned), and the streaming checks of the body
 * (signed SHA-256, `aws-chunked` chunk and trailer signatures, checksum trailers).
 */
export { UserDirectory } from "./users.js";
export type { AccessRequest, AnonymousPolicy, GatewayUser } from "./users.js";

export { authenticate } from "./sigv4-verify.js";
export type { AuthContext, AuthenticateOptions, SignedRequest } from "./sigv4-verify.js";

export {
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  UNSIGNED_PAYLOAD,
  isStreamingPayload,
} from "./payload-mode.js";
export type { ChunkSigning, PayloadMode, StreamingPayloadMode } from "./payload-mode.js";

export { AwsChunkedDecoder } from "./aws-chunked.js";
export type { AwsChunkedDecoderOptions, Trailers } from "./aws-chunked.js";

export { PayloadHashVerifier } from "./payload-verify.js";

export { decodeRequestBody } from "./request-body.js";

export {
  canonicalQueryString,
  canonicalRequest,
  parseQuery,
  stringToSign,
  trimAll,
  uriEncode,
} from "./sigv4-canonical.js";
export type { CanonicalRequestParts, QueryParameter } from "./sigv4-canonical.js";

export {
  EMPTY_SHA256,
  SIGV4_ALGORITHM,
  deriveSigningKey,
  sha256Hex,
  signString,
  signaturesEqual,
} from "./sigv4-crypto.js";

export { crc32c } from "./crc32c.js";
export { checksumForTrailer } from "./trailer-checksum.js";
export type { RunningChecksum } from "./trailer-checksum.js";
