/**
 * @module test/integration/faults-gateway — the gateway on real RGWs with a fault proxy in front
 * of each backend, checked by invariants rather than by exact error text: whatever the fault,
 * nothing the gateway acknowledged is lost, and nothing broken reaches the client looking whole.
 * A reset mid-write leaves no partial object; a reset mid-read is a failed read, never a clean
 * short body; a black-holed backend costs a 503 within the timeout and no sockets or memory; a
 * backend back up is used again without a restart; replicas SIGKILLed mid-upload and mid-listing
 * are replaced by another; SIGHUP and SIGTERM under load fail nothing.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { Agent } from "node:http";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RouterFileConfig } from "../../src/config/load-config.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  errorStatus,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { backendConfig, GATEWAY_USER, startGateway, type RunningGateway } from "../support/gateway.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { exposeGc } from "../support/live-memory.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
const X = uniqueBucket("fault-gw-x");
const M = uniqueBucket("fault-gw-m");
const SECRET = `faults-${randomBytes(8).toString("hex")}`;
const MiB = 1024 * 1024;
const TIMEOUT_MS = 1500;
const BYSTANDER = { accessKeyId: "GWBYSTANDER", secretAccessKey: "bystander-secret-0123456789" };
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** X on rgwA, X's team2/* on rgwB as M's data/, every backend reached through its proxy. */
const config = (endpointA: string, endpointB: string, extra: Record<string, unknown> = {}): RouterFileConfig => ({
  listingTokenSecret: SECRET,
  clients: {
    default: { ...backendConfig(rgwA), endpoint: endpointA },
    minio: { ...backendConfig(rgwB), endpoint: endpointB },
  },
  profiles: {
    minio: { source_bucket_pattern: X, source_key_pattern: "team2/*", mapped_bucket_name: M, mapped_prefix: "data/" },
  },
  gateway: {
    users: [{ accessKeyId: GATEWAY_USER.accessKeyId, secretAccessKey: GATEWAY_USER.secretAccessKey }],
    backendTimeoutMs: TIMEOUT_MS,
    ...extra,
  },
});

/** Listed keys the replica tests expect, in order (on both backends). */
const LISTED = [
  ...["a", "b", "c", "d", "e"].map((k) => `list/team1/${k}`),
  ...["a", "b", "c", "d", "e"].map((k) => `team2/list/${k}`),
];

let proxyA: FaultProxy;
let proxyB: FaultProxy;
let gw: RunningGateway;

beforeAll(async () => {
  await Promise.all([createBuckets(a, [X]), createBuckets(b, [M])]);
  await Promise.all(
    LISTED.map((Key) =>
      Key.startsWith("team2/")
        ? b.send(new PutObjectCommand({ Bucket: M, Key: `data/${Key}`, Body: Key }))
        : a.send(new PutObjectCommand({ Bucket: X, Key, Body: Key })),
    ),
  );
  [proxyA, proxyB] = await Promise.all([startFaultProxy(rgwA.endpoint), startFaultProxy(rgwB.endpoint)]);
  gw = await startGateway(config(proxyA.url, proxyB.url));
});

// Each test sets its own faults; one that fails before its clear() must not leave them to the next.
afterEach(() => Promise.all([proxyA?.clear(), proxyB?.clear()]));

afterAll(async () => {
  await gw?.stop();
  await Promise.all([proxyA?.stop(), proxyB?.stop()]);
  await Promise.all([emptyAndDeleteBucket(a, X), emptyAndDeleteBucket(b, M)]);
  a.destroy();
  b.destroy();
});

async function absentOn(client: S3Client, Bucket: string, Key: string): Promise<boolean> {
  return errorStatus(await failure(client.send(new HeadObjectCommand({ Bucket, Key })))) === 404;
}

