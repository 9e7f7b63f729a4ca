/**
 * @module bench/gateway/workloads — what the clients do: large objects streamed up and down
 * (never held whole on the client side either), and a mix of small PUT, GET and HEAD calls
 * from a number of concurrent workers, each call timed.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "node:http";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { cpuTimes } from "./processes.js";

export type PathName = "direct" | "nginx" | "gateway";

/** One way to reach the backend. */
export interface BenchPath {
  readonly name: PathName;
  readonly client: S3Client;
  readonly bucket: string;
  /** Keys of this path live under this prefix (as the client names them). */
  readonly keyPrefix: string;
  /** The proxy's process (CPU accounting), when there is one. */
  readonly proxyPid: number | undefined;
}

/**
 * The same client settings for every path: path-style, checksums only when required (Ceph 16
 * predates the SDK's default trailing checksums, and the same setting everywhere keeps the
 * comparison fair), and a keep-alive agent with room for 64 concurrent requests. Passing our own
 * agent also keeps the SDK from opening a fresh, non-keep-alive connection for every request with
 * a body (its `Expect: 100-continue` path does that with its default agent).
 */
/** A keep-alive agent that counts the connections it opens. */
class CountingAgent extends Agent {
  connections = 0;
  override createConnection(...args: Parameters<Agent["createConnection"]>): ReturnType<Agent["createConnection"]> {
    this.connections++;
    return super.createConnection(...args);
  }
}

const agents = new WeakMap<S3Client, CountingAgent>();
const agentOf = (client: S3Client): CountingAgent | undefined => agents.get(client);

export function benchClient(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
  const agent = new CountingAgent({ keepAlive: true, maxSockets: 256 });
  const config: S3ClientConfig = {
    endpoint,
    region: "us-east-1",
    // A copy: the SDK marks the object it is given (\`$source\`).
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
    requestHandler: { httpAgent: agent, requestTimeout: 300_000, connectionTimeout: 10_000 },
  };
  const client = new S3Client(config);
  agents.set(client, agent);
  return client;
}

// ---------------------------------------------------------------------------------------------
// CPU accounting

/** Processes whose CPU time is tracked, by label. */
export type CpuProcs = ReadonlyArray<{ readonly label: string; readonly pid: number }>;

export type CpuSnapshot = Record<string, number>;

