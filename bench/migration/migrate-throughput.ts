/**
 * @module bench/migration/migrate-throughput — how fast `migrate` empties a fallback into an
 * empty primary, against the bare-SDK copy of the same objects ({@link plainCopy}) at the same
 * concurrency. Both copy the same source bucket on the second backend into a fresh bucket on the
 * first, in rounds that alternate which goes first; each round gets fresh destination buckets,
 * removed after it, so every run starts from an empty primary.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { createS3Router } from "../../src/client/create-router.js";
import { migrate, type MigrateReport } from "../../src/index.js";
import type { BenchContext } from "../harness/section.js";
import { summarize, type Summary } from "../harness/stats.js";
import type { MigrationSettings } from "./migration-settings.js";
import { plainCopy } from "./plain-copy.js";
import type { RequestCounter, RequestCounts } from "./request-counter.js";
import { createScratchBucket, listAll, removeScratchBucket } from "./scratch-buckets.js";

export type CopySide = "plain-copy" | "migrate";

/** One measured round: the wall time of each side. */
export interface MigrateRound {
  readonly plainCopyMs: number;
  readonly migrateMs: number;
  /** Which side ran first. */
  readonly first: CopySide;
}

export interface MigrateResult {
  readonly objects: number;
  readonly objectBytes: number;
  readonly concurrency: number;
  readonly rounds: readonly MigrateRound[];
  /** Wall time per run, by side. */
  readonly ms: Readonly<Record<CopySide, Summary>>;
  /** Median over rounds of (plain-copy time ÷ migrate time): migrate's throughput as a share of the plain copy's. */
  readonly pairedThroughputRatio: number;
  /** Requests per measured run, by side, client and operation (summed over the measured rounds, ÷ rounds). */
  readonly requestsPerRun: Readonly<Record<CopySide, Record<string, RequestCounts>>>;
}

/** The logical bucket the router serves; the route's fallback is the seeded source bucket. */
const LOGICAL_BUCKET = "migrate-bench";
const PREFIX = "objects/";

/**
 * Seeds the source, then runs one warm-up round and up to `migrateRounds` measured ones (fewer
 * when `migrateCapMs` runs out). `primary` receives, `secondary` holds the source.
 */
export async function measureMigrate(
  primary: S3Client,
  secondary: S3Client,
  counter: RequestCounter,
  settings: MigrationSettings,
  ctx: BenchContext,
): Promise<MigrateResult> {
  const { migrateObjects: objects, migrateObjectBytes: size, migrateConcurrency: concurrency } = settings;
  const source = await createScratchBucket(secondary, "bench-mig-source");
  try {
    await seed(secondary, source, objects, size, concurrency);
    ctx.log(`migration: seeded ${objects} objects of ${size / 1024} KiB on the fallback`);

    const rounds: MigrateRound[] = [];
    const requestsPerRun: Record<CopySide, Record<string, RequestCounts>> = { "plain-copy": {}, migrate: {} };
    let measuredStart = 0;
    for (let r = 0; r <= settings.migrateRounds; r++) {
      const measured = r > 0;
      if (r === 1) measuredStart = performance.now();
      if (measured && performance.now() - measuredStart > settings.migrateCapMs) break;
      const round = await migrateRound(
        primary,
        secondary,
        source,
        counter,
        settings,
        r % 2 === 0 ? "plain-copy" : "migrate",
        ctx,
      );
      if (!measured) continue;
      rounds.push(round.times);
      for (const side of ["plain-copy", "migrate"] as const) addCounts(requestsPerRun[side], round.requests[side]);
      ctx.log(
        `migration: migrate round ${r}/${settings.migrateRounds}: plain copy ${(round.times.plainCopyMs / 1000).toFixed(2)} s, migrate ${(round.times.migrateMs / 1000).toFixed(2)} s`,
      );
    }
    for (const side of ["plain-copy", "migrate"] as const)
      divideCounts(requestsPerRun[side], Math.max(1, rounds.length));
    return {
      objects,
      objectBytes: size,
      concurrency,
      rounds,
      ms: {
        "plain-copy": summarize(rounds.map((r) => r.plainCopyMs)),
        migrate: summarize(rounds.map((r) => r.migrateMs)),
      },
      pairedThroughputRatio: summarize(rounds.map((r) => r.plainCopyMs / r.migrateMs)).median,
      requestsPerRun,
    };
  } finally {
    await removeScratchBucket(secondary, source);
  }
}