describe("resets mid-write", () => {
  it("PutObject: the caller gets an error and nothing is stored; the SDK's retry stores it whole", async () => {
    const body = randomBytes(3 * MiB);
    await proxyA.set({ reset: { direction: "upstream", afterBytes: MiB } });
    const error = await failure(
      gw.client({ maxAttempts: 1 }).send(new PutObjectCommand({ Bucket: X, Key: "put/reset", Body: body })),
    );
    expect(error, "a cut upload was acknowledged").toBeDefined();
    expect(proxyA.stats.resets).toBeGreaterThan(0);
    expect(await absentOn(a, X, "put/reset")).toBe(true);

    // One more cut, and the SDK's own retries (3 attempts) get the object through, whole.
    await proxyA.set({ reset: { direction: "upstream", afterBytes: MiB } });
    await gw.client().send(new PutObjectCommand({ Bucket: X, Key: "put/retried", Body: body }));
    expect(sha(await readBody(await a.send(new GetObjectCommand({ Bucket: X, Key: "put/retried" }))))).toBe(sha(body));
    await proxyA.clear();
  });

  it("UploadPart: the cut part fails and is not listed; re-sent, the upload completes byte-identical", async () => {
    const s3 = gw.client({ maxAttempts: 1 });
    const Key = "team2/mp/part-reset";
    const parts = [randomBytes(5 * MiB), randomBytes(2 * MiB)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: X, Key }));
    await proxyB.set({ reset: { direction: "upstream", afterBytes: 2 * MiB } });
    expect(
      await failure(s3.send(new UploadPartCommand({ Bucket: X, Key, UploadId, PartNumber: 1, Body: parts[0]! }))),
    ).toBeDefined();
    await proxyB.clear();
    const listed = await s3.send(new ListPartsCommand({ Bucket: X, Key, UploadId }));
    expect(listed.Parts ?? []).toEqual([]);

    const done: CompletedPart[] = [];
    for (const [i, Body] of parts.entries())
      done.push({
        PartNumber: i + 1,
        ETag: (await s3.send(new UploadPartCommand({ Bucket: X, Key, UploadId, PartNumber: i + 1, Body }))).ETag!,
      });
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: X, Key, UploadId, MultipartUpload: { Parts: done } }));
    expect(sha(await readBody(await b.send(new GetObjectCommand({ Bucket: M, Key: `data/${Key}` }))))).toBe(
      sha(Buffer.concat(parts)),
    );
  });

  it("CompleteMultipartUpload answered by RGW but cut on the way back: whatever the caller is told, the object is whole", async () => {
    const Key = "team2/mp/complete-reset";
    const s3 = gw.client({ maxAttempts: 1 });
    const parts = [randomBytes(5 * MiB), randomBytes(MiB)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: X, Key }));
    const done: CompletedPart[] = [];
    for (const [i, Body] of parts.entries())
      done.push({
        PartNumber: i + 1,
        ETag: (await s3.send(new UploadPartCommand({ Bucket: X, Key, UploadId, PartNumber: i + 1, Body }))).ETag!,
      });
    // RGW completes the upload; its answer is cut before its first byte.
    const resetsBefore = proxyB.stats.resets;
    await proxyB.set({ reset: { direction: "downstream", afterBytes: 0 } });
    const complete = () =>
      gw
        .client()
        .send(new CompleteMultipartUploadCommand({ Bucket: X, Key, UploadId, MultipartUpload: { Parts: done } }));
    const first = await failure(complete());
    await proxyB.clear();
    // The caller may have been told 503 (then its retry finds the upload gone: NoSuchUpload), or
    // the SDK's retry may have succeeded; never a success over other bytes.
    expect(proxyB.stats.resets, "the fault never fired").toBeGreaterThan(resetsBefore);
    if (first !== undefined) expect(["ServiceUnavailable", "NoSuchUpload"]).toContain(errorName(first));
    const again = await failure(complete());
    if (again !== undefined) expect(errorName(again)).toBe("NoSuchUpload");
    const stored = await readBody(await gw.client().send(new GetObjectCommand({ Bucket: X, Key })));
    expect(sha(stored)).toBe(sha(Buffer.concat(parts)));
  });
});

