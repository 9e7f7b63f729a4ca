/**
 * @module bench/routing/profile-generator — seeded, realistic routing configurations of any size
 * and query sets to resolve against them.
 *
 * A configuration mixes what real ones hold: whole buckets by literal name (`acme-17`); data
 * lakes where teams own key prefixes of a shared bucket (`team17/*`, `team17/*.parquet`,
 * `data17/[0-9]*`, now and then a bucket-wide `*.parquet`); bucket families by glob (`logs-17-*`,
 * `team-17-??`, `proj17-[a-f]*`), some restricted to keys (`[0-9][0-9][0-9][0-9]/*`, `raw/*`);
 * and two catch-alls with a leading wildcard (`*-scratch`, `*-tmp`) that no prefix index can
 * narrow down. Each generated profile knows how to produce a bucket and key it matches.
 */
import type { RouteSpec } from "../../src/config/profile-schema.js";
import { SeededRandom } from "../harness/seeded-random.js";

/** What a query is meant to exercise; the route it actually reaches is whatever first matches. */
export type QueryKind = "literal-bucket" | "key-pattern" | "bucket-glob" | "key-miss" | "unknown-bucket";

export const QUERY_KINDS: readonly QueryKind[] = [
  "literal-bucket",
  "key-pattern",
  "bucket-glob",
  "key-miss",
  "unknown-bucket",
];

/** Share of each query kind in a query set (falls back to the others when a kind is empty). */
export const QUERY_MIX: Readonly<Record<QueryKind, number>> = {
  "literal-bucket": 0.3,
  "key-pattern": 0.25,
  "bucket-glob": 0.25,
  "key-miss": 0.1,
  "unknown-bucket": 0.1,
};

type ProfileFamily = "literal-bucket" | "key-pattern" | "bucket-glob";

export interface GeneratedProfile {
  readonly spec: RouteSpec;
  readonly family: ProfileFamily | "catch-all";
  /** A bucket and key this profile matches; `tag` varies the wildcard parts. */
  readonly sample: (rng: SeededRandom, tag: string) => { bucket: string; key: string };
}

/** A generated configuration. */
export interface GeneratedConfig {
  readonly specs: readonly RouteSpec[];
  readonly profiles: readonly GeneratedProfile[];
  /** Shared "data lake" bucket names, whose keys are split by pattern. */
  readonly lakes: readonly string[];
  /** How many profiles of each family. */
  readonly census: Readonly<Record<string, number>>;
}

/** Queries as parallel arrays (cheaper to walk in a timing loop than objects). */
export interface QuerySet {
  readonly buckets: readonly string[];
  readonly keys: readonly string[];
  readonly kinds: readonly QueryKind[];
  /** Number of distinct bucket names (the route table memoises per bucket name). */
  readonly distinctBuckets: number;
}

const WORDS = [
  "acme",
  "analytics",
  "archive",
  "backup",
  "billing",
  "data",
  "events",
  "media",
  "ml",
  "prod",
  "raw",
  "reports",
];
const EXTENSIONS = ["parquet", "json", "csv", "avro", "txt"];
const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** A plausible object key: `2024/07/events-01234.json`. */
function randomPath(rng: SeededRandom, ext = rng.pick(EXTENSIONS)): string {
  return `${2020 + rng.int(6)}/${pad(1 + rng.int(12), 2)}/${rng.pick(WORDS)}-${pad(rng.int(100_000), 5)}.${ext}`;
}

/**
 * `count` profiles, always the same for a given count and seed. Profile `i` is named `p<i>`;
 * clients cycle through `backend-0` … `backend-3`.
 */
