/**
 * @module gateway/exchange-port — the gateway's {@link BackendPort}: a planned request is the
 * client's request re-signed for the plan's backend and streamed there; its reply is the
 * backend's HTTP answer, its body still on the wire unless reading it was needed to tell what it
 * says (see {@link ExchangeReply.text}).
 */
import type { Readable } from "node:stream";
import type { CommandPlan } from "../client/command-plan.js";
import type { BackendPort, Reply } from "../operations/backend-port.js";
import { classifyOutcome, type Outcome } from "../operations/outcome.js";
import type { BackendResponse } from "./backend-request.js";
import { childrenNamed, parseXml, XmlSyntaxError } from "./protocol/xml-scan.js";
import { backendRequest, MAX_REWRITE_BYTES, readAll, sendToBackend } from "./proxy.js";
import type { ProxyCall } from "./gateway-context.js";
import { S3Error } from "./s3-error.js";

/** Error answers are small; a larger "error" is not one the gateway reads to decide anything. */
const MAX_ERROR_BYTES = 64 * 1024;

/** A backend's answer to one planned request. */
export interface ExchangeReply extends Reply {
  readonly response: BackendResponse;
  /**
   * Its body, once read to classify it: a 404's error document, or a successful write's (small)
   * result — which also frees the answer to be held while other stores are updated. Then the
   * answer to the client is this text, not the (consumed) stream.
   */
  text: string | undefined;
}

/**
 * The port of one client request.
 * @param primary - the plan the request was made for: the only one that gets its body (a body
 *   can be sent once; other plans are reads, which carry none).
 * @param body - the request body, decoded.
 */
export function exchangePort(
  call: ProxyCall,
  primary: CommandPlan,
  body: Readable | undefined,
): BackendPort<ExchangeReply> {
  const method = call.req.method ?? "GET";
  return {
    send: async (plan) => ({
      plan,
      response: await sendToBackend(call, plan, backendRequest(call, plan, plan === primary ? body : undefined)),
      text: undefined,
    }),
    outcome: async (reply) => {
      const status = reply.response.statusCode;
      // Only an error body tells a missing key from a missing bucket; and a write's 200 may carry
      // an <Error> (CompleteMultipartUpload). A read's successful body streams, never read here.
      const read =
        status === 404
          ? MAX_ERROR_BYTES
          : status < 300 && method !== "GET" && method !== "HEAD"
            ? MAX_REWRITE_BYTES
            : 0;
      if (read > 0) reply.text ??= await readAll(reply.response.body, read, "InternalError");
      return outcomeOf(status, reply.text ?? "");
    },
    written: (reply) => ({
      ETag: header(reply.response, "etag") ?? resultETag(reply.text ?? ""),
      VersionId: header(reply.response, "x-amz-version-id"),
    }),
    storeFailure,
  };
}

/** What an answer says, from its status and, if read, its body. */
export const outcomeOf = (status: number, body: string): Outcome => classifyOutcome(status, errorCodeOf(status, body));

/**
 * The S3 error code a backend's answer carries, read as the AWS SDK reads it: the `<Code>` of
 * an `<Error>` body; else, for a 404 without one (every HEAD, whose answers have no body),
 * `NotFound`; else none.
 * @param status - the HTTP status of the answer.
 * @param body - its body as text ("" for none).
 * @example
 * errorCodeOf(404, "<Error><Code>NoSuchKey</Code></Error>"); // "NoSuchKey"
 * errorCodeOf(404, "");                                     // "NotFound"
 * errorCodeOf(200, "<CompleteMultipartUploadResult>…");     // undefined
 */
export function errorCodeOf(status: number, body: string): string | undefined {
  const code = codeInBody(body);
  if (code !== undefined) return code;
  return status === 404 ? "NotFound" : undefined;
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

function header(response: BackendResponse, name: string): string | undefined {
  const value = response.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** The `<ETag>` of a result body (CompleteMultipartUpload's ETag is in its body, not a header). */
function resultETag(text: string): string | undefined {
  if (!text.includes("<ETag>")) return undefined;
  try {
    return childrenNamed(parseXml(text), "ETag")[0]?.text;
  } catch (error) {
    if (error instanceof XmlSyntaxError) return undefined;
    throw error;
  }
}

/**
 * A failure of another store than the plan's, as the client should see it: an S3 answer keeps
 * its code and status; a store that cannot be reached is named, as the sender names a backend.
 */
function storeFailure(error: unknown, role: string, client: string): unknown {
  const e = error as { $metadata?: { httpStatusCode?: number }; name?: string; message?: string } | undefined;
  if (e?.$metadata?.httpStatusCode !== undefined || e?.name === "AbortError") return error;
  return new S3Error(
    "ServiceUnavailable",
    `${role} backend "${client}" is unreachable: ${e?.message ?? String(error)}`,
    {},
    { cause: error },
  );
}
