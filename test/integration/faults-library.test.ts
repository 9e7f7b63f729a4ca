/**
 * @module test/integration/faults-library — the library router's spanning operations and
 * migration modes on real RGWs, with a fault proxy in front of each backend and SDK clients that
 * do not retry (so every fault reaches the router). The invariants: a failure is an error, never a
 * silent gap; no key is listed twice or dropped; no partial object is ever left on a store; every
 * mirror divergence is counted and reported, and the primary never loses a write; `migrate`
 * interrupted by a flapping source can be run again until the primary equals the source.
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/migration/bulk-migrate.js";
import { createS3Router, MirrorWriteError, type MigrationEvent, type S3Router } from "../../src/index.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorStatus,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
const MiB = 1024 * 1024;
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );
const utf8Sorted = (keys: readonly string[]) =>
  [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

let proxyA: FaultProxy;
let proxyB: FaultProxy;
/** Clients through the proxies that never retry: the router meets every fault. */
let viaA: S3Client;
let viaB: S3Client;
const buckets: Array<[S3Client, string]> = [];

beforeAll(async () => {
  [proxyA, proxyB] = await Promise.all([startFaultProxy(rgwA.endpoint), startFaultProxy(rgwB.endpoint)]);
  viaA = rgwClient({ ...rgwA, endpoint: proxyA.url }, { maxAttempts: 1 });
  viaB = rgwClient({ ...rgwB, endpoint: proxyB.url }, { maxAttempts: 1 });
});

// Each test sets its own faults; one that fails before its clear() must not leave them to the next.
afterEach(() => Promise.all([proxyA?.clear(), proxyB?.clear()]));

afterAll(async () => {
  viaA?.destroy();
  viaB?.destroy();
  await Promise.all([proxyA?.stop(), proxyB?.stop()]);
  await Promise.all(buckets.map(([client, bucket]) => emptyAndDeleteBucket(client, bucket)));
  a.destroy();
  b.destroy();
});

async function makeBucket(client: S3Client, prefix: string): Promise<string> {
  const name = uniqueBucket(prefix);
  await createBuckets(client, [name]);
  buckets.push([client, name]);
  return name;
}

const absent = async (client: S3Client, Bucket: string, Key: string) =>
  errorStatus(await failure(client.send(new HeadObjectCommand({ Bucket, Key })))) === 404;
