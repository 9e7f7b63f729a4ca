/**
 * @module gateway/proxy — one request relayed to one backend, in two halves that can be used
 * apart: the backend exchange ({@link backendRequest} + {@link sendToBackend}: re-signed and sent,
 * resolved when the backend's answer starts) and the answer to the client ({@link answer}: the
 * backend's status and headers, the body streamed or, for XML that names buckets and keys,
 * rewritten into the caller's names).
 *
 * Most requests take both halves at once ({@link proxy}). The migration modes hold the backend's
 * answer in between: a read that misses on the primary is discarded and asked again of the
 * fallback; a write is answered only once its mirror has the object too (gateway/migrating-proxy).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, finished } from "node:stream";
import type { CommandPlan } from "../client/command-plan.js";
import type { NameScope } from "../client/output-mapping.js";
import { bucketSharers } from "../routing/bucket-ownership.js";
import type { BackendIdentity, BackendRequest, BackendResponse } from "./backend-request.js";
import type { GatewayState } from "./gateway-state.js";
import * as xml from "./protocol/index.js";
import type { ProxyCall } from "./gateway-context.js";
import { hiddenNames, publicErrorXml, publicMessage } from "./public-error.js";
import { S3Error, isS3Error, type S3ErrorCode } from "./s3-error.js";

/** Headers that describe one hop, or the client's own signature: never forwarded. */
const DROP_REQUEST = new Set([
  "authorization",
  "connection",
  "content-length",
  "expect",
  "host",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "x-amz-content-sha256",
  "x-amz-date",
  "x-amz-decoded-content-length",
  "x-amz-security-token",
  "x-amz-trailer",
  "x-amz-sdk-checksum-algorithm",
]);
/**
 * Response headers that describe the backend's hop or name the backend: `location` (a redirect
 * to the backend's endpoint, or CreateBucket's physical bucket) is set by the gateway itself.
 */
const DROP_RESPONSE = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "x-amz-request-id",
  "x-amz-id-2",
  "content-length",
  "location",
  // The gateway answers as itself: the store's software is nobody's business.
  "server",
]);

const BODY_METHODS = new Set(["PUT", "POST", "PATCH"]);

/** Response headers with a whole backend bucket's (or its owner's) totals and quotas. */
const BUCKET_TOTALS = /^x-rgw-(?:object-count|bytes-used|quota-)/;

/** A bounded read of an XML body the gateway must rewrite (listings, results, errors). */
export const MAX_REWRITE_BYTES = 32 * 1024 * 1024;

/** Query parameters that carry a key or prefix, and the plan field holding their physical value. */
const PHYSICAL_QUERY: Readonly<Record<string, string>> = {
  prefix: "Prefix",
  "start-after": "StartAfter",
  marker: "Marker",
  "key-marker": "KeyMarker",
};

/** Sends the request to its plan's backend and answers the client with what comes back. */
export async function proxy(call: ProxyCall, plan: CommandPlan, body: Readable | undefined): Promise<void> {
  const response = await sendToBackend(call, plan, backendRequest(call, plan, body));
  await answer(call, plan.scope, response);
}

/**
 * The client's request as `plan` sends it to its backend: hop-by-hop headers and the client's
 * signature dropped, names as the plan mapped them, and the body (`body`, decoded) as is.
 */
