/**
 * @module migration/migrating-copy — a copy (CopyObject, UploadPartCopy) whose source or
 * destination route migrates, for both faces: the gateway hands such copies to the library.
 * A source missing on the primary is read from its fallback; a CopyObject's result is mirrored.
 */
import { parseCopySource } from "../mapping/copy-source.js";
import type { RouteTable } from "../routing/route-table.js";
import { copyAcrossBackends } from "../spanning/cross-copy.js";
import type { SpanningContext } from "../spanning/spanning-context.js";
import { sseCustomerKeyOf } from "../spanning/sse-customer-key.js";
import type { Migration } from "./migration.js";
import { isMiss } from "./s3-outcomes.js";

type Input = Readonly<Record<string, unknown>>;

/**
 * Runs a copy (CopyObject, UploadPartCopy) whose source or destination route migrates: `run`
 * performs it as planned; a source missing on the primary is read from its fallback; a
 * CopyObject's result is mirrored.
 */
export async function runMigratingCopy(
  migration: Migration,
  ctx: SpanningContext,
  operation: string,
  input: Input,
  run: () => Promise<unknown>,
): Promise<unknown> {
  const bucket = input["Bucket"] as string;
  const key = input["Key"] as string;
  const source = parseCopySource(input["CopySource"] as string, operation);
  const destination = ctx.table.resolveObject(bucket, key);
  const from = ctx.table.resolveObject(source.bucket, source.key);
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
