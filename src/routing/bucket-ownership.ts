/**
 * @module routing/bucket-ownership — whether a route owns the backend bucket a caller's bucket
 * maps to: no other route (nor the default) can reach any key of it. Bucket operations (create,
 * delete, versioning, ACL, policy, CORS, tagging, object lock…) act on the whole backend bucket,
 * so they are safe exactly on an owning route — even one that stores keys under a prefix: the
 * bucket then holds this route's keys only, and is treated as if there were no prefix.
 */
import type { ConfigIssue } from "../errors.js";
import { toPhysicalBucket } from "../mapping/key-mapping.js";
import type { Route, RouteTable } from "./route-table.js";

/**
 * The other routes that reach the backend bucket `route` maps `bucket` to (on the same backend),
 * by name; empty when `route` owns it.
 *
 * A route shares its backend bucket when it maps several caller buckets into one, when another
 * route (or a fallback or mirror of one) maps another caller bucket into the same backend bucket,
 * or when a route keeping bucket names reaches a caller bucket of that very name. Routes that
 * split one caller bucket's keys (key patterns) share nothing with another caller: the bucket
 * and all its keys are that caller's.
 *
 * @example
 * // tenant-a and tenant-b both live in backend bucket "shared", under a/ and b/:
 * bucketSharers(table, table.resolveBucket("tenant-a"), "tenant-a"); // ["tenant-b"]
 * // one profile { source_bucket_pattern: "*", mapped_prefix: "p/" }: each bucket is its own
 * bucketSharers(table, table.resolveBucket("photos"), "photos");     // []
 */
export function bucketSharers(table: RouteTable, route: Route, bucket: string): string[] {
  const physical = toPhysicalBucket(route, bucket);
  const sharers = new Set<string>();
  // Several caller buckets in one backend bucket.
  if (route.mappedBucket !== undefined && route.bucketPattern?.literal === undefined) sharers.add(route.name);
  // Routes keeping bucket names that serve some key of a caller bucket named like the backend bucket.
  const sameName = table.routesForPrefix(physical, "");
  for (const candidate of table.routes.flatMap(withPlaces)) {
    if (candidate === route || candidate.backend !== route.backend) continue;
    if (candidate.mappedBucket !== undefined) {
      // Another profile renaming into this backend bucket: a sharer, unless it serves this very
      // caller bucket only (keys of one bucket split between routes stay that bucket's).
      if (candidate.mappedBucket === physical && candidate.bucketPattern?.literal !== bucket)
        sharers.add(nameOf(candidate));
    } else if (physical !== bucket && sameName.includes(candidate.primary ?? candidate)) {
      // A route keeping names reaches this backend bucket as a caller bucket of that name.
      sharers.add(nameOf(candidate));
    }
  }
  return [...sharers];
}

/** A route with its fallback and mirror: each writes to (or is read from) a backend bucket too. */
const withPlaces = (route: Route): Route[] => [
  route,
  ...(route.fallback ? [route.fallback] : []),
  ...(route.mirror ? [route.mirror] : []),
];

const nameOf = (route: Route): string => route.name;

/**
 * Routes that store keys of different caller buckets in one backend bucket under prefixes of
 * which one extends the other (`tenant1` and `tenant10`, or none and `t/`): a key of the first
 * is then a key of the second (`tenant1` + `0/x` is `tenant10` + `/x`… and every key under no
 * prefix), so the tenants' keys mix. Routes with key patterns are left out: their patterns may
 * keep the keys apart. Equal prefixes are aliases of one key space, and allowed.
 */
export function overlappingPrefixes(table: RouteTable): ConfigIssue[] {
  const placed = table.routes.filter((r) => r.mappedBucket !== undefined && r.keyPattern === undefined);
  const issues: ConfigIssue[] = [];
  for (const [i, a] of placed.entries()) {
    for (const b of placed.slice(i + 1)) {
      if (a.backend !== b.backend || a.mappedBucket !== b.mappedBucket || a.mappedPrefix === b.mappedPrefix) continue;
      const [short, long] = a.mappedPrefix.length < b.mappedPrefix.length ? [a, b] : [b, a];
      if (!long.mappedPrefix.startsWith(short.mappedPrefix)) continue;
      issues.push({
        path: `profiles.${long.name}.mapped_prefix`,
        message:
          `"${long.mappedPrefix}" extends the mapped_prefix "${short.mappedPrefix}" of profile "${short.name}" in the same backend bucket "${long.mappedBucket}": ` +
          `keys of "${short.name}" would be keys of "${long.name}" (end each prefix with "/", and give no profile an empty prefix there)`,
      });
    }
  }
  return issues;
}

/**
 * The backend buckets, by backend, that profiles rename caller buckets into: internal names,
 * which the gateway does not let anyone address (or list) by their own name.
 */
export function renamedInto(table: RouteTable): ReadonlyMap<string, ReadonlySet<string>> {
  const byBackend = new Map<string, Set<string>>();
  for (const route of table.routes.flatMap(withPlaces)) {
    const physical = route.mappedBucket;
    if (physical === undefined || route.bucketPattern?.literal === physical) continue;
    let set = byBackend.get(route.backend);
    if (!set) byBackend.set(route.backend, (set = new Set()));
    set.add(physical);
  }
  return byBackend;
}