export function backendRequest(call: ProxyCall, plan: CommandPlan, body: Readable | undefined): BackendRequest {
  const { req, auth } = call;
  const physical = plan.input;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.headers)) {
    if (value === undefined || DROP_REQUEST.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  // aws-chunked framing was decoded here; what goes on is the plain payload.
  if (headers["content-encoding"]) {
    const rest = headers["content-encoding"]
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "aws-chunked" && s !== "");
    if (rest.length > 0) headers["content-encoding"] = rest.join(",");
    else delete headers["content-encoding"];
  }
  // Names that point at other objects go on only as the plan mapped them, never as the caller
  // sent them, and only on the operations that take them: on any other, the plan's input still
  // holds the caller's header unmapped (a ListObjects sent with `x-amz-copy-source: b/k`).
  delete headers["x-amz-copy-source"];
  delete headers["x-amz-rename-source"];
  if (call.operation.kind === "copy" && typeof physical["CopySource"] === "string")
    headers["x-amz-copy-source"] = physical["CopySource"];
  if (call.operation.name === "RenameObject" && typeof physical["RenameSource"] === "string")
    headers["x-amz-rename-source"] = physical["RenameSource"];
  let payloadHash = auth.payload.kind === "signed" ? auth.payload.sha256 : "UNSIGNED-PAYLOAD";
  const length = auth.decodedLength;
  // A zero length on a method without a body is dropped by the HTTP client, so it must not be
  // signed either (botocore sends `Content-Length: 0` on DELETE).
  if (length !== undefined && (length > 0 || BODY_METHODS.has(req.method ?? "")))
    headers["content-length"] = String(length);

  if (call.operation.name === "DeleteObjects") {
    const text = xml.deleteRequestXml(
      physical["Delete"] as { Quiet?: boolean; Objects: Array<{ Key: string; VersionId?: string }> },
    );
    body = Readable.from([Buffer.from(text)]);
    headers["content-length"] = String(Buffer.byteLength(text));
    // The body changed: its digests must be the new body's.
    for (const name of Object.keys(headers)) if (name.startsWith("x-amz-checksum-")) delete headers[name];
    headers["content-md5"] = createHash("md5").update(text).digest("base64");
    payloadHash = createHash("sha256").update(text).digest("hex");
  }

  const backendQuery: Array<readonly [string, string]> = [];
  for (const [name, value] of call.query) {
    const field = PHYSICAL_QUERY[name];
    if (name === "continuation-token") {
      // An empty token is no token, as S3 reads it (and echoes it); any other is one the gateway sealed.
      backendQuery.push([name, value === "" ? "" : call.state.tokens.open(value, tokenScope(plan.scope))]);
    } else backendQuery.push(field && typeof physical[field] === "string" ? [name, physical[field]] : [name, value]);
  }
  // The plan may add what the caller left out: above all the route's prefix on a listing sent
  // without one, which must never list the whole backend bucket.
  for (const [name, field] of Object.entries(PHYSICAL_QUERY)) {
    if (typeof physical[field] === "string" && !backendQuery.some(([n]) => n === name))
      backendQuery.push([name, physical[field]]);
  }
  return {
    method: req.method ?? "GET",
    bucket: physical["Bucket"] as string | undefined,
    key: physical["Key"] as string | undefined,
    query: backendQuery,
    headers,
    body,
    payloadHash,
  };
}

/**
 * The backend exchange: sends `request` to `plan`'s backend and resolves when its answer starts
 * (for a write, once the backend has taken the whole body). Nothing is written to the client.
 * @throws the request body's own failure (signature, checksum, client gone) when it explains
 *   the failed exchange; else the sender's {@link S3Error} (backend unreachable or too slow).
 */
export async function sendToBackend(
  call: ProxyCall,
  plan: CommandPlan,
  request: BackendRequest,
): Promise<BackendResponse> {
  const client = call.state.router.backend(plan.client);
  const body = request.body;
  let bodyError: Error | undefined;
  if (body && !Buffer.isBuffer(body)) body.on("error", (e: Error) => (bodyError ??= e));
  let response;
  try {
    // A small body is read (and verified) whole first: the backend request then goes out as one
    // write of headers and body instead of a stream write loop, and a body that fails its
    // signature never reaches the backend at all.
    const length = Number(request.headers["content-length"]);
    const whole = body && !Buffer.isBuffer(body) && length <= WHOLE_BODY_BYTES ? await readWhole(body) : body;
    response = await call.services.sender.send(
      client,
      plan.client,
      { ...request, body: whole, identity: identityOf(call, plan.client) },
      call.signal,
    );
  } catch (error) {
    // A body that failed verification explains the failure; a body torn down because the
    // backend connection failed does not.
    throw isS3Error(bodyError) ? bodyError : error;
  }
  if (bodyError) {
    response.body.destroy();
    throw bodyError;
  }
  return response;
}

/** Bodies up to this size are read whole: a request body before it is sent on (see sendToBackend), a response body before it is answered (see answer). */
const WHOLE_BODY_BYTES = 64 * 1024;

/**
 * The whole of a (small) body: fails with the body's own error (signature, checksum, client gone,
 * idle timeout), or `IncompleteBody` when it is torn down before its end.
 */
function readWhole(body: Readable): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    body.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    body.once("error", reject);
    body.once("close", () => {
      if (!body.readableEnded) reject(new S3Error("IncompleteBody", "The request body terminated unexpectedly"));
    });
  });
}

/** What a backend continuation token is bound to: the listing's route and backend bucket. */
const tokenScope = (scope: NameScope): string =>
  scope.kind === "account" ? "" : `${scope.route.name}\0${scope.physicalBucket}`;

