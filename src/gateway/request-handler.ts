/**
 * @module gateway/request-handler — one S3 request through the gateway: authenticate, route with
 * the shared core, then either proxy it to its one backend (re-signed, streamed, names rewritten
 * both ways) or, when it spans backends, run the library's implementation and answer in XML.
 */
import * as sdk from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, finished } from "node:stream";
import { isSpanning, planCommand, type CommandPlan } from "../client/command-plan.js";
import { isRouterError } from "../errors.js";
import { parseCopySource } from "../mapping/copy-source.js";
import { authenticate, decodeRequestBody, type AuthContext } from "./auth/index.js";
import type { BackendRequest, BackendSender } from "./backend-request.js";
import type { GatewayState } from "./gateway-state.js";
import type { GatewayMetrics, Logger } from "./observability.js";
import { classifyOperation, parseDeleteRequest, parseTarget, type S3Operation } from "./protocol/index.js";
import * as xml from "./protocol/index.js";
import { S3Error, escapeXml, isS3Error } from "./s3-error.js";
import { sdkInput } from "./sdk-input.js";

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
const DROP_RESPONSE = new Set(["connection", "keep-alive", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "x-amz-request-id", "x-amz-id-2", "content-length"]);

const BODY_METHODS = new Set(["PUT", "POST", "PATCH"]);

/** Operations whose successful XML answer names buckets or keys. */
const REWRITES: Readonly<Record<string, "listing" | "object-result" | "delete-result">> = {
  ListObjects: "listing",
  ListObjectsV2: "listing",
  ListObjectVersions: "listing",
  ListMultipartUploads: "listing",
  CreateMultipartUpload: "object-result",
  CompleteMultipartUpload: "object-result",
  ListParts: "object-result",
  DeleteObjects: "delete-result",
};

/** A bounded read of an XML body the gateway must rewrite (listings, results, errors). */
const MAX_REWRITE_BYTES = 32 * 1024 * 1024;
/** DeleteObjects bodies name at most 1000 keys of at most 1 KiB. */
const MAX_DELETE_BODY = 2 * 1024 * 1024;

/** What the handler needs from the gateway around it. */
export interface HandlerServices {
  readonly state: () => GatewayState;
  readonly sender: BackendSender;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
}

/** Per-request facts for logs and metrics. */
interface Exchange {
  readonly id: string;
  readonly started: number;
  operation: string;
  route: string;
  backend: string;
  bytesIn: number;
  bytesOut: number;
}

/** Request ids: unique per process start, cheaper than random bytes per request. */
const ID_PREFIX = randomBytes(4).toString("hex").toUpperCase();
let requestCounter = 0;
const nextRequestId = () => `${ID_PREFIX}${(++requestCounter).toString(16).toUpperCase().padStart(8, "0")}`;

