/**
 * @module gateway/store-miss — whether a backend's raw HTTP answer says only "this store has no
 * such object": the gateway's reading of the library's `isMiss` (migration/s3-outcomes), so that
 * a read falls back in the gateway exactly when it falls back in the library.
 */
import { MISS_CODES } from "../migration/s3-outcomes.js";
import { childrenNamed, parseXml, XmlSyntaxError } from "./protocol/xml-scan.js";

/**
 * The S3 error code a backend's answer carries, read as the AWS SDK reads it: the `<Code>` of
 * an `<Error>` body; else, for a 404 without one (every HEAD, whose answers have no body),
 * `NotFound`; else undefined.
 * @param status - the HTTP status of the answer.
 * @param body - its body as text ("" for none).
 * @example
 * errorCodeOf(404, "<Error><Code>NoSuchKey</Code></Error>"); // "NoSuchKey"
 * errorCodeOf(404, "");                                     // "NotFound"
 */
export function errorCodeOf(status: number, body: string): string | undefined {
  const code = codeInBody(body);
  if (code !== undefined) return code;
  return status === 404 ? "NotFound" : undefined;
}

/**
 * Whether an answer says only that the object is not in this store: a 404 whose code is
 * NoSuchKey, NotFound or NoSuchVersion. A missing bucket (NoSuchBucket), a refusal (403), a
 * failing backend (5xx) are not misses: answering them from another store would hide the real
 * failure.
 */
export function isStoreMiss(status: number, body: string): boolean {
  if (status !== 404) return false;
  const code = errorCodeOf(status, body);
  return code !== undefined && MISS_CODES.has(code);
}

/** `<Error><Code>` of a body, when it is one. */
function codeInBody(body: string): string | undefined {
  if (!body.includes("<")) return undefined;
  try {
    const root = parseXml(body);
    if (root.name !== "Error") return undefined;
    const code = childrenNamed(root, "Code")[0]?.text.trim();
    return code === "" ? undefined : code;
  } catch (error) {
    // Not XML (a proxy's HTML page): no code, as for the SDK.
    if (error instanceof XmlSyntaxError) return undefined;
    throw error;
  }
}
