/**
 * @module spanning/run-spanning — runs a command the planner found to need several backends.
 */
import type { SpanningPlan } from "../client/command-plan.js";
import { operationName } from "../client/command-kind.js";
import { copyAcrossBackends } from "./cross-copy.js";
import { deleteAcrossBackends } from "./delete-batch.js";
import { listBucketsAcrossBackends } from "./list-buckets.js";
import { mergedListing } from "./merged-listing.js";
import type { SpanningContext } from "./spanning-context.js";

/** Runs a spanning plan; resolves with an output shaped like the command's own. */
export function runSpanning(
  ctx: SpanningContext,
  plan: SpanningPlan,
  commandName: string,
  input: Record<string, unknown>,
): Promise<unknown> {
  const operation = operationName(commandName);
  switch (plan.spanning) {
    case "list":
      return mergedListing(ctx, operation, input, plan.bucket, plan.routes);
    case "list-buckets":
      return listBucketsAcrossBackends(ctx, input);
    case "delete-batch":
      return deleteAcrossBackends(ctx, input, plan.bucket);
    case "copy":
      return copyAcrossBackends(ctx, operation, input, plan);
  }
}