/** Handles one request; never throws (errors become S3 error responses). */
export async function handleS3Request(services: HandlerServices, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const exchange: Exchange = { id: nextRequestId(), started: performance.now(), operation: "Unknown", route: "-", backend: "-", bytesIn: 0, bytesOut: 0 };
  res.setHeader("x-amz-request-id", exchange.id);
  res.setHeader("server", "s3-router");
  const abort = new AbortController();
  // A client that goes away aborts the backend request: no half-written object, no wasted read.
  res.on("close", () => {
    if (!res.writableFinished) abort.abort(new Error("client disconnected"));
    record(services, exchange, req, res);
  });
  const state = services.state();
  const rawUrl = req.url ?? "/";
  const q = rawUrl.indexOf("?");
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? "" : rawUrl.slice(q + 1);
  let resource = rawPath;
  try {
    const target = parseTarget(rawPath, rawQuery, req.headers.host, state.settings.domain);
    resource = target.bucket === undefined ? "/" : `/${target.bucket}${target.key !== undefined ? `/${target.key}` : ""}`;
    const auth = authenticate({ method: req.method ?? "GET", rawPath, rawQuery, headers: req.headers, rawHeaders: req.rawHeaders }, state.users, {
      maxSkewSeconds: state.settings.maxSkewSeconds,
      ...(state.settings.region !== undefined && { region: state.settings.region }),
    });
    const operation = classifyOperation(req.method ?? "GET", target.bucket, target.key, target.query, req.headers);
    exchange.operation = operation.name;
    if (operation.name === "CreateSession") {
      // Its answer is the backend's own session credentials for the physical bucket: a way
      // around the gateway's scopes and mapping.
      throw new S3Error("NotImplemented", "CreateSession is not supported by the gateway");
    }
    if (operation.kind === "account" && operation.name !== "ListBuckets") {
      // Only ListBuckets is answered in the caller's names and filtered to the user's scope;
      // anything else at the service level would show a backend's own buckets.
      throw new S3Error("NotImplemented", `${operation.name} is not supported by the gateway`);
    }
    if (operation.name === "PostObject") {
      // A browser form upload carries its key and a policy signed for the gateway inside the
      // body: it cannot be routed by key nor re-signed for a backend.
      throw new S3Error("NotImplemented", "POST form uploads (PostObject) are not supported by the gateway; use PUT or a presigned PUT URL");
    }
    state.users.authorize(auth.user, { bucket: target.bucket, write: operation.write });

    const input = sdkInput(target.bucket, target.key, target.query, req.headers);
    if (typeof input["CopySource"] === "string") {
      // Reading the source is part of a copy: the user must be allowed to read its bucket.
      state.users.authorize(auth.user, { bucket: parseCopySource(input["CopySource"], operation.name).bucket, write: false });
    }
    let body: Readable | undefined = decodeRequestBody(auth, req, (n) => (exchange.bytesIn += n));
    if (operation.name === "DeleteObjects") {
      const text = await readAll(body ?? Readable.from([]), MAX_DELETE_BODY, "MalformedXML");
      const parsed = parseDeleteRequest(text);
      input["Delete"] = {
        Quiet: parsed.quiet,
        Objects: parsed.objects.map((o) => ({
          Key: o.key,
          ...(o.versionId !== undefined && { VersionId: o.versionId }),
          // Conditional deletes keep their conditions.
          ...(o.etag !== undefined && { ETag: o.etag }),
          ...(o.lastModifiedTime !== undefined && { LastModifiedTime: new Date(o.lastModifiedTime) }),
          ...(o.size !== undefined && { Size: o.size }),
        })),
      };
      body = undefined;
    }

    const plan = planCommand(state.router.routeTable, `${operation.name}Command`, input);
    if (isSpanning(plan)) {
      exchange.route = "*";
      exchange.backend = "*";
      exchange.bytesOut += await answerSpanning(state, operation, input, auth, res, abort.signal);
      return;
    }
    exchange.route = plan.route.name;
    exchange.backend = plan.client;
    await proxy(services, state, operation, plan, req, res, auth, body, target.query, abort.signal, publicBase(state, req), exchange, resource);
  } catch (error) {
    // An unread request body would be drained before the socket is reused: close it instead.
    if (!req.complete && !res.headersSent) res.setHeader("connection", "close");
    sendError(services, res, error, resource, exchange);
  }
}

/** The gateway's own URL as the client reached it, for `Location`. */
function publicBase(state: GatewayState, req: IncomingMessage): string {
  return state.settings.publicUrl ?? `http://${req.headers.host ?? `${state.settings.host}:${state.settings.port}`}`;
}

