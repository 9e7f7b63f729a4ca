/**
 * @module spanning/list-buckets — ListBuckets over every backend, in the caller's bucket names.
 */
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import type { SpanningContext } from "./spanning-context.js";

/** Lists buckets. (Placeholder: the default backend's buckets as they are.) */
export async function listBucketsAcrossBackends(ctx: SpanningContext, input: Record<string, unknown>): Promise<unknown> {
  return ctx.backend(ctx.table.default.client).send(new ListBucketsCommand(input));
}
