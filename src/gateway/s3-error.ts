/**
 * @module gateway/s3-error — errors the gateway answers itself, as S3 does: an XML body with a
 * code, a message and the resource, and the HTTP status S3 uses for that code. Anything else
 * becomes InternalError without leaking internals.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
import { isMirrorWriteError, isRouterError } from "../errors.js";

/** HTTP status of each S3 error code the gateway produces. */
const STATUS: Readonly<Record<string, number>> = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  EntityTooLarge: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidRequest: 400,
  MalformedXML: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  MissingSecurityHeader: 400,
  /** The gateway's own: a write reached the primary but not the profile's mirror. */
  MirrorWriteFailed: 502,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
  RequestTimeTooSkewed: 403,
  RequestTimeout: 400,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
  XAmzContentSHA256Mismatch: 400,
};

/** S3's messages for the codes clients meet most, for errors whose own text cannot be shown. */
const MESSAGES: Readonly<Record<string, string>> = {
  AccessDenied: "Access Denied",
  BucketAlreadyExists: "The requested bucket name is not available.",
  BucketAlreadyOwnedByYou: "Your previous request to create the named bucket succeeded and you already own it.",
  BucketNotEmpty: "The bucket you tried to delete is not empty.",
  EntityTooLarge: "Your proposed upload exceeds the maximum allowed object size.",
  EntityTooSmall: "Your proposed upload is smaller than the minimum allowed object size.",
  InternalError: "We encountered an internal error. Please try again.",
  InvalidArgument: "Invalid Argument",
  InvalidBucketName: "The specified bucket is not valid.",
  InvalidPart: "One or more of the specified parts could not be found.",
  InvalidPartOrder: "The list of parts was not in ascending order.",
  InvalidRange: "The requested range is not satisfiable.",
  InvalidRequest: "Invalid Request",
  MalformedXML: "The XML you provided was not well-formed or did not validate against our published schema.",
  MethodNotAllowed: "The specified method is not allowed against this resource.",
  NoSuchBucket: "The specified bucket does not exist.",
  NoSuchKey: "The specified key does not exist.",
  NoSuchUpload: "The specified multipart upload does not exist.",
  NoSuchVersion: "The specified version does not exist.",
  NotImplemented: "A header you provided implies functionality that is not implemented.",
  PreconditionFailed: "At least one of the preconditions you specified did not hold.",
  ServiceUnavailable: "Service is unable to handle request.",
  // The backend refused the gateway's own signature: nothing the client can fix by re-signing.
  SignatureDoesNotMatch: "The backend store did not accept the gateway's signature for this request.",
  InvalidAccessKeyId: "The backend store did not accept the gateway's credentials for this request.",
  SlowDown: "Please reduce your request rate.",
};

/** S3's message for `code`, or the code itself. */
export const standardMessage = (code: string): string => MESSAGES[code] ?? code;

/** An S3 error response. */
export class S3Error extends Error {
  override name = "S3Error" as const;
  /** S3 error code, e.g. `SignatureDoesNotMatch`. */
  readonly code: string;
  /** HTTP status. */
  readonly status: number;
  /** Extra elements of the error body (e.g. `BucketName`, `Key`). */
  readonly detail: Readonly<Record<string, string>>;

  constructor(
    code: string,
    message: string,
    detail: Record<string, string> = {},
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, { cause: options?.cause });
    this.code = code;
    this.status = options?.status ?? STATUS[code] ?? 400;
    this.detail = detail;
  }

  /** The XML body, with `resource` and `requestId` as S3 writes them. */
  toXML(resource: string, requestId: string): string {
    const extra = Object.entries(this.detail)
      .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
      .join("");
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(this.code)}</Code><Message>${escapeXml(this.message)}</Message>` +
      `${extra}<Resource>${escapeXml(resource)}</Resource><RequestId>${escapeXml(requestId)}</RequestId></Error>`
    );
  }
}

/** True for an {@link S3Error} (also across module copies). */
export const isS3Error = (error: unknown): error is S3Error =>
  error instanceof S3Error ||
  (typeof error === "object" && error !== null && (error as { name?: unknown }).name === "S3Error");

/** Escapes text for an XML element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) =>
    c === "&"
      ? "&amp;"
      : c === "<"
        ? "&lt;"
        : c === ">"
          ? "&gt;"
          : c === '"'
            ? "&quot;"
            : c === "'"
              ? "&apos;"
              : "&#13;",
  );
}

/** Decodes the XML entities S3 writes (named and numeric). */
export function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, e: string) => {
    switch (e) {
      case "amp":
        return "&";
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "quot":
        return '"';
      case "apos":
        return "'";
      default:
        return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

/** Any error as the S3 error the client gets: the gateway's own, a routing error, or a backend's error from the SDK. */
export function toS3Error(error: unknown): S3Error {
  if (isS3Error(error)) return error;
  if (isMirrorWriteError(error)) {
    // The write is done on the primary, not on the mirror: a gateway-side failure (502). Which
    // stores and physical names are involved is the log's (see migration-events), not the caller's.
    const message = `${error.operation} of "${error.bucket}/${error.key}" reached the primary store but not its mirror; the mirror differs for this key until it is written again.`;
    return new S3Error("MirrorWriteFailed", message, { BucketName: error.bucket, Key: error.key }, { cause: error });
  }
  if (isRouterError(error)) {
    const code =
      error.name === "InvalidTokenError"
        ? "InvalidArgument"
        : error.name === "CrossBackendError"
          ? "NotImplemented"
          : "InvalidRequest";
    return new S3Error(code, error.message, {}, { cause: error });
  }
  // An error an SDK backend call raised during a spanning operation: keep its code and status,
  // not its text, which is the backend's and may name what the caller must not see.
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode && e.name)
    return new S3Error(e.name, standardMessage(e.name), {}, { cause: error, status: e.$metadata.httpStatusCode });
  return new S3Error("InternalError", "We encountered an internal error. Please try again.", {}, { cause: error });
}
