/**
 * @module migration/s3-outcomes — the library's reading of an SDK error as an {@link Outcome}
 * (operations/outcome decides what a status and code mean, for the gateway too), and the few
 * questions the migration modes ask of one.
 */
import { classifyOutcome, type Outcome } from "../operations/outcome.js";

const statusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
const nameOf = (error: unknown): string | undefined => {
  const e = error as { name?: unknown; Code?: unknown } | undefined;
  return typeof e?.Code === "string" ? e.Code : typeof e?.name === "string" ? e.name : undefined;
};

/** What an SDK error says (an error with no HTTP status is no answer at all: `unavailable`). */
export const outcomeOfError = (error: unknown): Outcome => classifyOutcome(statusOf(error), nameOf(error) ?? "Error");

/**
 * Whether an error says only that the object is not in this store: a 404 NoSuchKey/NotFound (or
 * NoSuchVersion). Anything else — a missing bucket, access denied, a dead backend — is not a
 * miss: answering it from another store would hide the real failure.
 */
export const isMiss = (error: unknown): boolean => outcomeOfError(error) === "miss";

/** Whether an error is a 412: a condition of the request did not hold. */
export const isPreconditionFailed = (error: unknown): boolean => outcomeOfError(error) === "precondition-failed";

/** Whether an error is a 404 of any kind (a delete of what is not there is done). */
export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;

/** Whether an error says a version id is not one of this store's (AWS: 400 InvalidArgument). */
export const isInvalidVersion = (error: unknown): boolean =>
  nameOf(error) === "NoSuchVersion" || (statusOf(error) === 400 && nameOf(error) === "InvalidArgument");
