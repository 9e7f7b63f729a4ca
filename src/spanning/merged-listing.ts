/**
 * @module spanning/merged-listing — listings whose prefix reaches several backends:
 * ListObjectsV2, ListObjects, ListObjectVersions and ListMultipartUploads.
 *
 * Every backend that can hold keys under the prefix is listed in parallel and the answers are
 * merged k-way in S3 order (UTF-8 bytes). An entry is kept only where the router would read it:
 * a backend key that routes elsewhere (shadowed) is dropped, and so is a common prefix under
 * which the backend holds no key it serves. A page stops at `MaxKeys` entries (common prefixes
 * count once, however many backends report them); the position reached — the last key or common
 * prefix listed — is all a continuation needs, because each backend restarts from it. So the
 * continuation is stateless: a sealed token for V2, the caller-visible markers otherwise.
 * Work per page is bounded: each backend is read a page at a time, only as far as the merge needs.
 *
 * A route with a fallback (a store its keys are moving away from) is listed in both stores, as
 * two targets. The primary wins on a key: when the primary store lists a key, every entry the
 * fallback has for it is dropped, so a key is listed as it would be read.
 *
 * One phase per module: the request and its token (listing-request), the targets
 * (listing-targets, listing-start), each target's entries (listing-stream, listing-backend), the
 * merge (listing-merge), the answer and its token (listing-answer).
 */
import { isListing, operationSpec, type ListingSpec } from "../operations/registry.js";
import type { Route } from "../routing/route-table.js";
import { listingAnswer } from "./listing-answer.js";
import { mergePage } from "./listing-merge.js";
import { BACKEND_PAGE, readListingRequest, type Input, type ListingRequest } from "./listing-request.js";
import { startOwnership } from "./listing-start.js";
import { TargetStream } from "./listing-stream.js";
import { listingTargets, type Target } from "./listing-targets.js";
import type { SpanningContext } from "./spanning-context.js";

/** Read at least this many entries per backend request: shadowed keys would otherwise cost round trips. */
const MIN_BACKEND_PAGE = 100;

/**
 * Lists `bucket` across `routes` (from the route table, in routing order) as one listing.
 * @param operation - the listing operation (`ListObjectsV2`…) or its command's name.
 * @throws {@link InvalidTokenError} for a continuation token this router did not issue for this listing.
 */
export async function mergedListing(
  ctx: SpanningContext,
  operation: string,
  input: Input,
  bucket: string,
  routes: readonly Route[],
): Promise<unknown> {
  const request = readListingRequest(ctx.tokens, listingSpec(operation), input, bucket);
  const targets = listingTargets(ctx, bucket, routes);
  const ownsStart = await startOwnership(ctx, request, targets);
  const streams = openStreams(ctx, request, targets, ownsStart);
  return listingAnswer(ctx.tokens, request, await mergePage(streams, request.limit));
}

/** The spec of a listing operation; planning sends only those here. */
function listingSpec(operation: string): ListingSpec {
  const spec = operationSpec(operation);
  if (spec === undefined || !isListing(spec)) throw new TypeError(`${operation} is not a listing operation`);
  return spec;
}

/** One stream per target; a fallback's stream knows its primary's, opened before it (see listingTargets). */
function openStreams(
  ctx: SpanningContext,
  request: ListingRequest,
  targets: readonly Target[],
  ownsStart: (target: Target) => boolean,
): TargetStream[] {
  const { bucket, limit } = request;
  const streamOf = new Map<string, TargetStream>();
  return targets.map((target) => {
    const stream = new TargetStream(ctx, request, target, {
      pageSize: Math.min(BACKEND_PAGE, Math.max(limit + 1, MIN_BACKEND_PAGE)),
      ownsStart: ownsStart(target),
      isMember: (key) => target.serves(ctx.table.resolveObject(bucket, key)),
      reach: (prefix) => reachOf(ctx, bucket, target, prefix),
      primary: target.primaryId === undefined ? undefined : streamOf.get(target.primaryId),
    });
    streamOf.set(target.id, stream);
    return stream;
  });
}

/** Whether the keys under `prefix` the router reads from `target` are none, all, or some of them. */
function reachOf(ctx: SpanningContext, bucket: string, target: Target, prefix: string): "none" | "all" | "some" {
  const reachable = ctx.table.routesForPrefix(bucket, prefix);
  const served = reachable.filter((r) => target.serves(r)).length;
  return served === 0 ? "none" : served === reachable.length ? "all" : "some";
}
