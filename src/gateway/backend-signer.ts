/**
 * @module gateway/backend-signer — SigV4 for the requests the gateway sends to its backends,
 * built from what the gateway already has in hand: the path and query exactly as they go on the
 * wire, the forwarded headers, and the payload hash the client signed (or `UNSIGNED-PAYLOAD`).
 *
 * The SDK's signer would do the same work with a copy of the request, its own hashing wrapper and
 * several awaits per request; on a proxy's hot path that is a measurable share of the CPU of a
 * small request. This one shares the cached signing keys and HMAC of the gateway's verifier.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { SIGV4_ALGORITHM, deriveSigningKey, sha256Hex, signString } from "./auth/sigv4-crypto.js";

/** Credentials as the SDK's config holds them (a provider) or as a user's own (an object). */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}
export type CredentialSource = SigningCredentials | (() => Promise<SigningCredentials>);

/**
 * Headers never signed: those a hop may add, drop or rewrite on the way (the same set the AWS
 * SDKs leave out, with every `proxy-*` and a browser's `sec-*`), so that a signature survives an
 * ordinary forward proxy.
 */
const UNSIGNABLE = new Set([
  "authorization",
  "cache-control",
  "connection",
  "expect",
  "from",
  "keep-alive",
  "max-forwards",
  "pragma",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-amzn-trace-id",
]);

/** What one request is signed over. */
export interface SigningInput {
  readonly method: string;
  /** The path as sent, already encoded (S3 signs it as is, not encoded again). */
  readonly path: string;
  /** Query pairs as sent, each name and value RFC 3986-encoded. */
  readonly encodedQuery: ReadonlyArray<readonly [string, string]>;
  /** Lowercase names; `host` and `x-amz-content-sha256` included. Gains the signing headers. */
  readonly headers: Record<string, string>;
  readonly payloadHash: string;
  readonly region: string;
}

/** `YYYYMMDD'T'HHMMSS'Z'` of `date`. */
function amzDate(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

const byNameThenValue = (a: readonly [string, string], b: readonly [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/**
 * Signs `input` with `credentials`: adds `x-amz-date`, `x-amz-security-token` (temporary
 * credentials) and `authorization` to `input.headers`, and returns them.
 */
export function signBackendRequest(
  input: SigningInput,
  credentials: SigningCredentials,
  now = new Date(),
): Record<string, string> {
  const { headers } = input;
  const time = amzDate(now);
  headers["x-amz-date"] = time;
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const names: string[] = [];
  for (const name in headers)
    if (!UNSIGNABLE.has(name) && !name.startsWith("proxy-") && !name.startsWith("sec-")) names.push(name);
  names.sort();
  let canonicalHeaders = "";
  for (const name of names) canonicalHeaders += `${name}:${headers[name]!.trim().replace(/\s+/g, " ")}\n`;
  const signedHeaders = names.join(";");
  const query =
    input.encodedQuery.length === 0
      ? ""
      : [...input.encodedQuery]
          .sort(byNameThenValue)
          .map(([k, v]) => `${k}=${v}`)
          .join("&");
  const canonical = `${input.method}\n${input.path}\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${input.payloadHash}`;
  const day = time.slice(0, 8);
  const scope = `${day}/${input.region}/s3/aws4_request`;
  const signature = signString(
    deriveSigningKey(credentials.secretAccessKey, day, input.region, "s3"),
    `${SIGV4_ALGORITHM}\n${time}\n${scope}\n${sha256Hex(canonical)}`,
  );
  headers["authorization"] =
    `${SIGV4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** The credentials of a source, resolved (the SDK's providers cache and refresh them). */
export async function resolveCredentials(source: CredentialSource): Promise<SigningCredentials> {
  return typeof source === "function" ? source() : source;
}