async function proxy(
  services: HandlerServices,
  state: GatewayState,
  operation: S3Operation,
  plan: CommandPlan,
  req: IncomingMessage,
  res: ServerResponse,
  auth: AuthContext,
  body: Readable | undefined,
  query: ReadonlyArray<readonly [string, string]>,
  signal: AbortSignal,
  base: string,
  exchange: Exchange,
  resource: string,
): Promise<void> {
  const physical = plan.input;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || DROP_REQUEST.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  // aws-chunked framing was decoded here; what goes on is the plain payload.
  if (headers["content-encoding"]) {
    const rest = headers["content-encoding"].split(",").map((s) => s.trim()).filter((s) => s !== "aws-chunked" && s !== "");
    if (rest.length > 0) headers["content-encoding"] = rest.join(",");
    else delete headers["content-encoding"];
  }
  // Names that point at other objects go on only as the plan mapped them, never as the caller sent them.
  delete headers["x-amz-copy-source"];
  delete headers["x-amz-rename-source"];
  if (typeof physical["CopySource"] === "string") headers["x-amz-copy-source"] = physical["CopySource"];
  if (typeof physical["RenameSource"] === "string") headers["x-amz-rename-source"] = physical["RenameSource"];
  let payloadHash = auth.payload.kind === "signed" ? auth.payload.sha256 : "UNSIGNED-PAYLOAD";
  const length = auth.decodedLength;
  // A zero length on a method without a body is dropped by the HTTP client, so it must not be
  // signed either (botocore sends `Content-Length: 0` on DELETE).
  if (length !== undefined && (length > 0 || BODY_METHODS.has(req.method ?? ""))) headers["content-length"] = String(length);

  if (operation.name === "DeleteObjects") {
    const text = xml.deleteRequestXml(physical["Delete"] as { Quiet?: boolean; Objects: Array<{ Key: string; VersionId?: string }> });
    body = Readable.from([Buffer.from(text)]);
    headers["content-length"] = String(Buffer.byteLength(text));
    // The body changed: its digests must be the new body's.
    for (const name of Object.keys(headers)) if (name.startsWith("x-amz-checksum-")) delete headers[name];
    headers["content-md5"] = createHash("md5").update(text).digest("base64");
    payloadHash = createHash("sha256").update(text).digest("hex");
  }

  const backendQuery: Array<readonly [string, string]> = query
    // A presigned request's own signature is the client's, not the backend's.
    .filter(([name]) => !PRESIGN_PARAMS.has(name.toLowerCase()))
    .map(([name, value]): readonly [string, string] => {
      const field = PHYSICAL_QUERY[name];
      return field && typeof physical[field] === "string" ? [name, physical[field]] : [name, value];
    });
  // The plan may add what the caller left out: above all the route's prefix on a listing sent
  // without one, which must never list the whole backend bucket.
  for (const [name, field] of Object.entries(PHYSICAL_QUERY)) {
    if (typeof physical[field] === "string" && !backendQuery.some(([n]) => n === name)) backendQuery.push([name, physical[field]]);
  }
  const request: BackendRequest = {
    method: req.method ?? "GET",
    bucket: physical["Bucket"] as string | undefined,
    key: physical["Key"] as string | undefined,
    query: backendQuery,
    headers,
    body,
    payloadHash,
  };
  const client = state.router.backend(plan.client);
  let bodyError: unknown;
  body?.on("error", (e) => (bodyError ??= e));
  let response;
  try {
    response = await services.sender.send(client, plan.client, request, signal);
  } catch (error) {
    // A body that failed verification explains the failure; a body torn down because the
    // backend connection failed does not.
    throw isS3Error(bodyError) ? bodyError : error;
  }
  if (bodyError) {
    response.body.destroy();
    throw bodyError;
  }

  const status = response.statusCode;
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined && !DROP_RESPONSE.has(name)) res.setHeader(name, value);
  }
  const rewrite = status >= 300 ? "error" : REWRITES[operation.name];
  const isXml = String(response.headers["content-type"] ?? "").includes("xml") || status >= 300;
  if (rewrite && isXml && req.method !== "HEAD") {
    const text = await readAll(response.body, MAX_REWRITE_BYTES, "InternalError");
    const scope = plan.scope;
    const out =
      rewrite === "error"
        ? text.length > 0
          ? withMessage(xml.rewriteErrorXml(text, scope, resource))
          : text
        : rewrite === "listing"
          ? xml.rewriteListingXml(text, scope)
          : rewrite === "delete-result"
            ? xml.rewriteDeleteResultXml(text, scope)
            : xml.rewriteObjectResultXml(text, scope, base);
    const bytes = Buffer.from(out);
    res.writeHead(status, { "content-length": String(bytes.length) });
    exchange.bytesOut += bytes.length;
    res.end(bytes);
    return;
  }
  const contentLength = response.headers["content-length"];
  res.writeHead(status, contentLength !== undefined ? { "content-length": String(contentLength) } : {});
  if (req.method === "HEAD") {
    response.body.resume();
    res.end();
    return;
  }
  response.body.on("data", (chunk: Buffer) => (exchange.bytesOut += chunk.length));
  await relay(response.body, res);
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

const PRESIGN_PARAMS = new Set([
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-signedheaders",
  "x-amz-signature",
  "x-amz-security-token",
  "x-amz-content-sha256",
]);

/** Query parameters that carry a key or prefix, and the plan field holding their physical value. */
const PHYSICAL_QUERY: Readonly<Record<string, string>> = { prefix: "Prefix", "start-after": "StartAfter", marker: "Marker", "key-marker": "KeyMarker" };

