/**
 * @module cli/explain — answers "where does this go?" for a bucket/key or a prefix, from the
 * same route table the router and the gateway use.
 */
import { toPhysicalBucket, toPhysicalKey } from "../mapping/key-mapping.js";
import { bucketSharers } from "../routing/bucket-ownership.js";
import type { Route, RouteTable } from "../routing/route-table.js";

/** Where one name lands. */
export interface Placement {
  readonly profile: string;
  readonly client: string;
  readonly bucket: string;
  readonly key: string;
  /** Where reads that miss here are answered, and deletes also go. */
  readonly fallback?: Placement & { readonly copyOnRead: boolean };
  /** Where writes also go. */
  readonly mirror?: Placement;
}

/** Everything `explain` reports for an `s3://bucket/key` address. */
export interface Explanation {
  readonly bucket: string;
  readonly key: string;
  /** The object's route (when a key was given). */
  readonly object: Placement | undefined;
  /** The bucket's home: where bucket-level operations go. */
  readonly bucketHome: Placement;
  /**
   * Other routes that reach the home's backend bucket: bucket writes (create, delete, policy,
   * lifecycle…) are refused while any does. Empty when the home owns its backend bucket.
   */
  readonly bucketSharedWith: readonly string[];
  /** Routes a listing of `key` as a prefix queries, in routing order. */
  readonly listing: readonly Placement[];
}

/** Splits `s3://bucket/key` (or `bucket/key`) into its parts. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const rest = url.replace(/^s3:\/\//, "");
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (bucket === "") throw new Error(`"${url}" names no bucket; expected s3://bucket/key`);
  return { bucket, key: slash < 0 ? "" : rest.slice(slash + 1) };
}

const spot = (route: Route, bucket: string, key: string): Placement => ({
  profile: route.name,
  client: route.client,
  bucket: toPhysicalBucket(route, bucket),
  key: toPhysicalKey(route, key),
});

const place = (route: Route, bucket: string, key: string): Placement => ({
  ...spot(route, bucket, key),
  ...(route.fallback && { fallback: { ...spot(route.fallback, bucket, key), copyOnRead: route.copyOnRead === true } }),
  ...(route.mirror && { mirror: spot(route.mirror, bucket, key) }),
});

/** Explains where `bucket`/`key` routes. */
export function explain(table: RouteTable, bucket: string, key: string): Explanation {
  return {
    bucket,
    key,
    object: key === "" ? undefined : place(table.resolveObject(bucket, key), bucket, key),
    bucketHome: place(table.resolveBucket(bucket), bucket, ""),
    bucketSharedWith: bucketSharers(table, table.resolveBucket(bucket), bucket),
    listing: table.routesForPrefix(bucket, key).map((route) => place(route, bucket, key)),
  };
}

/** The explanation as lines for a terminal. */
export function formatExplanation(e: Explanation): string {
  const at = (p: Placement) =>
    `profile ${p.profile} → client ${p.client} → s3://${p.bucket}/${p.key}` +
    (p.fallback
      ? `; fallback client ${p.fallback.client} → s3://${p.fallback.bucket}/${p.fallback.key}${p.fallback.copyOnRead ? " (copy on read)" : ""}`
      : "") +
    (p.mirror ? `; mirror client ${p.mirror.client} → s3://${p.mirror.bucket}/${p.mirror.key}` : "");
  const lines = [`s3://${e.bucket}/${e.key}`];
  if (e.object) lines.push(`  object:       ${at(e.object)}`);
  const owns =
    e.bucketSharedWith.length === 0
      ? "owns it: bucket writes allowed"
      : `shared with ${e.bucketSharedWith.map((n) => `"${n}"`).join(", ")}: bucket writes refused`;
  lines.push(
    `  bucket home:  profile ${e.bucketHome.profile} → client ${e.bucketHome.client} → s3://${e.bucketHome.bucket} (${owns})`,
  );
  const spans = e.listing.length === 1 ? "1 route" : `${e.listing.length} routes`;
  lines.push(`  listing of prefix "${e.key}" queries ${spans}:`);
  for (const p of e.listing) lines.push(`    ${at(p)}`);
  return lines.join("\n");
}
