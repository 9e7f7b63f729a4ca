/**
 * @module bench/soak/soak — `npm run soak`: N concurrent SDK clients, half through a gateway
 * process (`s3-router serve`) and half through the library router, run a mixed workload on two
 * real Ceph RGWs for a bounded time or request count, optionally with faults injected between the
 * router and the backends. Every acknowledged write must read back byte-identical and every
 * acknowledged delete must be gone: checked as it runs (reads, listings, direct reads of the
 * backends) and for every key at the end. Reports ops/s, errors by class, p50/p99 per operation,
 * and the gateway's RSS/CPU over time, as JSON, SVG charts and a Markdown summary.
 *
 *   npm run soak -- --duration 60 --clients 16            a minute, no faults
 *   npm run soak -- --duration 600 --clients 64 --out docs/soak
 *   npm run soak -- --duration 120 --faults               resets, 503 bursts, refusals, latency
 *
 * Loopback only. Reuses the RGW pair of .tmp/rgw.json when it answers, else starts one (and stops
 * it at the end). Exits 1 when an invariant failed, or, without faults, when any request failed.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createS3Router } from "../../src/index.js";
import type { RouterFileConfig } from "../../src/config/load-config.js";
import { createBuckets, emptyAndDeleteBucket, rgwClient, uniqueBucket } from "../../test/support/backends.js";
import { startFaultProxy, type Fault, type FaultProxy } from "../../test/support/fault-proxy.js";
import { backendConfig, GATEWAY_USER } from "../../test/support/gateway.js";
import { startGatewayProcess } from "../../test/support/gateway-process.js";
import { findRunningRgwPair, startRgwPair, type RgwEndpoint } from "../../test/support/rgw.js";
import { machineInfo } from "../harness/machine-info.js";
import { quantile } from "../harness/stats.js";
import { renderChart, type LineChartSpec } from "../harness/svg-chart.js";
import {
  checkKey,
  errorClass,
  newTally,
  OPERATIONS,
  SoakClient,
  type SoakLayout,
  type SoakTally,
} from "./soak-workload.js";

interface SoakSettings {
  readonly durationS: number;
  readonly clients: number;
  readonly maxRequests: number;
  readonly faults: boolean;
  readonly out: string;
  readonly sampleS: number;
}

function settingsFromArgs(argv: readonly string[]): SoakSettings {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: "string", default: "60" },
      clients: { type: "string", default: "16" },
      requests: { type: "string", default: "0" },
      faults: { type: "boolean", default: false },
      out: { type: "string", default: ".tmp/soak" },
      sample: { type: "string", default: "5" },
    },
  });
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${v}`);
    return n;
  };
  return {
    durationS: num("duration", values.duration, 1),
    clients: Math.round(num("clients", values.clients, 1)),
    maxRequests: num("requests", values.requests, 0) || Number.POSITIVE_INFINITY,
    faults: values.faults,
    out: resolve(values.out),
    sampleS: num("sample", values.sample, 1),
  };
}

/** One resource sample of the gateway process and of this one. */
interface Sample {
  readonly t: number;
  readonly gatewayRssMiB: number;
  readonly gatewayCpuPct: number;
  readonly gatewayFds: number;
  readonly soakRssMiB: number;
  readonly soakCpuPct: number;
  readonly opsPerSec: number;
}

const CLOCK_TICKS = 100;
const MiB = 1024 * 1024;

