/**
 * @module spanning/listing-start — which target continues within the key a page starts at. A
 * version or upload id marker continues within its key in the store that listed that key: the
 * primary when it holds the key (it wins), else the fallback. The position does not say which,
 * so the primary is asked — one small request, only for a migrating route's key.
 */
import { holdsKey } from "./listing-backend.js";
import type { ListingRequest } from "./listing-request.js";
import { targetId, type Target } from "./listing-targets.js";
import type { SpanningContext } from "./spanning-context.js";

/** For each target: whether it continues within the start key (its id marker applies there). */
export async function startOwnership(
  ctx: SpanningContext,
  request: ListingRequest,
  targets: readonly Target[],
): Promise<(target: Target) => boolean> {
  const { start, bucket, spec } = request;
  const startRoute = start && !start.p ? ctx.table.resolveObject(bucket, start.k) : undefined;
  if (startRoute === undefined) return () => false;
  let markerInFallback = false;
  if (start?.id && spec.listing.idMarker && startRoute.fallback) {
    const primary = targets.find((t) => t.id === targetId(startRoute, bucket));
    markerInFallback = primary !== undefined && !(await holdsKey(ctx, spec, request.input, primary, start.k));
  }
  return (target) => target.serves(startRoute) && (target.primaryId !== undefined) === markerInFallback;
}
