/**
 * @module operations/outcome — what one backend answer means to the router's behaviours, decided
 * once for every face: the library reads it off an SDK error, the gateway off a raw HTTP answer,
 * and both hand the same two facts (status, S3 error code) to {@link classifyOutcome}.
 */

/**
 * What a backend answer says:
 * - `success`: a 2xx that carries no `<Error>` (CompleteMultipartUpload can fail after its 200).
 * - `miss`: this store has no such object (404 NoSuchKey, NotFound — every HEAD's 404 — or
 *   NoSuchVersion). The one answer a read fallback may answer from another store.
 * - `not-found`: any other 404 (NoSuchBucket, NoSuchUpload…): a real failure, never hidden.
 * - `precondition-failed`: 412, a condition of the request did not hold.
 * - `unavailable`: no answer at all (unreachable, reset) or a 5xx: the store, not the request.
 * - `failure`: anything else the store refused (403, 400, 409…).
 */
export type Outcome = "success" | "miss" | "not-found" | "precondition-failed" | "unavailable" | "failure";

/** S3 codes that say "this store has no such object" (HEAD answers a body-less 404: NotFound). */
const MISS_CODES: ReadonlySet<string> = new Set(["NoSuchKey", "NotFound", "NoSuchVersion"]);

/**
 * The outcome of an answer.
 * @param status - its HTTP status; undefined when there was no answer at all.
 * @param code - its S3 error code (`<Code>`, or the SDK error's name), undefined when it has none.
 * @example
 * classifyOutcome(404, "NoSuchKey");    // "miss"
 * classifyOutcome(404, "NoSuchBucket"); // "not-found"
 * classifyOutcome(200, "InternalError"); // "failure" (a completion that failed after its 200)
 */
export function classifyOutcome(status: number | undefined, code: string | undefined): Outcome {
  if (status === undefined || status >= 500) return "unavailable";
  if (status < 300) return code === undefined ? "success" : "failure";
  if (status === 404) return code !== undefined && MISS_CODES.has(code) ? "miss" : "not-found";
  if (status === 412) return "precondition-failed";
  return "failure";
}