/** The continuation token the caller sent (the answer echoes it), as it sent it. */
const callerToken = (call: ProxyCall): string => call.query.find(([name]) => name === "continuation-token")?.[1] ?? "";

/**
 * Who the backend sees for this request: an anonymous caller stays anonymous; a user with its
 * own credentials for this backend client is that user there; anyone else is the client's identity.
 */
function identityOf(call: ProxyCall, client: string): BackendIdentity {
  const user = call.auth.user;
  if (user === undefined) return "anonymous";
  return user.backendCredentials?.[client] ?? "client";
}

/**
 * Answers the client with a backend's `response`: status, headers, and the body — streamed with
 * backpressure, or read and rewritten into the caller's names through `scope` (errors, listings,
 * multipart results).
 * @param preread - the response's body when it was read already (to decide something before
 *   answering); it is then sent as is, or rewritten like a body read here.
 */
export async function answer(
  call: ProxyCall,
  scope: NameScope,
  response: BackendResponse,
  preread?: string,
): Promise<void> {
  const { req, res, exchange } = call;
  const status = response.statusCode;
  // A preflight is forwarded without credentials for any bucket: its refusal must not tell a
  // caller nobody authenticated which buckets exist (NoSuchBucket) or anything else the store says.
  if (status >= 300 && call.auth.user === undefined && call.operation.spec.preflight) {
    logBackendError(call, status, "");
    response.body.resume();
    throw new S3Error("AccessForbidden", "CORSResponse: This CORS request is not allowed.", {}, { status: 403 });
  }
  // On a route holding part of a backend bucket, the bucket's totals and quotas are the other
  // parts' business (RGW's HeadBucket answer carries them); a route owning its bucket shows them.
  const partial =
    scope.kind !== "account" &&
    scope.route.mappedPrefix !== "" &&
    (scope.kind !== "bucket" || bucketSharers(call.state.router.routeTable, scope.route, scope.bucket).length > 0);
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined && !DROP_RESPONSE.has(name) && !(partial && BUCKET_TOTALS.test(name)))
      res.setHeader(name, value);
  }
  if (call.operation.name === "CreateBucket" && status < 300 && scope.kind === "bucket")
    res.setHeader("location", `/${scope.bucket}`);
  // The backend answered before taking the whole body (an early error): let the client finish
  // sending and read the answer, then close — a client blocked on sending would wait out its timeout.
  if (!req.complete) drainRequest(req, res);
  const rewrite = status >= 300 ? "error" : call.operation.spec.answer;
  const isXml = String(response.headers["content-type"] ?? "").includes("xml") || status >= 300;
  const rewritten = rewrite !== undefined && isXml && req.method !== "HEAD";
  if (rewritten || (preread !== undefined && req.method !== "HEAD")) {
    const text = preread ?? (await readAll(response.body, MAX_REWRITE_BYTES, "InternalError"));
    const out = !rewritten
      ? text
      : rewrite === "error"
        ? errorBody(call, scope, status, text)
        : rewrite === "listing"
          ? xml.rewriteListingXml(text, scope, (token, element) =>
              element === "ContinuationToken" ? callerToken(call) : call.state.tokens.seal(token, tokenScope(scope)),
            )
          : rewrite === "delete-result"
            ? xml.rewriteDeleteResultXml(text, scope, (code, message) =>
                publicMessage(code, message, hiddenNames(scope, call.state.internalNames)),
              )
            : resultXml(call, scope, text);
    const bytes = Buffer.from(out);
    res.writeHead(status, {
      "content-length": String(bytes.length),
      ...(rewrite === "error" && { "content-type": "application/xml" }),
    });
    exchange.bytesOut += bytes.length;
    res.end(bytes);
    return;
  }
  if (status >= 300 && req.method === "HEAD") logBackendError(call, status, "");
  const contentLength = response.headers["content-length"];
  if (req.method !== "HEAD" && contentLength !== undefined && Number(contentLength) <= WHOLE_BODY_BYTES) {
    // A small body goes out with the headers in one write; streamed, the headers, each chunk and
    // the end are writes of their own.
    let bytes: Buffer;
    try {
      bytes = await readWhole(response.body);
    } catch (error) {
      // As when a streamed body fails: the client's connection is cut, never a short body.
      res.destroy(error as Error);
      throw error;
    }
    res.writeHead(status, { "content-length": String(contentLength) });
    exchange.bytesOut += bytes.length;
    res.end(bytes);
    return;
  }
  res.writeHead(status, contentLength !== undefined ? { "content-length": String(contentLength) } : {});
  if (req.method === "HEAD") {
    // (Also a HEAD answer held and read already: resuming an ended body does nothing.)
    response.body.resume();
    res.end();
    return;
  }
  response.body.on("data", (chunk: Buffer) => (exchange.bytesOut += chunk.length));
  await relay(response.body, res);
}

