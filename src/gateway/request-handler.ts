/**
 * @module gateway/request-handler — one S3 request through the gateway: authenticate, route with
 * the shared core, then either proxy it to its one backend (re-signed, streamed, names rewritten
 * both ways; see gateway/proxy, and gateway/migrating-proxy for routes with a fallback or a
 * mirror) or, when it spans backends, run the library's implementation and answer in XML.
 */
import * as sdk from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { isSpanning, planCommand } from "../client/command-plan.js";
import { isMirrorWriteError } from "../errors.js";
import { parseCopySource } from "../mapping/copy-source.js";
import { toPhysicalBucket } from "../mapping/key-mapping.js";
import { copyMigrates } from "../migration/migrating-copy.js";
import { isMigrating } from "../migration/migrating-object.js";
import { isListing, type ListingOperation } from "../operations/registry.js";
import { authenticate, decodeRequestBody, type AuthContext } from "./auth/index.js";
import type { GatewayState } from "./gateway-state.js";
import { proxyMigrating } from "./migrating-proxy.js";
import { handlePostObject } from "./post-object.js";
import { bucketSharers } from "../routing/bucket-ownership.js";
import type { Route } from "../routing/route-table.js";
import { watchBodyIdle } from "./body-idle.js";
import {
  classifyOperation,
  parseTarget,
  queryGet,
  queryHas,
  readDeleteRequest,
  splitRequestUrl,
  type Query,
  type S3Operation,
} from "./protocol/index.js";
import * as xml from "./protocol/index.js";
import { publicMessage, routeTableHiddenNames } from "./public-error.js";
import { redactUrl } from "./redact.js";
import type { Exchange, HandlerServices, ProxyCall } from "./gateway-context.js";
import { drainRequest, proxy } from "./proxy.js";
import { S3Error, toS3Error } from "./s3-error.js";
import { sdkInput } from "./sdk-input.js";

/** Request ids: unique per process start, cheaper than random bytes per request. */
const ID_PREFIX = randomBytes(4).toString("hex").toUpperCase();
let requestCounter = 0;
const nextRequestId = () => `${ID_PREFIX}${(++requestCounter).toString(16).toUpperCase().padStart(8, "0")}`;

