/**
 * @module routing/route-table — the routing core: profiles compiled once into an index, and the
 * three questions every part of s3-router asks it (the library router, the CLI, the gateway):
 * which route serves an object, which route is a bucket's home, which routes can hold the keys
 * under a prefix. First matching profile wins, in declaration order.
 */
import type { RouteSpec, TargetSpec } from "../config/profile-schema.js";
import { compileGlob, type Glob } from "./glob.js";
import { PrefixTrie } from "./prefix-trie.js";

/** A compiled routing rule. The `default` route has no patterns and comes last. */
export interface Route {
  /** Declaration order; the default route's is the number of profiles. */
  readonly index: number;
  /** Profile name, or `default`. */
  readonly name: string;
  /** Client name, as the profile declares it. */
  readonly client: string;
  /**
   * Backend identity: equal for routes whose clients are one and the same (several names may
   * share a client), so copies and batches between them stay single requests.
   */
  readonly backend: string;
  readonly bucketPattern: Glob | undefined;
  readonly keyPattern: Glob | undefined;
  /** Bucket used on the backend; undefined keeps the caller's. */
  readonly mappedBucket: string | undefined;
  /** Prepended to keys on the backend. */
  readonly mappedPrefix: string;
  /**
   * The store this route's keys are moving away from: same patterns, its own client and
   * mapping. Reads that miss here are answered there (see src/migration).
   */
  readonly fallback?: Route | undefined;
  /** Whether objects read from the fallback are copied here. */
  readonly copyOnRead?: boolean;
  /** A second store every write to this route also goes to. */
  readonly mirror?: Route | undefined;
  /** For a fallback or mirror: the route it serves. */
  readonly primary?: Route | undefined;
}

/** Profiles sharing one bucket pattern, with their key patterns indexed by literal prefix. */
interface BucketGroup {
  readonly bucket: Glob;
  readonly keys: PrefixTrie<Route>;
  /** First route of the group without a key pattern: the bucket's home within the group. */
  home: Route | undefined;
}

/** Past this many distinct bucket names the memo of bucket → groups is dropped and rebuilt. */
const BUCKET_MEMO_LIMIT = 4096;

/**
 * The compiled route table.
 *
 * @example
 * ```ts
 * const table = new RouteTable([{ name: "minio", client: "minio", bucketPattern: "example-bucket",
 *   keyPattern: "team2/*", mappedBucket: "minio-bucket", mappedPrefix: "data/" }]);
 * table.resolveObject("example-bucket", "team2/a").name; // "minio"
 * table.resolveBucket("example-bucket").name;            // "default": the minio profile only owns team2/*
 * ```
 */
export class RouteTable {
  /** Every route in order, `default` last. */
  readonly routes: readonly Route[];
  readonly default: Route;
  readonly #literalBuckets = new Map<string, BucketGroup>();
  readonly #globBuckets = new PrefixTrie<BucketGroup>();
  readonly #bucketMemo = new Map<string, readonly BucketGroup[]>();

