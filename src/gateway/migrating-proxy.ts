/**
 * @module gateway/migrating-proxy — the migration modes for requests the gateway proxies: one
 * object request on a route with a fallback or a mirror, with the library's semantics
 * (migration/run-migrating) and the library's services (`router.migration`), but streamed:
 *
 * - a read that misses on the primary (404 NoSuchKey/NotFound/NoSuchVersion, nothing else) is
 *   asked again of the fallback, the same request in the fallback's names; a GetObject so
 *   answered starts a copy-on-read when the profile asks;
 * - DeleteObject removes the key from the fallback, the primary (both while no copy-on-read of
 *   the key runs: one finishing after the delete would bring the object back), then the mirror;
 * - a mirrored write goes to the primary, and is answered only once the mirror has the object
 *   too — or with `MirrorWriteFailed`.
 *
 * Copies, batch deletes and listings of migrating routes are not proxied: the library runs them
 * (see request-handler).
 */
import type { Readable } from "node:stream";
import { objectPlan, type CommandPlan } from "../client/command-plan.js";
import { isFallbackRead, isMirroredWrite } from "../migration/run-migrating.js";
import { sseCustomerKeyOf } from "../spanning/sse-customer-key.js";
import type { Route } from "../routing/route-table.js";
import type { BackendResponse } from "./backend-request.js";
import { childrenNamed, parseXml, XmlSyntaxError } from "./protocol/xml-scan.js";
import {
  answer,
  backendRequest,
  MAX_REWRITE_BYTES,
  proxy,
  readAll,
  resultXml,
  sendToBackend,
  startLongAnswer,
  type ProxyCall,
} from "./proxy.js";
import { S3Error, toS3Error } from "./s3-error.js";
import { errorCodeOf, isStoreMiss } from "./store-miss.js";

/** Error answers are small; a larger "error" is not one the gateway reads to decide anything. */
const MAX_ERROR_BYTES = 64 * 1024;

/** The caller's object: a migrating plan is always an object command's. */
interface Target {
  readonly route: Route;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | undefined;
}

/**
 * Proxies one request whose plan's route has a fallback or a mirror.
 * @param input - the request's SDK input in the caller's names (what `plan` was made from).
 * @param body - the request body, decoded.
 */
export async function proxyMigrating(
  call: ProxyCall,
  plan: CommandPlan,
  input: Readonly<Record<string, unknown>>,
  body: Readable | undefined,
): Promise<void> {
  const name = call.operation.name;
  const bucket = input["Bucket"];
  const key = input["Key"];
  // Bucket-level requests of a migrating bucket act on the primary's bucket only, as in the library.
  if (typeof bucket !== "string" || typeof key !== "string") return proxy(call, plan, body);
  const target: Target = {
    route: plan.route,
    bucket,
    key,
    versionId: typeof input["VersionId"] === "string" ? input["VersionId"] : undefined,
  };
  // A read carries no body; one that does cannot be sent twice, so it is not asked of the fallback.
  if (target.route.fallback && isFallbackRead(name) && body === undefined)
    return readWithFallback(call, plan, input, target);
  if (name === "DeleteObject") return deleteEverywhere(call, plan, target, body);
  if (isMirroredWrite(name)) return mirroredWrite(call, plan, target, body, input);
  return proxy(call, plan, body);
}

/** A read from the primary, else (on a miss) from the fallback. */
async function readWithFallback(
  call: ProxyCall,
  plan: CommandPlan,
  input: Readonly<Record<string, unknown>>,
  target: Target,
): Promise<void> {
  const primary = await sendToBackend(call, plan, backendRequest(call, plan, undefined));
  if (primary.statusCode !== 404) return answer(call, plan.scope, primary);
  // Only an error body tells a missing key from a missing bucket; it is small (HEAD has none).
  const missed = await readAll(primary.body, MAX_ERROR_BYTES, "InternalError");
  if (!isStoreMiss(primary.statusCode, missed)) return answer(call, plan.scope, primary, missed);

  const fallback = objectPlan(target.route.fallback!, input, target.bucket, target.key);
  const second = await sendToBackend(call, fallback, backendRequest(call, fallback, undefined));
  if (second.statusCode === 404) {
    const text = await readAll(second.body, MAX_ERROR_BYTES, "InternalError");
    // Missing from both: the primary's answer, as if there were no fallback.
    if (isStoreMiss(second.statusCode, text)) return answer(call, plan.scope, primary, missed);
    return answer(call, fallback.scope, second, text);
  }
  call.exchange.backend = fallback.client;
  const route = target.route;
  if (isSuccess(second) && call.operation.name === "GetObject" && route.copyOnRead && target.versionId === undefined) {
    // Under the read's SSE-C key, if it carried one: the copy is encrypted as the original.
    call.state.router.migration.scheduleCopy(route, target.bucket, target.key, sseCustomerKeyOf(input));
  }
  return answer(call, fallback.scope, second);
}

