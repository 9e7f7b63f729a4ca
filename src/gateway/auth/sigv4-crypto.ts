/**
 * @module gateway/auth/sigv4-crypto — the cryptographic primitives of AWS Signature Version 4:
 * SHA-256, HMAC-SHA256, the derived signing key (cached), and the constant-time comparison every
 * signature check goes through.
 *
 * Everything here is synchronous (node:crypto), so that request authentication and chunk
 * verification never yield to the event loop halfway through a decision.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The SigV4 algorithm name, in `Authorization` and `X-Amz-Algorithm`. */
export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";

/** Hex SHA-256 of the empty string: the payload hash of a request without body. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Lowercase hex SHA-256 of a string (as UTF-8) or of bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** HMAC-SHA256 of `data` (a string is hashed as UTF-8) under `key`. */
export function hmacSha256(key: string | Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** The signature of a string to sign: lowercase hex HMAC-SHA256 under the signing key. */
export function signString(signingKey: Uint8Array, stringToSign: string): string {
  return createHmac("sha256", signingKey).update(stringToSign).digest("hex");
}

/**
 * Most signing keys kept. A key depends on (secret, day, region, service), so a gateway holds one
 * per user and region per day; the bound only caps what a flood of distinct scopes can pin.
 */
const MAX_CACHED_KEYS = 512;

/** Insertion-ordered, so the first entry is the least recently used. */
const signingKeys = new Map<string, Buffer>();

/**
 * The SigV4 signing key `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request")`. Four HMACs per request are cheap but not free, and every chunk of a streamed
 * upload needs the key again, so keys are cached (bounded, least recently used evicted). The
 * cache is keyed by the secret itself, not the access key, so that a rotated secret can never be
 * served a stale key.
 */
export function deriveSigningKey(secret: string, date: string, region: string, service = "s3"): Buffer {
  const id = `${date}\n${region}\n${service}\n${secret}`;
  const cached = signingKeys.get(id);
  if (cached) {
    signingKeys.delete(id);
    signingKeys.set(id, cached);
    return cached;
  }
  const kDate = hmacSha256(`AWS4${secret}`, date);
  const kRegion = hmacSha256(kDate, region);
  const kService = hmacSha256(kRegion, service);
  const key = hmacSha256(kService, "aws4_request");
  signingKeys.set(id, key);
  if (signingKeys.size > MAX_CACHED_KEYS) {
    const oldest = signingKeys.keys().next();
    if (!oldest.done) signingKeys.delete(oldest.value);
  }
  return key;
}

/**
 * Whether a signature the client provided equals the one computed, in time that does not depend
 * on where they first differ (a `===` would let an attacker find a valid signature byte by byte
 * by timing). Hex case is ignored: the spec writes lowercase, but the value is the same.
 */
export function signaturesEqual(provided: string, expected: string): boolean {
  const a = Buffer.from(provided.toLowerCase(), "utf8");
  const b = Buffer.from(expected, "utf8");
  // The expected length (64) is public; only equal-length buffers can be compared.
  return a.length === b.length && timingSafeEqual(a, b);
}