/** Handles one request; never throws (errors become S3 error responses). */
export async function handleS3Request(
  services: HandlerServices,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const exchange: Exchange = {
    id: nextRequestId(),
    started: performance.now(),
    operation: "Unknown",
    route: "-",
    backend: "-",
    bytesIn: 0,
    bytesOut: 0,
  };
  res.setHeader("x-amz-request-id", exchange.id);
  res.setHeader("server", "s3-router");
  const abort = new AbortController();
  let release: (() => void) | undefined;
  // A client that goes away aborts the backend request: no half-written object, no wasted read.
  res.on("close", () => {
    if (!res.writableFinished) abort.abort(new Error("client disconnected"));
    release?.();
    record(services, exchange, req, res);
  });
  const state = services.state();
  const { rawPath, rawQuery } = splitRequestUrl(req.url ?? "/");
  let resource = rawPath;
  try {
    const target = parseTarget(rawPath, rawQuery, req.headers.host, state.settings.domain);
    resource =
      target.bucket === undefined ? "/" : `/${target.bucket}${target.key !== undefined ? `/${target.key}` : ""}`;
    const headers = withHoistedHeaders(req.headers, target.query);
    const operation = classifyOperation(req.method ?? "GET", target.bucket, target.key, target.query, headers);
    exchange.operation = operation.name;
    admit(operation);
    if (target.bucket !== undefined) checkBucketName(target.bucket);
    if (operation.name === "PostObject") {
      // A form upload authenticates in its body (a signed policy), which handlePostObject checks.
      const takeSlot = (caller: string | undefined) => void (release = services.slots.take(caller ?? ANONYMOUS));
      await handlePostObject({
        services,
        state,
        operation,
        req,
        res,
        bucket: target.bucket!,
        exchange,
        resource,
        signal: abort.signal,
        takeSlot,
      });
      return;
    }
    // A CORS preflight carries no credentials (a browser sends none, and a presigned URL's query
    // signs another method): the store answers it from the bucket's CORS configuration, and it is
    // forwarded unsigned, reading and writing nothing.
    const preflight = operation.spec.method === "OPTIONS";
    const auth: AuthContext = preflight
      ? { user: undefined, scheme: "anonymous", payload: { kind: "unsigned" }, decodedLength: undefined }
      : authenticate(
          { method: req.method ?? "GET", rawPath, rawQuery, headers: req.headers, rawHeaders: req.rawHeaders },
          state.users,
          {
            maxSkewSeconds: state.settings.maxSkewSeconds,
            ...(state.settings.region !== undefined && { region: state.settings.region }),
          },
        );
    // Preflights count apart: anonymous callers holding their share must not fail every browser's preflight.
    release = services.slots.take(preflight ? PREFLIGHTS : (auth.user?.accessKeyId ?? ANONYMOUS));
    if (!preflight) state.users.authorize(auth.user, { bucket: target.bucket, write: operation.write });
    else if (req.headers.origin === undefined || req.headers["access-control-request-method"] === undefined) {
      // Not a preflight S3 can answer: refused as S3 (and RGW) refuse it, before any store is asked.
      throw new S3Error("InvalidArgument", "Insufficient information. Origin request header needed.", {
        ArgumentName: "Origin",
      });
    } else if (target.bucket === undefined || !state.users.reachable(target.bucket)) {
      // Preflights carry no identity: they may ask about buckets someone may use, not probe the others.
      throw new S3Error(
        "AccessDenied",
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      );
    }

    const input = sdkInput(target.bucket, target.key, operation.args, headers);
    if (typeof input["CopySource"] === "string") {
      // Reading the source is part of a copy: the user must be allowed to read its bucket.
      const source = parseCopySource(input["CopySource"], operation.name);
      // A source bucket holding `/` (sent as `%2F`) is not a bucket: a backend decodes the header
      // and reads the part before the slash, a bucket that scopes and routes never saw.
      if (operation.kind === "copy") {
        checkBucketName(source.bucket);
        // The source is read from its own route's backend (by the backend, or by the library
        // for a copy across backends): never from an administration namespace either.
        const from = state.router.routeTable.resolveObject(source.bucket, source.key);
        checkBackendBucket(toPhysicalBucket(from, source.bucket));
        checkNotRenamedInto(state, from, toPhysicalBucket(from, source.bucket));
      }
      state.users.authorize(auth.user, { bucket: source.bucket, write: false });
    }
    let body: Readable | undefined = decodeRequestBody(auth, req, (n) => (exchange.bytesIn += n));
    if (body) watchBodyIdle(req, body, state.settings.limits.bodyIdleTimeoutMs);
    if (operation.name === "DeleteObjects") {
      const parsed = await readDeleteRequest(body ?? Readable.from([]));
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
    if (
      isSpanning(plan) ||
      (operation.kind === "copy" && copyMigrates(state.router.routeTable, operation.name, input))
    ) {
      // A copy from or to a migrating route is the library's too: its source may be on the
      // fallback, and its result goes to the mirror.
      exchange.route = "*";
      exchange.backend = "*";
      // RGW refuses an unordered listing with a delimiter; a merged one answers as it would.
      if (
        isSpanning(plan) &&
        plan.spanning === "list" &&
        queryGet(operation.args, "allow-unordered") === "true" &&
        queryHas(operation.args, "delimiter")
      ) {
        throw new S3Error("InvalidArgument", "allow-unordered cannot be used with a delimiter", {
          ArgumentName: "allow-unordered",
        });
      }
      // The library acts with the clients' identities: an anonymous caller is never lent one.
      if (auth.user === undefined) {
        throw new S3Error(
          "AccessDenied",
          "Access Denied: anonymous requests cannot span several stores (listings, copies or batch deletes across routes)",
        );
      }
      // Nor is a user the backends know by its own credentials: the library would read, list and
      // delete with the gateway's identity what the backend refuses that user. (ListBuckets only
      // names buckets, filtered by the user's scope.)
      if (
        auth.user.backendCredentials !== undefined &&
        Object.keys(auth.user.backendCredentials).length > 0 &&
        !(isSpanning(plan) && plan.spanning === "list-buckets")
      ) {
        throw new S3Error(
          "AccessDenied",
          "Access Denied: requests of a user with its own backend credentials cannot span several stores (listings, copies or batch deletes across routes)",
        );
      }
      const releaseSpanning = services.spanningSlots.take(auth.user.accessKeyId);
      try {
        exchange.bytesOut += await answerSpanning(state, operation, input, auth, res, abort.signal);
      } finally {
        releaseSpanning();
      }
      return;
    }
    checkNames(state, operation, plan.route, input["Bucket"]);
    checkBackendBucket(plan.input["Bucket"]);
    checkNotRenamedInto(state, plan.route, plan.input["Bucket"]);
    exchange.route = plan.route.name;
    exchange.backend = plan.client;
    const call: ProxyCall = {
      services,
      state,
      operation,
      req,
      headers,
      res,
      auth,
      query: operation.args,
      signal: abort.signal,
      exchange,
      resource,
    };
    if (isMigrating(plan.route)) await proxyMigrating(call, plan, input, body);
    else await proxy(call, plan, body);
  } catch (error) {
    // A body nobody reads: let the client finish sending it and read the error, then close.
    if (!req.complete && !res.headersSent) drainRequest(req, res);
    sendError(services, res, error, resource, exchange);
  }
}

/** The slot key of unsigned requests: all anonymous callers share one cap. */
const ANONYMOUS = "\u0000anonymous";
/** The slot key of CORS preflights, which share one cap of their own. */
const PREFLIGHTS = "\u0000preflights";

/** Refuses what the registry marks as refused, and service-level operations other than ListBuckets. */
function admit(operation: S3Operation): void {
  if (operation.spec.refused !== undefined)
    throw new S3Error(
      "NotImplemented",
      `${operation.name} is not supported by the gateway: ${operation.spec.refused}.`,
    );
  if (operation.spec.names === "foreign-bucket") {
    // The backend would write to the bucket the document names, with the gateway's identity.
    throw new S3Error(
      "NotImplemented",
      `${operation.name} is not supported by the gateway: its document names another bucket for the store to write to, which the gateway cannot scope.`,
    );
  }
  if (operation.kind === "account")
    throw new S3Error("NotImplemented", `${operation.name} is not supported by the gateway`);
}

/**
 * Refuses an operation whose documents name buckets or key prefixes where the gateway renames
 * them: it would act on (or show) the backend's names, not the caller's. A route that only adds
 * a prefix and owns its backend bucket keeps the bucket's name and all of its keys: its documents
 * apply to the backend bucket as if there were no prefix (see routing/bucket-ownership).
 */
function checkNames(state: GatewayState, operation: S3Operation, route: Route, bucket: unknown): void {
  if (operation.spec.names !== "document") return;
  const renamesBucket = route.mappedBucket !== undefined && route.mappedBucket !== bucket;
  const owned = typeof bucket === "string" && bucketSharers(state.router.routeTable, route, bucket).length === 0;
  if (renamesBucket || (route.mappedPrefix !== "" && !(operation.kind === "bucket" && owned))) {
    throw new S3Error(
      "NotImplemented",
      `${operation.name} is not supported on bucket names this gateway renames: its document names buckets or key prefixes, which the gateway does not map.`,
    );
  }
}

/**
 * Bucket names S3 allows: letters, digits, `.`, `-`, `_` (the last two only as Ceph and older S3
 * regions allow them), and Ceph RGW's `tenant:bucket` form. Anything else (`..`, `%`, spaces) is
 * refused before it can become a path.
 */
function checkBucketName(bucket: string): void {
  // A tenant form needs both parts, once: RGW reads `:bucket` as `bucket` of the default tenant,
  // another spelling of a bucket that routes and scopes would not recognise.
  const badTenantForm = bucket.includes(":") && !/^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+$/.test(bucket);
  if (!/^[A-Za-z0-9._:-]{1,255}$/.test(bucket) || bucket === "." || bucket === ".." || badTenantForm) {
    throw new S3Error("InvalidBucketName", "The specified bucket is not valid.", { BucketName: bucket });
  }
}

/**
 * Path prefixes where S3 servers answer their own administration APIs, not S3 (Ceph RGW's
 * `/admin/…`, its Swift API and auth, MinIO's `/minio/…`): requests signed with the gateway's
 * backend identity must never reach them, whatever a route maps a caller's bucket to.
 */
const BACKEND_NAMESPACES: ReadonlySet<string> = new Set(["admin", "minio", "swift", "auth"]);

function checkBackendBucket(physical: unknown): void {
  if (typeof physical === "string" && BACKEND_NAMESPACES.has(physical.toLowerCase())) {
    throw new S3Error(
      "AccessDenied",
      "Access Denied: this bucket name is reserved by S3 servers for their administration APIs.",
    );
  }
}

/**
 * Refuses a request that names, through a route keeping bucket names, a backend bucket that a
 * profile renames other buckets into: under its own name it would show every tenant's keys.
 */
function checkNotRenamedInto(state: GatewayState, route: Route, physical: unknown): void {
  if (typeof physical !== "string" || route.mappedBucket !== undefined) return;
  if (state.renamedInto.get(route.backend)?.has(physical)) throw new S3Error("AccessDenied", "Access Denied");
}

/** Parameters of a presigned request that authenticate it; the other `x-amz-*` ones are headers. */
const PRESIGN_FIELDS = new Set([
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-signedheaders",
  "x-amz-signature",
  "x-amz-security-token",
  "x-amz-content-sha256",
]);

/**
 * The request's headers plus the `x-amz-*` headers a presigned URL carries in its query (SDK
 * presigners hoist them there, e.g. `x-amz-copy-source`, `x-amz-acl`): S3 applies them as
 * headers, so the gateway classifies, checks and maps them as headers too.
 * @throws {@link S3Error} `InvalidArgument` when one is given both ways with different values.
 */
function withHoistedHeaders(headers: IncomingHttpHeaders, query: Query): IncomingHttpHeaders {
  let merged: IncomingHttpHeaders | undefined;
  for (const [rawName, value] of query) {
    const name = rawName.toLowerCase();
    if (!name.startsWith("x-amz-") || PRESIGN_FIELDS.has(name)) continue;
    const present = headers[name];
    if (present !== undefined && present !== value) {
      throw new S3Error(
        "InvalidArgument",
        `${name} is given both as a header and as a query parameter, with different values.`,
        { ArgumentName: name },
      );
    }
    merged ??= { ...headers };
    merged[name] = value;
  }
  return merged ?? headers;
}

/** The XML of each listing operation's answer, for a listing the library merged over several backends. */
const LISTING_XML = {
  ListObjectsV2: xml.listObjectsV2Xml,
  ListObjects: xml.listObjectsV1Xml,
  ListObjectVersions: xml.listObjectVersionsXml,
  ListMultipartUploads: xml.listMultipartUploadsXml,
} satisfies Record<ListingOperation, (output: Record<string, unknown>) => string>;

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
  const output = (await state.router.send(new Command(input), { abortSignal: signal })) as unknown as Record<
    string,
    unknown
  >;
  const headers: Record<string, string> = { "content-type": "application/xml" };
  let body: string;
  switch (operation.name) {
    case "ListBuckets": {
      const internal = (name: string) => [...state.renamedInto.values()].some((names) => names.has(name));
      const buckets = ((output["Buckets"] as Array<{ Name?: string }> | undefined) ?? []).filter(
        (b) => b.Name !== undefined && state.users.canSee(auth.user, b.Name) && !internal(b.Name),
      );
      body = xml.listBucketsXml({ ...output, Buckets: buckets });
      break;
    }
    case "DeleteObjects": {
      // A backend's message for a key it could not delete may name its physical bucket and key.
      const hidden = routeTableHiddenNames(state.router.routeTable.routes, state.internalNames);
      const errors = (output["Errors"] as Array<Record<string, unknown>> | undefined)?.map((e) => ({
        ...e,
        Message: publicMessage(
          typeof e["Code"] === "string" ? e["Code"] : "",
          typeof e["Message"] === "string" ? e["Message"] : undefined,
          hidden,
        ),
      }));
      body = xml.deleteResultXml({ ...output, ...(errors && { Errors: errors }) });
      break;
    }
    case "CopyObject":
      body = xml.copyObjectResultXml(output);
      if (typeof output["VersionId"] === "string") headers["x-amz-version-id"] = output["VersionId"];
      if (typeof output["CopySourceVersionId"] === "string")
        headers["x-amz-copy-source-version-id"] = output["CopySourceVersionId"];
      break;
    case "UploadPartCopy":
      body = xml.copyPartResultXml(output);
      if (typeof output["CopySourceVersionId"] === "string")
        headers["x-amz-copy-source-version-id"] = output["CopySourceVersionId"];
      break;
    default:
      if (!isListing(operation.spec))
        throw new S3Error("NotImplemented", `${operation.name} is not supported across backends`);
      body = LISTING_XML[operation.spec.name](output);
  }
  const bytes = Buffer.from(body);
  res.writeHead(200, { ...headers, "content-length": String(bytes.length) });
  res.end(bytes);
  return bytes.length;
}

/** Answers with an S3 error: the gateway's own, a routing error, or a backend error from the SDK. */
function sendError(
  services: HandlerServices,
  res: ServerResponse,
  error: unknown,
  resource: string,
  exchange: Exchange,
): void {
  const s3 = toS3Error(error);
  // A mirror divergence was logged already, with every store's state (see migration-events).
  if (s3.status >= 500 && !isMirrorWriteError(error))
    services.log.error({ reqId: exchange.id, err: error }, "request failed");
  if (res.headersSent) {
    res.destroy(s3);
    return;
  }
  const body = Buffer.from(s3.toXML(resource, exchange.id));
  res.writeHead(s3.status, { "content-type": "application/xml", "content-length": String(body.length) });
  res.end(body);
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
      path: redactUrl(req.url ?? "/"),
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
