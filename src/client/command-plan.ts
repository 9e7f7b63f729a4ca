/**
 * @module client/command-plan — turns one SDK command into a plan: the backend to send it to,
 * its input in physical names (a new object; the caller's is never touched), and functions that
 * bring the output and errors back to the caller's names.
 */
import { NoRouteError } from "../errors.js";
import { formatCopySource, parseCopySource, type CopySource } from "../mapping/copy-source.js";
import { toPhysicalBucket, toPhysicalKey } from "../mapping/key-mapping.js";
import { bucketSharers } from "../routing/bucket-ownership.js";
import type { Route, RouteTable } from "../routing/route-table.js";
import { operationSpec } from "../operations/registry.js";
import { commandKind, operationName } from "./command-kind.js";
import { restoreError, restoreOutput, type NameScope } from "./output-mapping.js";

type Input = Readonly<Record<string, unknown>>;

/** How to send one command. */
export interface CommandPlan {
  /** Client (backend) name. */
  readonly client: string;
  /** The route whose mapping applies (a listing's or a copy's destination route). */
  readonly route: Route;
  /** Input with physical names. */
  readonly input: Record<string, unknown>;
  /** Physical → caller names, for the output and for errors. */
  readonly scope: NameScope;
}

/**
 * A command that needs several backends: the router runs it as a spanning operation
 * (src/spanning) instead of forwarding it.
 */
export type SpanningPlan =
  | { readonly spanning: "list"; readonly bucket: string; readonly routes: readonly Route[] }
  | { readonly spanning: "list-buckets" }
  | { readonly spanning: "delete-batch"; readonly bucket: string }
  | {
      readonly spanning: "copy";
      readonly source: CopySource;
      readonly from: Route;
      readonly to: Route;
      readonly bucket: string;
      readonly key: string;
    };

/** True for a plan the router must run over several backends. */
export const isSpanning = (plan: CommandPlan | SpanningPlan): plan is SpanningPlan => "spanning" in plan;

/**
 * Plans `commandName` with `input` on the route table.
 * @throws {@link CrossBackendError} when the command would need several backends;
 *   {@link NoRouteError} when its input lacks what routing needs.
 */
export function planCommand(table: RouteTable, commandName: string, input: Input): CommandPlan | SpanningPlan {
  const op = operationName(commandName);
  const spec = operationSpec(commandName);
  const bucket = input["Bucket"] as string | undefined;
  switch (commandKind(commandName, input)) {
    case "list-buckets":
      return { spanning: "list-buckets" };
    case "account":
      return { client: table.default.client, route: table.default, input: { ...input }, scope: { kind: "account" } };
    case "bucket": {
      const route = table.resolveBucket(bucket!);
      if (spec?.access !== "read") {
        // Bucket settings (lifecycle, policy, versioning…) and DeleteBucket act on the whole
        // backend bucket: only a route that owns it may change it.
        const sharers = bucketSharers(table, route, bucket!);
        if (sharers.length > 0) {
          throw new NoRouteError(
            op,
            `bucket "${bucket}" is served by profile "${route.name}", whose backend bucket is also reached by ${sharers.map((n) => `"${n}"`).join(", ")}: changing that bucket would change it for all of them`,
            {
              bucket: bucket!,
              publicReason: `bucket "${bucket}" shares its store with other buckets or prefixes: changing it would change it for all of them`,
            },
          );
        }
      }
      const physicalBucket = toPhysicalBucket(route, bucket!);
      return {
        client: route.client,
        route,
        input: { ...input, Bucket: physicalBucket },
        scope: { kind: "bucket", route, bucket: bucket!, physicalBucket },
      };
    }
    case "object": {
      const key = input["Key"] as string;
      const route = table.resolveObject(bucket!, key);
      if (spec?.name === "RenameObject") checkRename(table, route, bucket!, key, input);
      if (route.mirror && spec?.migration === "unmirrored-write") {
        throw new NoRouteError(
          op,
          `profile "${route.name}" mirrors its writes to client "${route.mirror.client}", and ${op} is not mirrored: refused rather than leave the stores different`,
          {
            bucket: bucket!,
            key,
            publicReason: `this object's writes are mirrored to a second store, and ${op} is not mirrored: refused rather than leave the stores different`,
          },
        );
      }
      return objectPlan(route, input, bucket!, key);
    }
    case "copy":
      return copyPlan(table, op, input);
    case "delete-batch":
      return deleteBatchPlan(table, op, input);
    case "list":
      return listPlan(table, op, input);
  }
}

function requireBucketAndKey(op: string, input: Input): { bucket: string; key: string } {
  const { Bucket: bucket, Key: key } = input;
  if (typeof bucket !== "string" || typeof key !== "string") {
    throw new NoRouteError(op, "needs a Bucket and a Key", { bucket: bucket as string, key: key as string });
  }
  return { bucket, key };
}

/** The plan of an object command on one given route (also a fallback or mirror). */
export function objectPlan(route: Route, input: Input, bucket: string, key: string, extra: Input = {}): CommandPlan {
  const physicalBucket = toPhysicalBucket(route, bucket);
  const physicalKey = toPhysicalKey(route, key);
  return {
    client: route.client,
    route,
    input: { ...input, ...extra, Bucket: physicalBucket, Key: physicalKey },
    scope: { kind: "object", route, bucket, physicalBucket, key, physicalKey },
  };
}

/**
 * RenameObject names its source in `RenameSource`, which the router does not rewrite: it is
 * forwarded only where no rewriting is needed — source and destination on one route that keeps
 * names as they are.
 */