  /**
   * @param specs - the profiles, in order.
   * @param backendOf - the backend identity of a client name. @default the name itself
   */
  constructor(specs: readonly RouteSpec[], backendOf: (client: string) => string = (client) => client) {
    const groups = new Map<string, BucketGroup>();
    this.routes = specs.map((spec, index) => {
      const base = {
        index,
        name: spec.name,
        client: spec.client,
        backend: backendOf(spec.client),
        bucketPattern: compileGlob(spec.bucketPattern),
        keyPattern: spec.keyPattern === undefined ? undefined : compileGlob(spec.keyPattern),
        mappedBucket: spec.mappedBucket,
        mappedPrefix: spec.mappedPrefix,
      };
      const route: Route = { ...base };
      // A fallback or mirror is a route of its own (same patterns, its own place) so that every
      // mapping function applies to it unchanged.
      const place = (role: string, target: TargetSpec): Route => ({
        ...base,
        name: `${spec.name} (${role})`,
        client: target.client,
        backend: backendOf(target.client),
        mappedBucket: target.mappedBucket,
        mappedPrefix: target.mappedPrefix,
        primary: route,
      });
      if (spec.fallback)
        Object.assign(route, { fallback: place("fallback", spec.fallback), copyOnRead: spec.fallback.copyOnRead });
      if (spec.mirror) Object.assign(route, { mirror: place("mirror", spec.mirror) });
      let group = groups.get(spec.bucketPattern);
      if (!group) {
        group = { bucket: route.bucketPattern!, keys: new PrefixTrie(), home: undefined };
        groups.set(spec.bucketPattern, group);
        if (group.bucket.literal !== undefined) this.#literalBuckets.set(group.bucket.literal, group);
        else this.#globBuckets.add(group.bucket.prefix, group);
      }
      group.keys.add(route.keyPattern?.prefix ?? "", route);
      if (!route.keyPattern) group.home ??= route;
      return route;
    });
    this.default = {
      index: specs.length,
      name: "default",
      client: "default",
      backend: backendOf("default"),
      bucketPattern: undefined,
      keyPattern: undefined,
      mappedBucket: undefined,
      mappedPrefix: "",
    };
    this.routes = [...this.routes, this.default];
  }

  /** The route serving object `key` of `bucket`: the first profile matching both, else default. */
  resolveObject(bucket: string, key: string): Route {
    let best = this.default;
    const candidates: Route[] = [];
    for (const group of this.#groupsOf(bucket)) group.keys.collectPrefixesOf(key, candidates);
    for (const route of candidates) {
      if (route.index < best.index && keyMatches(route.keyPattern, key)) best = route;
    }
    return best;
  }

  /**
   * The bucket's home: the route for operations on the bucket itself (HeadBucket, CreateBucket,
   * bucket configuration). It is the first profile matching the bucket *without* a key pattern —
   * a profile meant for some keys only does not own the bucket — else default.
   */
  resolveBucket(bucket: string): Route {
    let best = this.default;
    for (const group of this.#groupsOf(bucket)) {
      if (group.home && group.home.index < best.index) best = group.home;
    }
    return best;
  }

  /**
   * The routes that can hold keys of `bucket` starting with `prefix`, in routing order: every
   * matching profile some key under the prefix can reach, up to the first that takes all of them
   * (default when none does).
   */
  routesForPrefix(bucket: string, prefix: string): Route[] {
    const candidates: Route[] = [];
    for (const group of this.#groupsOf(bucket)) group.keys.collectRelatedTo(prefix, candidates);
    candidates.sort((a, b) => a.index - b.index);
    const reachable: Route[] = [];
    for (const route of candidates) {
      const key = route.keyPattern;
      if (key && !key.canMatchExtensionOf(prefix)) continue;
      reachable.push(route);
      if (!key || key.matchesAllExtensionsOf(prefix)) return reachable;
    }
    reachable.push(this.default);
    return reachable;
  }

  /** Bucket groups whose pattern matches `bucket`, memoised: workloads reuse few bucket names. */
  #groupsOf(bucket: string): readonly BucketGroup[] {
    let groups = this.#bucketMemo.get(bucket);
    if (groups) return groups;
    const found: BucketGroup[] = [];
    const literal = this.#literalBuckets.get(bucket);
    if (literal) found.push(literal);
    const globs: BucketGroup[] = [];
    this.#globBuckets.collectPrefixesOf(bucket, globs);
    for (const group of globs) if (group.bucket.prefixStar || group.bucket.matches(bucket)) found.push(group);
    groups = found;
    if (this.#bucketMemo.size >= BUCKET_MEMO_LIMIT) this.#bucketMemo.clear();
    this.#bucketMemo.set(bucket, groups);
    return groups;
  }
}

const keyMatches = (pattern: Glob | undefined, key: string): boolean =>
  pattern === undefined ||
  pattern.prefixStar ||
  (pattern.literal !== undefined ? pattern.literal === key : pattern.matches(key));
