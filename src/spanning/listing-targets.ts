/**
 * @module spanning/listing-targets — the backend buckets a merged listing reads, and which keys
 * each of them serves. Routes sharing one backend bucket (under one key prefix) are read once; a
 * route with a fallback (a store its keys are moving away from) is read in both stores, as two
 * targets, the fallback's entries losing to its primary's.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { toPhysicalBucket } from "../mapping/key-mapping.js";
import type { Route } from "../routing/route-table.js";
import type { SpanningContext } from "./spanning-context.js";

/** One backend bucket (under one key prefix) the listing reads. */
export interface Target {
  readonly id: string;
  /** The route whose mapping applies: a primary route, or a fallback route. */
  readonly route: Route;
  readonly client: S3Client;
  readonly physicalBucket: string;
  /** For a fallback store: the target of its primary route, whose entries win on a key. */
  readonly primaryId?: string;
  /** Whether keys the router reads from `route` (a primary route) are listed from this target. */
  serves(route: Route): boolean;
}

/** The id of the target a primary route's keys are listed from. */
export const targetId = (route: Route, bucket: string): string =>
  JSON.stringify([route.backend, toPhysicalBucket(route, bucket), route.mappedPrefix]);

/**
 * What the listing reads: the routes' distinct backend buckets (routes sharing one are listed
 * once), then one target per fallback — primaries first, so that a fallback's primary is opened
 * before it. A fallback is a target of its own even when its store is another route's backend
 * bucket: there it lists its primary route's keys, which that route's target drops as shadowed,
 * and its entries lose to the primary's.
 */
export function listingTargets(ctx: SpanningContext, bucket: string, routes: readonly Route[]): Target[] {
  const byId = new Map<string, Target>();
  const target = (
    id: string,
    route: Route,
    extra: Pick<Target, "serves"> & Partial<Pick<Target, "primaryId">>,
  ): Target => ({
    id,
    route,
    client: ctx.backend(route.client),
    physicalBucket: toPhysicalBucket(route, bucket),
    ...extra,
  });
  for (const route of routes) {
    const id = targetId(route, bucket);
    if (!byId.has(id)) byId.set(id, target(id, route, { serves: (r) => targetId(r, bucket) === id }));
  }
  for (const route of routes) {
    const fallback = route.fallback;
    if (!fallback) continue;
    // Keyed by the primary route: two routes falling back to one store each list their own keys there.
    const id = JSON.stringify([
      "fallback",
      route.index,
      fallback.backend,
      toPhysicalBucket(fallback, bucket),
      fallback.mappedPrefix,
    ]);
    byId.set(id, target(id, fallback, { serves: (r) => r.index === route.index, primaryId: targetId(route, bucket) }));
  }
  return [...byId.values()];
}