/** RSS (bytes) and CPU time (s) of a process, from /proc. */
function procUsage(pid: number): { rss: number; cpu: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  return { rss, cpu, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** Faults the `--faults` run cycles through, one at a time, on a random backend. */
const FAULTS: readonly Fault[] = [
  { reset: { direction: "downstream", afterBytes: 20_000, times: 3 } },
  { reset: { direction: "upstream", afterBytes: 30_000, times: 3 } },
  { httpError: { count: 8 } },
  { httpError: { count: 4, status: 500 } },
  { latencyMs: 80 },
  { bytesPerSecond: 2 * MiB },
  { refuse: true },
];

async function main(): Promise<void> {
  const settings = settingsFromArgs(process.argv.slice(2));
  const log = (text: string) => process.stderr.write(`[soak] ${text}\n`);
  const reused = await findRunningRgwPair();
  const pair = reused ?? (await startRgwPair());
  log(`${reused ? "reusing" : "started"} rgwA ${pair.rgwA.endpoint}, rgwB ${pair.rgwB.endpoint}`);
  const a = rgwClient(pair.rgwA);
  const b = rgwClient(pair.rgwB);
  const bucket = uniqueBucket("soak");
  const bBucket = uniqueBucket("soak-b");
  await Promise.all([createBuckets(a, [bucket]), createBuckets(b, [bBucket])]);

  const proxies: FaultProxy[] = settings.faults
    ? await Promise.all([startFaultProxy(pair.rgwA.endpoint), startFaultProxy(pair.rgwB.endpoint)])
    : [];
  const endpointOf = (server: RgwEndpoint, i: number) => proxies[i]?.url ?? server.endpoint;
  const secret = randomBytes(16).toString("hex");
  const profiles = {
    team2: {
      client: "minio",
      source_bucket_pattern: bucket,
      source_key_pattern: "soak/*/team2/*",
      mapped_bucket_name: bBucket,
      mapped_prefix: "data/",
    },
  };
  const config: RouterFileConfig = {
    listingTokenSecret: secret,
    clients: {
      default: { ...backendConfig(pair.rgwA), endpoint: endpointOf(pair.rgwA, 0) },
      minio: { ...backendConfig(pair.rgwB), endpoint: endpointOf(pair.rgwB, 1) },
    },
    profiles,
    gateway: {
      users: [{ accessKeyId: GATEWAY_USER.accessKeyId, secretAccessKey: GATEWAY_USER.secretAccessKey }],
      backendTimeoutMs: 10_000,
      logLevel: "warn",
    },
  };
  const gateway = await startGatewayProcess(config, 120_000);
  const gatewayPid = gateway.child.pid!;
  log(`gateway process ${gatewayPid} on ${gateway.url}`);
  // The library's backends retry as the SDK does by default; the gateway's clients too.
  const router = createS3Router({
    listingTokenSecret: secret,
    clients: {
      default: rgwClient({ ...pair.rgwA, endpoint: endpointOf(pair.rgwA, 0) }),
      minio: rgwClient({ ...pair.rgwB, endpoint: endpointOf(pair.rgwB, 1) }),
    },
    profiles,
  });
  const gatewayClients: S3Client[] = [];
  const layout: SoakLayout = { bucket, bBucket, direct: { a, b } };
  const tally = newTally();
  const clients = Array.from({ length: settings.clients }, (_, i) => {
    const id = `c${String(i).padStart(2, "0")}`;
    if (i % 2 === 1) return new SoakClient(`${id}-lib`, router, layout, tally, 0x5eed + i * 7919);
    const client = new S3Client({
      endpoint: gateway.url,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { ...GATEWAY_USER },
    });
    gatewayClients.push(client);
    return new SoakClient(`${id}-gw`, client, layout, tally, 0x5eed + i * 7919);
  });

  const started = performance.now();
  const deadline = started + settings.durationS * 1000;
  const keepGoing = () => performance.now() < deadline && tally.requests < settings.maxRequests;

  // Resource samples.
  const samples: Sample[] = [];
  let last = { t: started, gw: procUsage(gatewayPid).cpu, self: process.cpuUsage(), requests: 0 };
  const sampler = setInterval(() => {
    const now = performance.now();
    const gw = procUsage(gatewayPid);
    const self = process.cpuUsage();
    const dt = (now - last.t) / 1000;
    samples.push({
      t: Math.round((now - started) / 100) / 10,
      gatewayRssMiB: gw.rss / MiB,
      gatewayCpuPct: ((gw.cpu - last.gw) / dt) * 100,
      gatewayFds: gw.fds,
      soakRssMiB: process.memoryUsage().rss / MiB,
      soakCpuPct: ((self.user - last.self.user + self.system - last.self.system) / 1e6 / dt) * 100,
      opsPerSec: (tally.requests - last.requests) / dt,
    });
    const s = samples.at(-1)!;
    log(
      `t=${s.t}s ops/s=${s.opsPerSec.toFixed(0)} gateway rss=${s.gatewayRssMiB.toFixed(0)} MiB cpu=${s.gatewayCpuPct.toFixed(0)}% fds=${s.gatewayFds} errors=${[...tally.errors.values()].reduce((x, y) => x + y, 0)} violations=${tally.violationCount}`,
    );
    last = { t: now, gw: gw.cpu, self, requests: tally.requests };
  }, settings.sampleS * 1000);

  // Faults, one at a time: 1.5 s on, 1.5 s off.
  let faulting = settings.faults;
  const faultsApplied: string[] = [];
  const faultLoop = (async () => {
    for (let i = 0; faulting; i++) {
      const fault = FAULTS[i % FAULTS.length]!;
      const proxy = proxies[i % proxies.length]!;
      faultsApplied.push(JSON.stringify(fault));
      await proxy.set(fault);
      await new Promise((r) => setTimeout(r, fault.refuse ? 400 : 1500));
      await proxy.clear();
      await new Promise((r) => setTimeout(r, 1500));
    }
  })();

  log(
    `${settings.clients} clients for ${settings.durationS} s${Number.isFinite(settings.maxRequests) ? ` or ${settings.maxRequests} requests` : ""}${settings.faults ? ", with faults" : ""}`,
  );
  await Promise.all(clients.map((c) => c.run(keepGoing)));
  const elapsedS = (performance.now() - started) / 1000;
  clearInterval(sampler);
  faulting = false;
  await faultLoop;

  // The final check: every key of every model, on its backend.
  log("final check of every acknowledged write and delete");
  const final = {
    checked: 0,
    lost: 0,
    resurrected: 0,
    corrupt: 0,
    unknown: 0,
    checkErrors: 0,
    problems: [] as string[],
  };
  const work = clients.flatMap((c) => [...c.model.entries()]);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < work.length) {
        const [key, state] = work[next++]!;
        if (state.kind === "unknown") {
          final.unknown++;
          continue;
        }
        final.checked++;
        try {
          const problem = await checkKey(layout, key, state);
          if (problem === undefined) continue;
          if (problem.includes("lost")) final.lost++;
          else if (problem.includes("still stored")) final.resurrected++;
          else final.corrupt++;
          if (final.problems.length < 100) final.problems.push(problem);
        } catch (error) {
          final.checkErrors++;
          if (final.problems.length < 100) final.problems.push(`${key}: check failed: ${errorClass(error)}`);
        }
      }
    }),
  );

  const report = buildReport(settings, tally, samples, final, elapsedS, faultsApplied.length);
  await mkdir(settings.out, { recursive: true });
  await writeFile(join(settings.out, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
  for (const chart of charts(samples, settings)) await writeFile(join(settings.out, chart.file), renderChart(chart));
  await writeFile(join(settings.out, "README.md"), summaryMarkdown(report));
  log(`wrote ${settings.out}/results.json, README.md and charts`);
  process.stdout.write(summaryMarkdown(report));

  for (const c of gatewayClients) c.destroy();
  router.destroy();
  gateway.child.kill("SIGTERM");
  await gateway.exited;
  await gateway.dispose();
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all([emptyAndDeleteBucket(a, bucket), emptyAndDeleteBucket(b, bBucket)]).catch((e: unknown) =>
    log(`cleanup: ${String(e)}`),
  );
  a.destroy();
  b.destroy();
  if (!reused) await Promise.all([pair.rgwA.stop(), pair.rgwB.stop()]);
  const failed =
    report.invariants.violations > 0 ||
    final.lost + final.resurrected + final.corrupt > 0 ||
    (!settings.faults && report.errors.total > 0);
  process.exitCode = failed ? 1 : 0;
}

type FinalCheck = {
  checked: number;
  lost: number;
  resurrected: number;
  corrupt: number;
  unknown: number;
  checkErrors: number;
  problems: string[];
};

function buildReport(
  settings: SoakSettings,
  tally: SoakTally,
  samples: readonly Sample[],
  final: FinalCheck,
  elapsedS: number,
  faultsApplied: number,
) {
  const perOperation = Object.fromEntries(
    OPERATIONS.map((op) => {
      const sorted = [...(tally.latencies.get(op) ?? [])].sort((x, y) => x - y);
      const failed = [...tally.errors].filter(([k]) => k.startsWith(`${op}:`)).reduce((s, [, n]) => s + n, 0);
      return [
        op,
        {
          ok: tally.ok.get(op) ?? 0,
          failed,
          p50Ms: round(quantile(sorted, 0.5)),
          p99Ms: round(quantile(sorted, 0.99)),
        },
      ];
    }),
  );
  const rss = samples.map((s) => s.gatewayRssMiB);
  const third = Math.max(1, Math.floor(rss.length / 3));
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  return {
    settings: {
      ...settings,
      maxRequests: Number.isFinite(settings.maxRequests) ? settings.maxRequests : null,
      out: undefined,
    },
    machine: machineInfo(),
    elapsedS: round(elapsedS),
    requests: tally.requests,
    opsPerSec: round(tally.requests / elapsedS),
    perOperation,
    errors: {
      total: [...tally.errors.values()].reduce((s, n) => s + n, 0),
      byClass: Object.fromEntries([...tally.errors].sort((x, y) => y[1] - x[1])),
    },
    faultsApplied,
    invariants: { violations: tally.violationCount, examples: tally.violations },
    final,
    gateway: {
      rssMiB: {
        first: round(rss[0] ?? 0),
        last: round(rss.at(-1) ?? 0),
        max: round(Math.max(0, ...rss)),
        firstThirdMean: round(mean(rss.slice(0, third))),
        lastThirdMean: round(mean(rss.slice(-third))),
      },
      cpuPctMean: round(mean(samples.map((s) => s.gatewayCpuPct))),
      fdsMax: Math.max(0, ...samples.map((s) => s.gatewayFds)),
    },
    samples,
  };
}

const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : n);

