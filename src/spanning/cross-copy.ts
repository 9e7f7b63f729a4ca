/**
 * @module spanning/cross-copy — CopyObject and UploadPartCopy between two backends.
 */
import { CrossBackendError } from "../errors.js";
import type { SpanningPlan } from "../client/command-plan.js";
import type { SpanningContext } from "./spanning-context.js";

type CopyPlan = Extract<SpanningPlan, { spanning: "copy" }>;

/** Copies across backends. (Placeholder until streaming copies land: refuses with a typed error.) */
export async function copyAcrossBackends(_ctx: SpanningContext, operation: string, _input: Record<string, unknown>, plan: CopyPlan): Promise<unknown> {
  throw new CrossBackendError(
    operation,
    plan.bucket,
    [`${plan.source.bucket}/${plan.source.key}`, `${plan.bucket}/${plan.key}`],
    [plan.from.name, plan.to.name],
    `the source is served by client "${plan.from.client}" and the destination by client "${plan.to.client}"`,
  );
}
