/**
 * @module gateway/auth/sigv4-verify — authenticates an S3 request: exactly one of an AWS SigV4
 * `Authorization` header, a SigV4 presigned URL, or nothing at all (anonymous, when the
 * directory allows it). It checks the credential scope, the clock, the expiry and the signature
 * (constant-time), and says what the signature covers of the body ({@link PayloadMode}), which
 * the caller verifies while the body streams.
 *
 * Every refusal is an {@link S3Error} with the code (and, where it helps a client author, the
 * detail) S3 itself uses.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
import type { IncomingHttpHeaders } from "node:http";
import { S3Error } from "../s3-error.js";
import {
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  UNSIGNED_PAYLOAD,
  invalidPayloadHash,
  isHexSha256,
  isPayloadHashValue,
  parseDeclaredTrailers,
  parseDecodedLength,
  type ChunkSigning,
  type PayloadMode,
} from "./payload-mode.js";
import { canonicalRequest, parseQuery, stringToSign, type QueryParameter } from "./sigv4-canonical.js";
import { SIGV4_ALGORITHM, deriveSigningKey, signString, signaturesEqual } from "./sigv4-crypto.js";
import type { GatewayUser, UserDirectory } from "./users.js";

/** The parts of an HTTP request that its signature covers. */
export interface SignedRequest {
  /** The HTTP method, as received (node gives it uppercase). */
  readonly method: string;
  /** The path exactly as received: still percent-encoded, without the query. */
  readonly rawPath: string;
  /** The query exactly as received, without the `?`. */
  readonly rawQuery: string;
  /** Node's parsed headers (lowercase names). */
  readonly headers: IncomingHttpHeaders;
  /**
   * Node's `req.rawHeaders`. Optional, but pass it: only with it can a header the client sent
   * twice be canonicalized exactly (node joins repeats with `", "`, the spec with `","`).
   */
  readonly rawHeaders?: readonly string[] | undefined;
}

/** Options of {@link authenticate}. */
export interface AuthenticateOptions {
  /** The current time. @default new Date() */
  readonly now?: Date | undefined;
  /**
   * Largest accepted difference between the request time and `now`, in seconds, for signed
   * headers; a presigned URL may be dated at most this far in the future.
   * @default 900 (15 minutes, as S3)
   */
  readonly maxSkewSeconds?: number | undefined;
  /** When set, the credential scope's region must equal it. @default any region */
  readonly region?: string | undefined;
}

/** Who sent a request, and what of its body their signature covers. */
export interface AuthContext {
  /** The authenticated user; `undefined` for an anonymous request. */
  readonly user: GatewayUser | undefined;
  /** How the request was authenticated. */
  readonly scheme: "header" | "presigned" | "anonymous";
  /** What the signature says about the body; see {@link PayloadMode}. */
  readonly payload: PayloadMode;
  /**
   * The length of the body once decoded, when known: `x-amz-decoded-content-length` for an
   * `aws-chunked` body, `content-length` otherwise. What a proxy sends on as `content-length`.
   */
  readonly decodedLength: number | undefined;
}

/** S3's limit on `X-Amz-Expires`: seven days. */
const MAX_PRESIGNED_EXPIRES = 604_800;
const DEFAULT_MAX_SKEW_SECONDS = 900;

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** An HTTP token in lowercase: what a `SignedHeaders` entry must be. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** Query parameters of a SigV4 presigned URL. */
const Q_ALGORITHM = "X-Amz-Algorithm";
const Q_CREDENTIAL = "X-Amz-Credential";
const Q_DATE = "X-Amz-Date";
const Q_EXPIRES = "X-Amz-Expires";
const Q_SIGNED_HEADERS = "X-Amz-SignedHeaders";
const Q_SIGNATURE = "X-Amz-Signature";
const Q_CONTENT_SHA256 = "X-Amz-Content-Sha256";

/** Builds the "malformed" refusal of one auth scheme (their codes and wording differ). */
type Malformed = (problem: string, detail?: Record<string, string>) => S3Error;

const headerMalformed: Malformed = (problem, detail) =>
  new S3Error("AuthorizationHeaderMalformed", `The authorization header is malformed; ${problem}`, detail);
const queryMalformed: Malformed = (problem, detail) =>
  new S3Error("AuthorizationQueryParametersError", problem, detail);

const sigV2Refused = (): S3Error => new S3Error("InvalidRequest", "Signature Version 2 is not supported; use SigV4");

