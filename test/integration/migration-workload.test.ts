/**
 * @module test/integration/migration-workload — the seed's team2 prefix moves from backend A (the
 * default client's bucket, on one Ceph RGW) to backend B (another bucket and prefix on a second
 * RGW) while a workload reads, overwrites and deletes through the router, a migrator copies
 * every key across, and the workload's own reads copy on read.
 *
 * The workload keeps a model of every key: each worker owns its keys and runs their operations
 * one after the other, so "the newest bytes" of a key is exact at every read.
 *
 * Two set-ups: the migrator in the workload's own router (one process: every read is checked),
 * and `s3-router migrate` run as a child process next to it (the state at rest is checked — see
 * src/migration/copy-to-primary.ts for the few-round-trip window across processes).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createS3Router, migrate, type MigrateReport, type S3Router, type S3RouterOptions } from "../../src/index.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA); // where team2 lived: the default client
const b = rgwClient(rgwB); // where team2 moves
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const KEYS = 120;
const WORKERS = 6;
const digest = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const sizeOf = (i: number) => (i % 40 === 0 ? 3 * 1024 * 1024 + 17 : 256 + ((i * 7919) % 20_000));

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
}, 120_000);

/** Two fresh buckets seeded with team2 on A; the router options of the seed's migration. */
async function scenario() {
  const example = uniqueBucket("example");
  const minioBucket = uniqueBucket("minio");
  await Promise.all([createBuckets(a, [example]), createBuckets(b, [minioBucket])]);
  cleanups.push(
    () => emptyAndDeleteBucket(a, example),
    () => emptyAndDeleteBucket(b, minioBucket),
  );
  const options = (copyOnRead: boolean) =>
    ({
      clients: { minio: b, default: a },
      profiles: {
        minio: {
          source_bucket_pattern: example,
          source_key_pattern: "team2/*",
          mapped_bucket_name: minioBucket,
          mapped_prefix: "data/",
          fallback: { client: "default", copy_on_read: copyOnRead },
        },
      },
      // Objects above 1 MiB are copied as multipart uploads: both paths take part.
      copyPartSize: 1024 * 1024,
    }) satisfies S3RouterOptions;
  const model = new Map<string, string | undefined>();
  const seeds = Array.from(
    { length: KEYS },
    (_, i) => [`team2/obj-${String(i).padStart(3, "0")}`, randomBytes(sizeOf(i))] as const,
  );
  for (let i = 0; i < seeds.length; i += 16) {
    await Promise.all(
      seeds.slice(i, i + 16).map(([key, body]) =>
        a.send(
          new PutObjectCommand({
            Bucket: example,
            Key: key,
            Body: body,
            ContentType: "application/x-seed",
            Metadata: { origin: "a" },
          }),
        ),
      ),
    );
  }
  for (const [key, body] of seeds) model.set(key, digest(body));
  // Outside the moving prefix: stays on A, untouched.
  await a.send(new PutObjectCommand({ Bucket: example, Key: "team1/keep", Body: "team1" }));
  return { example, minioBucket, options, model };
}

type Scenario = Awaited<ReturnType<typeof scenario>>;

/** Reads a key through the router and checks it against the model; returns whether it was checked. */
async function checkRead(s: Scenario, router: S3Router, key: string): Promise<void> {
  const expected = s.model.get(key);
  let got: string | undefined;
  try {
    got = digest(await readBody(await router.send(new GetObjectCommand({ Bucket: s.example, Key: key }))));
  } catch (error) {
    if (errorName(error) !== "NoSuchKey") throw error;
  }
  expect({ key, digest: got }).toEqual({ key, digest: expected });
}

/** Runs `migrate` for team2 with `migrator`'s router, as `s3-router migrate` does. */
async function migrateAll(s: Scenario, migrator: S3Router): Promise<MigrateReport> {
  const report = await migrate(migrator, { bucket: s.example, prefix: "team2/", concurrency: 4 });
  expect(report.failed.errors).toEqual([]);
  return report;
}