function checkRename(table: RouteTable, route: Route, bucket: string, key: string, input: Input): void {
  const raw = typeof input["RenameSource"] === "string" ? input["RenameSource"] : "";
  let source = raw.replace(/^\//, "");
  try {
    source = decodeURIComponent(source);
  } catch {
    // Left as sent: the backend judges it.
  }
  // RenameObject stays within one bucket, and a store reads the source as `[/]bucket/key` with or
  // without the leading slash: a source that does not name this bucket first is refused, not
  // guessed (read as a key of this bucket, `other/key` would reach bucket `other` on the store).
  if (!source.startsWith(`${bucket}/`)) {
    throw new NoRouteError(
      "RenameObject",
      `the rename source "${raw}" is not in bucket "${bucket}" (expected "${bucket}/key")`,
      { bucket, key },
    );
  }
  source = source.slice(bucket.length + 1);
  if (
    route.mappedPrefix !== "" ||
    route.mappedBucket !== undefined ||
    route.fallback ||
    table.resolveObject(bucket, source) !== route
  ) {
    throw new NoRouteError(
      "RenameObject",
      `cannot rename to "${key}": only within one route that keeps bucket and key names (use CopyObject and DeleteObject)`,
      { bucket, key },
    );
  }
}

function copyPlan(table: RouteTable, op: string, input: Input): CommandPlan | SpanningPlan {
  const { bucket, key } = requireBucketAndKey(op, input);
  if (typeof input["CopySource"] !== "string") throw new NoRouteError(op, "needs a CopySource", { bucket, key });
  const source = parseCopySource(input["CopySource"], op);
  const destination = table.resolveObject(bucket, key);
  const from = table.resolveObject(source.bucket, source.key);
  if (from.backend !== destination.backend) return { spanning: "copy", source, from, to: destination, bucket, key };
  const copySource = formatCopySource({
    ...source,
    bucket: toPhysicalBucket(from, source.bucket),
    key: toPhysicalKey(from, source.key),
  });
  return objectPlan(destination, input, bucket, key, { CopySource: copySource });
}

function deleteBatchPlan(table: RouteTable, op: string, input: Input): CommandPlan | SpanningPlan {
  const bucket = input["Bucket"];
  if (typeof bucket !== "string") throw new NoRouteError(op, "needs a Bucket");
  const del = input["Delete"] as { Objects?: ReadonlyArray<{ Key?: string }> } | undefined;
  const objects = del?.Objects ?? [];
  const home = table.resolveBucket(bucket);
  const routes = new Map<string, Route>();
  const physicalKeys = new Map<string, string>();
  let first: Route | undefined;
  const mapped = objects.map((object, i) => {
    if (typeof object.Key !== "string") throw new NoRouteError(op, `Delete.Objects[${i}] has no Key`, { bucket });
    const route = table.resolveObject(bucket, object.Key);
    first ??= route;
    routes.set(route.name, route);
    const physicalKey = toPhysicalKey(route, object.Key);
    physicalKeys.set(physicalKey, object.Key);
    return { ...object, Key: physicalKey };
  });
  const route = first ?? home;
  const physicalBucket = toPhysicalBucket(route, bucket);
  for (const other of routes.values()) {
    // Keys of a migrating route are deleted from the fallback and mirror too.
    if (other.fallback || other.mirror) return { spanning: "delete-batch", bucket };
    if (other.backend !== route.backend || toPhysicalBucket(other, bucket) !== physicalBucket)
      return { spanning: "delete-batch", bucket };
  }
  return {
    client: route.client,
    route,
    input: { ...input, Bucket: physicalBucket, Delete: { ...del, Objects: mapped } },
    scope: { kind: "delete-batch", route, bucket, physicalBucket, physicalKeys },
  };
}

/** Listing fields that hold a caller key (or key prefix) and gain the route's prefix on the way in. */
const LIST_KEY_FIELDS = ["StartAfter", "Marker", "KeyMarker"] as const;

function listPlan(table: RouteTable, op: string, input: Input): CommandPlan | SpanningPlan {
  const bucket = input["Bucket"];
  if (typeof bucket !== "string") throw new NoRouteError(op, "needs a Bucket");
  const prefix = (input["Prefix"] as string | undefined) ?? "";
  const routes = table.routesForPrefix(bucket, prefix);
  const first = routes[0]!;
  const physicalBucket = toPhysicalBucket(first, bucket);
  // Routes that land in the same backend bucket under the same prefix are one listing.
  const distinct = routes.filter(
    (r) =>
      r.backend !== first.backend ||
      toPhysicalBucket(r, bucket) !== physicalBucket ||
      r.mappedPrefix !== first.mappedPrefix,
  );
  // A route with a fallback lists both stores, merged.
  if (distinct.length > 0 || routes.some((r) => r.fallback)) return { spanning: "list", bucket, routes };
  const rewritten: Record<string, unknown> = { ...input, Bucket: physicalBucket };
  if (first.mappedPrefix !== "") {
    rewritten["Prefix"] = first.mappedPrefix + prefix;
    for (const field of LIST_KEY_FIELDS) {
      if (typeof input[field] === "string" && input[field] !== "") rewritten[field] = first.mappedPrefix + input[field];
    }
  }
  return {
    client: first.client,
    route: first,
    input: rewritten,
    scope: { kind: "list", route: first, bucket, physicalBucket, encoded: input["EncodingType"] === "url" },
  };
}

export { restoreError, restoreOutput };
