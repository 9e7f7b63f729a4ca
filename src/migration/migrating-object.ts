/**
 * @module migration/migrating-object — the migration modes for one object request on a route
 * with a fallback or a mirror, written once for the library and the gateway against the
 * {@link BackendPort} each implements:
 *
 * - a read that misses on the primary (and only a miss: see operations/outcome) is asked again
 *   of the fallback, in the fallback's names; a GetObject so answered starts a copy-on-read when
 *   the profile asks. Missing from both, the answer is the primary's, as if there were no fallback;
 * - DeleteObject removes the key from the fallback, then the primary — both while no copy of the
 *   key from the fallback runs (one finishing after the delete would bring the object back) —
 *   then the mirror;
 * - a mirrored write goes to the primary, then the mirror gets the object as the primary now
 *   stores it. The request succeeds only when both do.
 *
 * Copies whose source or destination migrates are the library's (migration/migrating-copy).
 */
import { objectPlan, type CommandPlan } from "../client/command-plan.js";
import type { BackendPort, Reply } from "../operations/backend-port.js";
import { operationSpec } from "../operations/registry.js";
import type { Route } from "../routing/route-table.js";
import { sseCustomerKeyOf } from "../spanning/sse-customer-key.js";
import type { Migration } from "./migration.js";

/** Reads answered from the fallback when the primary does not have the object. */
const isFallbackRead = (operation: string): boolean => operationSpec(operation)?.migration === "fallback-read";

/** Writes after which the mirror gets the object as the primary stores it. */
const isMirroredWrite = (operation: string): boolean => operationSpec(operation)?.migration === "mirrored-write";

/** Whether a route takes part in a migration (has a fallback or a mirror). */
export const isMigrating = (route: Route): boolean => route.fallback !== undefined || route.mirror !== undefined;

/** One object request on a migrating route. */
export interface MigratingRequest<R extends Reply> {
  readonly port: BackendPort<R>;
  readonly migration: Migration;
  /** The operation's name (`GetObject`). */
  readonly operation: string;
  /** The request planned onto its route's own (primary) store. */
  readonly plan: CommandPlan;
  /** The request's input in the caller's names (what `plan` was made from). */
  readonly input: Readonly<Record<string, unknown>>;
  /** Whether it can be sent a second time, to the fallback: a body can be sent only once. */
  readonly repeatable: boolean;
  /** The caller's handler options (its abort signal) for the fallback's delete. */
  readonly sendOptions: Record<string, unknown> | undefined;
}

/** What to answer the caller. */
export interface MigratingResult<R extends Reply> {
  /** The reply the caller gets: the primary's, or the fallback's. */
  readonly reply: R;
  /**
   * The mirror's update after a successful write: the request succeeds only if it does. It
   * rejects with a {@link MirrorWriteError} (counted and reported already). Never tied to the
   * caller's abort signal: a caller that goes away must not leave the mirror behind.
   */
  readonly mirrored?: Promise<void>;
}

/** Runs one object request (not a copy) on a route with a fallback or a mirror. */
export async function runMigratingObject<R extends Reply>(request: MigratingRequest<R>): Promise<MigratingResult<R>> {
  const { port, operation, plan, input } = request;
  const bucket = input["Bucket"];
  const key = input["Key"];
  // Bucket-level requests of a migrating bucket act on the primary's bucket only.
  if (typeof bucket !== "string" || typeof key !== "string") return { reply: await port.send(plan) };
  const call: Call<R> = { ...request, route: plan.route, bucket, key, versionId: versionOf(input) };
  if (call.route.fallback && isFallbackRead(operation) && request.repeatable) return readWithFallback(call);
  if (operation === "DeleteObject") return deleteEverywhere(call);
  if (isMirroredWrite(operation)) return mirroredWrite(call);
  return { reply: await port.send(plan) };
}

/** A request and the caller's object it acts on. */
interface Call<R extends Reply> extends MigratingRequest<R> {
  readonly route: Route;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | undefined;
}

const versionOf = (input: Readonly<Record<string, unknown>>): string | undefined =>
  typeof input["VersionId"] === "string" ? input["VersionId"] : undefined;

async function readWithFallback<R extends Reply>(call: Call<R>): Promise<MigratingResult<R>> {
  const { port, route } = call;
  const primary = await port.send(call.plan);
  if ((await port.outcome(primary)) !== "miss") return { reply: primary };
  const second = await port.send(objectPlan(route.fallback!, call.input, call.bucket, call.key));
  const outcome = await port.outcome(second);
  if (outcome === "miss") return { reply: primary };
  // A version id names a version of one store: only a current object is copied.
  if (outcome === "success" && call.operation === "GetObject" && route.copyOnRead && call.versionId === undefined) {
    // Under the read's SSE-C key, if it carried one: the copy is encrypted as the original.
    call.migration.scheduleCopy(route, call.bucket, call.key, sseCustomerKeyOf(call.input));
  }
  return { reply: second };
}

async function deleteEverywhere<R extends Reply>(call: Call<R>): Promise<MigratingResult<R>> {
  const { port, migration, route, bucket, key, versionId } = call;
  const reply = await migration.deleting(bucket, [[route, key]], async () => {
    // The fallback first: a copy across processes that finds the key gone from it stops.
    if (route.fallback) {
      try {
        await migration.deleteFromFallback(route, bucket, key, versionId, call.sendOptions);
      } catch (error) {
        throw port.storeFailure(error, "fallback", route.fallback.client);
      }
    }
    return port.send(call.plan);
  });
  if (!route.mirror || (await port.outcome(reply)) !== "success") return { reply };
  return { reply, mirrored: migration.mirrorDelete("DeleteObject", route, bucket, key, versionId) };
}

async function mirroredWrite<R extends Reply>(call: Call<R>): Promise<MigratingResult<R>> {
  const { port, route } = call;
  const reply = await port.send(call.plan);
  if (!route.mirror || (await port.outcome(reply)) !== "success") return { reply };
  // The write's SSE-C key, if any, reads the object back from the primary and writes the mirror's.
  // (A copy-on-read racing this update cannot overwrite it: copies only create.)
  const written = port.written(reply);
  const key = sseCustomerKeyOf(call.input);
  return { reply, mirrored: call.migration.mirrorWrite(call.operation, route, call.bucket, call.key, written, key) };
}