/** `count` random objects of `size` bytes under {@link PREFIX}. */
async function seed(client: S3Client, bucket: string, count: number, size: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${PREFIX}obj-${String(i).padStart(5, "0")}`,
          Body: randomBytes(size),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Both sides once, each into its own fresh bucket, then both destinations checked and removed. */
async function migrateRound(
  primary: S3Client,
  secondary: S3Client,
  source: string,
  counter: RequestCounter,
  settings: MigrationSettings,
  first: CopySide,
  ctx: BenchContext,
): Promise<{ times: MigrateRound; requests: Record<CopySide, Record<string, RequestCounts>> }> {
  const { migrateObjects: objects, migrateObjectBytes: size, migrateConcurrency: concurrency } = settings;
  const destinations = {
    "plain-copy": await createScratchBucket(primary, "bench-mig-plain"),
    migrate: await createScratchBucket(primary, "bench-mig-primary"),
  };
  // Built before the clock starts: constructing a router is not part of migrating.
  const router = createS3Router({
    clients: { primary, secondary, default: primary },
    profiles: {
      migrating: {
        client: "primary",
        source_bucket_pattern: LOGICAL_BUCKET,
        mapped_bucket_name: destinations.migrate,
        fallback: { client: "secondary", mapped_bucket_name: source },
      },
    },
  });
  const runs: Record<CopySide, () => Promise<unknown>> = {
    "plain-copy": async () => {
      const copied = await plainCopy(
        { client: secondary, bucket: source },
        { client: primary, bucket: destinations["plain-copy"] },
        PREFIX,
        concurrency,
      );
      if (copied.objects !== objects)
        throw new Error(`plain copy: copied ${copied.objects} objects, expected ${objects}`);
    },
    migrate: async () => {
      const report = await migrate(router, { bucket: LOGICAL_BUCKET, prefix: PREFIX, concurrency });
      checkReport(report, objects);
    },
  };
  const times: Record<CopySide, number> = { "plain-copy": 0, migrate: 0 };
  const requests: Record<CopySide, Record<string, RequestCounts>> = { "plain-copy": {}, migrate: {} };
  try {
    for (const side of first === "plain-copy"
      ? (["plain-copy", "migrate"] as const)
      : (["migrate", "plain-copy"] as const)) {
      // A full GC before each side, so neither pays for the other's garbage.
      ctx.gc();
      const t0 = performance.now();
      requests[side] = await counter.during(runs[side]);
      times[side] = performance.now() - t0;
    }
    // Outside the clock: both destinations hold every object, whole.
    for (const side of ["plain-copy", "migrate"] as const) {
      const listed = await listAll(primary, destinations[side]);
      const bytes = listed.reduce((acc, o) => acc + o.size, 0);
      if (listed.length !== objects || bytes !== objects * size) {
        throw new Error(
          `${side}: the destination holds ${listed.length} objects, ${bytes} bytes; expected ${objects} objects, ${objects * size} bytes`,
        );
      }
    }
  } finally {
    router.destroy();
    await Promise.all(Object.values(destinations).map((bucket) => removeScratchBucket(primary, bucket)));
  }
  return { times: { plainCopyMs: times["plain-copy"], migrateMs: times.migrate, first }, requests };
}

/** A migrate into an empty primary copies everything: anything else voids the measurement. */
function checkReport(report: MigrateReport, objects: number): void {
  const problems: string[] = [];
  if (report.copied.objects !== objects) problems.push(`copied ${report.copied.objects} of ${objects}`);
  if (report.failed.objects > 0 || report.failed.errors.length > 0)
    problems.push(
      `failed ${report.failed.objects}: ${report.failed.errors
        .slice(0, 2)
        .map((e) => `${e.key}: ${e.error}`)
        .join("; ")}`,
    );
  if (report.present.objects + report.newer.objects + report.gone.objects > 0)
    problems.push(`present ${report.present.objects}, newer ${report.newer.objects}, gone ${report.gone.objects}`);
  if (problems.length > 0) throw new Error(`migrate into an empty primary: ${problems.join(", ")}`);
}

function addCounts(into: Record<string, RequestCounts>, add: Record<string, RequestCounts>): void {
  for (const [client, counts] of Object.entries(add)) {
    const target = (into[client] ??= {});
    for (const [op, n] of Object.entries(counts)) target[op] = (target[op] ?? 0) + n;
  }
}

function divideCounts(counts: Record<string, RequestCounts>, by: number): void {
  for (const c of Object.values(counts)) for (const op of Object.keys(c)) c[op] = c[op]! / by;
}