/** DeleteObject: the fallback first (copies across processes rely on that order), the primary, then the mirror. */
async function deleteEverywhere(
  call: ProxyCall,
  plan: CommandPlan,
  target: Target,
  body: Readable | undefined,
): Promise<void> {
  const { route, bucket, key, versionId } = target;
  const migration = call.state.router.migration;
  // The fallback's copy is deleted by the library, with the gateway's identity, before the
  // primary has said whether this caller may delete at all: only for callers who are the
  // gateway's identity on both stores. Anyone else (anonymous, or a user with its own backend
  // credentials) would delete there what the backend refuses them — often the only copy.
  const user = call.auth.user;
  if (
    route.fallback &&
    (user === undefined ||
      user.backendCredentials?.[route.client] !== undefined ||
      user.backendCredentials?.[route.fallback.client] !== undefined)
  ) {
    throw new S3Error(
      "AccessDenied",
      "Access Denied: on a bucket being migrated, only callers acting with the gateway's own identity may delete objects",
    );
  }
  // The exchange resolves when the primary answers: the lock covers the whole delete.
  const response = await migration.deleting(bucket, [[route, key]], async () => {
    if (route.fallback) {
      try {
        await migration.deleteFromFallback(route, bucket, key, versionId, { abortSignal: call.signal });
      } catch (error) {
        throw storeFailure(error, "fallback", route.fallback.client);
      }
    }
    return sendToBackend(call, plan, backendRequest(call, plan, body));
  });
  if (!route.mirror || !isSuccess(response)) return answer(call, plan.scope, response);
  const text = await readAll(response.body, MAX_REWRITE_BYTES, "InternalError");
  // Not the client's abort signal: a client that goes away must not leave the mirror behind.
  await migration.mirrorDelete("DeleteObject", route, bucket, key, versionId);
  return answer(call, plan.scope, response, text);
}

/**
 * A write after which the mirror gets the object as the primary now stores it. (A copy-on-read
 * racing it cannot overwrite it: copies only create.)
 */
async function mirroredWrite(
  call: ProxyCall,
  plan: CommandPlan,
  target: Target,
  body: Readable | undefined,
  input: Readonly<Record<string, unknown>>,
): Promise<void> {
  const { route, bucket, key } = target;
  const migration = call.state.router.migration;
  const response = await sendToBackend(call, plan, backendRequest(call, plan, body));
  if (!route.mirror || !isSuccess(response)) return answer(call, plan.scope, response);
  // Held (it is small) until the mirror is done: the client learns of success only when both stores have the object.
  const text = await readAll(response.body, MAX_REWRITE_BYTES, "InternalError");
  // CompleteMultipartUpload may fail after its 200 status: then nothing was written.
  if (errorCodeOf(response.statusCode, text) !== undefined) return answer(call, plan.scope, response, text);
  const written = {
    ETag: header(response, "etag") ?? resultETag(text),
    VersionId: header(response, "x-amz-version-id"),
  };
  // Not the client's abort signal: a client that goes away must not leave the mirror behind.
  // The write's SSE-C key, if any, reads the object back from the primary and writes the mirror's.
  const mirrored = migration
    .mirrorWrite(call.operation.name, route, bucket, key, written, undefined, sseCustomerKeyOf(input))
    .then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
  if (call.operation.name === "CompleteMultipartUpload") {
    // A large object takes a while to reach the mirror: past a moment, answer as S3 answers a
    // long completion — 200 at once, whitespace while it works, then the result or an <Error>
    // (which SDKs raise) — so that clients do not time out and retry a completed upload.
    const quick = await Promise.race([mirrored.then((outcome) => ({ outcome })), delay(LONG_ANSWER_AFTER_MS)]);
    if (quick === undefined) {
      const end = startLongAnswer(call, response);
      const keepAlive = setInterval(() => call.res.destroyed || call.res.write(" "), KEEP_ALIVE_EVERY_MS);
      const outcome = await mirrored.finally(() => clearInterval(keepAlive));
      end(
        outcome ? toS3Error(outcome.error).toXML(call.resource, call.exchange.id) : resultXml(call, plan.scope, text),
      );
      return;
    }
    if (quick.outcome) throw quick.outcome.error;
    return answer(call, plan.scope, response, text);
  }
  const outcome = await mirrored;
  if (outcome) throw outcome.error;
  return answer(call, plan.scope, response, text);
}

/** How long a completion waits for its mirror before answering as a long operation. */
const LONG_ANSWER_AFTER_MS = 2000;
/** Whitespace this often keeps clients and load balancers from closing an idle answer. */
const KEEP_ALIVE_EVERY_MS = 5000;

const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());

const isSuccess = (response: BackendResponse): boolean => response.statusCode >= 200 && response.statusCode < 300;

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
  if (e?.$metadata?.httpStatusCode !== undefined || (error as { name?: string })?.name === "AbortError") return error;
  return new S3Error(
    "ServiceUnavailable",
    `${role} backend "${client}" is unreachable: ${e?.message ?? String(error)}`,
    {},
    { cause: error },
  );
}