describe("resets mid-read", () => {
  const body = randomBytes(2 * MiB + 123);
  beforeAll(async () => {
    await a.send(new PutObjectCommand({ Bucket: X, Key: "get/object", Body: body }));
  });

  it("GetObject cut mid-body: the client sees a failed read, never a clean short body", async () => {
    for (const afterBytes of [0, 1000, 700 * 1024]) {
      await proxyA.set({ reset: { direction: "downstream", afterBytes } });
      const outcome = await gw
        .client({ maxAttempts: 1 })
        .send(new GetObjectCommand({ Bucket: X, Key: "get/object" }))
        .then(async (out) => {
          expect(out.ContentLength).toBe(body.length);
          return { bytes: await readBody(out) };
        })
        .catch((e: unknown) => ({ error: e }));
      // Headers cut (0, 1000 bytes in): an error answer. Body cut: the body read fails.
      expect("error" in outcome, `a ${afterBytes}-byte cut read as a whole body`).toBe(true);
    }
    await proxyA.clear();
  });

  it("after cuts, full and ranged reads return the right bytes and the right ETag", async () => {
    await proxyA.set({ reset: { direction: "downstream", afterBytes: 300 * 1024 } });
    // The SDK's retry of the failed read (headers come through this time).
    const whole = await gw
      .client()
      .send(new GetObjectCommand({ Bucket: X, Key: "get/object" }))
      .then((out) => readBody(out))
      .catch(() => undefined);
    if (whole !== undefined) expect(sha(whole)).toBe(sha(body));
    await proxyA.clear();
    const full = await gw.client().send(new GetObjectCommand({ Bucket: X, Key: "get/object" }));
    expect(full.ETag).toBe(`"${md5(body)}"`);
    expect(sha(await readBody(full))).toBe(sha(body));
    const range = await gw
      .client()
      .send(new GetObjectCommand({ Bucket: X, Key: "get/object", Range: "bytes=1048570-1148579" }));
    expect(range.ContentRange).toBe(`bytes 1048570-1148579/${body.length}`);
    expect((await readBody(range)).equals(body.subarray(1048570, 1148580))).toBe(true);
  });
});

describe("a black-holed backend", () => {
  let hole: FaultProxy;
  let holeGw: RunningGateway;
  const HOLE_TIMEOUT_MS = 500;
  beforeAll(async () => {
    hole = await startFaultProxy(rgwB.endpoint);
    // A second user reads the healthy backend meanwhile: the first one's flood may be shed by
    // the per-user concurrency limit (503 SlowDown), which is right for that user and must not
    // touch anyone else.
    holeGw = await startGateway(
      config(rgwA.endpoint, hole.url, {
        backendTimeoutMs: HOLE_TIMEOUT_MS,
        users: [{ ...GATEWAY_USER }, { ...BYSTANDER }],
      }),
    );
  });
  afterAll(async () => {
    await holeGw?.stop();
    await hole?.stop();
  });

  const fds = () => readdirSync("/proc/self/fd").length;

  it("answers 503 within the timeout, 1,000 times, without growing sockets or memory; rgwA's routes are unaffected", async () => {
    /** `count` HEADs of a black-holed key, 200 at once, on a client (and pool) of their own. */
    const flood = async (count: number) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 200 });
      const s3 = holeGw.client({ maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
      const bystander = holeGw.client({ maxAttempts: 1, user: BYSTANDER });
      const results: Array<{ status: number | undefined; ms: number }> = [];
      const healthy: boolean[] = [];
      const head = async () => {
        const started = Date.now();
        const error = await failure(s3.send(new HeadObjectCommand({ Bucket: X, Key: "team2/list/a" })));
        return { status: errorStatus(error), ms: Date.now() - started };
      };
      for (let done = 0; done < count; done += 200) {
        const [batch, ok] = await Promise.all([
          Promise.all(Array.from({ length: Math.min(200, count - done) }, head)),
          // The other backend's route, meanwhile.
          bystander.send(new GetObjectCommand({ Bucket: X, Key: "list/team1/a" })).then(
            async (o) => (await readBody(o, "utf8")) === "list/team1/a",
            () => false,
          ),
        ]);
        results.push(...batch);
        healthy.push(ok);
      }
      s3.destroy();
      bystander.destroy();
      agent.destroy();
      return { results, healthy };
    };
    const gc = exposeGc();
    const settle = async () => {
      await new Promise((r) => setTimeout(r, 300));
      gc();
      return { fds: fds(), heap: process.memoryUsage().heapUsed };
    };
    await hole.set({ blackhole: true });
    // Warm-up: pools, the SDK's lazy modules.
    await flood(200);
    const before = await settle();

    const { results, healthy } = await flood(1000);
    expect(results).toHaveLength(1000);
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([503]));
    // Bounded by the configured timeout: the typical answer with a little slack, the slowest with
    // a lot (200 at once in this process, on two cores shared with RGW and other test files).
    const ms = results.map((r) => r.ms).sort((x, y) => x - y);
    expect(ms[ms.length >> 1]).toBeLessThan(HOLE_TIMEOUT_MS + 1500);
    expect(ms.at(-1)).toBeLessThan(HOLE_TIMEOUT_MS + 15_000);
    expect(healthy).toEqual([true, true, true, true, true]);

    const after = await settle();
    expect(after.fds - before.fds).toBeLessThan(20);
    expect(after.heap - before.heap).toBeLessThan(32 * MiB);
    // Timed-out backend connections are closed, not left waiting in the black hole.
    expect(hole.openConnections()).toBeLessThan(20);
    await hole.clear();
    const s3 = holeGw.client({ maxAttempts: 1 });
    expect((await s3.send(new HeadObjectCommand({ Bucket: X, Key: "team2/list/a" }))).ContentLength).toBe(
      "team2/list/a".length,
    );
  });
});