const uploadsIn = async (client: S3Client, Bucket: string) =>
  ((await client.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).length;

describe("spanning operations under faults", () => {
  let X: string;
  let M: string;
  let router: S3Router;
  const KEYS_A = Array.from({ length: 20 }, (_, i) => `k/${String(i).padStart(2, "0")}`);
  const KEYS_B = Array.from({ length: 20 }, (_, i) => `team2/${String(i).padStart(2, "0")}`);

  beforeAll(async () => {
    [X, M] = await Promise.all([makeBucket(a, "flt-span-x"), makeBucket(b, "flt-span-m")]);
    await Promise.all([
      ...KEYS_A.map((Key) => a.send(new PutObjectCommand({ Bucket: X, Key, Body: Key }))),
      ...KEYS_B.map((Key) => b.send(new PutObjectCommand({ Bucket: M, Key: `data/${Key}`, Body: Key }))),
    ]);
    router = createS3Router({
      clients: { default: viaA, minio: viaB },
      profiles: {
        minio: {
          source_bucket_pattern: X,
          source_key_pattern: "team2/*",
          mapped_bucket_name: M,
          mapped_prefix: "data/",
        },
      },
      copyPartSize: 5 * MiB,
    });
  });
  afterAll(() => router?.destroy());

  it("merged listing whose second backend resets mid-page: an error, and the retried page goes on with no gap and no duplicate", async () => {
    await proxyB.set({ reset: { direction: "downstream", afterBytes: 1500 } });
    expect(await failure(router.send(new ListObjectsV2Command({ Bucket: X })))).toBeInstanceOf(Error);
    await proxyB.clear();

    const keys: string[] = [];
    let token: string | undefined;
    for (let page = 0, cuts = 0; page < 40; page++) {
      // Every third page, rgwB's answer is cut: that page must fail, then succeed on a retry.
      if (page % 3 === 2) await proxyB.set({ reset: { direction: "downstream", afterBytes: 400 } });
      const ask = () =>
        router.send(
          new ListObjectsV2Command({ Bucket: X, MaxKeys: 6, ...(token !== undefined && { ContinuationToken: token }) }),
        );
      const out = await ask().catch(async (e: unknown) => {
        cuts++;
        expect(e).toBeInstanceOf(Error);
        await proxyB.clear();
        return ask();
      });
      await proxyB.clear();
      keys.push(...(out.Contents ?? []).map((c) => c.Key!));
      if (!out.IsTruncated) {
        expect(cuts).toBeGreaterThan(0);
        break;
      }
      token = out.NextContinuationToken;
    }
    expect(keys).toEqual(utf8Sorted([...KEYS_A, ...KEYS_B]));
  });

  it("a cross-backend copy whose source resets: an error, no object and no upload left at the destination; retried, byte-identical", async () => {
    const body = randomBytes(12 * MiB);
    await a.send(new PutObjectCommand({ Bucket: X, Key: "big/source", Body: body }));
    await proxyA.set({ reset: { direction: "downstream", afterBytes: 3 * MiB } });
    const error = await failure(
      router.send(new CopyObjectCommand({ Bucket: X, Key: "team2/copied", CopySource: `${X}/big/source` })),
    );
    expect(error).toBeInstanceOf(Error);
    await proxyA.clear();
    expect(await absent(b, M, "data/team2/copied")).toBe(true);
    expect(await uploadsIn(b, M)).toBe(0);

    await router.send(new CopyObjectCommand({ Bucket: X, Key: "team2/copied", CopySource: `${X}/big/source` }));
    expect(sha(await readBody(await b.send(new GetObjectCommand({ Bucket: M, Key: "data/team2/copied" }))))).toBe(
      sha(body),
    );
  });

  it("DeleteObjects with one backend failing: every key is reported deleted or failed, and the report is true", async () => {
    const doomedA = ["del/a1", "del/a2", "del/a3"];
    const doomedB = ["team2/del/b1", "team2/del/b2"];
    await Promise.all([
      ...doomedA.map((Key) => a.send(new PutObjectCommand({ Bucket: X, Key, Body: "x" }))),
      ...doomedB.map((Key) => b.send(new PutObjectCommand({ Bucket: M, Key: `data/${Key}`, Body: "x" }))),
    ]);
    await proxyB.set({ refuse: true });
    const asked = [...doomedA, ...doomedB, "del/never-existed"];
    const outcome = await router
      .send(new DeleteObjectsCommand({ Bucket: X, Delete: { Objects: asked.map((Key) => ({ Key })) } }))
      .then((out) => ({
        deleted: (out.Deleted ?? []).map((d) => d.Key!),
        failed: (out.Errors ?? []).map((e) => e.Key!),
      }));
    await proxyB.clear();
    // No silent gap, nothing twice.
    expect(utf8Sorted([...outcome.deleted, ...outcome.failed])).toEqual(utf8Sorted(asked));
    expect(outcome.failed.sort()).toEqual([...doomedB].sort());
    for (const Key of doomedA) expect(await absent(a, X, Key)).toBe(true);
    for (const Key of doomedB) expect(await absent(b, M, `data/${Key}`)).toBe(false);
  });
});

describe("migration modes under faults", () => {
  it("mirror flapping during writes: the primary has every write, every divergence is counted and reported", async () => {
    const [P, R] = await Promise.all([makeBucket(b, "flt-mir-p"), makeBucket(a, "flt-mir-r")]);
    const router = createS3Router({
      clients: { default: b, primary: b, replica: viaA },
      profiles: {
        logs: { client: "primary", source_bucket_pattern: P, mirror: { client: "replica", mapped_bucket_name: R } },
      },
    });
    const events: MigrationEvent[] = [];
    router.migration.on((e) => events.push(e));
    let flapping = true;
    const flap = (async () => {
      for (let i = 0; flapping; i++) {
        await proxyA.set(
          i % 3 === 0
            ? { refuse: true }
            : i % 3 === 1
              ? { reset: { direction: "upstream", afterBytes: 700, times: 2 } }
              : {},
        );
        await new Promise((r) => setTimeout(r, 120));
      }
      await proxyA.clear();
    })();
    const written = new Map<string, string>();
    const diverged = new Set<string>();
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < 15; i++) {
          const Key = `w${w}/${i}`;
          const Body = `${Key}:${randomBytes(300).toString("hex")}`;
          try {
            await router.send(new PutObjectCommand({ Bucket: P, Key, Body }));
            written.set(Key, Body);
          } catch (e) {
            // The only acceptable failure: the mirror's, with the primary holding the write.
            expect(e).toBeInstanceOf(MirrorWriteError);
            written.set(Key, Body);
            diverged.add(Key);
          }
        }
      }),
    );
    flapping = false;
    await flap;
    router.destroy();
    expect(diverged.size, "the mirror never failed: the fault did not bite").toBeGreaterThan(0);
    for (const [Key, Body] of written)
      expect(await readBody(await b.send(new GetObjectCommand({ Bucket: P, Key })), "utf8")).toBe(Body);
    const reported = events.filter((e) => e.type === "mirror-divergence").map((e) => e.key);
    expect(utf8Sorted(reported)).toEqual(utf8Sorted([...diverged]));
    expect(router.migration.stats.mirrorDivergences).toBe(diverged.size);
    // Keys that did not diverge are on the mirror, the same bytes.
    for (const [Key, Body] of written) {
      if (diverged.has(Key)) continue;
      expect(await readBody(await a.send(new GetObjectCommand({ Bucket: R, Key })), "utf8")).toBe(Body);
    }
  });

  it("copy-on-read interrupted: the read still succeeds, the primary holds no partial object; the next read copies it whole", async () => {
    const [P, F] = await Promise.all([makeBucket(a, "flt-cor-p"), makeBucket(b, "flt-cor-f")]);
    const body = randomBytes(7 * MiB);
    await b.send(new PutObjectCommand({ Bucket: F, Key: "moving.bin", Body: body }));
    const router = createS3Router({
      clients: { default: viaA, primary: viaA, old: b },
      profiles: {
        moving: {
          client: "primary",
          source_bucket_pattern: P,
          fallback: { client: "old", mapped_bucket_name: F, copy_on_read: true },
        },
      },
      copyPartSize: 5 * MiB,
    });
    try {
      await proxyA.set({ reset: { direction: "upstream", afterBytes: 2 * MiB, times: 3 } });
      const read = await readBody(await router.send(new GetObjectCommand({ Bucket: P, Key: "moving.bin" })));
      expect(sha(read)).toBe(sha(body));
      await router.migration.settled();
      expect(router.migration.stats.copyOnRead.failed).toBeGreaterThan(0);
      await proxyA.clear();
      expect(await absent(a, P, "moving.bin")).toBe(true);
      expect(await uploadsIn(a, P)).toBe(0);

      expect(sha(await readBody(await router.send(new GetObjectCommand({ Bucket: P, Key: "moving.bin" }))))).toBe(
        sha(body),
      );
      await router.migration.settled();
      expect(sha(await readBody(await a.send(new GetObjectCommand({ Bucket: P, Key: "moving.bin" }))))).toBe(sha(body));
    } finally {
      router.destroy();
    }
  });

  it("migrate with a flapping source: failures reported, a rerun resumes, and the primary ends equal to the source", async () => {
    const [P, F] = await Promise.all([makeBucket(a, "flt-mig-p"), makeBucket(b, "flt-mig-f")]);
    const source = new Map(
      Array.from({ length: 60 }, (_, i) => [`obj/${String(i).padStart(3, "0")}`, randomBytes(2000 + i * 500)] as const),
    );
    await Promise.all([...source].map(([Key, Body]) => b.send(new PutObjectCommand({ Bucket: F, Key, Body }))));
    const router = createS3Router({
      clients: { default: a, primary: a, old: viaB },
      profiles: {
        moving: { client: "primary", source_bucket_pattern: P, fallback: { client: "old", mapped_bucket_name: F } },
      },
    });
    try {
      let flapping = true;
      const flap = (async () => {
        for (let i = 0; flapping; i++) {
          await proxyB.set(
            i % 2 === 0
              ? { httpError: { count: 3 } }
              : { reset: { direction: "downstream", afterBytes: 3000, times: 2 } },
          );
          await new Promise((r) => setTimeout(r, 60));
        }
        await proxyB.clear();
      })();
      const runs = [];
      for (let run = 0; run < 6; run++) {
        const report = await migrate(router, { bucket: P, concurrency: 4 });
        runs.push(report);
        if (run === 0) flapping = false;
        if (run > 0 && report.failed.objects === 0 && report.failed.errors.length === 0) break;
      }
      flapping = false;
      await flap;
      expect(
        runs[0]!.failed.objects + runs[0]!.failed.errors.length,
        "the flapping source never failed a copy",
      ).toBeGreaterThan(0);
      expect(runs.at(-1)!.failed.objects).toBe(0);
      // The primary equals the source: every key, the same bytes, nothing else.
      const listed = ((await a.send(new ListObjectsV2Command({ Bucket: P }))).Contents ?? []).map((c) => c.Key!);
      expect(listed).toEqual([...source.keys()]);
      for (const [Key, Body] of source)
        expect(sha(await readBody(await a.send(new GetObjectCommand({ Bucket: P, Key }))))).toBe(sha(Body));
    } finally {
      router.destroy();
    }
  });
});
