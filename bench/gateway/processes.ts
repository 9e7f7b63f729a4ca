/**
 * @module bench/gateway/processes — the processes the gateway benchmark measures from outside:
 * the gateway itself, run from the built code (`node dist/cli/bin.js serve`) in a process of its
 * own so that its memory is its own and its CPU is not the client's, plus what /proc tells about
 * any process (peak and current RSS, CPU time) and the build check that comes first.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/**
 * The gateway measured: dist/ of this tree, or another build named by S3R_BENCH_GATEWAY_DIST (a
 * dist/ directory inside this tree, e.g. the previous commit built apart, to compare before and
 * after on the same machine; it is measured as it is, never rebuilt).
 */
const OTHER_DIST = process.env["S3R_BENCH_GATEWAY_DIST"];
export const GATEWAY_BIN = OTHER_DIST ? join(OTHER_DIST, "cli/bin.js") : join(ROOT, "dist/cli/bin.js");

export { freePort } from "../../test/support/ports.js";

// ---------------------------------------------------------------------------------------------
// Build

function newestMtime(dir: string, suffix: string): { mtimeMs: number; file: string } {
  let best = { mtimeMs: 0, file: "" };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = newestMtime(path, suffix);
      if (inner.mtimeMs > best.mtimeMs) best = inner;
    } else if (entry.name.endsWith(suffix)) {
      const m = statSync(path).mtimeMs;
      if (m > best.mtimeMs) best = { mtimeMs: m, file: path };
    }
  }
  return best;
}

/**
 * Runs `npm run build` when dist/cli/bin.js is missing or older than the newest file under src/
 * (tsc rewrites every output file, so bin.js dates the last build). Returns what was done, for
 * the report; throws when a needed build fails and there is no dist to fall back on.
 */
export function ensureBuilt(log: (m: string) => void): string {
  if (OTHER_DIST) return `the build in ${OTHER_DIST} (S3R_BENCH_GATEWAY_DIST), as it was`;
  const src = newestMtime(join(ROOT, "src"), ".ts");
  let built: number | undefined;
  try {
    built = statSync(GATEWAY_BIN).mtimeMs;
  } catch {
    built = undefined;
  }
  if (built !== undefined && built >= src.mtimeMs) return "dist/ was up to date with src/";
  const why =
    built === undefined ? "dist/cli/bin.js is missing" : `${src.file.slice(ROOT.length)} is newer than dist/cli/bin.js`;
  log(`gateway: building (${why})`);
  const t0 = performance.now();
  const result = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-10).join("\n");
    if (built === undefined) throw new Error(`npm run build failed and there is no dist/ to run:\n${output}`);
    log(`gateway: npm run build FAILED; measuring the previous dist/ build`);
    return `npm run build failed (${why}); the previous dist/ build was measured:\n${output}`;
  }
  return `built with npm run build in ${seconds} s because ${why}`;
}

// ---------------------------------------------------------------------------------------------
// /proc

/** Resident set size now and at its peak (VmRSS, VmHWM), in bytes. */
export interface MemoryStatus {
  readonly rss: number;
  readonly hwm: number;
}

export function memoryStatus(pid: number): MemoryStatus {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(m[1]) * 1024;
  };
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

const CLOCK_TICKS = (() => {
  const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim();
  const n = Number(out);
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User and system (kernel) CPU seconds a process has used so far, its threads included. */
export function cpuTimes(pid: number): { user: number; sys: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command: state is field 3, utime 14, stime 15 (1-based over the whole line).
    return { user: Number(fields[11]) / CLOCK_TICKS, sys: Number(fields[12]) / CLOCK_TICKS };
  } catch {
    return { user: Number.NaN, sys: Number.NaN };
  }
}

/** User + system CPU seconds a process has used so far (its threads included). */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.sys;
}

// ---------------------------------------------------------------------------------------------
// The gateway process

export interface GatewayProcessOptions {
  readonly configFile: string;
  readonly port: number;
  /** stdout (the JSON logs) goes here. */
  readonly logFile: string;
  /** Write a V8 CPU profile into this directory when the process exits. */
  readonly cpuProfileDir?: string;
  /** More node flags (e.g. V8 heap settings). */
  readonly nodeArgs?: readonly string[];
}

export interface GatewayProcess {
  readonly pid: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM, wait for the exit (the CPU profile is written then), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the process wrote on stderr so far (last few KiB). */
  stderr(): string;
}

/** Starts `node dist/cli/bin.js serve` and resolves once /-/health answers 200. */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const nodeArgs = [
    ...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    ...(options.nodeArgs ?? []),
  ];
  const out = openSync(options.logFile, "a");
  const child = spawn(
    process.execPath,
    [...nodeArgs, GATEWAY_BIN, "serve", "--config", options.configFile, "--listen", `127.0.0.1:${options.port}`],
    {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", NODE_OPTIONS: "" },
      stdio: ["ignore", out, "pipe"],
    },
  );
  closeSync(out);
  let errText = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (s: string) => {
    errText = (errText + s).slice(-8192);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) =>
    child.once("exit", (code, signal) => ok({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${options.port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (gone) throw new Error(`the gateway exited before answering /-/health:\n${errText.trim()}`);
    try {
      const res = await fetch(`${url}/-/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the gateway did not answer /-/health within 30 s:\n${errText.trim()}`);
    }
    await sleep(50);
  }
  return {
    pid: child.pid!,
    url,
    child,
    stderr: () => errText,
    async stop(graceMs = 15_000) {
      if (!gone) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/**
 * Resident memory of a bare node process, and of one that has only loaded the gateway's modules
 * (dist/gateway/index.js) — how much of the gateway's RSS is code and data it loads before serving.
 */
export function moduleRss(): { bareNode: number; gatewayModules: number } | undefined {
  const probe = (load: boolean): number => {
    const code = `${load ? `await import(${JSON.stringify(join(GATEWAY_BIN, "../../gateway/index.js"))});` : ""} globalThis.gc(); process.stdout.write(String(process.memoryUsage().rss));`;
    const out = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", code], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    return Number(out.stdout);
  };
  const bareNode = probe(false);
  const gatewayModules = probe(true);
  return Number.isFinite(bareNode) && Number.isFinite(gatewayModules) && gatewayModules > 0
    ? { bareNode, gatewayModules }
    : undefined;
}
