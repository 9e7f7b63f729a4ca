/**
 * @module bench/gateway/concurrent-clients — many independent SDK clients at once, as a gateway
 * in front of a service meets them: every client is its own `S3Client` with its own keep-alive
 * connection, mixing 4 KiB GETs and PUTs of its own keys; and what a gateway holds in memory for
 * clients that keep a connection open and send nothing.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { quantile } from "../harness/stats.js";
import { memoryStatus, sleep } from "./processes.js";
import {
  benchClient,
  cpuDelta,
  cpuSnapshot,
  type BenchPath,
  type CpuProcs,
  type CpuSnapshot,
  type PathName,
} from "./workloads.js";

/** The object size of the mixed workload. */
export const MIXED_BYTES = 4096;

/** One path's clients: `count` SDK clients on their own connections. */
export interface ClientFleet {
  readonly path: BenchPath;
  readonly clients: readonly S3Client[];
}

/**
 * A fleet of `count` clients for `path`, each with its own agent (so its own connection), taking
 * the given identities in turn.
 */
export function clientFleet(
  path: BenchPath,
  endpoint: string,
  identities: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }>,
  count: number,
): ClientFleet {
  return {
    path,
    clients: Array.from({ length: count }, (_, i) => benchClient(endpoint, identities[i % identities.length]!)),
  };
}

export function destroyFleet(fleet: ClientFleet): void {
  for (const c of fleet.clients) c.destroy();
}

export interface MixedBatch {
  readonly ops: number;
  readonly wallMs: number;
  /** Latency of every call, ms (GETs and PUTs together). */
  readonly latencies: number[];
  readonly cpu: CpuSnapshot;
  /** Calls that failed (not in the latencies), and the first failure's message. */
  readonly errors: number;
  readonly firstError: string | undefined;
}

/**
 * Every client of `fleet` makes `opsPerClient` calls in turn, alternating PUT and GET (reading the
 * whole body) of its own two keys, all clients at once. The first call of each client is a PUT,
 * so every GET finds an object.
 */
export async function mixedBatch(
  fleet: ClientFleet,
  body: Buffer,
  opsPerClient: number,
  procs: CpuProcs,
): Promise<MixedBatch> {
  const latencies: number[] = [];
  const { path } = fleet;
  let errors = 0;
  let firstError: string | undefined;
  const run = async (client: S3Client, c: number): Promise<void> => {
    for (let i = 0; i < opsPerClient; i++) {
      const Key = `${path.keyPrefix}mixed/n${fleet.clients.length}-c${c}-k${(i >> 1) % 2}`;
      const t0 = performance.now();
      try {
        if (i % 2 === 0) await client.send(new PutObjectCommand({ Bucket: path.bucket, Key, Body: body }));
        else await (await client.send(new GetObjectCommand({ Bucket: path.bucket, Key }))).Body!.transformToByteArray();
      } catch (error) {
        // Counted and reported, not fatal: on a saturated machine a connection is sometimes
        // dropped under 256 clients; the table says how often, per path.
        errors++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        continue;
      }
      latencies.push(performance.now() - t0);
    }
  };
  const before = cpuSnapshot(procs);
  const t0 = performance.now();
  await Promise.all(fleet.clients.map((client, c) => run(client, c)));
  const wallMs = performance.now() - t0;
  return { ops: latencies.length, wallMs, latencies, cpu: cpuDelta(before, cpuSnapshot(procs)), errors, firstError };
}

export interface MixedSummary {
  readonly clients: number;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU ms per call, per process. */
  readonly cpuMsPerOp: CpuSnapshot;
  /** ops/s of each round (the ratio to direct is taken round by round). */
  readonly roundOpsPerSec: number[];
  readonly errors: number;
  readonly firstError: string | undefined;
}

export function summarizeMixed(clients: number, batches: readonly MixedBatch[]): MixedSummary {
  const all = batches.flatMap((b) => b.latencies).sort((a, b) => a - b);
  const ops = batches.reduce((a, b) => a + b.ops, 0);
  const wall = batches.reduce((a, b) => a + b.wallMs, 0);
  const cpuMsPerOp: CpuSnapshot = {};
  for (const b of batches)
    for (const [k, v] of Object.entries(b.cpu)) cpuMsPerOp[k] = (cpuMsPerOp[k] ?? 0) + (v * 1000) / ops;
  return {
    clients,
    ops,
    opsPerSec: ops / (wall / 1000),
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    cpuMsPerOp,
    roundOpsPerSec: batches.map((b) => b.ops / (b.wallMs / 1000)),
    errors: batches.reduce((a, b) => a + b.errors, 0),
    firstError: batches.find((b) => b.firstError !== undefined)?.firstError,
  };
}

export interface IdleConnectionsResult {
  readonly connections: number;
  /** VmRSS before the clients connect, with them connected and idle, and after they left. */
  readonly beforeRss: number;
  readonly idleRss: number;
  readonly afterRss: number;
  /** (idle − before) ÷ connections. */
  readonly perConnection: number;
}

/**
 * RSS of the gateway `pid` while `count` clients hold a keep-alive connection open without
 * sending anything: each client makes one small GET (its connection then stays in its agent's
 * pool), then all wait.
 */
export async function idleConnectionsRss(
  path: Pick<BenchPath, "bucket" | "keyPrefix">,
  pid: number,
  endpoint: string,
  identities: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }>,
  count: number,
  seedClient: S3Client,
  body: Buffer,
): Promise<IdleConnectionsResult> {
  const Key = `${path.keyPrefix}mixed/idle-probe`;
  await seedClient.send(new PutObjectCommand({ Bucket: path.bucket, Key, Body: body }));
  await sleep(300);
  const beforeRss = memoryStatus(pid).rss;
  const clients = Array.from({ length: count }, (_, i) => benchClient(endpoint, identities[i % identities.length]!));
  try {
    // All at once, so each client's agent opens its own connection and keeps it.
    await Promise.all(
      clients.map(async (c) =>
        (await c.send(new GetObjectCommand({ Bucket: path.bucket, Key }))).Body!.transformToByteArray(),
      ),
    );
    // Idle: the request objects of the calls are garbage; what stays is per connection.
    await sleep(1500);
    const idleRss = memoryStatus(pid).rss;
    for (const c of clients) c.destroy();
    await sleep(500);
    const afterRss = memoryStatus(pid).rss;
    return { connections: count, beforeRss, idleRss, afterRss, perConnection: (idleRss - beforeRss) / count };
  } finally {
    for (const c of clients) c.destroy();
  }
}

/** Paths in the order a round visits them, rotated by round. */
export const rotateNames = (names: readonly PathName[], by: number): PathName[] =>
  names.map((_, i) => names[(i + by) % names.length]!);
