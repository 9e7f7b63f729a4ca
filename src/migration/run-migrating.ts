/**
 * @module migration/run-migrating — the library's side of the migration modes: one command on a
 * route with a fallback or a mirror, or a copy whose source or destination has one.
 *
 * - Reads that miss on the primary (404 NoSuchKey/NotFound/NoSuchVersion, nothing else) are
 *   answered from the fallback; a GetObject so answered starts a copy-on-read when the profile asks.
 * - Writes go to the primary, then to the mirror.
 * - Deletes remove the key from the fallback, the primary (both while no copy of the key runs,
 *   see copy-to-primary), then the mirror.
 */
import { parseCopySource } from "../mapping/copy-source.js";
import { operationSpec } from "../operations/registry.js";
import { objectPlan, type CommandPlan } from "../client/command-plan.js";
import type { Route, RouteTable } from "../routing/route-table.js";
import { copyAcrossBackends } from "../spanning/cross-copy.js";
import type { SpanningContext } from "../spanning/spanning-context.js";
import { sseCustomerKeyOf } from "../spanning/sse-customer-key.js";
import type { Migration } from "./migration.js";
import { isMiss } from "./s3-outcomes.js";

type Input = Readonly<Record<string, unknown>>;

/** Reads answered from the fallback when the primary does not have the object. */
export const isFallbackRead = (operation: string): boolean => operationSpec(operation)?.migration === "fallback-read";

/** Writes after which the mirror gets the object as the primary stores it. */
export const isMirroredWrite = (operation: string): boolean => operationSpec(operation)?.migration === "mirrored-write";

/** Whether a plan's route takes part in a migration (has a fallback or a mirror). */
export const isMigrating = (route: Route): boolean => route.fallback !== undefined || route.mirror !== undefined;

/** One object command on a migrating route. */
export interface MigratingCall {
  readonly migration: Migration;
  readonly operation: string;
  readonly input: Input;
  readonly plan: CommandPlan;
  /** Sends one plan to its backend and answers in the caller's names. */
  readonly send: (plan: CommandPlan) => Promise<unknown>;
  readonly sendOptions: Record<string, unknown> | undefined;
}

/** Runs an object command (not a copy) on a route with a fallback or a mirror. */
export async function runMigrating(call: MigratingCall): Promise<unknown> {
  const { migration, operation, input, plan, send, sendOptions } = call;
  const { route } = plan;
  const bucket = input["Bucket"] as string;
  const key = input["Key"] as string;

  if (isFallbackRead(operation) && route.fallback) {
    try {
      return await send(plan);
    } catch (error) {
      if (!isMiss(error)) throw error;
      let output: unknown;
      try {
        output = await send(objectPlan(route.fallback, input, bucket, key));
      } catch (fallbackError) {
        // Missing from both: the primary's answer, as if there were no fallback.
        throw isMiss(fallbackError) ? error : fallbackError;
      }
      if (operation === "GetObject" && route.copyOnRead && input["VersionId"] === undefined)
        migration.scheduleCopy(route, bucket, key, sseCustomerKeyOf(input));
      return output;
    }
  }

  if (operation === "DeleteObject") {
    const versionId = input["VersionId"] as string | undefined;
    const output = await migration.deleting(bucket, [[route, key]], async () => {
      if (route.fallback) await migration.deleteFromFallback(route, bucket, key, versionId, sendOptions);
      return send(plan);
    });
    if (route.mirror) await migration.mirrorDelete(operation, route, bucket, key, versionId, sendOptions);
    return output;
  }

  if (isMirroredWrite(operation)) {
    const output = await send(plan);
    if (route.mirror)
      await migration.mirrorWrite(
        operation,
        route,
        bucket,
        key,
        output as { ETag?: unknown; VersionId?: unknown },
        sendOptions,
        sseCustomerKeyOf(input),
      );
    return output;
  }
  return send(plan);
}

/**
 * Runs a copy (CopyObject, UploadPartCopy) whose source or destination route migrates: `run`
 * performs it as planned; a source missing on the primary is read from its fallback; a
 * CopyObject's result is mirrored.
 */
export async function runMigratingCopy(
  migration: Migration,
  ctx: SpanningContext,
  table: RouteTable,
  operation: string,
  input: Input,
  run: () => Promise<unknown>,
): Promise<unknown> {
  const bucket = input["Bucket"] as string;
  const key = input["Key"] as string;
  const source = parseCopySource(input["CopySource"] as string, operation);
  const destination = table.resolveObject(bucket, key);
  const from = table.resolveObject(source.bucket, source.key);
  const copy = async () => {
    try {
      return await run();
    } catch (error) {
      if (!from.fallback || !isMiss(error)) throw error;
      return copyAcrossBackends({ ...ctx, crossBackendCopy: true }, operation, input, {
        spanning: "copy",
        source,
        from: from.fallback,
        to: destination,
        bucket,
        key,
      });
    }
  };
  const output = await copy();
  if (operation === "CopyObject" && destination.mirror) {
    const result = output as { CopyObjectResult?: { ETag?: unknown }; VersionId?: unknown };
    await migration.mirrorWrite(
      operation,
      destination,
      bucket,
      key,
      { ETag: result.CopyObjectResult?.ETag, VersionId: result.VersionId },
      ctx.sendOptions,
      sseCustomerKeyOf(input),
    );
  }
  return output;
}

/** Whether a copy needs the migration modes: its source may be on a fallback, or its result goes to a mirror. */
export function copyMigrates(table: RouteTable, operation: string, input: Input): boolean {
  if (
    typeof input["CopySource"] !== "string" ||
    typeof input["Bucket"] !== "string" ||
    typeof input["Key"] !== "string"
  )
    return false;
  const source = parseCopySource(input["CopySource"], operation);
  const destination = table.resolveObject(input["Bucket"], input["Key"]);
  // A destination with only a fallback is written like any other: to its own store.
  return (
    table.resolveObject(source.bucket, source.key).fallback !== undefined ||
    (operation === "CopyObject" && destination.mirror !== undefined)
  );
}