/** The single value of a header (`undefined` when absent; node gives arrays only for a few). */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * Authenticates a request.
 * @returns the user (or `undefined` for an allowed anonymous request) and the payload mode.
 * @throws {@link S3Error}: `InvalidArgument` (two auth mechanisms, a bad `x-amz-content-sha256`),
 *   `InvalidRequest` (SigV2, SigV4A, a missing `x-amz-content-sha256`),
 *   `AuthorizationHeaderMalformed` / `AuthorizationQueryParametersError` (malformed or wrong
 *   credential scope), `InvalidAccessKeyId`, `RequestTimeTooSkewed`, `AccessDenied` (expired or
 *   not yet valid URL, unsigned `x-amz-*` headers, anonymous not allowed) or
 *   `SignatureDoesNotMatch`.
 */
export function authenticate(
  request: SignedRequest,
  users: UserDirectory,
  options: AuthenticateOptions = {},
): AuthContext {
  const query = parseQuery(request.rawQuery);
  const authorization = header(request.headers, "authorization");
  const presigned = query.some((p) => p.name === Q_ALGORITHM || p.name === Q_CREDENTIAL || p.name === Q_SIGNATURE);
  const presignedV2 = query.some((p) => p.name === "AWSAccessKeyId");
  if (authorization !== undefined && (presigned || presignedV2)) {
    throw new S3Error(
      "InvalidArgument",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
      { ArgumentName: "Authorization", ArgumentValue: authorization.split(/\s/, 1)[0] ?? "" },
    );
  }
  if (authorization !== undefined) return headerAuth(request, query, authorization, users, options);
  if (presigned) return presignedAuth(request, query, users, options);
  if (presignedV2) throw sigV2Refused();
  if (!users.allowsAnonymous) {
    throw new S3Error(
      "AccessDenied",
      "Access Denied: this gateway does not accept anonymous requests; sign them with AWS Signature Version 4",
    );
  }
  const payload = unsignedPayloadMode(request.headers);
  return { user: undefined, scheme: "anonymous", payload, decodedLength: decodedLengthOf(payload, request.headers) };
}

/** The facts both signed schemes share, once parsed. */
interface Credential {
  readonly accessKeyId: string;
  /** `YYYYMMDD` of the scope. */
  readonly date: string;
  readonly region: string;
  /** `date/region/s3/aws4_request`. */
  readonly scope: string;
}