/** Runs an operation over several backends through the library and answers in S3's XML; returns the bytes sent. */
async function answerSpanning(
  state: GatewayState,
  operation: S3Operation,
  input: Record<string, unknown>,
  auth: AuthContext,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<number> {
  const Command = (sdk as unknown as Record<string, new (input: object) => never>)[`${operation.name}Command`];
  if (!Command) throw new S3Error("NotImplemented", `${operation.name} is not supported across backends`);
  const output = (await state.router.send(new Command(input) as never, { abortSignal: signal })) as unknown as Record<string, unknown>;
  const headers: Record<string, string> = { "content-type": "application/xml" };
  let body: string;
  switch (operation.name) {
    case "ListObjectsV2":
      body = xml.listObjectsV2Xml(output);
      break;
    case "ListObjects":
      body = xml.listObjectsV1Xml(output);
      break;
    case "ListObjectVersions":
      body = xml.listObjectVersionsXml(output);
      break;
    case "ListMultipartUploads":
      body = xml.listMultipartUploadsXml(output);
      break;
    case "ListBuckets": {
      const buckets = ((output["Buckets"] as Array<{ Name?: string }> | undefined) ?? []).filter((b) => b.Name !== undefined && state.users.canSee(auth.user, b.Name));
      body = xml.listBucketsXml({ ...output, Buckets: buckets });
      break;
    }
    case "DeleteObjects":
      body = xml.deleteResultXml(output);
      break;
    case "CopyObject":
      body = xml.copyObjectResultXml(output);
      if (typeof output["VersionId"] === "string") headers["x-amz-version-id"] = output["VersionId"];
      if (typeof output["CopySourceVersionId"] === "string") headers["x-amz-copy-source-version-id"] = output["CopySourceVersionId"];
      break;
    case "UploadPartCopy":
      body = xml.copyPartResultXml(output);
      if (typeof output["CopySourceVersionId"] === "string") headers["x-amz-copy-source-version-id"] = output["CopySourceVersionId"];
      break;
    default:
      throw new S3Error("NotImplemented", `${operation.name} is not supported across backends`);
  }
  const bytes = Buffer.from(body);
  res.writeHead(200, { ...headers, "content-length": String(bytes.length) });
  res.end(bytes);
  return bytes.length;
}

/**
 * Some backends (Ceph RGW) send errors with an empty `<Message>`; clients such as the aws cli
 * then fail on the missing text instead of reporting the code. Fill it with the code's meaning.
 */
function withMessage(body: string): string {
  return body.replace(/<Code>([^<]*)<\/Code>(\s*)<Message\s*(?:\/>|><\/Message>)/, (_, code: string, space: string) =>
    `<Code>${code}</Code>${space}<Message>${escapeXml(ERROR_MESSAGES[code] ?? code)}</Message>`,
  );
}

const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  NoSuchKey: "The specified key does not exist.",
  NoSuchBucket: "The specified bucket does not exist.",
  NoSuchUpload: "The specified multipart upload does not exist.",
  AccessDenied: "Access Denied",
  BucketAlreadyExists: "The requested bucket name is not available.",
  BucketAlreadyOwnedByYou: "Your previous request to create the named bucket succeeded and you already own it.",
  BucketNotEmpty: "The bucket you tried to delete is not empty.",
  InvalidPart: "One or more of the specified parts could not be found.",
  InvalidRange: "The requested range is not satisfiable.",
  PreconditionFailed: "At least one of the preconditions you specified did not hold.",
  SignatureDoesNotMatch: "The request signature the backend calculated does not match the gateway's signature.",
};

/** Reads a whole (bounded) body as text. */
async function readAll(stream: Readable | NodeJS.ReadableStream, limit: number, code: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new S3Error(code, `body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Answers with an S3 error: the gateway's own, a routing error, or a backend error from the SDK. */
function sendError(services: HandlerServices, res: ServerResponse, error: unknown, resource: string, exchange: Exchange): void {
  const s3 = toS3Error(error);
  if (s3.status >= 500) services.log.error({ reqId: exchange.id, err: error }, "request failed");
  if (res.headersSent) {
    res.destroy(s3);
    return;
  }
  const body = Buffer.from(s3.toXML(resource, exchange.id));
  res.writeHead(s3.status, { "content-type": "application/xml", "content-length": String(body.length) });
  res.end(body);
}

function toS3Error(error: unknown): S3Error {
  if (isS3Error(error)) return error;
  if (isRouterError(error)) {
    const code = error.name === "InvalidTokenError" ? "InvalidArgument" : error.name === "CrossBackendError" ? "NotImplemented" : "InvalidRequest";
    return new S3Error(code, error.message, {}, { cause: error });
  }
  // An error an SDK backend call raised during a spanning operation: keep its code and status.
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode && e.name) return new S3Error(e.name, e.message ?? e.name, {}, { cause: error, status: e.$metadata.httpStatusCode });
  return new S3Error("InternalError", "We encountered an internal error. Please try again.", {}, { cause: error });
}

function record(services: HandlerServices, exchange: Exchange, req: IncomingMessage, res: ServerResponse): void {
  const seconds = (performance.now() - exchange.started) / 1000;
  const status = String(res.statusCode);
  const { metrics } = services;
  metrics.requests.inc({ operation: exchange.operation, route: exchange.route, backend: exchange.backend, status });
  metrics.duration.observe({ operation: exchange.operation, backend: exchange.backend }, seconds);
  if (exchange.bytesIn) metrics.bytesIn.inc({ backend: exchange.backend }, exchange.bytesIn);
  if (exchange.bytesOut) metrics.bytesOut.inc({ backend: exchange.backend }, exchange.bytesOut);
  if (!services.log.isLevelEnabled("info")) return;
  services.log.info(
    {
      reqId: exchange.id,
      method: req.method,
      path: req.url,
      operation: exchange.operation,
      route: exchange.route,
      backend: exchange.backend,
      status: res.statusCode,
      ms: Math.round(seconds * 1000),
      bytesIn: exchange.bytesIn,
      bytesOut: exchange.bytesOut,
      ...(res.writableFinished ? {} : { aborted: true }),
    },
    "request",
  );
}
