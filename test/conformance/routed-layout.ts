/**
 * @module test/conformance/routed-layout — the routing configuration the library and gateway
 * targets share, and the suite's own oracle of it: for each caller bucket and key, the route, the
 * store, the physical bucket and the physical key. The oracle is written from the rules below, not
 * from the router's route table, so a placement check compares two independent answers.
 *
 * Two caller buckets, `split` and `listing`, are each split by key pattern, first match wins:
 *
 *   team2/*  → rgwB, bucket `<name>-minio`,   prefix `data/`
 *   team3/*  → rgwB, bucket `<name>-archive`, prefix `old/`
 *   *.csv    → rgwA, bucket `<name>-csv`      (fnmatch: `*` crosses `/`, so `team1/x.csv` too)
 *   the rest → rgwA, bucket `<name>` (the default client)
 *
 * and `whole` is routed as a whole to rgwB under its own name.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { RouterFileConfig } from "../../src/index.js";
import { createBuckets, emptyAndDeleteBucket, injectRgw, rgwClient, uniqueBucket } from "../support/backends.js";
import { backendConfig, GATEWAY_USER } from "../support/gateway.js";
import { bucketList, type ConformanceBuckets, type PhysicalBucket, type Placement, type StoreName } from "./target.js";

/** One rule of the oracle: which keys of which caller bucket, and where they go. */
interface Rule {
  /** The route's kind, the same in every split bucket: "team2", "team3", "csv", "default", "whole". */
  readonly route: string;
  readonly bucket: string;
  readonly owns: (key: string) => boolean;
  readonly store: StoreName;
  readonly physicalBucket: string;
  readonly prefix: string;
}

/** The routes of a split bucket, in matching order: what the listing property must reach. */
export const SPLIT_ROUTES = ["team2", "team3", "csv", "default"] as const;

const everything = () => true;

function splitRules(bucket: string): Rule[] {
  return [
    {
      route: "team2",
      bucket,
      owns: (k) => k.startsWith("team2/"),
      store: "rgwB",
      physicalBucket: `${bucket}-minio`,
      prefix: "data/",
    },
    {
      route: "team3",
      bucket,
      owns: (k) => k.startsWith("team3/"),
      store: "rgwB",
      physicalBucket: `${bucket}-archive`,
      prefix: "old/",
    },
    {
      route: "csv",
      bucket,
      owns: (k) => k.endsWith(".csv"),
      store: "rgwA",
      physicalBucket: `${bucket}-csv`,
      prefix: "",
    },
    { route: "default", bucket, owns: everything, store: "rgwA", physicalBucket: bucket, prefix: "" },
  ];
}

/** The key patterns of the config, by route kind: the oracle's `owns` above, as fnmatch globs. */
const KEY_PATTERNS: Readonly<Record<string, string>> = { team2: "team2/*", team3: "team3/*", csv: "*.csv" };

/** "split", "listing" or "whole": the role of a caller bucket, for route names (metrics, logs). */
function labelOf(buckets: ConformanceBuckets, bucket: string): string {
  const found = (Object.keys(buckets) as Array<keyof ConformanceBuckets>).find((k) => buckets[k] === bucket);
  if (found === undefined) throw new Error(`${bucket} is not a bucket of the layout`);
  return found;
}

/** The shared layout: caller buckets, physical buckets, the router configuration and the oracle. */
export class RoutedLayout {
  readonly buckets: ConformanceBuckets;
  readonly stores: Readonly<Record<StoreName, S3Client>>;
  /** Each store's endpoint URL (its origin: the URLs the library hands out start with it). */
  readonly endpoints: Readonly<Record<StoreName, string>>;
  /** The configuration both routed targets run: one object, handed to createS3Router and startGateway. */
  readonly config: RouterFileConfig;
  readonly #rules: readonly Rule[];

  constructor() {
    const rgwA = injectRgw("rgwA");
    const rgwB = injectRgw("rgwB");
    this.stores = { rgwA: rgwClient(rgwA), rgwB: rgwClient(rgwB) };
    this.endpoints = { rgwA: rgwA.endpoint, rgwB: rgwB.endpoint };
    this.buckets = {
      split: uniqueBucket("cf-split"),
      listing: uniqueBucket("cf-listing"),
      whole: uniqueBucket("cf-whole"),
    };
    const whole: Rule = {
      route: "whole",
      bucket: this.buckets.whole,
      owns: everything,
      store: "rgwB",
      physicalBucket: this.buckets.whole,
      prefix: "",
    };
    this.#rules = [...splitRules(this.buckets.split), ...splitRules(this.buckets.listing), whole];
    const clientOf = (store: StoreName) => (store === "rgwA" ? "default" : "b");
    this.config = {
      clients: { default: backendConfig(rgwA), b: backendConfig(rgwB) },
      listingTokenSecret: "conformance-suite",
      // The array form of `profiles`: an ordered list of named routes.
      profiles: this.#rules
        .filter((r) => r.route !== "default")
        .map((r) => ({
          name: `${labelOf(this.buckets, r.bucket)}-${r.route}`,
          client: clientOf(r.store),
          source_bucket_pattern: r.bucket,
          ...(KEY_PATTERNS[r.route] !== undefined && { source_key_pattern: KEY_PATTERNS[r.route] }),
          ...(r.physicalBucket !== r.bucket && { mapped_bucket_name: r.physicalBucket }),
          ...(r.prefix !== "" && { mapped_prefix: r.prefix }),
        })),
      gateway: { users: [GATEWAY_USER] },
    };
  }

  where(bucket: string, key: string): Placement {
    const rule = this.#rulesOf(bucket).find((r) => r.owns(key));
    if (rule === undefined) throw new Error(`the layout has no route for ${bucket}/${key}`);
    return this.#place(rule, key);
  }

  shadowPlaces(bucket: string, key: string): Placement[] {
    const owner = this.where(bucket, key);
    return this.#rulesOf(bucket)
      .filter((r) => r.route !== owner.route)
      .map((r) => this.#place(r, key));
  }

  physicalBuckets(bucket: string): PhysicalBucket[] {
    return this.#rulesOf(bucket).map((r) => ({
      client: this.stores[r.store],
      store: r.store,
      bucket: r.physicalBucket,
    }));
  }

  /** Every physical bucket of the layout. */
  allPhysicalBuckets(): PhysicalBucket[] {
    return bucketList(this.buckets).flatMap((b) => this.physicalBuckets(b));
  }

  async createBuckets(): Promise<void> {
    const all = this.allPhysicalBuckets();
    await Promise.all(all.map((p) => createBuckets(p.client, [p.bucket])));
  }

  async deleteBuckets(): Promise<void> {
    await Promise.all(this.allPhysicalBuckets().map((p) => emptyAndDeleteBucket(p.client, p.bucket)));
  }

  /** Empties the physical buckets behind `bucket` by deleting and re-creating them. */
  async reset(bucket: string): Promise<void> {
    const physical = this.physicalBuckets(bucket);
    await Promise.all(physical.map((p) => emptyAndDeleteBucket(p.client, p.bucket)));
    await Promise.all(physical.map((p) => createBuckets(p.client, [p.bucket])));
  }

  #rulesOf(bucket: string): Rule[] {
    const rules = this.#rules.filter((r) => r.bucket === bucket);
    if (rules.length === 0) throw new Error(`${bucket} is not a bucket of the layout`);
    return rules;
  }

  #place(rule: Rule, key: string): Placement {
    return {
      client: this.stores[rule.store],
      store: rule.store,
      bucket: rule.physicalBucket,
      key: rule.prefix + key,
      route: rule.route,
    };
  }
}
