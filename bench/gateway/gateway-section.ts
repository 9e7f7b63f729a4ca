/**
 * @module bench/gateway/gateway-section — what the S3 gateway costs a client: the same SDK calls
 * straight to the backend, through nginx as a plain streaming reverse proxy (the floor any proxy
 * can reach), and through the gateway (authenticate, route, re-sign, stream), in one run against
 * one Ceph RGW. Large-object throughput both ways, small-object calls per second and latency at
 * several concurrencies, the gateway's peak memory while streaming, and — where a target is
 * missed — a CPU profile of the gateway with what bounds it.
 *
 * The gateway runs as its own process from the built code (`node dist/cli/bin.js serve`), so its
 * RSS is its own (read from /proc) and its CPU is not the client's event loop.
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { startRgw, type RgwServer } from "../../test/support/rgw.js";
import { startS3rver, type S3rverServer } from "../../test/support/s3rver.js";
import { formatBytes, formatMs, formatNumber, formatPercent, formatRatio } from "../harness/format.js";
import type { BenchSection, ResultTable, SectionOutcome, TargetCheck } from "../harness/section.js";
import { quantile } from "../harness/stats.js";
import type { ChartSpec } from "../harness/svg-chart.js";
import { generateConfig } from "../routing/profile-generator.js";
import { flameGraphSvg, monotonicUs, readProfile, summarizeProfile, type ProfileSummary } from "./cpu-profile.js";
import {
  MIXED_BYTES,
  clientFleet,
  destroyFleet,
  idleConnectionsRss,
  mixedBatch,
  rotateNames,
  summarizeMixed,
  type ClientFleet,
  type IdleConnectionsResult,
  type MixedBatch,
  type MixedSummary,
} from "./concurrent-clients.js";
import { startNginx, type NginxProxy } from "./nginx-proxy.js";
import {
  ROOT,
  cpuSeconds,
  ensureBuilt,
  freePort,
  memoryStatus,
  moduleRss,
  sleep,
  startGatewayProcess,
  type GatewayProcess,
} from "./processes.js";
import {
  SMALL_OPS,
  benchClient,
  connectionChurn,
  deleteObject,
  getLarge,
  putLarge,
  randomBlock,
  smallBatch,
  type BenchPath,
  type CpuProcs,
  type CpuSnapshot,
  type PathName,
  type SmallBatch,
  type SmallOp,
  type TransferResult,
} from "./workloads.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SMALL_BYTES = 1024;
const CONCURRENCIES = [1, 16, 64] as const;
const FILLER_PROFILES = 100;
const GATEWAY_USER = { accessKeyId: "GWBENCHKEY", secretAccessKey: "gw-bench-secret-0123456789abcdefghijklmn" };
/**
 * The concurrent-clients workload's users of the gateway: the gateway caps each user at 64
 * requests in progress (gateway.limits.maxRequestsPerUser, its default), so 256 clients at once are
 * several users, as they would be in front of a shared gateway.
 */
const FLEET_USERS = Array.from({ length: 4 }, (_, i) => ({
  accessKeyId: `GWFLEET${i}`,
  secretAccessKey: `gw-fleet-secret-${i}-0123456789abcdefghijklmn`,
}));
const RGW_USER = { accessKeyId: "AKIAGWBENCH", secretAccessKey: "rgw-bench-secret-0123456789abcdefghijklm" };
/** The logical bucket clients of the gateway address; it maps to the physical one under this prefix. */
const LOGICAL_BUCKET = "gateway-bench";
const GATEWAY_PREFIX = "via-gateway/";
const PROFILE_DIR = join(ROOT, "docs/benchmarks/profiles");

/** Issue #12's targets: ratios to direct and to nginx measured side by side in one run. */
const TARGETS = {
  throughputVsDirect: 0.9,
  throughputVsNginx: 0.95,
  addedP50Ms: 0.3,
  /** Gateway CPU seconds per GiB streamed ÷ nginx's, PUT and GET. */
  cpuPerGiBVsNginx: 1.3,
  /** Gateway CPU per 1 KiB call ÷ nginx's, at concurrency 1. */
  cpuPerSmallVsNginx: 2,
  /** Concurrent clients, 4 KiB mixed: ops/s ≥ this share of direct, p99 ≤ direct's + this. */
  mixedOpsVsDirect: 0.9,
  mixedAddedP99Ms: 5,
  restRssBytes: 80 * MiB,
  peakRssBytes: 110 * MiB,
  idleRssBytes: 120 * MiB,
};
/** How many SDK clients at once in the mixed workload, each on its own connection. */
const FLEETS = [64, 256] as const;
/** Idle keep-alive connections whose memory is measured. */
const IDLE_CONNECTIONS = 256;

interface Settings {
  readonly largeBytes: number;
  readonly largeRounds: number;
  /** Small-object calls per path and concurrency (split over `smallRounds` interleaved rounds). */
  readonly smallOps: Readonly<Record<(typeof CONCURRENCIES)[number], number>>;
  readonly smallRounds: number;
  /** Streamed up, then down, through a fresh gateway while its RSS is watched. */
  readonly rssBytes: number;
  /** Calls per variant for the logging-cost comparison (concurrency 16). */
  readonly loggingOps: number;
  readonly profileSmallOps: number;
  /**
   * Small calls every gateway process (and every path) serves before it is measured: V8 compiles
   * the request path's hot functions only after some hundreds of calls, and a cold gateway costs
   * two to three times the CPU per call of a warm one.
   */
  readonly warmupCalls: number;
  readonly memstoreBytes: number;
  /** Calls per client per round in the mixed workload, by fleet size. */
  readonly mixedOpsPerClient: Readonly<Record<(typeof FLEETS)[number], number>>;
  readonly mixedRounds: number;
}

const SETTINGS: Record<"quick" | "full", Settings> = {
  quick: {
    largeBytes: 64 * MiB,
    largeRounds: 2,
    smallOps: { 1: 240, 16: 960, 64: 1920 },
    smallRounds: 2,
    rssBytes: 512 * MiB,
    loggingOps: 960,
    profileSmallOps: 1500,
    warmupCalls: 960,
    memstoreBytes: 4 * GiB,
    mixedOpsPerClient: { 64: 8, 256: 4 },
    mixedRounds: 2,
  },
  full: {
    largeBytes: 256 * MiB,
    largeRounds: 5,
    smallOps: { 1: 1500, 16: 6000, 64: 7680 },
    smallRounds: 3,
    rssBytes: 1 * GiB,
    loggingOps: 4800,
    profileSmallOps: 3200,
    warmupCalls: 1920,
    memstoreBytes: 7 * GiB,
    mixedOpsPerClient: { 64: 24, 256: 8 },
    mixedRounds: 3,
  },
};

// ---------------------------------------------------------------------------------------------
// Results

interface LargeResult {
  readonly op: "PUT" | "GET";
  /** MiB/s per round, by path. */
  readonly mibps: Partial<Record<PathName, number[]>>;
  /** CPU seconds per GiB moved, per process, by path (sums over rounds ÷ GiB moved). */
  readonly cpuPerGiB: Partial<Record<PathName, CpuSnapshot>>;
}

interface SmallResult {
  readonly concurrency: number;
  readonly byPath: Partial<
    Record<
      PathName,
      {
        readonly ops: number;
        readonly opsPerSec: number;
        readonly p50: number;
        readonly p99: number;
        readonly byOp: Record<SmallOp, { p50: number; p99: number; n: number }>;
        /** CPU ms per call, per process. */
        readonly cpuMsPerOp: CpuSnapshot;
      }
    >
  >;
}

interface RssResult {
  readonly bytes: number;
  readonly startRss: number;
  readonly restRss: number;
  readonly peakHwm: number;
  readonly endRss: number;
  readonly putMiBps: number;
  readonly getMiBps: number;
  /** [seconds since the PUT started, RSS bytes] */
  readonly samples: ReadonlyArray<readonly [number, number]>;
  /** Seconds at which the GET started. */
  readonly getStartS: number;
  /** Highest RSS in the first and the second half of the streaming (flat = bounded). */
  readonly firstHalfMax: number;
  readonly secondHalfMax: number;
  readonly modules: { bareNode: number; gatewayModules: number } | undefined;
  /** A fresh gateway's first calls against the same calls after the warm-up (concurrency 1). */
  readonly jit: { calls: number; cold: { p50: number; cpuMsPerOp: number }; warm: { p50: number; cpuMsPerOp: number } };
}

/** The concurrent-clients workload, by fleet size and path. */
type MixedResult = ReadonlyArray<{
  readonly clients: number;
  readonly byPath: Partial<Record<PathName, MixedSummary>>;
}>;

interface LoggingResult {
  readonly concurrency: number;
  readonly warn: { opsPerSec: number; p50: number; p99: number; gatewayCpuMsPerOp: number };
  readonly info: { opsPerSec: number; p50: number; p99: number; gatewayCpuMsPerOp: number };
  readonly logBytesPerRequest: number;
}

/** New TCP connections per call (0 = kept alive), by path and operation. */
type ChurnResult = Partial<Record<PathName, Record<SmallOp, { clientHop: number; backendHop: number }>>>;

const CHURN_CALLS = 40;
/** Calls at concurrency 1 that show a fresh gateway's cost before and after its JIT warm-up. */
const COLD_CALLS = 150;

interface ProfileResult {
  readonly workload: string;
  readonly summary: ProfileSummary;
  readonly flameGraph: string | undefined;
  readonly gatewayCpuS: number;
}