/** Runs `s3-router migrate` on the scenario as a child process; resolves with its JSON report. */
async function migrateCli(s: Scenario): Promise<MigrateReport> {
  const dir = await mkdtemp(join(tmpdir(), "s3r-workload-"));
  const connection = (server: typeof rgwA) => ({
    endpoint: server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const file = join(dir, "router.json");
  await writeFile(
    file,
    JSON.stringify({ ...s.options(false), clients: { minio: connection(rgwB), default: connection(rgwA) } }),
  );
  try {
    const args = [
      "--import",
      "tsx",
      "src/cli/bin.ts",
      "migrate",
      file,
      `s3://${s.example}/team2/`,
      "--json",
      "--quiet",
      "--concurrency",
      "4",
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        args,
        { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: "" } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
      ),
    );
    expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
    return JSON.parse(stdout) as MigrateReport;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the workload until the migration ends (two rounds at least): overwrites, deletes, and a
 * read after each step — checked against the model when `checkEveryRead`.
 */
async function workload(
  s: Scenario,
  router: S3Router,
  migration: Promise<unknown>,
  checkEveryRead: boolean,
): Promise<number> {
  let migrating = true;
  void migration.finally(() => (migrating = false));
  const keys = [...s.model.keys()];
  let operations = 0;
  const worker = async (w: number) => {
    const own = keys.filter((_, i) => i % WORKERS === w);
    for (let round = 0; migrating || round < 2; round++) {
      for (const [i, key] of own.entries()) {
        const pick = (i + round * 3 + w) % 7;
        if (pick === 0 && s.model.get(key) !== undefined) {
          const body = randomBytes(100 + ((i * 31 + round) % 5000));
          await router.send(new PutObjectCommand({ Bucket: s.example, Key: key, Body: body }));
          s.model.set(key, digest(body));
        } else if (pick === 1 && round % 2 === 1) {
          await router.send(new DeleteObjectCommand({ Bucket: s.example, Key: key }));
          s.model.set(key, undefined);
        }
        if (checkEveryRead) await checkRead(s, router, key);
        else
          await router.send(new GetObjectCommand({ Bucket: s.example, Key: key })).then(
            (o) => readBody(o),
            () => undefined,
          );
        operations++;
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  await migration;
  return operations;
}

/** The state at rest: through the router, physically on B and A, and listed. */
async function checkAtRest(s: Scenario, router: S3Router): Promise<void> {
  const keys = [...s.model.keys()];
  for (const key of keys) await checkRead(s, router, key);
  for (const key of keys) {
    const expected = s.model.get(key);
    const onB = await b
      .send(new GetObjectCommand({ Bucket: s.minioBucket, Key: `data/${key}` }))
      .then((o) => readBody(o))
      .then(digest, (e: unknown) => {
        if (errorName(e) === "NoSuchKey") return undefined;
        throw e;
      });
    // Every live key is on B with its newest bytes; a deleted key is nowhere.
    expect({ key, onB }).toEqual({ key, onB: expected });
    if (expected === undefined) {
      const onA = await a.send(new HeadObjectCommand({ Bucket: s.example, Key: key })).then(
        () => true,
        () => false,
      );
      expect({ key, onA }).toEqual({ key, onA: false });
    }
  }
  const listed: string[] = [];
  for await (const page of paginateListObjectsV2(
    { client: router, pageSize: 25 },
    { Bucket: s.example, Prefix: "team2/" },
  )) {
    for (const item of page.Contents ?? []) listed.push(item.Key!);
  }
  expect(listed).toEqual(keys.filter((k) => s.model.get(k) !== undefined).sort());
}

describe("migrating team2 from A to B under a live workload", () => {
  it("one process: every read has the newest bytes, no deleted object comes back, no copy clobbers a write", async () => {
    const s = await scenario();
    const router = createS3Router(s.options(true));
    try {
      const migration = migrateAll(s, router);
      const operations = await workload(s, router, migration, true);
      const report = await migration;
      await router.migration.settled();
      expect(report.listed.objects).toBeGreaterThan(KEYS / 2);
      expect(report.copied.objects).toBeGreaterThan(0);
      expect(operations).toBeGreaterThan(KEYS);
      // The workload's reads copied some keys before the migrator reached them, or after.
      expect(router.migration.stats.copyOnRead.copied + router.migration.stats.copyOnRead.present).toBeGreaterThan(0);
      await checkAtRest(s, router);

      // Copies kept the source's metadata; other prefixes stayed where they were.
      const untouched = [...s.model.keys()].filter((k) => s.model.get(k) !== undefined);
      const heads = await Promise.all(
        untouched.map((k) => b.send(new HeadObjectCommand({ Bucket: s.minioBucket, Key: `data/${k}` }))),
      );
      const copies = heads.filter((h) => h.ContentType === "application/x-seed");
      expect(copies.length).toBeGreaterThan(0);
      for (const head of copies) expect(head.Metadata).toEqual({ origin: "a" });
      const team1 = await router.send(new ListObjectsV2Command({ Bucket: s.example, Prefix: "team1/" }));
      expect(team1.Contents?.map((c) => c.Key)).toEqual(["team1/keep"]);
      expect(
        (await b.send(new ListObjectsV2Command({ Bucket: s.minioBucket, Prefix: "data/team1/" }))).KeyCount ?? 0,
      ).toBe(0);
    } finally {
      router.destroy();
    }
  }, 600_000);

  it("`s3-router migrate` in another process: at rest, every key has its newest bytes on B and no deleted key survives", async () => {
    const s = await scenario();
    // No copy-on-read here: the migrate process does the copying, racing the workload's writes and deletes.
    const router = createS3Router(s.options(false));
    try {
      const migration = migrateCli(s);
      await workload(s, router, migration, false);
      const report = await migration;
      expect(report.failed.objects).toBe(0);
      expect(report.copied.objects).toBeGreaterThan(0);
      await router.migration.settled();
      await checkAtRest(s, router);
    } finally {
      router.destroy();
    }
  }, 600_000);
});
