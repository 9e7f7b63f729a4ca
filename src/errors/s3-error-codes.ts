/**
 * @module errors/s3-error-codes — the S3 error codes s3-router answers with itself, each with the
 * HTTP status S3 uses for it and, for those clients meet most, S3's message. One registry: the
 * gateway's statuses and messages, the code it gives a bare status and the library's own S3
 * errors all read it, so a code cannot have two statuses in two places, and a code that is not
 * here does not compile where the router makes one up.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */

/** What the registry knows of one code. */
interface S3ErrorEntry {
  /** HTTP status S3 answers with. */
  readonly status: number;
  /** S3's message, for errors whose own text cannot be shown; absent: the code itself is shown. */
  readonly message?: string;
  /**
   * The code to answer for this status when a backend gave nothing more than the status (a
   * proxy's HTML page, an empty body). At most one code per status has it.
   */
  readonly forBareStatus?: true;
}

/** Every S3 error code s3-router produces (codes a backend answers with are relayed as they are). */
export const S3_ERRORS = {
  AccessDenied: { status: 403, message: "Access Denied", forBareStatus: true },
  /** A CORS preflight S3 refuses. */
  AccessForbidden: { status: 403 },
  AuthorizationHeaderMalformed: { status: 400 },
  AuthorizationQueryParametersError: { status: 400 },
  BadDigest: { status: 400 },
  BucketAlreadyExists: { status: 409, message: "The requested bucket name is not available." },
  BucketAlreadyOwnedByYou: {
    status: 409,
    message: "Your previous request to create the named bucket succeeded and you already own it.",
  },
  BucketNotEmpty: { status: 409, message: "The bucket you tried to delete is not empty." },
  EntityTooLarge: { status: 400, message: "Your proposed upload exceeds the maximum allowed object size." },
  EntityTooSmall: { status: 400, message: "Your proposed upload is smaller than the minimum allowed object size." },
  IncompleteBody: { status: 400 },
  InternalError: { status: 500, message: "We encountered an internal error. Please try again.", forBareStatus: true },
  // The backend refused the gateway's own credentials or signature: nothing the client can fix by
  // re-signing, so S3's text (which would tell it to check its key) is not the one shown.
  InvalidAccessKeyId: {
    status: 403,
    message: "The backend store did not accept the gateway's credentials for this request.",
  },
  InvalidArgument: { status: 400, message: "Invalid Argument" },
  InvalidBucketName: { status: 400, message: "The specified bucket is not valid." },
  InvalidDigest: { status: 400 },
  InvalidPart: { status: 400, message: "One or more of the specified parts could not be found." },
  InvalidPartOrder: { status: 400, message: "The list of parts was not in ascending order." },
  InvalidPolicyDocument: { status: 400 },
  InvalidRange: { status: 416, message: "The requested range is not satisfiable.", forBareStatus: true },
  InvalidRequest: { status: 400, message: "Invalid Request", forBareStatus: true },
  InvalidURI: { status: 400 },
  MalformedPOSTRequest: { status: 400 },
  MalformedXML: {
    status: 400,
    message: "The XML you provided was not well-formed or did not validate against our published schema.",
  },
  MethodNotAllowed: {
    status: 405,
    message: "The specified method is not allowed against this resource.",
    forBareStatus: true,
  },
  MissingContentLength: { status: 411, forBareStatus: true },
  MissingSecurityHeader: { status: 400 },
  /** The gateway's own: a write reached the primary but not the profile's mirror. */
  MirrorWriteFailed: { status: 502 },
  NoSuchBucket: { status: 404, message: "The specified bucket does not exist." },
  NoSuchKey: { status: 404, message: "The specified key does not exist.", forBareStatus: true },
  NoSuchUpload: { status: 404, message: "The specified multipart upload does not exist." },
  NoSuchVersion: { status: 404, message: "The specified version does not exist." },
  NotImplemented: {
    status: 501,
    message: "A header you provided implies functionality that is not implemented.",
    forBareStatus: true,
  },
  OperationAborted: { status: 409, forBareStatus: true },
  PreconditionFailed: {
    status: 412,
    message: "At least one of the preconditions you specified did not hold.",
    forBareStatus: true,
  },
  RequestTimeTooSkewed: { status: 403 },
  RequestTimeout: { status: 400 },
  ServiceUnavailable: { status: 503, message: "Service is unable to handle request.", forBareStatus: true },
  // As InvalidAccessKeyId: a signature the backend refused is the gateway's, not the client's.
  SignatureDoesNotMatch: {
    status: 403,
    message: "The backend store did not accept the gateway's signature for this request.",
  },
  SlowDown: { status: 503, message: "Please reduce your request rate." },
  XAmzContentSHA256Mismatch: { status: 400 },
} as const satisfies Readonly<Record<string, S3ErrorEntry>>;

/** An S3 error code s3-router produces, e.g. `"NoSuchKey"`. */
export type S3ErrorCode = keyof typeof S3_ERRORS;

/** An HTTP status of some {@link S3ErrorCode}. */
export type S3ErrorStatus = (typeof S3_ERRORS)[S3ErrorCode]["status"];

/**
 * The codes answered with HTTP status `S`.
 * @example
 * type Missing = S3ErrorCodeOf<404>; // "NoSuchBucket" | "NoSuchKey" | "NoSuchUpload" | "NoSuchVersion"
 */
export type S3ErrorCodeOf<S extends S3ErrorStatus> = {
  [C in S3ErrorCode]: (typeof S3_ERRORS)[C]["status"] extends S ? C : never;
}[S3ErrorCode];

/** True when `code` is in the registry (a backend's code may not be). */
export const isS3ErrorCode = (code: string): code is S3ErrorCode => Object.hasOwn(S3_ERRORS, code);

/** HTTP status of an S3 error code. */
export const s3ErrorStatus = (code: S3ErrorCode): S3ErrorStatus => S3_ERRORS[code].status;

/** S3's message for `code` (any code, a backend's too), or the code itself. */
export function s3ErrorMessage(code: string): string {
  const entry: S3ErrorEntry | undefined = isS3ErrorCode(code) ? S3_ERRORS[code] : undefined;
  return entry?.message ?? code;
}

const CODE_OF_BARE_STATUS: ReadonlyMap<number, S3ErrorCode> = new Map(
  Object.entries(S3_ERRORS as Readonly<Record<S3ErrorCode, S3ErrorEntry>>).flatMap(([code, entry]) =>
    entry.forBareStatus ? [[entry.status, code as S3ErrorCode] as const] : [],
  ),
);

/**
 * The code S3 uses for a bare HTTP status (see `forBareStatus`), for an answer that carries no S3
 * error code; undefined for a status no code stands for.
 */
export const s3ErrorCodeOfStatus = (status: number): S3ErrorCode | undefined => CODE_OF_BARE_STATUS.get(status);