/**
 * A backend's error body as the caller sees it (see gateway/public-error); the backend's own body
 * goes to the log under the request id.
 */
function errorBody(call: ProxyCall, scope: NameScope, status: number, text: string): string {
  logBackendError(call, status, text);
  return publicErrorXml(
    text,
    status,
    scope,
    hiddenNames(scope, call.state.internalNames),
    call.resource,
    call.exchange.id,
  );
}

function logBackendError(call: ProxyCall, status: number, text: string): void {
  const { log } = call.services;
  // A backend refusing the gateway's own identity is a configuration problem worth a warning.
  const level =
    status === 403 && /<Code>(SignatureDoesNotMatch|InvalidAccessKeyId)<\/Code>/.test(text) ? "warn" : "debug";
  if (log.isLevelEnabled(level))
    log[level](
      {
        reqId: call.exchange.id,
        route: call.exchange.route,
        backend: call.exchange.backend,
        status,
        body: text.slice(0, 4096),
      },
      "backend error",
    );
}

/** Longest request body read and dropped after an early answer before the connection is cut. */
const DRAIN_LIMIT = 16 * 1024 * 1024;

/**
 * Reads and drops the rest of a request body nobody will read (an answer sent before it was
 * taken), then closes the connection: the client finishes sending and reads the answer, as S3
 * lets it, instead of blocking on a full socket until its timeout. A body beyond
 * {@link DRAIN_LIMIT} is cut instead.
 */
export function drainRequest(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader("connection", "close");
  req.unpipe();
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT) req.destroy();
  });
  req.resume();
}

/**
 * Starts a 200 answer whose XML body is sent later, for the response headers of a backend's
 * successful `response`: S3's way to answer an operation that takes long (CompleteMultipartUpload,
 * CopyObject) before clients give up waiting. Returns the function that ends it with `body` (the
 * final XML, a result or an `<Error>`, with or without its declaration) after the whitespace the
 * caller writes meanwhile.
 */
export function startLongAnswer(call: ProxyCall, response: BackendResponse): (body: string) => void {
  const { res, exchange } = call;
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined && !DROP_RESPONSE.has(name)) res.setHeader(name, value);
  }
  res.writeHead(200, { "content-type": "application/xml" });
  res.write(XML_DECLARATION);
  exchange.bytesOut += XML_DECLARATION.length;
  return (body) => {
    // A client gone meanwhile: the mirror's outcome is still counted and logged, not sent.
    if (res.destroyed) return;
    const rest = Buffer.from(body.replace(/^\s*<\?xml[^>]*\?>\s*/, ""));
    exchange.bytesOut += rest.length;
    res.end(rest);
  };
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A multipart result (CompleteMultipartUpload…) of a backend, in the caller's names. */
export function resultXml(call: ProxyCall, scope: NameScope, text: string): string {
  return xml.rewriteObjectResultXml(text, scope, publicBase(call.state, call.req), (error) =>
    errorBody(call, scope, 200, error),
  );
}

/** The gateway's own URL as the client reached it, for `Location`. */
function publicBase(state: GatewayState, req: IncomingMessage): string {
  // The scheme the client used: a Location of https://… must not send it back over plain HTTP.
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  return (
    state.settings.publicUrl ?? `${scheme}://${req.headers.host ?? `${state.settings.host}:${state.settings.port}`}`
  );
}

/**
 * Streams a backend body to the client with backpressure. Not `stream.pipeline`: it makes and
 * aborts an AbortController (an exception with a stack trace) for every response.
 */
function relay(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    body.once("error", (error) => {
      res.destroy(error);
      reject(error);
    });
    // A client gone mid-response: stop reading the backend.
    res.once("close", () => {
      if (!res.writableFinished) body.destroy();
    });
    finished(res, (error) => (error ? reject(error) : resolve()));
    body.pipe(res);
  });
}

/** Reads a whole (bounded) body as text. */
export async function readAll(
  stream: Readable | NodeJS.ReadableStream,
  limit: number,
  code: S3ErrorCode,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new S3Error(code, `body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