function charts(samples: readonly Sample[], settings: SoakSettings): LineChartSpec[] {
  const series = (name: string, pick: (s: Sample) => number) => ({
    name,
    points: samples.map((s) => [s.t, pick(s)] as const),
  });
  const title = `${settings.clients} clients, ${settings.durationS} s${settings.faults ? ", faults" : ""}`;
  return [
    {
      kind: "line",
      file: "soak-rss.svg",
      title: `RSS over time (${title})`,
      xLabel: "seconds",
      yLabel: "MiB",
      xScale: "linear",
      yScale: "linear",
      series: [
        series("gateway process", (s) => s.gatewayRssMiB),
        series("soak process (clients + library router)", (s) => s.soakRssMiB),
      ],
    },
    {
      kind: "line",
      file: "soak-cpu.svg",
      title: `CPU over time (${title})`,
      xLabel: "seconds",
      yLabel: "% of one core",
      xScale: "linear",
      yScale: "linear",
      series: [series("gateway process", (s) => s.gatewayCpuPct), series("soak process", (s) => s.soakCpuPct)],
    },
    {
      kind: "line",
      file: "soak-throughput.svg",
      title: `Operations per second (${title})`,
      xLabel: "seconds",
      yLabel: "ops/s",
      xScale: "linear",
      yScale: "linear",
      series: [series("all clients", (s) => s.opsPerSec)],
    },
  ];
}