/** CPU seconds by label, and the kernel's part of each under `<label>:sys`. */
export function cpuSnapshot(procs: CpuProcs): CpuSnapshot {
  const out: CpuSnapshot = {};
  const self = process.cpuUsage();
  out["client"] = (self.user + self.system) / 1e6;
  out["client:sys"] = self.system / 1e6;
  for (const p of procs) {
    const t = cpuTimes(p.pid);
    out[p.label] = t.user + t.sys;
    out[`${p.label}:sys`] = t.sys;
  }
  return out;
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const out: CpuSnapshot = {};
  for (const k of Object.keys(after)) out[k] = after[k]! - (before[k] ?? 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Large objects

/** A body of `size` bytes made of one random MiB repeated: cheap to produce, never held whole. */
export function generatedBody(size: number, block: Buffer): Readable {
  let left = size;
  return new Readable({
    highWaterMark: block.length,
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, block.length);
      left -= n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

export const randomBlock = (): Buffer => randomBytes(1024 * 1024);

export interface TransferResult {
  readonly ms: number;
  readonly bytes: number;
  /** CPU seconds per process during the transfer. */
  readonly cpu: CpuSnapshot;
}

export async function putLarge(
  path: BenchPath,
  key: string,
  size: number,
  block: Buffer,
  procs: CpuProcs,
): Promise<TransferResult> {
  const before = cpuSnapshot(procs);
  const t0 = performance.now();
  await path.client.send(
    new PutObjectCommand({ Bucket: path.bucket, Key: key, Body: generatedBody(size, block), ContentLength: size }),
  );
  const ms = performance.now() - t0;
  return { ms, bytes: size, cpu: cpuDelta(before, cpuSnapshot(procs)) };
}

export async function getLarge(
  path: BenchPath,
  key: string,
  expected: number,
  procs: CpuProcs,
): Promise<TransferResult> {
  const before = cpuSnapshot(procs);
  const t0 = performance.now();
  const out = await path.client.send(new GetObjectCommand({ Bucket: path.bucket, Key: key }));
  let bytes = 0;
  for await (const chunk of out.Body as Readable) bytes += (chunk as Buffer).length;
  const ms = performance.now() - t0;
  if (bytes !== expected) throw new Error(`${path.name}: GET ${key} returned ${bytes} bytes, expected ${expected}`);
  return { ms, bytes, cpu: cpuDelta(before, cpuSnapshot(procs)) };
}

export async function deleteObject(path: BenchPath, key: string): Promise<void> {
  await path.client.send(new DeleteObjectCommand({ Bucket: path.bucket, Key: key }));
}

// ---------------------------------------------------------------------------------------------
// Small objects

export const SMALL_OPS = ["PUT", "GET", "HEAD"] as const;
export type SmallOp = (typeof SMALL_OPS)[number];

/** Per-call latencies (ms) by operation, and the wall time of the whole batch. */
export interface SmallBatch {
  readonly latencies: Record<SmallOp, number[]>;
  readonly ops: number;
  readonly wallMs: number;
  readonly cpu: CpuSnapshot;
}

/** Key slots each worker cycles over. */
const SLOTS = 4;

/**
 * `ops` calls from `concurrency` workers; each worker repeats PUT, GET (whole body), HEAD of one
 * of its own keys, so every GET and HEAD finds the object its worker just wrote.
 */
export async function smallBatch(
  path: BenchPath,
  body: Buffer,
  concurrency: number,
  ops: number,
  procs: CpuProcs,
  check = false,
): Promise<SmallBatch> {
  const latencies: Record<SmallOp, number[]> = { PUT: [], GET: [], HEAD: [] };
  let issued = 0;
  const worker = async (w: number): Promise<void> => {
    let step = 0;
    while (issued < ops) {
      issued++;
      const op = SMALL_OPS[step % 3]!;
      const Key = `${path.keyPrefix}small/c${concurrency}-w${w}-s${Math.floor(step / 3) % SLOTS}`;
      step++;
      const t0 = performance.now();
      if (op === "PUT") {
        await path.client.send(new PutObjectCommand({ Bucket: path.bucket, Key, Body: body }));
      } else if (op === "GET") {
        const out = await path.client.send(new GetObjectCommand({ Bucket: path.bucket, Key }));
        const bytes = await out.Body!.transformToByteArray();
        if (check && bytes.length !== body.length)
          throw new Error(`${path.name}: GET ${Key} returned ${bytes.length} bytes, expected ${body.length}`);
      } else {
        const out = await path.client.send(new HeadObjectCommand({ Bucket: path.bucket, Key }));
        if (check && out.ContentLength !== body.length)
          throw new Error(`${path.name}: HEAD ${Key} says ${out.ContentLength} bytes, expected ${body.length}`);
      }
      latencies[op].push(performance.now() - t0);
    }
  };
  const before = cpuSnapshot(procs);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const wallMs = performance.now() - t0;
  return {
    latencies,
    ops: latencies.PUT.length + latencies.GET.length + latencies.HEAD.length,
    wallMs,
    cpu: cpuDelta(before, cpuSnapshot(procs)),
  };
}

// ---------------------------------------------------------------------------------------------
// Connection reuse

/**
 * How many TCP connections `pid` opens to `port` while `during` runs, counted exactly: strace
 * attached to the process for that time, counting its connect() calls. undefined when strace is
 * not available (a proxy's connection reuse cannot be seen from outside otherwise: Linux reuses
 * TIME-WAIT ports for loopback connections, so socket tables undercount).
 */
export async function countConnects(
  pid: number,
  port: number,
  during: () => Promise<void>,
): Promise<number | undefined> {
  if (spawnSync("strace", ["-V"]).status !== 0) {
    await during();
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "s3r-strace-"));
  const out = join(dir, "connect.txt");
  try {
    const tracer = spawn(
      "strace",
      ["-f", "-qq", "-e", "trace=connect", "-e", "signal=none", "-o", out, "-p", String(pid)],
      { stdio: "ignore" },
    );
    const exited = new Promise<void>((ok) => tracer.once("exit", () => ok()));
    // strace creates the output file once it has attached.
    const deadline = Date.now() + 3000;
    while (!existsSync(out) && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 20));
    await new Promise((ok) => setTimeout(ok, 100));
    if (!existsSync(out)) {
      tracer.kill("SIGKILL");
      await during();
      return undefined;
    }
    try {
      await during();
    } finally {
      tracer.kill("SIGINT");
      await exited;
    }
    return readFileSync(out, "utf8")
      .split("\n")
      .filter((l) => l.includes(`htons(${port})`)).length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * New connections per call, on the client's hop and on the proxy's hop to the backend, over
 * `calls` sequential calls of `op` (keep-alive everywhere means 0; 1 means a new connection for
 * every call).
 */
export async function connectionChurn(
  path: BenchPath,
  op: SmallOp,
  calls: number,
  body: Buffer,
  backendPort: number,
): Promise<{ clientHop: number; backendHop: number }> {
  const Key = `${path.keyPrefix}small/churn`;
  // One call first, so that pooled connections exist on every hop.
  await path.client.send(new PutObjectCommand({ Bucket: path.bucket, Key, Body: body }));
  const agent = agentOf(path.client);
  const clientBefore = agent?.connections ?? Number.NaN;
  const run = async () => {
    for (let i = 0; i < calls; i++) {
      if (op === "PUT") await path.client.send(new PutObjectCommand({ Bucket: path.bucket, Key, Body: body }));
      else if (op === "GET")
        await (await path.client.send(new GetObjectCommand({ Bucket: path.bucket, Key }))).Body!.transformToByteArray();
      else await path.client.send(new HeadObjectCommand({ Bucket: path.bucket, Key }));
    }
  };
  let backend: number | undefined;
  if (path.proxyPid !== undefined) backend = await countConnects(path.proxyPid, backendPort, run);
  else await run();
  return {
    clientHop: ((agent?.connections ?? Number.NaN) - clientBefore) / calls,
    backendHop: backend === undefined ? Number.NaN : backend / calls,
  };
}
