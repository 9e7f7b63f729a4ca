/**
 * @module gateway/s3-error — errors the gateway answers itself, as S3 does: an XML body with a
 * code, a message and the resource, and the HTTP status S3 uses for that code (the registry in
 * errors/s3-error-codes holds both). Anything else becomes InternalError without leaking internals.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
import { isMirrorWriteError, isRouterError, s3ErrorMessage, s3ErrorStatus, type S3ErrorCode } from "../errors.js";

export type { S3ErrorCode } from "../errors.js";

/**
 * A code a backend answered with, relayed as it is: the gateway does not know every code a
 * backend may send, so it keeps the backend's status with it rather than look one up.
 */
export interface RelayedCode {
  readonly code: string;
  readonly status: number;
}

/** An S3 error response. */
export class S3Error extends Error {
  override name = "S3Error" as const;
  /** S3 error code, e.g. `SignatureDoesNotMatch`: an {@link S3ErrorCode}, or a backend's code relayed. */
  readonly code: string;
  /** HTTP status. */
  readonly status: number;
  /** Extra elements of the error body (e.g. `BucketName`, `Key`). */
  readonly detail: Readonly<Record<string, string>>;

  /**
   * @param code - the gateway's own code (its status is the registry's), or a backend's code with
   *   the status the backend answered.
   * @param options.status - the HTTP status. @default the status S3 uses for `code`
   */
  constructor(
    code: S3ErrorCode | RelayedCode,
    message: string,
    detail: Record<string, string> = {},
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, { cause: options?.cause });
    const relayed = typeof code === "object";
    this.code = relayed ? code.code : code;
    this.status = options?.status ?? (relayed ? code.status : s3ErrorStatus(code));
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
    const code: S3ErrorCode =
      error.name === "InvalidTokenError"
        ? "InvalidArgument"
        : error.name === "CrossBackendError"
          ? "NotImplemented"
          : "InvalidRequest";
    return new S3Error(code, error.publicMessage ?? error.message, {}, { cause: error });
  }
  // An error an SDK backend call raised during a spanning operation: keep its code and status,
  // not its text, which is the backend's and may name what the caller must not see.
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode && e.name)
    return new S3Error(
      { code: e.name, status: e.$metadata.httpStatusCode },
      s3ErrorMessage(e.name),
      {},
      { cause: error },
    );
  return new S3Error("InternalError", s3ErrorMessage("InternalError"), {}, { cause: error });
}
