/**
 * @module gateway/redact — request targets as logs may keep them: a presigned URL is a bearer
 * credential until it expires, so its signature, credential scope and session token are replaced
 * before a line is written.
 */

/** Query parameters whose values authenticate a request (SigV4 and SigV2 presigning). */
const SECRET_PARAMS = new Set([
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "signature",
  "awsaccesskeyid",
]);

/**
 * `url` with the values of its authenticating query parameters replaced by `REDACTED`.
 * @example redactUrl("/b/k?X-Amz-Signature=ab12&partNumber=1") // "/b/k?X-Amz-Signature=REDACTED&partNumber=1"
 */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split("&")
    .map((piece) => {
      const eq = piece.indexOf("=");
      const name = eq < 0 ? piece : piece.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // An undecodable name is logged as sent; it cannot be a parameter the gateway read.
      }
      return eq >= 0 && SECRET_PARAMS.has(decoded.toLowerCase()) ? `${name}=REDACTED` : piece;
    })
    .join("&");
  return `${url.slice(0, q)}?${query}`;
}
