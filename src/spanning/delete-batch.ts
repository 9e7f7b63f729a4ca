/**
 * @module spanning/delete-batch — DeleteObjects whose keys live in several backends.
 */
import { CrossBackendError } from "../errors.js";
import type { SpanningContext } from "./spanning-context.js";

/** Deletes across backends. (Placeholder until split batches land: refuses with a typed error.) */
export async function deleteAcrossBackends(ctx: SpanningContext, input: Record<string, unknown>, bucket: string): Promise<unknown> {
  const objects = ((input["Delete"] as { Objects?: Array<{ Key: string }> } | undefined)?.Objects ?? []).map((o) => o.Key);
  const routes = [...new Set(objects.map((k) => ctx.table.resolveObject(bucket, k).name))];
  throw new CrossBackendError("DeleteObjects", bucket, objects, routes, "its keys live in several backends");
}
