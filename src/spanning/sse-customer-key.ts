/**
 * @module spanning/sse-customer-key — the customer-provided encryption key (SSE-C) of a request,
 * for the copies the router makes on its own. S3 stores no SSE-C key: a copy of such an object
 * can read it only with the key the caller sent, and must write it again under the same key, or
 * the copy would be readable without it (or not at all).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
 */

/** The SSE-C fields of a request, as the SDK names them. */
export interface SseCustomerKey {
  readonly SSECustomerAlgorithm: string;
  readonly SSECustomerKey: string;
  readonly SSECustomerKeyMD5?: string;
}

/** The SSE-C key a request's input carries for its own object, if any. */
export function sseCustomerKeyOf(input: Readonly<Record<string, unknown>>): SseCustomerKey | undefined {
  const algorithm = input["SSECustomerAlgorithm"];
  const key = input["SSECustomerKey"];
  if (typeof algorithm !== "string" || typeof key !== "string") return undefined;
  const md5 = input["SSECustomerKeyMD5"];
  return {
    SSECustomerAlgorithm: algorithm,
    SSECustomerKey: key,
    ...(typeof md5 === "string" && { SSECustomerKeyMD5: md5 }),
  };
}

/** The same key as a copy's source key (`CopySourceSSECustomer…`). */
export function asCopySourceKey(key: SseCustomerKey): Record<string, string> {
  return {
    CopySourceSSECustomerAlgorithm: key.SSECustomerAlgorithm,
    CopySourceSSECustomerKey: key.SSECustomerKey,
    ...(key.SSECustomerKeyMD5 !== undefined && { CopySourceSSECustomerKeyMD5: key.SSECustomerKeyMD5 }),
  };
}

/**
 * Whether a store's refusal to serve an object means "it is SSE-C encrypted and no key came":
 * a 400 from a read sent without a key. S3 answers `InvalidRequest` ("stored using a form of
 * Server Side Encryption"), Ceph RGW `InvalidArgument`, and a HEAD a bare 400 (it has no body).
 * Only asked of reads sent without a key, where a 400 has no other common cause.
 */
export function isSseKeyMissing(error: unknown): boolean {
  const e = error as
    { $metadata?: { httpStatusCode?: number }; name?: unknown; Code?: unknown; message?: unknown } | undefined;
  if (e?.$metadata?.httpStatusCode !== 400) return false;
  const code = typeof e.Code === "string" ? e.Code : typeof e.name === "string" ? e.name : "";
  if (code === "InvalidRequest" || code === "InvalidArgument")
    return (typeof e.message === "string" && /encrypt|customer/i.test(e.message)) || e.message === "UnknownError";
  // A HEAD's 400 has no body: the SDK names it by status only.
  return code === "BadRequest" || code === "Unknown" || code === "400";
}