interface Backend {
  readonly kind: "rgw" | "s3rver";
  readonly description: string;
  readonly endpoint: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly procs: CpuProcs;
  readonly fallback: string | undefined;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------

export const gatewaySection: BenchSection = {
  id: "gateway",
  title: "Gateway: SDK → gateway → backend vs SDK → backend",
  async run(ctx) {
    const settings = SETTINGS[ctx.mode];
    const log = (m: string) => ctx.log(`gateway: ${m}`);
    const build = ensureBuilt((m) => ctx.log(m));
    const tmp = await mkdtemp(join(tmpdir(), "s3r-gwbench-"));
    const cleanup: Array<() => Promise<unknown>> = [];
    try {
      const backend = await startBackend(settings, log);
      cleanup.push(() => backend.stop());
      const bucket = `gwbench-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
      const directClient = benchClient(backend.endpoint, backend.credentials);
      cleanup.push(() => Promise.resolve(directClient.destroy()));
      await directClient.send(new CreateBucketCommand({ Bucket: bucket }));

      // nginx: the floor.
      let nginx: NginxProxy | undefined;
      let nginxUnavailable: string | undefined;
      if (backend.kind === "rgw") {
        const outcome = await startNginx(new URL(backend.endpoint).host, await freePort(), join(tmp, "nginx"), log);
        if (outcome.ok) {
          nginx = outcome.proxy;
          cleanup.push(() => outcome.proxy.stop());
          log(`nginx ${nginx.version} proxying on ${nginx.url}`);
        } else nginxUnavailable = outcome.reason;
      } else
        nginxUnavailable =
          "the backend is the in-process s3rver fallback, which nginx cannot sit in front of meaningfully";
      if (nginxUnavailable) log(`nginx floor not available: ${nginxUnavailable}`);

      // The gateway, from dist/, in its own process.
      const configFor = async (logLevel: string, name: string) => {
        const file = join(tmp, `${name}.json`);
        await writeFile(file, JSON.stringify(gatewayConfig(backend, bucket, logLevel), null, 2));
        return file;
      };
      const warnConfig = await configFor("warn", "gateway-warn");
      const startGw = async (label: string, options: { config?: string; cpuProfileDir?: string } = {}) =>
        startGatewayProcess({
          configFile: options.config ?? warnConfig,
          port: await freePort(),
          logFile: join(tmp, `${label}.log`),
          ...(options.cpuProfileDir !== undefined && { cpuProfileDir: options.cpuProfileDir }),
        });
      const gateway = await startGw("gateway");
      cleanup.push(() => gateway.stop());
      const startRss = memoryStatus(gateway.pid).rss;
      log(`gateway pid ${gateway.pid} on ${gateway.url} (RSS ${formatBytes(startRss)} at start)`);

      const gatewayPath = (gw: GatewayProcess): BenchPath => ({
        name: "gateway",
        client: benchClient(gw.url, GATEWAY_USER),
        bucket: LOGICAL_BUCKET,
        keyPrefix: "",
        proxyPid: gw.pid,
      });
      const paths: BenchPath[] = [
        { name: "direct", client: directClient, bucket, keyPrefix: "direct/", proxyPid: undefined },
        ...(nginx
          ? [
              {
                name: "nginx" as const,
                client: benchClient(nginx.url, backend.credentials),
                bucket,
                keyPrefix: "via-nginx/",
                proxyPid: nginx.workerPid,
              },
            ]
          : []),
        gatewayPath(gateway),
      ];
      for (const p of paths) if (p.client !== directClient) cleanup.push(() => Promise.resolve(p.client.destroy()));
      const procs: CpuProcs = [
        ...(nginx ? [{ label: "nginx", pid: nginx.workerPid }] : []),
        { label: "gateway", pid: gateway.pid },
        ...backend.procs,
      ];

      // Every path must work before anything is timed.
      const body = randomBytes(SMALL_BYTES);
      for (const p of paths) await smallBatch(p, body, 1, 6, procs, true);

      const block = randomBlock();
      const large = await measureLarge(paths, settings, block, procs, log);
      const small = await measureSmall(paths, settings, body, procs, log);
      const endpointOf: Record<
        PathName,
        { url: string; identities: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }> } | undefined
      > = {
        direct: { url: backend.endpoint, identities: [backend.credentials] },
        nginx: nginx ? { url: nginx.url, identities: [backend.credentials] } : undefined,
        gateway: { url: gateway.url, identities: FLEET_USERS },
      };
      const mixed = await (async () => {
        const fleets = FLEETS.map((size) => {
          const byName = {} as Record<PathName, ClientFleet | undefined>;
          for (const p of paths)
            byName[p.name] = clientFleet(p, endpointOf[p.name]!.url, endpointOf[p.name]!.identities, size);
          return byName;
        });
        try {
          return await measureMixed(fleets, settings, procs, log);
        } finally {
          for (const f of fleets) for (const fleet of Object.values(f)) if (fleet) destroyFleet(fleet);
        }
      })();
      const churn: ChurnResult = {};
      const rgwPort = Number(new URL(backend.endpoint).port);
      for (const p of paths) {
        const byOp = {} as Record<SmallOp, { clientHop: number; backendHop: number }>;
        for (const op of SMALL_OPS) byOp[op] = await connectionChurn(p, op, CHURN_CALLS, body, rgwPort);
        churn[p.name] = byOp;
      }
      log(
        `new connections per call (client hop/backend hop): ${Object.entries(churn)
          .map(
            ([k, v]) =>
              `${k} ${SMALL_OPS.map((op) => `${op} ${v[op].clientHop}/${Number.isNaN(v[op].backendHop) ? "-" : v[op].backendHop}`).join(" ")}`,
          )
          .join("; ")}`,
      );
      const mainHwm = memoryStatus(gateway.pid).hwm;

      // Logging cost: the same gateway configuration with logLevel "info", side by side.
      const infoGateway = await startGw("gateway-info", { config: await configFor("info", "gateway-info") });
      cleanup.push(() => infoGateway.stop());
      const logging = await measureLogging(
        paths.find((p) => p.name === "gateway")!,
        gatewayPath(infoGateway),
        infoGateway,
        join(tmp, "gateway-info.log"),
        settings,
        body,
        procs,
        log,
      );
      await infoGateway.stop();

      // Peak RSS while streaming, in a fresh gateway whose high-water mark is only this.
      await gateway.stop();
      const rssGateway = await startGw("gateway-rss");
      cleanup.push(() => rssGateway.stop());
      const rss = await measureRss(gatewayPath(rssGateway), rssGateway, settings, block, body, log);
      await rssGateway.stop();
      // Memory per idle keep-alive connection, in another fresh gateway warmed with small calls.
      const idleGateway = await startGw("gateway-idle");
      cleanup.push(() => idleGateway.stop());
      const idlePath = gatewayPath(idleGateway);
      await warmUp(idlePath, settings, body);
      const idle = await idleConnectionsRss(
        idlePath,
        idleGateway.pid,
        idleGateway.url,
        FLEET_USERS,
        IDLE_CONNECTIONS,
        idlePath.client,
        body,
      );
      idlePath.client.destroy();
      await idleGateway.stop();
      log(
        `RSS with ${IDLE_CONNECTIONS} idle keep-alive clients: ${formatBytes(idle.idleRss)} (before ${formatBytes(idle.beforeRss)}, ${formatBytes(idle.perConnection)} per connection)`,
      );

      const targets = evaluateTargets(large, small, rss, mixed, idle, nginx !== undefined, settings.largeBytes);

      // CPU profiles of the gateway: full runs always profile both workloads (the report explains
      // what bounds each); quick runs only where a throughput or latency target is missed.
      const profiles: ProfileResult[] = [];
      const full = ctx.mode === "full";
      const profileLarge = full || targets.slice(0, 3).some((t) => t.met === false);
      const profileSmall = full || targets.slice(3, 7).some((t) => t.met === false);
      await mkdir(PROFILE_DIR, { recursive: true });
      for (const f of await readdir(PROFILE_DIR))
        if (/^gateway-.*-flame\.svg$/.test(f)) await rm(join(PROFILE_DIR, f), { force: true });
      if (profileLarge) {
        profiles.push(
          await profileGateway(
            "large",
            `PUT then GET of ${formatBytes(settings.largeBytes)}`,
            startGw,
            gatewayPath,
            tmp,
            procs,
            log,
            async (path, gwProcs) => {
              await putLarge(path, "large/profile", settings.largeBytes, block, gwProcs);
              await getLarge(path, "large/profile", settings.largeBytes, gwProcs);
              await deleteObject(path, "large/profile");
            },
            async (path) => {
              await putLarge(path, "large/profile-warm", 32 * MiB, block, []);
              await getLarge(path, "large/profile-warm", 32 * MiB, []);
              await deleteObject(path, "large/profile-warm");
            },
          ),
        );
      }
      if (profileSmall) {
        profiles.push(
          await profileGateway(
            "small",
            `${settings.profileSmallOps} small calls at concurrency 64, then ${settings.profileSmallOps / 4} at concurrency 1`,
            startGw,
            gatewayPath,
            tmp,
            procs,
            log,
            async (path, gwProcs) => {
              await smallBatch(path, body, 64, settings.profileSmallOps, gwProcs);
              await smallBatch(path, body, 1, settings.profileSmallOps / 4, gwProcs);
            },
            (path) => warmUp(path, settings, body),
          ),
        );
      }

      return outcome({
        settings,
        backend,
        nginx,
        nginxUnavailable,
        build,
        large,
        small,
        mixed,
        idle,
        churn,
        rss,
        logging,
        profiles,
        targets,
        startRss,
        mainHwm,
      });
    } finally {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      await rm(tmp, { recursive: true, force: true });
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Setup

async function startBackend(settings: Settings, log: (m: string) => void): Promise<Backend> {
  process.env["S3R_NO_AUTO_INSTALL"] ??= "1";
  let rgw: RgwServer | undefined;
  let failure: string | undefined;
  const t0 = Date.now();
  try {
    rgw = await startRgw({ name: "gwbench", ...RGW_USER, memstoreBytes: settings.memstoreBytes });
  } catch (error) {
    failure = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 300);
  }
  if (rgw) {
    log(`RGW started in ${((Date.now() - t0) / 1000).toFixed(1)} s on ${rgw.endpoint}`);
    const [rgwPid, osdPid] = rgw.pids;
    const banner = spawnSync("radosgw", ["--version"], { encoding: "utf8" }).stdout ?? "";
    const version = /version (\S+) \([0-9a-f]+\) (\w+)/.exec(banner);
    const server = rgw;
    return {
      kind: "rgw",
      description:
        `Ceph RGW ${version ? `${version[1]} ${version[2]}` : ""} (beast, tcp_nodelay), single-host cluster with an in-memory OSD (memstore ${formatBytes(settings.memstoreBytes)}) on 127.0.0.1`.replace(
          "  ",
          " ",
        ),
      endpoint: rgw.endpoint,
      credentials: RGW_USER,
      procs: [
        ...(rgwPid !== undefined ? [{ label: "radosgw", pid: rgwPid }] : []),
        ...(osdPid !== undefined ? [{ label: "ceph-osd", pid: osdPid }] : []),
      ],
      fallback: undefined,
      stop: () => server.stop(),
    };
  }
  log(`RGW could not start (${failure}); falling back to s3rver`);
  const s3rver: S3rverServer = await startS3rver();
  return {
    kind: "s3rver",
    description: "s3rver (in-process, file-backed) on 127.0.0.1",
    endpoint: s3rver.endpoint,
    credentials: { accessKeyId: s3rver.accessKeyId, secretAccessKey: s3rver.secretAccessKey },
    procs: [],
    fallback: `Ceph RGW could not start here, so s3rver (inside the benchmark process) was used instead: ${failure}`,
    stop: () => s3rver.stop(),
  };
}

/** The gateway's configuration: one logical bucket mapped onto the physical one, among filler profiles. */
function gatewayConfig(backend: Backend, bucket: string, logLevel: string): unknown {
  const { specs } = generateConfig(FILLER_PROFILES, 0xf111);
  const profiles: Record<string, unknown> = {
    bench: {
      client: "default",
      source_bucket_pattern: LOGICAL_BUCKET,
      mapped_bucket_name: bucket,
      mapped_prefix: GATEWAY_PREFIX,
    },
  };
  for (const s of specs) {
    profiles[s.name] = {
      client: "default",
      source_bucket_pattern: s.bucketPattern,
      ...(s.keyPattern !== undefined ? { source_key_pattern: s.keyPattern } : {}),
      ...(s.mappedBucket !== undefined ? { mapped_bucket_name: s.mappedBucket } : {}),
      ...(s.mappedPrefix !== "" ? { mapped_prefix: s.mappedPrefix } : {}),
    };
  }
  return {
    clients: {
      default: {
        endpoint: backend.endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: {
          accessKeyId: backend.credentials.accessKeyId,
          secretAccessKey: backend.credentials.secretAccessKey,
        },
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      },
    },
    profiles,
    gateway: {
      users: [{ ...GATEWAY_USER }, ...FLEET_USERS.map((u) => ({ ...u }))],
      logLevel,
      shutdownGraceMs: 2000,
      backendTimeoutMs: 120_000,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements

const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length]!);

async function measureLarge(
  paths: readonly BenchPath[],
  settings: Settings,
  block: Buffer,
  procs: CpuProcs,
  log: (m: string) => void,
): Promise<LargeResult[]> {
  const size = settings.largeBytes;
  const put: LargeResult = { op: "PUT", mibps: {}, cpuPerGiB: {} };
  const get: LargeResult = { op: "GET", mibps: {}, cpuPerGiB: {} };
  const addCpu = (into: LargeResult, path: PathName, r: TransferResult) => {
    const acc = (into.cpuPerGiB[path] ??= {});
    for (const [k, v] of Object.entries(r.cpu)) acc[k] = (acc[k] ?? 0) + v / (r.bytes / GiB);
  };
  // One unmeasured transfer per path warms connections, JIT and RGW.
  for (const p of paths) {
    const key = `${p.keyPrefix}large/warm`;
    await putLarge(p, key, Math.min(size, 32 * MiB), block, procs);
    await getLarge(p, key, Math.min(size, 32 * MiB), procs);
    await deleteObject(p, key);
  }
  for (let round = 0; round < settings.largeRounds; round++) {
    for (const p of rotate(paths, round)) {
      const key = `${p.keyPrefix}large/round-${round}`;
      const up = await putLarge(p, key, size, block, procs);
      const down = await getLarge(p, key, size, procs);
      await deleteObject(p, key);
      (put.mibps[p.name] ??= []).push(size / MiB / (up.ms / 1000));
      (get.mibps[p.name] ??= []).push(size / MiB / (down.ms / 1000));
      addCpu(put, p.name, up);
      addCpu(get, p.name, down);
      log(
        `large ${formatBytes(size)} round ${round + 1}/${settings.largeRounds} ${p.name}: PUT ${(size / MiB / (up.ms / 1000)).toFixed(0)} MiB/s, GET ${(size / MiB / (down.ms / 1000)).toFixed(0)} MiB/s`,
      );
    }
  }
  for (const r of [put, get])
    for (const snap of Object.values(r.cpuPerGiB)) for (const k of Object.keys(snap)) snap[k]! /= settings.largeRounds;
  return [put, get];
}

function summarizeSmall(batches: readonly SmallBatch[]) {
  const all: number[] = [];
  const byOp = {} as Record<SmallOp, { p50: number; p99: number; n: number }>;
  for (const op of SMALL_OPS) {
    const xs = batches.flatMap((b) => b.latencies[op]).sort((a, b) => a - b);
    byOp[op] = { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), n: xs.length };
    all.push(...xs);
  }
  all.sort((a, b) => a - b);
  const ops = batches.reduce((a, b) => a + b.ops, 0);
  const wall = batches.reduce((a, b) => a + b.wallMs, 0);
  const cpuMsPerOp: CpuSnapshot = {};
  for (const b of batches)
    for (const [k, v] of Object.entries(b.cpu)) cpuMsPerOp[k] = (cpuMsPerOp[k] ?? 0) + (v * 1000) / ops;
  return { ops, opsPerSec: ops / (wall / 1000), p50: quantile(all, 0.5), p99: quantile(all, 0.99), byOp, cpuMsPerOp };
}

/** Small calls until the JIT has compiled the request path (see Settings.warmupCalls). */
async function warmUp(path: BenchPath, settings: Settings, body: Buffer): Promise<void> {
  await smallBatch(path, body, 16, settings.warmupCalls, []);
  await smallBatch(path, body, 1, 60, []);
}

async function measureSmall(
  paths: readonly BenchPath[],
  settings: Settings,
  body: Buffer,
  procs: CpuProcs,
  log: (m: string) => void,
): Promise<SmallResult[]> {
  const results: SmallResult[] = [];
  for (const p of paths) await warmUp(p, settings, body);
  for (const c of CONCURRENCIES) {
    const total = settings.smallOps[c];
    const perRound = Math.ceil(total / settings.smallRounds);
    // Every worker's keys exist and every connection is open (the JIT warm-up came before).
    for (const p of paths) await smallBatch(p, body, c, c * 6, procs);
    const batches = new Map<PathName, SmallBatch[]>(paths.map((p) => [p.name, []]));
    for (let round = 0; round < settings.smallRounds; round++) {
      for (const p of rotate(paths, round)) batches.get(p.name)!.push(await smallBatch(p, body, c, perRound, procs));
    }
    const byPath: SmallResult["byPath"] = {};
    for (const p of paths) byPath[p.name] = summarizeSmall(batches.get(p.name)!);
    results.push({ concurrency: c, byPath });
    log(
      `small 1 KiB at concurrency ${c}: ` +
        paths
          .map((p) => `${p.name} ${byPath[p.name]!.opsPerSec.toFixed(0)} ops/s p50 ${formatMs(byPath[p.name]!.p50)}`)
          .join(", "),
    );
  }
  return results;
}

/**
 * Fleets of 64 and 256 SDK clients per path, 4 KiB PUT/GET mixed, interleaved rounds (each
 * fleet's first round is unmeasured: it opens every connection and writes every key).
 */
async function measureMixed(
  fleets: ReadonlyArray<Record<PathName, ClientFleet | undefined>>,
  settings: Settings,
  procs: CpuProcs,
  log: (m: string) => void,
): Promise<MixedResult> {
  const body = randomBytes(MIXED_BYTES);
  const out: Array<{ clients: number; byPath: Partial<Record<PathName, MixedSummary>> }> = [];
  for (const byName of fleets) {
    const names = (Object.keys(byName) as PathName[]).filter((n) => byName[n] !== undefined);
    const size = byName[names[0]!]!.clients.length as (typeof FLEETS)[number];
    for (const n of names) await mixedBatch(byName[n]!, body, 2, procs);
    const batches = new Map<PathName, MixedBatch[]>(names.map((n) => [n, []]));
    for (let round = 0; round < settings.mixedRounds; round++) {
      for (const n of rotateNames(names, round))
        batches.get(n)!.push(await mixedBatch(byName[n]!, body, settings.mixedOpsPerClient[size], procs));
    }
    const byPath: Partial<Record<PathName, MixedSummary>> = {};
    for (const n of names) byPath[n] = summarizeMixed(size, batches.get(n)!);
    out.push({ clients: size, byPath });
    log(
      `mixed 4 KiB GET/PUT, ${size} clients: ` +
        names
          .map(
            (n) =>
              `${n} ${byPath[n]!.opsPerSec.toFixed(0)} ops/s p50 ${formatMs(byPath[n]!.p50)} p99 ${formatMs(byPath[n]!.p99)}`,
          )
          .join(", "),
    );
  }
  return out;
}

async function measureLogging(
  warnPath: BenchPath,
  infoPath: BenchPath,
  infoGateway: GatewayProcess,
  infoLog: string,
  settings: Settings,
  body: Buffer,
  procs: CpuProcs,
  log: (m: string) => void,
): Promise<LoggingResult> {
  const c = 16;
  const infoProcs: CpuProcs = [
    ...procs.filter((p) => p.label !== "gateway"),
    { label: "gateway", pid: infoGateway.pid },
  ];
  await warmUp(infoPath, settings, body);
  const logBefore = (await stat(infoLog)).size;
  const warn: SmallBatch[] = [];
  const info: SmallBatch[] = [];
  const rounds = 4;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (["warn", "info"] as const) : (["info", "warn"] as const);
    for (const level of order) {
      if (level === "warn") warn.push(await smallBatch(warnPath, body, c, settings.loggingOps / rounds, procs));
      else info.push(await smallBatch(infoPath, body, c, settings.loggingOps / rounds, infoProcs));
    }
  }
  await sleep(200);
  const logBytes = (await stat(infoLog)).size - logBefore;
  const w = summarizeSmall(warn);
  const i = summarizeSmall(info);
  infoPath.client.destroy();
  log(
    `logging cost at concurrency ${c}: warn ${w.opsPerSec.toFixed(0)} ops/s p50 ${formatMs(w.p50)}, info ${i.opsPerSec.toFixed(0)} ops/s p50 ${formatMs(i.p50)}`,
  );
  return {
    concurrency: c,
    warn: { opsPerSec: w.opsPerSec, p50: w.p50, p99: w.p99, gatewayCpuMsPerOp: w.cpuMsPerOp["gateway"] ?? Number.NaN },
    info: { opsPerSec: i.opsPerSec, p50: i.p50, p99: i.p99, gatewayCpuMsPerOp: i.cpuMsPerOp["gateway"] ?? Number.NaN },
    logBytesPerRequest: logBytes / i.ops,
  };
}

async function measureRss(
  path: BenchPath,
  gw: GatewayProcess,
  settings: Settings,
  block: Buffer,
  body: Buffer,
  log: (m: string) => void,
): Promise<RssResult> {
  const startRss = memoryStatus(gw.pid).rss;
  // This gateway is fresh: what its first calls cost, against the same calls once warm.
  const gwProcs: CpuProcs = [{ label: "gateway", pid: gw.pid }];
  const coldBatch = await smallBatch(path, body, 1, COLD_CALLS, gwProcs);
  // Warm up as a serving gateway would be, with small calls only: "at rest" must not already
  // hold what streaming costs.
  await warmUp(path, settings, body);
  const warmBatch = await smallBatch(path, body, 1, COLD_CALLS, gwProcs);
  const jit = { calls: COLD_CALLS, cold: summarizeSmall([coldBatch]), warm: summarizeSmall([warmBatch]) };
  log(
    `a fresh gateway's first ${COLD_CALLS} calls: ${formatMs(jit.cold.cpuMsPerOp["gateway"] ?? Number.NaN)} CPU/call, p50 ${formatMs(jit.cold.p50)}; warm: ${formatMs(jit.warm.cpuMsPerOp["gateway"] ?? Number.NaN)}, p50 ${formatMs(jit.warm.p50)}`,
  );
  await sleep(500);
  const restRss = memoryStatus(gw.pid).rss;
  const samples: Array<readonly [number, number]> = [];
  const t0 = performance.now();
  const timer = setInterval(() => {
    try {
      samples.push([(performance.now() - t0) / 1000, memoryStatus(gw.pid).rss]);
    } catch {
      // The process is gone; the transfer will fail and say so.
    }
  }, 25);
  let getStartS: number;
  let up: TransferResult;
  let down: TransferResult;
  try {
    up = await putLarge(path, "rss/stream", settings.rssBytes, block, []);
    getStartS = (performance.now() - t0) / 1000;
    down = await getLarge(path, "rss/stream", settings.rssBytes, []);
  } finally {
    clearInterval(timer);
  }
  const mem = memoryStatus(gw.pid);
  await deleteObject(path, "rss/stream");
  path.client.destroy();
  const end = samples.length > 0 ? samples[samples.length - 1]![0] : 0;
  const maxOf = (from: number, to: number) =>
    samples.filter(([t]) => t >= from && t < to).reduce((a, [, b]) => Math.max(a, b), 0);
  const result: RssResult = {
    jit: {
      calls: jit.calls,
      cold: { p50: jit.cold.p50, cpuMsPerOp: jit.cold.cpuMsPerOp["gateway"] ?? Number.NaN },
      warm: { p50: jit.warm.p50, cpuMsPerOp: jit.warm.cpuMsPerOp["gateway"] ?? Number.NaN },
    },
    firstHalfMax: maxOf(0, end / 2),
    secondHalfMax: maxOf(end / 2, end + 1),
    modules: moduleRss(),
    bytes: settings.rssBytes,
    startRss,
    restRss,
    peakHwm: mem.hwm,
    endRss: mem.rss,
    putMiBps: settings.rssBytes / MiB / (up.ms / 1000),
    getMiBps: settings.rssBytes / MiB / (down.ms / 1000),
    samples,
    getStartS,
  };
  log(
    `RSS streaming ${formatBytes(settings.rssBytes)} up and down: rest ${formatBytes(restRss)}, peak (VmHWM) ${formatBytes(mem.hwm)}`,
  );
  return result;
}

async function profileGateway(
  name: string,
  workload: string,
  startGw: (label: string, options?: { config?: string; cpuProfileDir?: string }) => Promise<GatewayProcess>,
  gatewayPath: (gw: GatewayProcess) => BenchPath,
  tmp: string,
  procs: CpuProcs,
  log: (m: string) => void,
  run: (path: BenchPath, procs: CpuProcs) => Promise<void>,
  warm: (path: BenchPath) => Promise<void>,
): Promise<ProfileResult> {
  const dir = join(tmp, `cpuprofile-${name}`);
  await mkdir(dir, { recursive: true });
  const gw = await startGw(`gateway-profile-${name}`, { cpuProfileDir: dir });
  const path = gatewayPath(gw);
  const gwProcs: CpuProcs = [...procs.filter((p) => p.label !== "gateway"), { label: "gateway", pid: gw.pid }];
  const before = cpuSeconds(gw.pid);
  log(`profiling the gateway (--cpu-prof): ${workload}`);
  // Only the workload counts: start-up (module loading), the JIT warm-up and shutdown are cut
  // out by time.
  await warm(path);
  const fromUs = monotonicUs();
  try {
    await run(path, gwProcs);
  } finally {
    path.client.destroy();
  }
  const window = { fromUs, toUs: monotonicUs() };
  const gatewayCpuS = cpuSeconds(gw.pid) - before;
  const exit = await gw.stop();
  const files = (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile"));
  if (files.length === 0)
    throw new Error(
      `the profiled gateway wrote no .cpuprofile (exit ${exit.code ?? exit.signal}): ${gw.stderr().trim()}`,
    );
  const profile = await readProfile(join(dir, files[0]!));
  const summary = summarizeProfile(profile, 60, window);
  let flameGraph: string | undefined;
  try {
    const file = `gateway-${name}-flame.svg`;
    await writeFile(
      join(PROFILE_DIR, file),
      flameGraphSvg(profile, `s3-router gateway CPU profile — ${workload}`, window),
    );
    flameGraph = `profiles/${file}`;
  } catch {
    flameGraph = undefined;
  }
  return { workload, summary, flameGraph, gatewayCpuS };
}

// ---------------------------------------------------------------------------------------------
// Targets and presentation

const median = (xs: readonly number[] | undefined): number =>
  xs && xs.length > 0
    ? quantile(
        [...xs].sort((a, b) => a - b),
        0.5,
      )
    : Number.NaN;

/**
 * Median over rounds of a ÷ b measured in the same round: a burst of load on the machine that
 * lasts a round slows both sides of that round's ratio, where a ratio of medians would mix rounds.
 */
function roundRatios(r: LargeResult, a: PathName, b: PathName): number[] {
  const xs = r.mibps[a];
  const ys = r.mibps[b];
  return xs && ys ? xs.map((x, i) => x / ys[i]!) : [];
}

const ratioCell = (r: LargeResult, a: PathName, b: PathName): string => {
  const xs = roundRatios(r, a, b);
  if (xs.length === 0) return "—";
  const range = xs.length > 1 ? ` (${formatPercent(Math.min(...xs))}–${formatPercent(Math.max(...xs))})` : "";
  return `${formatPercent(median(xs))}${range}`;
};

function pairedRatio(r: LargeResult, a: PathName, b: PathName): number {
  const xs = r.mibps[a];
  const ys = r.mibps[b];
  if (!xs || !ys) return Number.NaN;
  return median(xs.map((x, i) => x / ys[i]!));
}

function evaluateTargets(
  large: readonly LargeResult[],
  small: readonly SmallResult[],
  rss: RssResult,
  mixed: MixedResult,
  idle: IdleConnectionsResult,
  haveNginx: boolean,
  largeBytes: number,
): TargetCheck[] {
  const size = formatBytes(largeBytes);
  const ratio = (r: LargeResult, of: PathName) => pairedRatio(r, "gateway", of);
  const vsDirect = large.map((r) => ({ op: r.op, v: ratio(r, "direct") }));
  const vsNginx = large.map((r) => ({ op: r.op, v: ratio(r, "nginx") }));
  const cpuVsNginx = large.map((r) => ({
    op: r.op,
    gw: r.cpuPerGiB.gateway?.["gateway"] ?? Number.NaN,
    ng: r.cpuPerGiB.nginx?.["nginx"] ?? Number.NaN,
  }));
  const added = small.map((s) => ({ c: s.concurrency, ms: s.byPath.gateway!.p50 - s.byPath.direct!.p50 }));
  const c1 = added.find((a) => a.c === 1)!;
  const c1Small = small.find((s) => s.concurrency === 1)!;
  const gwCpuSmall = c1Small.byPath.gateway!.cpuMsPerOp["gateway"] ?? Number.NaN;
  const ngCpuSmall = c1Small.byPath.nginx?.cpuMsPerOp["nginx"] ?? Number.NaN;
  const loaded = added.filter((a) => a.c !== 1);
  const mixedRatio = (m: MixedResult[number], of: PathName) => {
    const g = m.byPath.gateway?.roundOpsPerSec ?? [];
    const o = m.byPath[of]?.roundOpsPerSec ?? [];
    return median(g.map((x, i) => x / o[i]!));
  };
  const mixedP99 = (m: MixedResult[number]) => m.byPath.gateway!.p99 - m.byPath.direct!.p99;
  return [
    {
      target: `${size} throughput ≥ ${formatPercent(TARGETS.throughputVsDirect)} of direct`,
      measured: vsDirect.map((x) => `${x.op} ${formatPercent(x.v)}`).join(", "),
      met: vsDirect.every((x) => x.v >= TARGETS.throughputVsDirect),
    },
    {
      target: `${size} throughput ≥ ${formatPercent(TARGETS.throughputVsNginx)} of the nginx floor`,
      measured: haveNginx
        ? vsNginx.map((x) => `${x.op} ${formatPercent(x.v)}`).join(", ")
        : "nginx floor not available",
      met: haveNginx ? vsNginx.every((x) => x.v >= TARGETS.throughputVsNginx) : undefined,
    },
    {
      target: `gateway CPU-seconds per GiB streamed (${size} objects) ≤ ${formatRatio(TARGETS.cpuPerGiBVsNginx)} nginx's`,
      measured: haveNginx
        ? cpuVsNginx
            .map((x) => `${x.op} ${formatRatio(x.gw / x.ng)} (${x.gw.toFixed(2)} vs ${x.ng.toFixed(2)} s/GiB)`)
            .join(", ")
        : "nginx not available",
      met: haveNginx ? cpuVsNginx.every((x) => x.gw / x.ng <= TARGETS.cpuPerGiBVsNginx) : undefined,
    },
    {
      target: `gateway CPU per 1 KiB call ≤ ${formatRatio(TARGETS.cpuPerSmallVsNginx)} nginx's (concurrency 1)`,
      measured: haveNginx
        ? `${formatRatio(gwCpuSmall / ngCpuSmall)} (${formatMs(gwCpuSmall)} vs ${formatMs(ngCpuSmall)})`
        : `${formatMs(gwCpuSmall)}; nginx not available`,
      met: haveNginx ? gwCpuSmall / ngCpuSmall <= TARGETS.cpuPerSmallVsNginx : undefined,
    },
    {
      target: `added p50 latency for 1 KiB calls ≤ +${TARGETS.addedP50Ms} ms (concurrency 1)`,
      measured: `${signedMs(c1.ms)} (gateway ${formatMs(small[0]!.byPath.gateway!.p50)} vs direct ${formatMs(small[0]!.byPath.direct!.p50)})`,
      met: c1.ms <= TARGETS.addedP50Ms,
    },
    {
      target: `concurrent clients, 4 KiB mixed GET/PUT: ops/s ≥ ${formatPercent(TARGETS.mixedOpsVsDirect)} of direct`,
      measured: mixed
        .map(
          (m) =>
            `${m.clients} clients ${formatPercent(mixedRatio(m, "direct"))}${haveNginx ? ` (vs nginx ${formatPercent(mixedRatio(m, "nginx"))})` : ""}`,
        )
        .join(", "),
      met: mixed.every((m) => mixedRatio(m, "direct") >= TARGETS.mixedOpsVsDirect),
    },
    {
      target: `concurrent clients, 4 KiB mixed GET/PUT: added p99 ≤ +${TARGETS.mixedAddedP99Ms} ms`,
      measured: mixed
        .map(
          (m) =>
            `${m.clients} clients ${signedMs(mixedP99(m))} (${formatMs(m.byPath.gateway!.p99)} vs ${formatMs(m.byPath.direct!.p99)})`,
        )
        .join(", "),
      met: mixed.every((m) => mixedP99(m) <= TARGETS.mixedAddedP99Ms),
    },
    {
      target: `gateway RSS at rest ≤ ${formatBytes(TARGETS.restRssBytes)}`,
      measured: `${formatBytes(rss.restRss)} after warm-up (${formatBytes(rss.startRss)} just started)`,
      met: rss.restRss <= TARGETS.restRssBytes,
    },
    {
      target: `gateway peak RSS while streaming ${formatBytes(rss.bytes)} ≤ ${formatBytes(TARGETS.peakRssBytes)}`,
      measured: `${formatBytes(rss.peakHwm)} VmHWM`,
      met: rss.peakHwm <= TARGETS.peakRssBytes,
    },
    {
      target: `gateway RSS with ${idle.connections} idle keep-alive clients ≤ ${formatBytes(TARGETS.idleRssBytes)}`,
      measured: `${formatBytes(idle.idleRss)} (${formatBytes(idle.beforeRss)} before they connected; ${formatBytes(idle.perConnection)} per connection)`,
      met: idle.idleRss <= TARGETS.idleRssBytes,
    },
    {
      target: "added p50 latency for 1 KiB calls under load (no target; reported)",
      measured: loaded.map((a) => `c${a.c}: ${signedMs(a.ms)}`).join(", "),
      met: undefined,
    },
  ];
}

const signedMs = (ms: number): string => (ms >= 0 ? "+" : "−") + formatMs(Math.abs(ms));
const mibps = (v: number) => (Number.isFinite(v) ? `${formatNumber(v)} MiB/s` : "—");

interface OutcomeInput {
  readonly settings: Settings;
  readonly backend: Backend;
  readonly nginx: NginxProxy | undefined;
  readonly nginxUnavailable: string | undefined;
  readonly build: string;
  readonly large: readonly LargeResult[];
  readonly small: readonly SmallResult[];
  readonly mixed: MixedResult;
  readonly idle: IdleConnectionsResult;
  readonly churn: ChurnResult;
  readonly rss: RssResult;
  readonly logging: LoggingResult;
  readonly profiles: readonly ProfileResult[];
  readonly targets: readonly TargetCheck[];
  readonly startRss: number;
  readonly mainHwm: number;
}

function outcome(o: OutcomeInput): SectionOutcome {
  const { settings, large, small, rss, logging, profiles } = o;
  const pathNames: PathName[] = o.nginx ? ["direct", "nginx", "gateway"] : ["direct", "gateway"];
  const label: Record<PathName, string> = { direct: "direct", nginx: "nginx", gateway: "gateway" };

  const largeTable: ResultTable = {
    title: `Large objects, ${formatBytes(settings.largeBytes)} per transfer (MiB/s, median of ${settings.largeRounds} interleaved rounds; ratios: median of the per-round ratios, with their range)`,
    columns: [
      { header: "operation", align: "left" },
      ...pathNames.map((p) => ({ header: label[p] })),
      { header: "gateway ÷ direct" },
      ...(o.nginx ? [{ header: "gateway ÷ nginx" }, { header: "nginx ÷ direct" }] : []),
    ],
    rows: large.map((r) => [
      r.op === "PUT" ? "PUT (stream body)" : "GET (whole body)",
      ...pathNames.map((p) => mibps(median(r.mibps[p]))),
      ratioCell(r, "gateway", "direct"),
      ...(o.nginx ? [ratioCell(r, "gateway", "nginx"), ratioCell(r, "nginx", "direct")] : []),
    ]),
  };

  const cpuLabels = ["client", ...(o.nginx ? ["nginx"] : []), "gateway", ...o.backend.procs.map((p) => p.label)];
  const cpuTable: ResultTable = {
    title:
      "CPU seconds per GiB moved, by process (mean over rounds; the client is the benchmark's SDK; kernel share = system time ÷ all the proxy's CPU time)",
    columns: [
      { header: "path / operation", align: "left" },
      ...cpuLabels.map((l) => ({ header: l })),
      { header: "all" },
      { header: "wall s / GiB" },
      { header: "proxy: kernel share" },
    ],
    rows: large.flatMap((r) =>
      pathNames.map((p) => {
        const cpu = r.cpuPerGiB[p] ?? {};
        const own = (l: string) => (l === "nginx" || l === "gateway" ? p === l : true);
        const cells = cpuLabels.map((l) => (own(l) && cpu[l] !== undefined ? cpu[l].toFixed(2) : "—"));
        const all = cpuLabels.reduce((a, l) => a + (own(l) ? (cpu[l] ?? 0) : 0), 0);
        const kernel = p === "direct" ? "" : formatPercent((cpu[`${p}:sys`] ?? Number.NaN) / (cpu[p] ?? Number.NaN));
        return [`${label[p]} ${r.op}`, ...cells, all.toFixed(2), (1024 / median(r.mibps[p])).toFixed(2), kernel];
      }),
    ),
  };

  const smallTable: ResultTable = {
    title: `Small objects: 1 KiB PUT, GET, HEAD in turn per worker (${settings.smallRounds} interleaved rounds; calls per path: ${CONCURRENCIES.map((c) => `${settings.smallOps[c]} at ${c}`).join(", ")})`,
    columns: [
      { header: "concurrency" },
      { header: "path", align: "left" },
      { header: "calls/s" },
      { header: "p50" },
      { header: "p99" },
      { header: "added p50" },
      { header: "added p99" },
      { header: "proxy CPU / call" },
      { header: "client CPU / call" },
    ],
    rows: small.flatMap((s) =>
      pathNames.map((p) => {
        const r = s.byPath[p]!;
        const d = s.byPath.direct!;
        const proxyCpu = p === "direct" ? undefined : r.cpuMsPerOp[p];
        return [
          String(s.concurrency),
          label[p],
          formatNumber(r.opsPerSec),
          formatMs(r.p50),
          formatMs(r.p99),
          p === "direct" ? "" : signedMs(r.p50 - d.p50),
          p === "direct" ? "" : signedMs(r.p99 - d.p99),
          proxyCpu !== undefined ? formatMs(proxyCpu) : "—",
          formatMs(r.cpuMsPerOp["client"] ?? Number.NaN),
        ];
      }),
    ),
  };

  const c1 = small.find((s) => s.concurrency === 1)!;
  const perOpTable: ResultTable = {
    title: "Small objects at concurrency 1, by operation (p50; added = gateway − direct)",
    columns: [
      { header: "operation", align: "left" },
      ...pathNames.map((p) => ({ header: `${label[p]} p50` })),
      { header: "gateway added p50" },
      ...(o.nginx ? [{ header: "nginx added p50" }] : []),
      { header: "gateway p99" },
      { header: "direct p99" },
    ],
    rows: SMALL_OPS.map((op) => [
      op === "GET" ? "GET (1 KiB body)" : op === "PUT" ? "PUT (1 KiB)" : op,
      ...pathNames.map((p) => formatMs(c1.byPath[p]!.byOp[op].p50)),
      signedMs(c1.byPath.gateway!.byOp[op].p50 - c1.byPath.direct!.byOp[op].p50),
      ...(o.nginx ? [signedMs(c1.byPath.nginx!.byOp[op].p50 - c1.byPath.direct!.byOp[op].p50)] : []),
      formatMs(c1.byPath.gateway!.byOp[op].p99),
      formatMs(c1.byPath.direct!.byOp[op].p99),
    ]),
  };

  const rssTable: ResultTable = {
    title: `Gateway memory (its own process; /proc/<pid>/status), streaming ${formatBytes(rss.bytes)} up then down`,
    columns: [{ header: "moment", align: "left" }, { header: "RSS" }],
    rows: [
      ...(rss.modules
        ? [
            ["a bare node process, for scale (VmRSS)", formatBytes(rss.modules.bareNode)],
            ["node that has only imported dist/gateway/index.js (VmRSS)", formatBytes(rss.modules.gatewayModules)],
          ]
        : []),
      ["gateway just started (VmRSS)", formatBytes(rss.startRss)],
      ["at rest after warm-up, before streaming (VmRSS)", formatBytes(rss.restRss)],
      [`peak while streaming ${formatBytes(rss.bytes)} up and down (VmHWM)`, formatBytes(rss.peakHwm)],
      [
        "highest RSS sampled in the first / second half of the streaming",
        `${formatBytes(rss.firstHalfMax)} / ${formatBytes(rss.secondHalfMax)}`,
      ],
      ["after streaming (VmRSS)", formatBytes(rss.endRss)],
      [`throughput of that stream: PUT / GET`, `${mibps(rss.putMiBps)} / ${mibps(rss.getMiBps)}`],
      [
        "peak of the gateway that ran the throughput, small-object and concurrent-clients runs (VmHWM)",
        formatBytes(o.mainHwm),
      ],
      [
        `another fresh gateway, warmed with small calls, before ${o.idle.connections} clients connect (VmRSS)`,
        formatBytes(o.idle.beforeRss),
      ],
      [
        `… with ${o.idle.connections} idle keep-alive clients connected (VmRSS)`,
        `${formatBytes(o.idle.idleRss)} (${formatBytes(o.idle.perConnection)} per connection)`,
      ],
      ["… after they disconnected (VmRSS)", formatBytes(o.idle.afterRss)],
    ],
  };

  const mixedTable: ResultTable = {
    title: `Concurrent clients: ${FLEETS.join(" and ")} SDK clients at once, each on its own keep-alive connection, alternating 4 KiB PUT and GET of its own keys; through the gateway as ${FLEET_USERS.length} users, which it caps at 64 requests in progress each (${settings.mixedRounds} interleaved rounds of ${FLEETS.map((f) => `${settings.mixedOpsPerClient[f]} calls per client at ${f}`).join(", ")}; ratios: median of per-round ratios)`,
    columns: [
      { header: "clients" },
      { header: "path", align: "left" },
      { header: "ops/s" },
      { header: "÷ direct" },
      ...(o.nginx ? [{ header: "÷ nginx" }] : []),
      { header: "p50" },
      { header: "p99" },
      { header: "added p99" },
      { header: "proxy CPU / call" },
      { header: "client CPU / call" },
      { header: "failed calls" },
    ],
    rows: o.mixed.flatMap((m) =>
      pathNames.map((p) => {
        const r = m.byPath[p]!;
        const per = (of: PathName) => {
          const xs = m.byPath[of]?.roundOpsPerSec ?? [];
          return p === of ? "" : formatPercent(median(r.roundOpsPerSec.map((x, i) => x / xs[i]!)));
        };
        return [
          String(m.clients),
          label[p],
          formatNumber(r.opsPerSec),
          per("direct"),
          ...(o.nginx ? [p === "direct" ? "" : per("nginx")] : []),
          formatMs(r.p50),
          formatMs(r.p99),
          p === "direct" ? "" : signedMs(r.p99 - m.byPath.direct!.p99),
          p === "direct" ? "—" : formatMs(r.cpuMsPerOp[p] ?? Number.NaN),
          formatMs(r.cpuMsPerOp["client"] ?? Number.NaN),
          r.errors === 0 ? "0" : `${r.errors} (${r.firstError ?? ""})`,
        ];
      }),
    ),
  };

  const loggingTable: ResultTable = {
    title: `Logging cost: gateway.logLevel "warn" vs "info" (one JSON line per request), concurrency ${logging.concurrency}, ${settings.loggingOps} calls each`,
    columns: [
      { header: "logLevel", align: "left" },
      { header: "calls/s" },
      { header: "p50" },
      { header: "p99" },
      { header: "gateway CPU / call" },
    ],
    rows: [
      [
        "warn",
        formatNumber(logging.warn.opsPerSec),
        formatMs(logging.warn.p50),
        formatMs(logging.warn.p99),
        formatMs(logging.warn.gatewayCpuMsPerOp),
      ],
      [
        "info",
        formatNumber(logging.info.opsPerSec),
        formatMs(logging.info.p50),
        formatMs(logging.info.p99),
        formatMs(logging.info.gatewayCpuMsPerOp),
      ],
    ],
  };

  const profileTables: ResultTable[] = profiles.flatMap((p) => [
    {
      title: `Gateway CPU profile, ${p.workload}: top self time by function (main thread; ${formatMs(p.summary.busyMs)} busy in ${formatMs(p.summary.wallMs)} of workload; the process used ${p.gatewayCpuS.toFixed(2)} CPU s in all threads)`,
      columns: [
        { header: "function (file:line)", align: "left" },
        { header: "area", align: "left" },
        { header: "self" },
        { header: "share of busy" },
      ],
      rows: p.summary.top.slice(0, 15).map((f) => [f.frame, f.group, formatMs(f.selfMs), formatPercent(f.share)]),
    },
    {
      title: `Gateway CPU profile, ${p.workload}: self time by area`,
      columns: [{ header: "area", align: "left" }, { header: "self" }, { header: "share of busy" }],
      rows: p.summary.groups.slice(0, 12).map((g) => [g.group, formatMs(g.selfMs), formatPercent(g.share)]),
    },
    {
      title: `Gateway CPU profile, ${p.workload}: s3-router's own functions by inclusive time (with everything they call)`,
      columns: [
        { header: "function (file:line)", align: "left" },
        { header: "inclusive" },
        { header: "share of busy" },
      ],
      rows: p.summary.ownInclusive.slice(0, 10).map((f) => [f.frame, formatMs(f.selfMs), formatPercent(f.share)]),
    },
  ]);

  const churnTable: ResultTable = {
    title: `New TCP connections per call (${CHURN_CALLS} sequential calls each, after one to open the connections; client hop: connections the client's agent created; proxy → RGW: connect() calls of the proxy process, counted with strace; 0 = kept alive, 1 = a new connection for every call)`,
    columns: [
      { header: "operation", align: "left" },
      ...pathNames.flatMap((p) =>
        p === "direct"
          ? [{ header: "direct: client → RGW" }]
          : [{ header: `${label[p]}: client → ${label[p]}` }, { header: `${label[p]} → RGW` }],
      ),
    ],
    rows: SMALL_OPS.map((op) => [
      op,
      ...pathNames.flatMap((p) => {
        const c = o.churn[p]?.[op];
        const f = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "—" : formatNumber(v));
        return p === "direct" ? [f(c?.clientHop)] : [f(c?.clientHop), f(c?.backendHop)];
      }),
    ]),
  };

  const charts: ChartSpec[] = [
    {
      kind: "bar",
      file: "gateway-throughput.svg",
      title: `Large-object throughput, ${formatBytes(settings.largeBytes)} (median MiB/s)`,
      yLabel: "MiB/s",
      categories: large.map((r) => r.op),
      series: pathNames.map((p) => ({ name: label[p], values: large.map((r) => median(r.mibps[p])) })),
    },
    {
      kind: "line",
      file: "gateway-latency.svg",
      title: "Small-object latency vs concurrency (1 KiB PUT/GET/HEAD)",
      xLabel: "concurrent requests",
      yLabel: "ms per call",
      xScale: "log",
      yScale: "log",
      series: pathNames.flatMap((p) => [
        { name: `${label[p]} p50`, points: small.map((s) => [s.concurrency, s.byPath[p]!.p50] as const) },
        { name: `${label[p]} p99`, points: small.map((s) => [s.concurrency, s.byPath[p]!.p99] as const), dashed: true },
      ]),
    },
    {
      kind: "line",
      file: "gateway-ops.svg",
      title: "Small-object calls per second vs concurrency",
      xLabel: "concurrent requests",
      yLabel: "calls per second",
      xScale: "log",
      yScale: "linear",
      series: pathNames.map((p) => ({
        name: label[p],
        points: small.map((s) => [s.concurrency, s.byPath[p]!.opsPerSec] as const),
      })),
    },
    {
      kind: "line",
      file: "gateway-rss.svg",
      title: `Gateway RSS while streaming ${formatBytes(rss.bytes)} up, then down`,
      xLabel: "seconds since the PUT started",
      yLabel: "RSS (MiB)",
      xScale: "linear",
      yScale: "linear",
      series: [{ name: "VmRSS", points: thin(rss.samples, 150).map(([t, b]) => [t, b / MiB] as const) }],
      guides: [
        { y: TARGETS.peakRssBytes / MiB, label: `target ${formatBytes(TARGETS.peakRssBytes)}` },
        { y: rss.peakHwm / MiB, label: `peak ${formatBytes(rss.peakHwm)}` },
      ],
    },
  ];

  const notes: string[] = [];
  if (o.backend.fallback) notes.push(`**Fallback:** ${o.backend.fallback}.`);
  if (o.nginxUnavailable) notes.push(`**nginx floor not available:** ${o.nginxUnavailable}.`);
  const spread = large.flatMap((r) => roundRatios(r, "gateway", "direct"));
  if (spread.length > 1) {
    notes.push(
      `**Noise.** Client, proxies and RGW share ${availableCores()} cores, and other work on the machine comes and goes: the gateway ÷ direct throughput of single rounds ranged from ${formatPercent(Math.min(...spread))} to ${formatPercent(Math.max(...spread))} in this run, wider than the margins the targets draw. ` +
        "The medians of per-round ratios are the best single figures, but a target met or missed by a few points here is not a verdict. CPU time per GiB and per call (read from /proc) does not count time spent waiting for a core, so the following notes lean on it; it varies too on a busy machine (between runs on this machine the gateway's CPU per GiB has varied by up to 3×, nginx's by about 1.5×), but in every run the gateway spent more per GiB than nginx, nearly all of the excess in user space.",
    );
  }
  notes.push(...boundNotes(o));
  if (o.nginx) {
    notes.push(
      `nginx ${o.nginx.version}${o.nginx.installed ? ` (${o.nginx.installed})` : ""} runs in the foreground with its own configuration in a temporary directory: one worker process (like the gateway, one event loop; the machine's ${availableCores()} cores are shared with the client and RGW, so more workers would compete for them rather than add capacity), ` +
        "`proxy_pass` to RGW over an upstream with `keepalive 256` and `proxy_http_version 1.1`, `proxy_request_buffering off`, `proxy_buffering off`, `client_max_body_size 0`, `access_log off`, and `proxy_set_header Host $http_host`: " +
        "clients going through nginx sign for RGW's credentials with nginx's address as the host, and nginx passes that Host through unchanged so RGW's signature check sees what was signed. No re-signing, no authentication, no routing: the least a proxy can do.",
    );
  }
  notes.push(
    `The gateway runs from the built code (\`node dist/cli/bin.js serve --config … --listen 127.0.0.1:PORT\`) in its own process with gateway.logLevel "warn" and AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true; ${o.build}. ` +
      `Its configuration maps the logical bucket "${LOGICAL_BUCKET}" onto the physical bucket under "${GATEWAY_PREFIX}", among ${FILLER_PROFILES} generated filler profiles, and has one user; the client signs for that user and the gateway verifies the signature, routes, re-signs for RGW and streams.`,
    'All three paths use the AWS SDK v3 from the benchmark process with the same settings: path-style, `requestChecksumCalculation`/`responseChecksumValidation` "WHEN_REQUIRED" (Ceph 16 rejects the SDK\'s default trailing checksums; the same setting on every path keeps the comparison fair), one keep-alive `http.Agent` per client with room for 256 sockets, one attempt. ' +
      "PUT bodies of large objects are streams (one random MiB repeated) with ContentLength, so the SDK sends them as UNSIGNED-PAYLOAD; 1 KiB PUT bodies are buffers, signed with their SHA-256, which the gateway verifies as the body passes.",
    `Large objects: one unmeasured ${formatBytes(Math.min(settings.largeBytes, 32 * MiB))} PUT+GET per path first, then ${settings.largeRounds} rounds in which every path (rotating which goes first) PUTs, GETs and deletes its own object. Small objects: first ${settings.warmupCalls} calls at concurrency 16 and 60 at concurrency 1 on every path (every gateway process measured in this section gets the same warm-up), then per concurrency 6 calls per worker, then ${settings.smallRounds} rounds rotating the paths; p50/p99 are over every call of the mix. ` +
      `Warm-up matters: a fresh gateway's first ${rss.jit.calls} calls at concurrency 1 cost ${formatMs(rss.jit.cold.cpuMsPerOp)} of its CPU each (p50 ${formatMs(rss.jit.cold.p50)}), the same calls after the warm-up ${formatMs(rss.jit.warm.cpuMsPerOp)} (p50 ${formatMs(rss.jit.warm.p50)}), until V8 has compiled its request path.`,
    `Logging: with logLevel "info" the gateway writes one JSON line per request (${formatBytes(logging.logBytesPerRequest)} each here, to a file): ` +
      `the gateway's CPU per call goes from ${formatMs(logging.warn.gatewayCpuMsPerOp)} to ${formatMs(logging.info.gatewayCpuMsPerOp)} (${signedMs(logging.info.gatewayCpuMsPerOp - logging.warn.gatewayCpuMsPerOp)}, ${formatPercent(logging.info.gatewayCpuMsPerOp / logging.warn.gatewayCpuMsPerOp - 1)} more) — the robust figure on a shared machine; ` +
      `calls/s ${formatNumber(logging.info.opsPerSec)} vs ${formatNumber(logging.warn.opsPerSec)} and p50 ${signedMs(logging.info.p50 - logging.warn.p50)} at concurrency ${logging.concurrency} (4 alternating rounds), which other load on the machine can blur. ` +
      "pino writes through SonicBoom on fd 1, asynchronously; the cost is building and serialising the record on the event loop plus the writes.",
  );
  for (const p of profiles) {
    if (p.flameGraph)
      notes.push(
        `Flame graph of the gateway during ${p.workload}: [${p.flameGraph}](${p.flameGraph}) (node --cpu-prof on the gateway process; the .cpuprofile itself stays in the run's temporary directory).`,
      );
  }

  const data = {
    backend: { kind: o.backend.kind, description: o.backend.description, fallback: o.backend.fallback ?? null },
    nginx: o.nginx
      ? { version: o.nginx.version, installed: o.nginx.installed ?? null }
      : { unavailable: o.nginxUnavailable },
    build: o.build,
    settings,
    large,
    small,
    mixed: o.mixed,
    idleConnections: o.idle,
    targetsSet: TARGETS,
    rss: { ...rss, samples: thin(rss.samples, 200) },
    gatewayStartRss: o.startRss,
    mainGatewayHwm: o.mainHwm,
    logging,
    connectionsPerCall: o.churn,
    profiles: profiles.map((p) => ({
      workload: p.workload,
      gatewayCpuS: p.gatewayCpuS,
      flameGraph: p.flameGraph ?? null,
      summary: p.summary,
    })),
  };

  return {
    method:
      `The same AWS SDK v3 calls go from the benchmark process to ${o.backend.description} three ways in the same run, interleaved: straight to RGW, through ${o.nginx ? "nginx as a plain streaming reverse proxy (the floor any proxy can reach)" : "(nginx not available)"}, and through the s3-router gateway running from dist/ in its own process. ` +
      `Large objects (${formatBytes(settings.largeBytes)}) are PUT from a generated stream and read back whole; 1 KiB objects are PUT, read and HEADed by 1, 16 and 64 concurrent workers; a fresh gateway streams ${formatBytes(settings.rssBytes)} up and down while its RSS is read from /proc. ` +
      "CPU time of every process (client, proxy, radosgw, ceph-osd) is read from /proc around each measurement, to show what bounds each path. Where a target is missed, the gateway is run again under node --cpu-prof and the profile summarised.",
    targets: o.targets,
    tables: [
      largeTable,
      cpuTable,
      smallTable,
      perOpTable,
      mixedTable,
      churnTable,
      rssTable,
      loggingTable,
      ...profileTables,
    ],
    charts,
    notes,
    data,
  };
}

/** What bounds each missed target, from the measurements themselves. */
function boundNotes(o: OutcomeInput): string[] {
  const notes: string[] = [];
  const cores = availableCores();
  const [put, get] = [o.large.find((r) => r.op === "PUT")!, o.large.find((r) => r.op === "GET")!];
  const own = (k: string, p: PathName) =>
    !k.includes(":") && (k === "client" || k === p || !["nginx", "gateway"].includes(k));
  const total = (r: LargeResult, p: PathName) =>
    Object.entries(r.cpuPerGiB[p] ?? {}).reduce((a, [k, v]) => a + (own(k, p) ? v : 0), 0);
  const coresBusy = (r: LargeResult, p: PathName) => (total(r, p) * median(r.mibps[p])) / 1024;
  const proxyCpu = (r: LargeResult, p: PathName) => r.cpuPerGiB[p]?.[p] ?? Number.NaN;
  const kernelShare = (r: LargeResult, p: PathName) => (r.cpuPerGiB[p]?.[`${p}:sys`] ?? Number.NaN) / proxyCpu(r, p);
  const kernelS = (r: LargeResult, p: PathName) => r.cpuPerGiB[p]?.[`${p}:sys`] ?? Number.NaN;
  const userS = (r: LargeResult, p: PathName) => proxyCpu(r, p) - kernelS(r, p);
  const largeProfile = o.profiles.find((p) => p.workload.startsWith("PUT then GET"));
  const share = (s: ProfileSummary | undefined, pred: (group: string, frame: string) => boolean) =>
    s ? s.top.filter((f) => pred(f.group, f.frame)).reduce((a, f) => a + f.share, 0) : Number.NaN;
  const groupShare = (s: ProfileSummary | undefined, pred: (group: string) => boolean) =>
    s ? s.groups.filter((g) => pred(g.group)).reduce((a, g) => a + g.share, 0) : Number.NaN;

  notes.push(
    `**What bounds large-object throughput here: CPU.** The machine has ${cores} cores for the client, the proxy and RGW together; ` +
      `the processes together kept ${coresBusy(put, "direct").toFixed(1)} (PUT) and ${coresBusy(get, "direct").toFixed(1)} (GET) cores busy going direct` +
      (o.nginx ? `, ${coresBusy(put, "nginx").toFixed(1)} / ${coresBusy(get, "nginx").toFixed(1)} through nginx` : "") +
      ` and ${coresBusy(put, "gateway").toFixed(1)} / ${coresBusy(get, "gateway").toFixed(1)} through the gateway (CPU s per GiB × GiB/s, from the table above), so whatever CPU a proxy spends per GiB is taken from RGW and the client. ` +
      `The gateway spends ${proxyCpu(put, "gateway").toFixed(2)} CPU s per GiB on PUT and ${proxyCpu(get, "gateway").toFixed(2)} on GET (${formatPercent(kernelShare(put, "gateway"))} / ${formatPercent(kernelShare(get, "gateway"))} of it in the kernel${o.nginx ? `; nginx ${formatPercent(kernelShare(put, "nginx"))} / ${formatPercent(kernelShare(get, "nginx"))}` : ""})` +
      (o.nginx
        ? `, ${formatRatio(proxyCpu(put, "gateway") / proxyCpu(put, "nginx"))} and ${formatRatio(proxyCpu(get, "gateway") / proxyCpu(get, "nginx"))} what nginx spends (${proxyCpu(put, "nginx").toFixed(2)} / ${proxyCpu(get, "nginx").toFixed(2)}). ` +
          `Kernel time: ${kernelS(put, "gateway").toFixed(2)} / ${kernelS(get, "gateway").toFixed(2)} s per GiB for the gateway, ${kernelS(put, "nginx").toFixed(2)} / ${kernelS(get, "nginx").toFixed(2)} for nginx; ` +
          `user time: ${userS(put, "gateway").toFixed(2)} / ${userS(get, "gateway").toFixed(2)} against nginx's ${userS(put, "nginx").toFixed(2)} / ${userS(get, "nginx").toFixed(2)}` +
          (userS(put, "gateway") + userS(get, "gateway") - userS(put, "nginx") - userS(get, "nginx") >
          kernelS(put, "gateway") + kernelS(get, "gateway") - kernelS(put, "nginx") - kernelS(get, "nginx")
            ? " — most of the difference is user space: JavaScript streams, undici's parser and V8's garbage collector"
            : "")
        : "") +
      "." +
      (largeProfile
        ? ` Its profile (main thread) is mostly Node's own I/O, not s3-router code: socket writes (writeBuffer/writev, which on loopback include the kernel's delivery to the receiver) ${formatPercent(share(largeProfile.summary, (_g, f) => /^(writeBuffer|writev|writeLatin1String)\b/.test(f)))}, ` +
          `garbage collection ${formatPercent(groupShare(largeProfile.summary, (g) => g === "V8: garbage collector"))} (one new 64 KiB Buffer per socket read, freed only when V8 collects on external-memory pressure), ` +
          `unattributed native time (reads, libuv) ${formatPercent(groupShare(largeProfile.summary, (g) => g.startsWith("V8/native")))}, Node streams ${formatPercent(groupShare(largeProfile.summary, (g) => g === "node: streams"))}, undici ${formatPercent(groupShare(largeProfile.summary, (g) => g === "undici"))}, s3-router's own code ${formatPercent(groupShare(largeProfile.summary, (g) => g.startsWith("s3-router")))}.`
        : ""),
  );

  const c1 = o.small.find((s) => s.concurrency === 1)!;
  const c64 = o.small.find((s) => s.concurrency === 64)!;
  const gwC1 = c1.byPath.gateway!;
  const gwC64 = c64.byPath.gateway!;
  const smallProfile = o.profiles.find((p) => !p.workload.startsWith("PUT then GET"));
  const handler = smallProfile?.summary.ownInclusive.find((f) => f.frame.startsWith("handleS3Request"));
  const cpuC1 = gwC1.cpuMsPerOp["gateway"] ?? Number.NaN;
  const addedC1 = gwC1.p50 - c1.byPath.direct!.p50;
  notes.push(
    `**What bounds small-object latency: the gateway's CPU per request.** At concurrency 1 the (warm) gateway used ${formatMs(cpuC1)} of CPU per call` +
      (o.nginx ? ` (nginx: ${formatMs(c1.byPath.nginx!.cpuMsPerOp["nginx"] ?? Number.NaN)})` : "") +
      `, against an added p50 of ${signedMs(addedC1)}` +
      (addedC1 <= cpuC1
        ? ": the added latency is the gateway computing, not waiting; not all of its CPU is even on the request's path, since metrics, the log check, socket clean-up and GC run after the response is sent"
        : ": beyond the gateway's own CPU, the rest of the added latency is the extra hop (two more loopback sockets, two more wake-ups)") +
      `. For comparison, the SDK client used ${formatMs(c1.byPath.direct!.cpuMsPerOp["client"] ?? Number.NaN)} per call on the direct path. ` +
      `At concurrency 64 the gateway used ${formatMs(gwC64.cpuMsPerOp["gateway"] ?? Number.NaN)} per call at ${formatNumber(gwC64.opsPerSec)} calls/s, i.e. ${(((gwC64.cpuMsPerOp["gateway"] ?? 0) * gwC64.opsPerSec) / 1000).toFixed(2)} cores: with the client and RGW on the same ${cores} cores, requests queue for CPU, which is the added p50 under load.` +
      (smallProfile
        ? ` In its profile s3-router's own request handling (handleS3Request and what it calls: authentication, routing, re-signing, undici's request set-up) is ${formatPercent(handler?.share ?? Number.NaN)} of the busy time; the rest is Node's HTTP server and undici's HTTP client (parsing, socket writes — writeLatin1String/writev are the header and body writes, ${formatPercent(share(smallProfile.summary, (_g, f) => /^(writeLatin1String|writev|writeBuffer|writeUtf8String)\b/.test(f)))}), timers, promises and GC.`
        : ""),
  );
  const rss = o.rss;
  notes.push(
    `**What bounds the gateway's RSS.** ${rss.modules ? `A bare node process holds ${formatBytes(rss.modules.bareNode)}; importing the gateway's modules (the AWS SDK, undici, zod, pino, prom-client, yaml and s3-router) takes it to ${formatBytes(rss.modules.gatewayModules)}. ` : ""}` +
      `The gateway holds ${formatBytes(rss.startRss)} once listening and ${formatBytes(rss.restRss)} after a warm-up (JIT code, grown heap, pooled connections). ` +
      `Streaming adds ${formatBytes(rss.peakHwm - rss.restRss)} on top, and that does not grow with the size: the highest RSS in the second half of the ${formatBytes(rss.bytes)} stream (${formatBytes(rss.secondHalfMax)}) is no higher than in the first (${formatBytes(rss.firstHalfMax)}), so backpressure holds and nothing accumulates. ` +
      "The extra is the saw-tooth in the chart: every socket read allocates a new Buffer (up to 64 KiB) outside the V8 heap, and V8 only collects the dead ones once external allocations have grown by its soft limit (`kExternalAllocationSoftLimit`, 64 MiB in v8-internal.h), so up to that much garbage is resident at the peak of each tooth. " +
      `With the rest at ${formatBytes(rss.restRss)}, the target of ${formatBytes(TARGETS.peakRssBytes)} leaves ${formatBytes(TARGETS.peakRssBytes - rss.restRss)} for it: meeting it takes a smaller resting gateway or fewer, reused read buffers (which Node's HTTP stack does not offer). The largest single item of the resting size is the AWS SDK client (about 20 MiB of RSS imported into a bare node); the proxy path itself only needs each backend's endpoint, region and credentials, so loading the SDK lazily — for spanning operations and the default credential chain — would be the way to a smaller gateway.`,
  );
  const gwChurn = o.churn.gateway;
  const headChurn = gwChurn?.HEAD.backendHop ?? Number.NaN;
  if (gwChurn && headChurn >= 0.5) {
    notes.push(
      `**The gateway opens a new backend connection for every HEAD** (${gwChurn.HEAD.backendHop.toFixed(2)} new connections per HEAD on the gateway → RGW hop; PUT ${gwChurn.PUT.backendHop.toFixed(2)}, GET ${gwChurn.GET.backendHop.toFixed(2)}; see the table for the other hops and paths). ` +
        "undici closes the socket after every HEAD response unless told otherwise (`socket[kReset] = true` for HEAD in lib/dispatcher/client-h1.js, \"to interop with misbehaving servers that may send a body\"), and builds an `InformationalError('reset')` with a stack trace each time; the next request then pays a TCP connect on both sides. " +
        "Passing `reset: false` in the `request()` options in src/gateway/backend-request.ts keeps the connection (RGW, MinIO and S3 send no body on HEAD).",
    );
  }
  notes.push(
    "**Already on the hot path** (issue #12 and before): HEAD keeps its backend connection (`reset: false`); GET bodies are relayed with `pipe()` and one `finished()` callback, not `stream.pipeline` (an AbortController and a DOMException per call); request ids are a process prefix and a counter; the body passes through at most one stream stage, which also counts its bytes (the signed-payload verifier, the aws-chunked decoder, or a counter for unsigned bodies); an `UNSIGNED-PAYLOAD` body is never hashed and a signed one is hashed once, while it streams, and forwarded with the client's own hash, never re-hashed; bodies up to 64 KiB are read and verified whole and sent in one write; backend requests are signed by the gateway's own SigV4 signer (cached signing keys, no copy of the request). " +
      `**What remains, and the next steps:** (1) the per-request AbortController and \`res.on("close")\` closure of request-handler.ts (an abort builds a DOMException with a stack trace: ${formatPercent(share(smallProfile?.summary, (_g, f) => /^(DOMException|createAbortSignal|defaultPrepareStackTrace|AbortController|abortSignal) /.test(f)))} of the small-object profile); ` +
      "(2) the unsigned upload's counting stage could go by handing undici the request itself, once the early-answer path (drainRequest) can detach undici's reader without `unpipe()`; " +
      "(3) the AWS SDK is loaded at start because the gateway's router is an `S3Client`: reading each backend's endpoint, region and credentials from the configuration and loading the SDK only for spanning operations and the default credential chain would take its share off the resting RSS; " +
      "(4) for the bytes themselves Node's HTTP stack sets the floor: one new Buffer per 64 KiB socket read, a JavaScript stream hop per chunk on each side, and garbage collected only on external-memory pressure.",
  );
  return notes;
}

const availableCores = (): number => availableParallelism();

/** At most `n` points, evenly picked, keeping the peak. */
function thin(samples: ReadonlyArray<readonly [number, number]>, n: number): Array<readonly [number, number]> {
  if (samples.length <= n) return [...samples];
  const step = samples.length / n;
  const out: Array<readonly [number, number]> = [];
  for (let i = 0; i < n; i++) out.push(samples[Math.floor(i * step)]!);
  const peak = samples.reduce((a, b) => (b[1] > a[1] ? b : a));
  if (!out.includes(peak)) out.push(peak);
  return out.sort((a, b) => a[0] - b[0]);
}