describe("a backend restarted under load", () => {
  it("fails fast while it is down, then serves again without restarting the gateway", async () => {
    const s3 = gw.client({ maxAttempts: 1 });
    let phase: "up" | "down" | "back" = "up";
    let stop = false;
    const outcomes: Array<{ phase: string; ok: boolean; status?: number | undefined; ms: number }> = [];
    const acknowledged = new Map<string, string>();
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const at = phase;
        const Key = `restart/w${w}/${i}`;
        const Body = `${Key}:${randomBytes(8).toString("hex")}`;
        const started = Date.now();
        try {
          await s3.send(new PutObjectCommand({ Bucket: X, Key, Body }));
          acknowledged.set(Key, Body);
          outcomes.push({ phase: at, ok: true, ms: Date.now() - started });
        } catch (e) {
          outcomes.push({ phase: at, ok: false, status: errorStatus(e), ms: Date.now() - started });
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    await new Promise((r) => setTimeout(r, 700));
    await proxyA.set({ refuse: true });
    phase = "down";
    await new Promise((r) => setTimeout(r, 1000));
    await proxyA.clear();
    // In-flight requests of the down phase may still end; count from a clean start.
    await new Promise((r) => setTimeout(r, 100));
    phase = "back";
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await load;

    const down = outcomes.filter((o) => o.phase === "down" && !o.ok);
    expect(down.length).toBeGreaterThan(0);
    expect(new Set(down.map((o) => o.status))).toEqual(new Set([503]));
    // Failing fast: a refused backend is not waited on for the timeout.
    expect(Math.max(...down.map((o) => o.ms))).toBeLessThan(TIMEOUT_MS);
    const back = outcomes.filter((o) => o.phase === "back");
    expect(back.length).toBeGreaterThan(0);
    expect(back.filter((o) => !o.ok)).toEqual([]);
    // Every acknowledged write is there.
    for (const [Key, Body] of acknowledged)
      expect(await readBody(await a.send(new GetObjectCommand({ Bucket: X, Key })), "utf8")).toBe(Body);
  });
});

describe("gateway processes", { timeout: 120_000 }, () => {
  let victim: GatewayProcess | undefined;
  let drained: GatewayProcess | undefined;
  let slow: FaultProxy;
  beforeAll(async () => {
    // The drained replica reaches rgwA through added latency, so its requests are in flight long enough to be drained.
    slow = await startFaultProxy(rgwA.endpoint);
    await slow.set({ latencyMs: 100 });
    [victim, drained] = await Promise.all([
      startGatewayProcess(config(rgwA.endpoint, rgwB.endpoint)),
      startGatewayProcess(config(slow.url, rgwB.endpoint, { shutdownGraceMs: 10_000 })),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([victim?.dispose(), drained?.dispose()]);
    await slow?.stop();
  });

  const clientFor = (url: string, extra: Record<string, unknown> = {}) =>
    new S3Client({
      endpoint: url,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { ...GATEWAY_USER },
      maxAttempts: 1,
      ...extra,
    });

  it("SIGKILLed mid multipart upload and mid merged listing: another replica completes the upload and continues the listing", async () => {
    const dying = clientFor(victim!.url);
    const survivor = gw.client({ maxAttempts: 1 });
    const Key = "team2/replica/killed.bin";
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(MiB)];
    const { UploadId } = await dying.send(new CreateMultipartUploadCommand({ Bucket: X, Key }));
    const first = await dying.send(new UploadPartCommand({ Bucket: X, Key, UploadId, PartNumber: 1, Body: parts[0]! }));
    const page1 = await dying.send(new ListObjectsV2Command({ Bucket: X, MaxKeys: 4, Prefix: "", StartAfter: "l" }));
    expect(page1.IsTruncated).toBe(true);

    // Part 2 streams slowly; the replica dies while it is being sent.
    const slowBody = Readable.from(
      (async function* () {
        yield parts[1]!.subarray(0, MiB);
        await new Promise((r) => setTimeout(r, 300));
        yield parts[1]!.subarray(MiB);
      })(),
    );
    const inFlight = failure(
      dying.send(
        new UploadPartCommand({ Bucket: X, Key, UploadId, PartNumber: 2, Body: slowBody, ContentLength: 5 * MiB }),
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    victim!.child.kill("SIGKILL");
    expect(await inFlight, "a part sent to a killed replica was acknowledged").toBeDefined();
    expect(await victim!.exited).toMatchObject({ signal: "SIGKILL" });

    const second = await survivor.send(
      new UploadPartCommand({ Bucket: X, Key, UploadId, PartNumber: 2, Body: parts[1]! }),
    );
    const third = await survivor.send(
      new UploadPartCommand({ Bucket: X, Key, UploadId, PartNumber: 3, Body: parts[2]! }),
    );
    await survivor.send(
      new CompleteMultipartUploadCommand({
        Bucket: X,
        Key,
        UploadId,
        MultipartUpload: { Parts: [first, second, third].map((p, i) => ({ PartNumber: i + 1, ETag: p.ETag! })) },
      }),
    );
    expect(sha(await readBody(await survivor.send(new GetObjectCommand({ Bucket: X, Key }))))).toBe(
      sha(Buffer.concat(parts)),
    );

    // The listing begun on the dead replica goes on through this one: every key once, in order.
    const keys = (page1.Contents ?? []).map((c) => c.Key!);
    let token = page1.NextContinuationToken;
    while (token !== undefined) {
      const page = await survivor.send(
        new ListObjectsV2Command({ Bucket: X, MaxKeys: 4, Prefix: "", StartAfter: "l", ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    }
    const relevant = keys.filter((k) => LISTED.includes(k));
    expect(relevant).toEqual(LISTED);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))).toEqual(keys);
    expect(keys).toContain(Key);
    dying.destroy();
  });

  it("SIGHUP reload and SIGTERM drain under load: zero failed requests", async () => {
    const proc = drained!;
    const s3 = clientFor(proc.url);
    let stop = false;
    const failures: unknown[] = [];
    const acknowledged = new Map<string, string>();
    let done = 0;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const Key = `drain/w${w}/${i}`;
        const Body = `${Key}:${randomBytes(6).toString("hex")}`;
        try {
          await s3.send(new PutObjectCommand({ Bucket: X, Key, Body }));
          acknowledged.set(Key, Body);
          if (stop) break;
          expect(await readBody(await s3.send(new GetObjectCommand({ Bucket: X, Key })), "utf8")).toBe(Body);
          if (stop) break;
          await s3.send(new ListObjectsV2Command({ Bucket: X, Prefix: `drain/w${w}/`, MaxKeys: 5 }));
          done += 3;
        } catch (e) {
          failures.push(e);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
    await new Promise((r) => setTimeout(r, 800));
    const reloads = () => proc.logs().filter((l) => l["msg"] === "configuration reloaded").length;
    await proc.writeConfig(
      config(slow.url, rgwB.endpoint, {
        shutdownGraceMs: 10_000,
        users: [
          { accessKeyId: GATEWAY_USER.accessKeyId, secretAccessKey: GATEWAY_USER.secretAccessKey },
          { accessKeyId: "RELOADED", secretAccessKey: "reloaded-secret-0123456789" },
        ],
      }),
    );
    proc.child.kill("SIGHUP");
    for (let i = 0; i < 100 && reloads() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(reloads(), proc.output()).toBe(1);
    await new Promise((r) => setTimeout(r, 800));
    // Stop issuing, let what was issued reach the server (each request waits ≥ 100 ms on rgwA), then drain.
    stop = true;
    await new Promise((r) => setTimeout(r, 30));
    const terminated = Date.now();
    proc.child.kill("SIGTERM");
    await load;
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    // Drained once its requests are answered, not at the end of the grace period (10 s).
    expect(Date.now() - terminated).toBeLessThan(5_000);
    expect(failures).toEqual([]);
    expect(done).toBeGreaterThan(0);
    for (const [Key, Body] of acknowledged)
      expect(await readBody(await a.send(new GetObjectCommand({ Bucket: X, Key })), "utf8")).toBe(Body);
    s3.destroy();
  });
});
