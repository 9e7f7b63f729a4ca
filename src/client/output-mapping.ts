/**
 * @module client/output-mapping — brings an SDK output or error back into the caller's names:
 * every bucket, key, prefix, marker and location a backend returns. Outputs are shallow-copied
 * (bodies are one-shot streams and must stay the same object); errors keep their identity, so
 * `instanceof NoSuchKey` and waiters' `error.name` checks still hold.
 */
import { toLogicalEncodedKey, toLogicalKey } from "../mapping/key-mapping.js";
import type { Route } from "../routing/route-table.js";

/** What a plan knows about the names it rewrote, so they can be restored. */
export type NameScope =
  | { readonly kind: "account" }
  | { readonly kind: "bucket"; readonly route: Route; readonly bucket: string; readonly physicalBucket: string }
  | {
      readonly kind: "object";
      readonly route: Route;
      readonly bucket: string;
      readonly physicalBucket: string;
      readonly key: string;
      readonly physicalKey: string;
    }
  | {
      readonly kind: "delete-batch";
      readonly route: Route;
      readonly bucket: string;
      readonly physicalBucket: string;
      /** physical key → caller key, exactly as sent. */
      readonly physicalKeys: ReadonlyMap<string, string>;
    }
  | {
      readonly kind: "list";
      readonly route: Route;
      readonly bucket: string;
      readonly physicalBucket: string;
      readonly encoded: boolean;
    };

type Output = Record<string, unknown>;
type Item = Record<string, unknown>;

/** Listing fields that carry one key or prefix. */
const LIST_SCALARS = ["Prefix", "StartAfter", "Marker", "NextMarker", "KeyMarker", "NextKeyMarker"] as const;
/** Listing arrays and the field of each element that carries a key or prefix. */
const LIST_ARRAYS = [
  ["Contents", "Key"],
  ["Versions", "Key"],
  ["DeleteMarkers", "Key"],
  ["Uploads", "Key"],
  ["CommonPrefixes", "Prefix"],
] as const;

/** A copy of `output` in the caller's names. */
export function restoreOutput<T>(scope: NameScope, output: T): T {
  if (scope.kind === "account" || typeof output !== "object" || output === null) return output;
  const out: Output = { ...(output as Output) };
  if (out["Bucket"] === scope.physicalBucket) out["Bucket"] = scope.bucket;
  switch (scope.kind) {
    case "object":
      if (out["Key"] === scope.physicalKey) out["Key"] = scope.key;
      if (typeof out["Location"] === "string")
        out["Location"] = restoreLocation(out["Location"], scope.bucket, scope.key);
      break;
    case "delete-batch":
      for (const field of ["Deleted", "Errors"] as const) {
        const items = out[field] as Item[] | undefined;
        if (items) out[field] = items.map((item) => restoreItemKey(item, "Key", (k) => scope.physicalKeys.get(k)));
      }
      break;
    case "list": {
      if (out["Name"] === scope.physicalBucket) out["Name"] = scope.bucket;
      const toCaller = scope.encoded ? toLogicalEncodedKey : toLogicalKey;
      const restore = (name: string) => toCaller(scope.route, name);
      for (const field of LIST_SCALARS) {
        if (typeof out[field] === "string") out[field] = restore(out[field]) ?? out[field];
      }
      for (const [field, member] of LIST_ARRAYS) {
        const items = out[field] as Item[] | undefined;
        if (items) out[field] = items.map((item) => restoreItemKey(item, member, restore));
      }
      break;
    }
    case "bucket":
      break;
  }
  return out as T;
}

function restoreItemKey(item: Item, member: string, restore: (name: string) => string | undefined): Item {
  const name = item[member];
  if (typeof name !== "string") return item;
  const restored = restore(name);
  return restored === undefined || restored === name ? item : { ...item, [member]: restored };
}

/**
 * A backend's object URL re-pointed at the caller's bucket and key: the backend's origin stays
 * (the router has no address of its own), the path names what the caller names.
 */
export function restoreLocation(location: string, bucket: string, key: string): string {
  let origin: string;
  try {
    origin = new URL(location).origin;
  } catch {
    return `/${bucket}/${encodeKeyPath(key)}`;
  }
  return `${origin}/${encodeURIComponent(bucket)}/${encodeKeyPath(key)}`;
}

const encodeKeyPath = (key: string) => key.split("/").map(encodeURIComponent).join("/");

/**
 * Rewrites an error's name fields (`Key`, `BucketName`, `Resource`) in place and returns it:
 * the same object, so its class, `name` and `$metadata` stay what the SDK made them.
 */
export function restoreError(scope: NameScope, error: unknown): unknown {
  if (scope.kind === "account" || typeof error !== "object" || error === null) return error;
  const e = error as Record<string, unknown>;
  if (e["BucketName"] === scope.physicalBucket) e["BucketName"] = scope.bucket;
  if (e["Bucket"] === scope.physicalBucket) e["Bucket"] = scope.bucket;
  if (scope.kind === "object" && e["Key"] === scope.physicalKey) e["Key"] = scope.key;
  if (typeof e["Resource"] === "string") e["Resource"] = restoreResource(scope, e["Resource"]);
  return error;
}

function restoreResource(scope: Exclude<NameScope, { kind: "account" }>, resource: string): string {
  const physicalPath = `/${scope.physicalBucket}`;
  if (scope.kind === "object") {
    for (const [physical, logical] of [
      [`${physicalPath}/${scope.physicalKey}`, `/${scope.bucket}/${scope.key}`],
      [`${physicalPath}/${encodeKeyPath(scope.physicalKey)}`, `/${scope.bucket}/${encodeKeyPath(scope.key)}`],
      [scope.physicalKey, scope.key],
    ] as const) {
      if (resource === physical) return logical;
    }
  }
  if (resource === physicalPath) return `/${scope.bucket}`;
  if (resource === scope.physicalBucket) return scope.bucket;
  return resource;
}
