/**
 * @module spanning/merged-listing — listings whose prefix reaches several backends.
 */
import { CrossBackendError } from "../errors.js";
import type { Route } from "../routing/route-table.js";
import type { SpanningContext } from "./spanning-context.js";

/** Placeholder until the merge lands. */
export async function mergedListing(_ctx: SpanningContext, operation: string, input: Record<string, unknown>, bucket: string, routes: readonly Route[]): Promise<unknown> {
  const prefix = (input["Prefix"] as string | undefined) ?? "";
  throw new CrossBackendError(operation, bucket, [prefix], routes.map((r) => r.name), `keys under prefix "${prefix}" can live in several backends`);
}
