/**
 * @module errors/precondition-failed — the one S3 error the library makes up itself rather than
 * pass on from a backend: a copy it streams between two backends answers a failed copy-source
 * condition as S3's own copy would. It is an SDK error (an `S3ServiceException`), so callers
 * handle it like the backend's.
 */
import { S3ServiceException } from "@aws-sdk/client-s3";
import type { ResponseMetadata } from "@smithy/types";
import { S3_ERRORS } from "./s3-error-codes.js";

/**
 * A copy-source condition did not hold: the `PreconditionFailed` (HTTP 412) that S3's own
 * CopyObject and UploadPartCopy answer. A GetObject answers `If-None-Match` and
 * `If-Modified-Since` with 304 Not Modified instead, which for a copy means "not copied".
 */
export class PreconditionFailed extends S3ServiceException {
  /** The S3 error code, as SDK errors parsed from an error body carry it. */
  readonly Code = "PreconditionFailed";
  /** The condition that failed, e.g. `x-amz-copy-source-If-None-Match`, when known. */
  readonly Condition: string | undefined;

  constructor(message: string, metadata: ResponseMetadata, condition?: string, cause?: unknown) {
    const { status } = S3_ERRORS.PreconditionFailed;
    super({
      name: "PreconditionFailed",
      $fault: "client",
      $metadata: { ...metadata, httpStatusCode: status },
      message,
    });
    this.Condition = condition;
    if (cause !== undefined) this.cause = cause;
  }
}
