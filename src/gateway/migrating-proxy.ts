/**
 * @module gateway/migrating-proxy — one object request on a route with a fallback or a mirror,
 * proxied: the migration modes' policy (migration/migrating-object, the library's too) runs over
 * the gateway's streamed exchange (gateway/exchange-port); what is the gateway's own is who may
 * delete on a migrating route, and how a slow mirror is answered.
 *
 * Copies, batch deletes and listings of migrating routes are not proxied: the library runs them
 * (see request-handler).
 */
import type { Readable } from "node:stream";
import type { CommandPlan } from "../client/command-plan.js";
import { runMigratingObject } from "../migration/migrating-object.js";
import { exchangePort, type ExchangeReply } from "./exchange-port.js";
import { answer, resultXml, startLongAnswer } from "./proxy.js";
import type { ProxyCall } from "./gateway-context.js";
import { S3Error, toS3Error } from "./s3-error.js";

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
  const { route } = plan;
  // The fallback's copy is deleted by the library, with the gateway's identity, before the
  // primary has said whether this caller may delete at all: only for callers who are the
  // gateway's identity on both stores. Anyone else (anonymous, or a user with its own backend
  // credentials) would delete there what the backend refuses them — often the only copy.
  const user = call.auth.user;
  if (
    call.operation.name === "DeleteObject" &&
    typeof input["Key"] === "string" &&
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
  const { reply, mirrored } = await runMigratingObject({
    port: exchangePort(call, plan, body),
    migration: call.state.router.migration,
    operation: call.operation.name,
    plan,
    input,
    // A read carries no body; one that does cannot be sent twice, so it is not asked of the fallback.
    repeatable: body === undefined,
    sendOptions: { abortSignal: call.signal },
  });
  call.exchange.backend = reply.plan.client;
  if (mirrored === undefined) return answer(call, reply.plan.scope, reply.response, reply.text);
  const outcome = mirrored.then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  if (call.operation.name === "CompleteMultipartUpload") return answerCompletion(call, reply, outcome);
  const failed = await outcome;
  if (failed) throw failed.error;
  return answer(call, reply.plan.scope, reply.response, reply.text);
}

/**
 * A completion whose mirror is being updated. A large object takes a while to reach the mirror:
 * past a moment, it is answered as S3 answers a long completion — 200 at once, whitespace while
 * it works, then the result or an `<Error>` (which SDKs raise) — so that clients do not time out
 * and retry a completed upload.
 */
async function answerCompletion(
  call: ProxyCall,
  reply: ExchangeReply,
  outcome: Promise<{ error: unknown } | undefined>,
): Promise<void> {
  const quick = await Promise.race([outcome.then((failed) => ({ failed })), delay(LONG_ANSWER_AFTER_MS)]);
  if (quick !== undefined) {
    if (quick.failed) throw quick.failed.error;
    return answer(call, reply.plan.scope, reply.response, reply.text);
  }
  const end = startLongAnswer(call, reply.response);
  const keepAlive = setInterval(() => call.res.destroyed || call.res.write(" "), KEEP_ALIVE_EVERY_MS);
  const failed = await outcome.finally(() => clearInterval(keepAlive));
  end(
    failed
      ? toS3Error(failed.error).toXML(call.resource, call.exchange.id)
      : resultXml(call, reply.plan.scope, reply.text ?? ""),
  );
}

/** How long a completion waits for its mirror before answering as a long operation. */
const LONG_ANSWER_AFTER_MS = 2000;
/** Whitespace this often keeps clients and load balancers from closing an idle answer. */
const KEEP_ALIVE_EVERY_MS = 5000;

const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());