function summaryMarkdown(report: ReturnType<typeof buildReport>): string {
  const s = report.settings;
  const rows = Object.entries(report.perOperation).map(
    ([op, r]) => `| ${op} | ${r.ok} | ${r.failed} | ${r.p50Ms} | ${r.p99Ms} |`,
  );
  const errors = Object.entries(report.errors.byClass).map(([k, n]) => `| ${k} | ${n} |`);
  return [
    `# Soak run: ${s.clients} clients, ${report.elapsedS} s${s.faults ? ", with faults" : ""}`,
    "",
    `Machine: ${report.machine.cpuModel} ×${report.machine.cores}, Node ${report.machine.node}. Half the clients through a gateway process, half through the library router; two Ceph RGWs on loopback.`,
    "",
    `- requests: ${report.requests} (${report.opsPerSec} ops/s)`,
    `- **lost acknowledged writes: ${report.final.lost}**, acknowledged deletes found stored: ${report.final.resurrected}, stored bytes differing: ${report.final.corrupt} (of ${report.final.checked} keys checked at the end; ${report.final.unknown} keys whose last write or delete failed are not checked)`,
    `- invariant violations while running: ${report.invariants.violations}`,
    `- failed requests: ${report.errors.total}${s.faults ? ` (faults injected: ${report.faultsApplied})` : " (all unexpected: no faults were injected)"}`,
    `- gateway RSS: ${report.gateway.rssMiB.first} MiB at the first sample, ${report.gateway.rssMiB.last} MiB at the last, max ${report.gateway.rssMiB.max} MiB; mean of the first third ${report.gateway.rssMiB.firstThirdMean} MiB, last third ${report.gateway.rssMiB.lastThirdMean} MiB`,
    `- gateway CPU: ${report.gateway.cpuPctMean}% of one core on average; at most ${report.gateway.fdsMax} open file descriptors`,
    "",
    "| operation | ok | failed | p50 ms | p99 ms |",
    "|---|---:|---:|---:|---:|",
    ...rows,
    "",
    ...(errors.length > 0 ? ["| error class | count |", "|---|---:|", ...errors, ""] : []),
    ...(report.invariants.examples.length > 0
      ? ["Violations:", ...report.invariants.examples.map((v) => `- ${v}`), ""]
      : []),
    "![RSS](soak-rss.svg) ![CPU](soak-cpu.svg) ![ops/s](soak-throughput.svg)",
    "",
  ].join("\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