function parseCredential(credential: string, malformed: Malformed, options: AuthenticateOptions): Credential {
  const parts = credential.split("/");
  // The access key is everything before the last four parts, so a key containing "/" still works.
  const [date, region, service, terminal] = parts.slice(-4) as [string?, string?, string?, string?];
  const accessKeyId = parts.slice(0, -4).join("/");
  if (
    parts.length < 5 ||
    accessKeyId === "" ||
    date === undefined ||
    !/^\d{8}$/.test(date) ||
    !region ||
    service === undefined ||
    terminal === undefined
  ) {
    throw malformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  if (service !== "s3") throw malformed(`incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminal !== "aws4_request")
    throw malformed(`incorrect terminal "${terminal}". This endpoint uses "aws4_request".`);
  if (options.region !== undefined && region !== options.region) {
    throw malformed(`the region '${region}' is wrong; expecting '${options.region}'`, { Region: options.region });
  }
  return { accessKeyId, date, region, scope: `${date}/${region}/s3/aws4_request` };
}

function parseSignedHeaders(list: string, malformed: Malformed): string[] {
  const names = list.split(";");
  const seen = new Set<string>();
  for (const name of names) {
    if (!HEADER_NAME.test(name) || seen.has(name))
      throw malformed(`SignedHeaders "${list}" is not a list of distinct lowercase header names separated by ";".`);
    seen.add(name);
  }
  // Without host, a signature could be replayed against any other endpoint sharing the key.
  if (!seen.has("host")) throw malformed(`SignedHeaders "${list}" must include host.`);
  return names;
}

/** Milliseconds since the epoch of a `YYYYMMDDTHHMMSSZ` time; `undefined` if it is not one. */
function parseAmzDate(text: string): number | undefined {
  const m = AMZ_DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const time = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls over (month 13, second 61); a real timestamp round-trips.
  return formatAmzDate(time) === text ? time : undefined;
}

function formatAmzDate(time: number): string {
  return new Date(time)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** Refuses `x-amz-*` headers the signature does not cover, as S3 does: a proxy must not forward them. */
function requireSignedAmzHeaders(headers: IncomingHttpHeaders, signed: readonly string[]): void {
  const unsigned = Object.keys(headers).filter((name) => name.startsWith("x-amz-") && !signed.includes(name));
  if (unsigned.length > 0) {
    throw new S3Error("AccessDenied", "There were headers present in the request which were not signed", {
      HeadersNotSigned: unsigned.join(", "),
    });
  }
}

function lookupUser(users: UserDirectory, accessKeyId: string): GatewayUser {
  const user = users.lookup(accessKeyId);
  if (!user) {
    throw new S3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", {
      AWSAccessKeyId: accessKeyId,
    });
  }
  return user;
}

/** Compares the provided signature with the one computed for the canonical request. */
function verifySignature(
  request: SignedRequest,
  query: readonly QueryParameter[],
  parts: {
    credential: Credential;
    user: GatewayUser;
    amzDate: string;
    signedHeaders: readonly string[];
    payloadHash: string;
    signature: string;
    presigned: boolean;
  },
): Buffer {
  const canonical = canonicalRequest({
    method: request.method,
    rawPath: request.rawPath,
    query,
    ...(parts.presigned && { omitParameter: Q_SIGNATURE }),
    headers: request.headers,
    rawHeaders: request.rawHeaders,
    signedHeaders: parts.signedHeaders,
    payloadHash: parts.payloadHash,
  });
  const toSign = stringToSign(parts.amzDate, parts.credential.scope, canonical);
  const key = deriveSigningKey(parts.user.secretAccessKey, parts.credential.date, parts.credential.region);
  if (!signaturesEqual(parts.signature, signString(key, toSign))) {
    // S3 returns what it signed, so that a client author can find the difference.
    throw new S3Error(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      {
        AWSAccessKeyId: parts.credential.accessKeyId,
        StringToSign: toSign,
        SignatureProvided: parts.signature,
        CanonicalRequest: canonical,
      },
    );
  }
  return key;
}

const AUTH_FIELDS = ["Credential", "SignedHeaders", "Signature"] as const;

/** `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` */
function headerAuth(
  request: SignedRequest,
  query: readonly QueryParameter[],
  authorization: string,
  users: UserDirectory,
  options: AuthenticateOptions,
): AuthContext {
  const value = authorization.trim();
  const space = value.search(/\s/);
  const scheme = space < 0 ? value : value.slice(0, space);
  if (scheme === "AWS") throw sigV2Refused();
  if (scheme === "AWS4-ECDSA-P256-SHA256")
    throw new S3Error("InvalidRequest", "Signature Version 4A is not supported; use SigV4 (AWS4-HMAC-SHA256)");
  if (scheme !== SIGV4_ALGORITHM) {
    throw new S3Error("InvalidArgument", "Unsupported Authorization Type", {
      ArgumentName: "Authorization",
      ArgumentValue: scheme,
    });
  }
  // Clients differ in the spaces around "," and "=", so only the structure is required.
  const fields = new Map<string, string>();
  for (const piece of (space < 0 ? "" : value.slice(space)).split(",")) {
    const part = piece.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq).trim();
    if (eq < 0 || !(AUTH_FIELDS as readonly string[]).includes(name) || fields.has(name)) {
      throw headerMalformed(`expecting exactly the components Credential, SignedHeaders and Signature, got "${part}".`);
    }
    fields.set(name, part.slice(eq + 1).trim());
  }
  const credentialText = fields.get("Credential");
  const signedText = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credentialText === undefined || signedText === undefined || signature === undefined) {
    throw headerMalformed(
      "the authorization header requires three components: Credential, SignedHeaders, and Signature.",
    );
  }
  const credential = parseCredential(credentialText, headerMalformed, options);
  const signedHeaders = parseSignedHeaders(signedText, headerMalformed);

  // The request time: x-amz-date, or else Date (which must then be signed, or it could be replayed).
  const amzDateHeader = header(request.headers, "x-amz-date");
  const dateHeader = header(request.headers, "date");
  let time: number | undefined;
  let amzDate: string | undefined;
  if (amzDateHeader !== undefined) {
    time = parseAmzDate(amzDateHeader.trim());
    amzDate = amzDateHeader.trim();
  } else if (dateHeader !== undefined && signedHeaders.includes("date")) {
    const parsed = Date.parse(dateHeader);
    if (!Number.isNaN(parsed)) {
      time = parsed;
      amzDate = formatAmzDate(parsed);
    }
  }
  if (time === undefined || amzDate === undefined)
    throw new S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  if (amzDate.slice(0, 8) !== credential.date) {
    throw headerMalformed(
      `Invalid credential date "${credential.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    );
  }

  const declared = header(request.headers, "x-amz-content-sha256");
  if (declared === undefined)
    throw new S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  if (!isPayloadHashValue(declared)) throw invalidPayloadHash(declared);

  const user = lookupUser(users, credential.accessKeyId);
  const now = (options.now ?? new Date()).getTime();
  const maxSkewMs = (options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS) * 1000;
  if (Math.abs(now - time) > maxSkewMs) {
    throw new S3Error(
      "RequestTimeTooSkewed",
      "The difference between the request time and the current time is too large.",
      {
        RequestTime: amzDateHeader ?? dateHeader ?? "",
        ServerTime: new Date(now).toISOString(),
        MaxAllowedSkewMilliseconds: String(maxSkewMs),
      },
    );
  }
  requireSignedAmzHeaders(request.headers, signedHeaders);

  const signingKey = verifySignature(request, query, {
    credential,
    user,
    amzDate,
    signedHeaders,
    payloadHash: declared,
    signature,
    presigned: false,
  });

  let payload: PayloadMode;
  if (declared === UNSIGNED_PAYLOAD) payload = { kind: "unsigned" };
  else if (isHexSha256(declared)) payload = { kind: "signed", sha256: declared.toLowerCase() };
  else {
    const facts = {
      decodedLength: parseDecodedLength(header(request.headers, "x-amz-decoded-content-length")),
      declaredTrailers: parseDeclaredTrailers(header(request.headers, "x-amz-trailer")),
    };
    payload =
      declared === STREAMING_UNSIGNED_TRAILER
        ? { kind: "streaming-unsigned-trailer", ...facts }
        : {
            kind: "streaming-signed",
            trailer: declared === STREAMING_SIGNED_TRAILER,
            signing: chunkSigning(signingKey, amzDate, credential.scope, signature.toLowerCase()),
            ...facts,
          };
  }
  return { user, scheme: "header", payload, decodedLength: decodedLengthOf(payload, request.headers) };
}

/** `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…&X-Amz-Date=…&X-Amz-Expires=…&X-Amz-SignedHeaders=…&X-Amz-Signature=…` */
function presignedAuth(
  request: SignedRequest,
  query: readonly QueryParameter[],
  users: UserDirectory,
  options: AuthenticateOptions,
): AuthContext {
  const single = (name: string, anyCase = false): string | undefined => {
    const found = query.filter((p) => p.name === name || (anyCase && p.name.toLowerCase() === name.toLowerCase()));
    if (found.length > 1) throw queryMalformed(`The query parameter ${name} may appear only once.`);
    return found[0]?.value;
  };
  const algorithm = single(Q_ALGORITHM);
  const credentialText = single(Q_CREDENTIAL);
  const amzDate = single(Q_DATE);
  const expiresText = single(Q_EXPIRES);
  const signedText = single(Q_SIGNED_HEADERS);
  const signature = single(Q_SIGNATURE);
  // The SDK's presigner hoists its x-amz-content-sha256 header into the query in lowercase.
  const contentSha256 = single(Q_CONTENT_SHA256, true);
  if (
    algorithm === undefined ||
    credentialText === undefined ||
    amzDate === undefined ||
    expiresText === undefined ||
    signedText === undefined ||
    signature === undefined
  ) {
    throw queryMalformed(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  if (algorithm !== SIGV4_ALGORITHM) throw queryMalformed(`X-Amz-Algorithm only supports "${SIGV4_ALGORITHM}"`);
  const credential = parseCredential(
    credentialText,
    (problem, detail) => queryMalformed(`Error parsing the X-Amz-Credential parameter; ${problem}`, detail),
    options,
  );
  const signedHeaders = parseSignedHeaders(signedText, (problem) =>
    queryMalformed(`Error parsing the X-Amz-SignedHeaders parameter; ${problem}`),
  );
  const time = parseAmzDate(amzDate);
  if (time === undefined) throw queryMalformed(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  if (amzDate.slice(0, 8) !== credential.date) {
    throw queryMalformed(
      `Invalid credential date "${credential.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    );
  }
  if (!/^\d{1,7}$/.test(expiresText)) throw queryMalformed("X-Amz-Expires should be a number");
  const expires = Number(expiresText);
  // Refused as Ceph RGW refuses it (403), which s3-tests expects; AWS itself answers 400.
  if (expires > MAX_PRESIGNED_EXPIRES) {
    throw new S3Error(
      "AccessDenied",
      `X-Amz-Expires must be less than a week (in seconds) that is; the given X-Amz-Expires must be less than ${MAX_PRESIGNED_EXPIRES} seconds`,
      { "X-Amz-Expires": expiresText },
    );
  }
  // The canonical payload line of a presigned URL is UNSIGNED-PAYLOAD, unless the URL itself names a hash.
  if (contentSha256 !== undefined && contentSha256 !== UNSIGNED_PAYLOAD && !isHexSha256(contentSha256)) {
    throw queryMalformed(`X-Amz-Content-Sha256 must be ${UNSIGNED_PAYLOAD} or a hex SHA-256 in a presigned URL.`);
  }
  const payloadHash = contentSha256 ?? UNSIGNED_PAYLOAD;
  const payload: PayloadMode =
    contentSha256 !== undefined && isHexSha256(contentSha256)
      ? { kind: "signed", sha256: contentSha256.toLowerCase() }
      : unsignedPayloadMode(request.headers);

  const user = lookupUser(users, credential.accessKeyId);
  const now = (options.now ?? new Date()).getTime();
  const maxSkewMs = (options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS) * 1000;
  if (time - now > maxSkewMs) {
    throw new S3Error("AccessDenied", "Request is not valid yet", {
      "X-Amz-Date": amzDate,
      ServerTime: new Date(now).toISOString(),
    });
  }
  if (now > time + expires * 1000) {
    throw new S3Error("AccessDenied", "Request has expired", {
      "X-Amz-Expires": expiresText,
      Expires: new Date(time + expires * 1000).toISOString(),
      ServerTime: new Date(now).toISOString(),
    });
  }
  requireSignedAmzHeaders(request.headers, signedHeaders);
  verifySignature(request, query, {
    credential,
    user,
    amzDate,
    signedHeaders,
    payloadHash,
    signature,
    presigned: true,
  });
  return { user, scheme: "presigned", payload, decodedLength: decodedLengthOf(payload, request.headers) };
}

/**
 * The payload mode of a request whose signature does not cover the body (anonymous, presigned):
 * a hex `x-amz-content-sha256` is still honoured (checking it costs little and catches
 * corruption), and an unsigned `aws-chunked` body is still decoded.
 */
function unsignedPayloadMode(headers: IncomingHttpHeaders): PayloadMode {
  const declared = header(headers, "x-amz-content-sha256");
  if (declared === undefined || declared === UNSIGNED_PAYLOAD) return { kind: "unsigned" };
  if (isHexSha256(declared)) return { kind: "signed", sha256: declared.toLowerCase() };
  if (declared === STREAMING_UNSIGNED_TRAILER) {
    return {
      kind: "streaming-unsigned-trailer",
      decodedLength: parseDecodedLength(header(headers, "x-amz-decoded-content-length")),
      declaredTrailers: parseDeclaredTrailers(header(headers, "x-amz-trailer")),
    };
  }
  if (declared === STREAMING_SIGNED || declared === STREAMING_SIGNED_TRAILER) {
    throw new S3Error(
      "InvalidRequest",
      `x-amz-content-sha256 ${declared} needs a request signed with the Authorization header`,
    );
  }
  throw invalidPayloadHash(declared);
}

/**
 * The chunk-verification facts, with the signing key kept out of enumeration: an auth context is
 * the kind of object that ends up in a log line, and the key signs anything for its scope all day.
 */
function chunkSigning(signingKey: Uint8Array, amzDate: string, scope: string, seedSignature: string): ChunkSigning {
  const signing = { amzDate, scope, seedSignature } as ChunkSigning;
  Object.defineProperty(signing, "signingKey", { value: signingKey, enumerable: false });
  return signing;
}

function decodedLengthOf(payload: PayloadMode, headers: IncomingHttpHeaders): number | undefined {
  if (payload.kind === "streaming-signed" || payload.kind === "streaming-unsigned-trailer")
    return payload.decodedLength;
  const length = header(headers, "content-length");
  return length !== undefined && /^\d{1,15}$/.test(length.trim()) ? Number(length.trim()) : undefined;
}
