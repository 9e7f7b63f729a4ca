/**
 * @module migration/s3-outcomes — which backend answers mean what to the migration modes.
 */

const statusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
const nameOf = (error: unknown): string | undefined => {
  const e = error as { name?: unknown; Code?: unknown } | undefined;
  return typeof e?.Code === "string" ? e.Code : typeof e?.name === "string" ? e.name : undefined;
};

/** S3 codes that say "this store has no such object" (HEAD answers a body-less 404: NotFound). */
export const MISS_CODES: ReadonlySet<string> = new Set(["NoSuchKey", "NotFound", "NoSuchVersion"]);

/**
 * Whether an error says only that the object is not in this store: a 404 NoSuchKey/NotFound (or
 * NoSuchVersion). Anything else — a missing bucket, access denied, a dead backend — is not a
 * miss: answering it from another store would hide the real failure.
 */
export function isMiss(error: unknown): boolean {
  const name = nameOf(error);
  return statusOf(error) === 404 && name !== undefined && MISS_CODES.has(name);
}

/** Whether an error is a 412: a condition of the request did not hold. */
export const isPreconditionFailed = (error: unknown): boolean =>
  statusOf(error) === 412 || nameOf(error) === "PreconditionFailed";

/** Whether an error is a 404 of any kind (a delete of what is not there is done). */
export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;

/** Whether an error says a version id is not one of this store's (AWS: 400 InvalidArgument). */
export const isInvalidVersion = (error: unknown): boolean =>
  nameOf(error) === "NoSuchVersion" || (statusOf(error) === 400 && nameOf(error) === "InvalidArgument");