export function generateConfig(count: number, seed = 0x5eed): GeneratedConfig {
  const rng = new SeededRandom(seed ^ Math.imul(count, 0x9e3779b1));
  const lakes = Array.from({ length: Math.max(1, Math.round(count / 40)) }, (_, i) => `lake-${i}`);
  const profiles: GeneratedProfile[] = [];
  // The two leading-wildcard catch-alls sit at seeded positions among the others.
  const catchAllAt = new Map<number, string>();
  if (count >= 4) {
    catchAllAt.set(rng.int(count), "*-scratch");
    let other = rng.int(count);
    while (catchAllAt.has(other)) other = rng.int(count);
    catchAllAt.set(other, "*-tmp");
  }

  for (let i = 0; i < count; i++) {
    const base = {
      name: `p${i}`,
      client: `backend-${i % 4}`,
      mappedBucket: rng.chance(0.5) ? `phys-${i}` : undefined,
      mappedPrefix: rng.chance(0.3) ? `p${i}/` : "",
    };
    const catchAll = catchAllAt.get(i);
    if (catchAll !== undefined) {
      const suffix = catchAll.slice(1);
      profiles.push({
        spec: { ...base, bucketPattern: catchAll, keyPattern: undefined },
        family: "catch-all",
        sample: (r, tag) => ({ bucket: `${r.pick(WORDS)}-${tag}${suffix}`, key: randomPath(r) }),
      });
      continue;
    }
    switch (rng.weighted([0.4, 0.3, 0.3])) {
      case 0: {
        const bucket = `${rng.pick(WORDS)}-${i}`;
        profiles.push({
          spec: { ...base, bucketPattern: bucket, keyPattern: undefined },
          family: "literal-bucket",
          sample: (r) => ({ bucket, key: randomPath(r) }),
        });
        break;
      }
      case 1: {
        const lake = rng.pick(lakes);
        const variant = rng.weighted([0.6, 0.2, 0.15, 0.05]);
        const ext = rng.pick(EXTENSIONS);
        const [keyPattern, key] = (
          [
            [`team${i}/*`, (r: SeededRandom) => `team${i}/${randomPath(r)}`],
            [`team${i}/*.parquet`, (r: SeededRandom) => `team${i}/${randomPath(r, "parquet")}`],
            [`data${i}/[0-9]*`, (r: SeededRandom) => `data${i}/${r.int(10)}${randomPath(r)}`],
            [`*.${ext}`, (r: SeededRandom) => randomPath(r, ext)],
          ] as const
        )[variant]!;
        profiles.push({
          spec: { ...base, bucketPattern: lake, keyPattern },
          family: "key-pattern",
          sample: (r) => ({ bucket: lake, key: key(r) }),
        });
        break;
      }
      default: {
        const variant = rng.weighted([0.5, 0.3, 0.2]);
        const [bucketPattern, bucket] = (
          [
            [`logs-${i}-*`, (r: SeededRandom, tag: string) => `logs-${i}-${2020 + r.int(6)}-${tag}`],
            [`team-${i}-??`, (r: SeededRandom) => `team-${i}-${r.pick([...ALNUM])}${r.pick([...ALNUM])}`],
            [`proj${i}-[a-f]*`, (r: SeededRandom, tag: string) => `proj${i}-${r.pick([..."abcdef"])}${tag}`],
          ] as const
        )[variant]!;
        const keyed = rng.chance(0.3);
        const keyPattern = keyed ? rng.pick(["[0-9][0-9][0-9][0-9]/*", "raw/*"]) : undefined;
        profiles.push({
          spec: { ...base, bucketPattern, keyPattern },
          family: "bucket-glob",
          sample: (r, tag) => ({
            bucket: bucket(r, tag),
            key: keyPattern === "raw/*" ? `raw/${randomPath(r)}` : randomPath(r),
          }),
        });
      }
    }
  }

  const census: Record<string, number> = {};
  for (const p of profiles) census[profileLabel(p)] = (census[profileLabel(p)] ?? 0) + 1;
  return { specs: profiles.map((p) => p.spec), profiles, lakes, census };
}

/** The family of a profile, telling bucket globs restricted to some keys apart. */
export function profileLabel(p: GeneratedProfile): string {
  return p.family === "bucket-glob" && p.spec.keyPattern !== undefined ? "bucket-glob+key" : p.family;
}

/**
 * A seeded query set over `config`, mixed per {@link QUERY_MIX} and shuffled.
 *
 * @param uniqueBuckets - make every wildcard part of a bucket name unique, so the set holds more
 *   distinct bucket names than the route table's bucket memo keeps (4096): its memo then keeps
 *   being dropped. Otherwise names repeat, as in a real workload.
 */
export function generateQueries(
  config: GeneratedConfig,
  size: number,
  options: { seed?: number; uniqueBuckets?: boolean } = {},
): QuerySet {
  const rng = new SeededRandom((options.seed ?? 0x0e1e5) ^ Math.imul(config.specs.length, 0x85ebca6b));
  const byFamily = (family: ProfileFamily) => config.profiles.filter((p) => p.family === family);
  const pools: Record<QueryKind, readonly GeneratedProfile[] | undefined> = {
    "literal-bucket": byFamily("literal-bucket"),
    "key-pattern": byFamily("key-pattern"),
    "bucket-glob": byFamily("bucket-glob"),
    "key-miss": undefined,
    "unknown-bucket": undefined,
  };
  const available = QUERY_KINDS.filter((k) => pools[k] === undefined || pools[k].length > 0);
  const weights = available.map((k) => QUERY_MIX[k]);
  const tagOf = (i: number) => (options.uniqueBuckets ? i.toString(36) : String(rng.int(8)));

  const queries: Array<{ bucket: string; key: string; kind: QueryKind }> = [];
  for (let i = 0; i < size; i++) {
    const kind = available[rng.weighted(weights)]!;
    const pool = pools[kind];
    if (pool !== undefined) {
      queries.push({ ...rng.pick(pool).sample(rng, tagOf(i)), kind });
    } else if (kind === "key-miss") {
      // A lake bucket with a key no team prefix claims (a `*.ext` profile may still take it).
      queries.push({ bucket: rng.pick(config.lakes), key: `misc/${randomPath(rng)}`, kind });
    } else {
      queries.push({ bucket: `unrouted-${rng.pick(WORDS)}-${tagOf(i)}`, key: randomPath(rng), kind });
    }
  }
  rng.shuffle(queries);
  return {
    buckets: queries.map((q) => q.bucket),
    keys: queries.map((q) => q.key),
    kinds: queries.map((q) => q.kind),
    distinctBuckets: new Set(queries.map((q) => q.bucket)).size,
  };
}
