/**
 * @module test/support/rgw — starts, finds and stops throwaway Ceph RGW clusters (real S3 on
 * 127.0.0.1) for the integration tests, and a small CLI to keep a pair running between runs.
 *
 * CLI (from the repo root):
 *   npx tsx test/support/rgw.ts --keep   start rgwA + rgwB, write .tmp/rgw.json, leave them up
 *   npx tsx test/support/rgw.ts --stop   stop the servers listed in .tmp/rgw.json
 *   npx tsx test/support/rgw.ts          start both, print them, stop on Ctrl-C
 * With .tmp/rgw.json in place, `S3R_TEST_REUSE=1 npx vitest run --project integration` skips
 * the start-up.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** What a test needs to talk to one RGW; plain data, so vitest can `provide()` it. */
export interface RgwEndpoint {
  /** Label used in logs and temp dir names, e.g. `rgwA`. */
  name: string;
  /** `http://127.0.0.1:PORT`; path-style addressing only (no DNS name is configured). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: "us-east-1";
}

/** An endpoint plus what is needed to stop it later, possibly from another process. */
export interface RgwProcessInfo extends RgwEndpoint {
  /** Scratch directory holding config, logs and pid files; removed by `stop()`. */
  dir: string;
  /** radosgw, OSD and monitor pids, in the order they are stopped. */
  pids: number[];
}

export interface RgwServer extends RgwProcessInfo {
  /** Kills the daemons and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRgwOptions {
  accessKeyId: string;
  secretAccessKey: string;
  name: string;
  /**
   * RAM the in-memory OSD may use (taken as used, not up front). When it is full, requests hang
   * rather than fail. Deleted objects' data is freed by RGW's garbage collector some 30-60 s
   * later, so a whole test run must fit with that delay.
   * @default 1073741824 (1 GiB)
   */
  memstoreBytes?: number;
  /**
   * How long to wait for a signed ListBuckets to succeed after the script returns.
   * @default 60000
   */
  readyTimeoutMs?: number;
  /** More beast frontend options (ceph-rgw.sh's RGW_FRONTEND_OPTS), e.g. an `ssl_endpoint`. */
  frontendOptions?: string;
  /** More lines of radosgw's configuration (ceph-rgw.sh's RGW_EXTRA_CONF). */
  extraConf?: string;
}

/** The two independent clusters the integration tests route between. */
export interface RgwPair<T = RgwServer> {
  rgwA: T;
  rgwB: T;
}

/** Credentials of the standard pair; they differ so a request signed for one fails on the other. */
export const RGW_PAIR_CREDENTIALS: RgwPair<Pick<RgwEndpoint, "name" | "accessKeyId" | "secretAccessKey">> = {
  rgwA: { name: "rgwA", accessKeyId: "AKIAROUTERA", secretAccessKey: "secretA-0123456789abcdefghijklmnopqrstuv" },
  rgwB: { name: "rgwB", accessKeyId: "AKIAROUTERB", secretAccessKey: "secretB-vutsrqponmlkjihgfedcba9876543210" },
};

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./ceph-rgw.sh", import.meta.url));
/** Where `--keep` records a running pair, for `S3R_TEST_REUSE=1`. */
export const RGW_STATE_FILE = join(ROOT, ".tmp", "rgw.json");

const REGION = "us-east-1";
const APT_PACKAGES = ["radosgw", "ceph-mon", "ceph-osd", "uuid-runtime", "curl", "awscli", "bsdutils"] as const;
const REQUIRED_COMMANDS = [
  "radosgw",
  "radosgw-admin",
  "ceph",
  "ceph-mon",
  "ceph-osd",
  "ceph-authtool",
  "monmaptool",
  "curl",
  "script",
];
const INSTALL_HINT = `apt-get install -y --no-install-recommends ${APT_PACKAGES.join(" ")}`;
const SCRIPT_TIMEOUT_MS = 180_000;

// ---------------------------------------------------------------------------------------------
// Installation

let installing: Promise<void> | undefined;

/**
 * Makes sure the Ceph binaries exist. As root with apt-get (CI, fresh containers) they are
 * installed once; otherwise the error says what to install. Set S3R_NO_AUTO_INSTALL=1 to forbid
 * touching the system.
 */
export function ensureRgwInstalled(): Promise<void> {
  installing ??= (async () => {
    let missing = missingCommands();
    if (missing.length === 0) return;
    const isRoot = process.getuid?.() === 0;
    if (isRoot && hasCommand("apt-get") && process.env["S3R_NO_AUTO_INSTALL"] !== "1") {
      process.stderr.write(`[rgw] missing ${missing.join(", ")}; installing ${APT_PACKAGES.join(" ")} with apt-get\n`);
      const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
      // A fresh image has no package lists, so install fails until `update` has run once.
      await run("apt-get", ["update", "-qq"], { env, timeoutMs: 600_000 });
      await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...APT_PACKAGES], {
        env,
        timeoutMs: 1_200_000,
      });
      missing = missingCommands();
      if (missing.length === 0) return;
    }
    throw new Error(
      `The integration tests need Ceph's S3 gateway and the aws cli, but ${missing.join(", ")} ` +
        `${missing.length === 1 ? "is" : "are"} not installed. On Debian/Ubuntu, as root: ${INSTALL_HINT}`,
    );
  })();
  // A failed attempt should not poison later calls (e.g. the user installs and reruns in watch mode).
  installing.catch(() => {
    installing = undefined;
  });
  return installing;
}

function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v "$1" >/dev/null`, "sh", cmd]).status === 0;
}

function missingCommands(): string[] {
  const missing = REQUIRED_COMMANDS.filter((cmd) => !hasCommand(cmd));
  // The gateway's tests drive Debian's aws cli v2 by its path: an `aws` on PATH may be a 1.x.
  if (!existsSync("/usr/bin/aws")) missing.push("/usr/bin/aws");
  return missing;
}

// ---------------------------------------------------------------------------------------------
// Start and stop

/**
 * Starts one single-host Ceph cluster with radosgw on free loopback ports, with one S3 user
 * holding the given keys. Resolves once a signed ListBuckets succeeds, so the caller can use it
 * at once. Takes about 2 s once the binaries are installed.
 */
export async function startRgw(options: StartRgwOptions): Promise<RgwServer> {
  await ensureRgwInstalled();
  // Ports are probed then released, so another process may grab one in between; one retry with
  // fresh ports covers that without hiding a real failure.
  const attempts = 2;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= attempts) throw err;
      process.stderr.write(`[rgw] ${options.name}: start failed, retrying with new ports\n`);
    }
  }
}

async function startOnce(options: StartRgwOptions): Promise<RgwServer> {
  const { name, accessKeyId, secretAccessKey } = options;
  const [rgwPort, monPort] = await freePorts(2);
  if (rgwPort === undefined || monPort === undefined) throw new Error("no free ports");
  const dir = await mkdtemp(join(tmpdir(), `s3r-${name.replace(/[^A-Za-z0-9]/g, "")}-`));
  const env = {
    ...process.env,
    DIR: dir,
    RGW_PORT: String(rgwPort),
    MON_PORT: String(monPort),
    ACCESS_KEY: accessKeyId,
    SECRET_KEY: secretAccessKey,
    MEMSTORE_BYTES: String(options.memstoreBytes ?? 1024 * 1024 * 1024),
    RGW_FRONTEND_OPTS: options.frontendOptions ?? "",
    RGW_EXTRA_CONF: options.extraConf ?? "",
  };
  const server = adoptRgw({
    name,
    endpoint: `http://127.0.0.1:${rgwPort}`,
    accessKeyId,
    secretAccessKey,
    region: REGION,
    dir,
    pids: [],
  });
  const fail = async (message: string, cause?: unknown): Promise<never> => {
    const logs = await logTail(dir);
    const keep = process.env["S3R_KEEP_FAILED"] === "1";
    if (keep) {
      killOwned(server);
      live.delete(server);
    } else {
      await server.stop();
    }
    const where = keep ? `kept ${dir}` : `removed ${dir}; S3R_KEEP_FAILED=1 keeps it`;
    throw new Error(`${name}: ${message}\n${logs}\n(${where})`, cause === undefined ? undefined : { cause });
  };

  let result: RunResult;
  try {
    result = await run("bash", [SCRIPT], { env, timeoutMs: SCRIPT_TIMEOUT_MS, check: false });
  } catch (err) {
    return fail(`could not run ${SCRIPT}: ${String(err)}`, err);
  }
  // Read pids even on failure: the script kills its own daemons then, but a timeout does not.
  server.pids.push(...(await readPids(dir)));
  if (result.code !== 0) {
    return fail(`ceph-rgw.sh exited with ${result.code ?? result.signal}\n${tail(result.output, 20)}`);
  }
  try {
    await waitUntilAnswering(server, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    return fail(`RGW did not answer a signed ListBuckets: ${String(err)}`, err);
  }
  return server;
}

/**
 * Wraps the record of a running cluster (from `startRgw` or `.tmp/rgw.json`) with a `stop()`.
 * Servers adopted here are killed if this process exits without stopping them, unless passed to
 * `keepAfterProcessEnds`.
 */
export function adoptRgw(info: RgwProcessInfo): RgwServer {
  let stopping: Promise<void> | undefined;
  const server: RgwServer = {
    ...info,
    pids: [...info.pids],
    stop: () => {
      stopping ??= (async () => {
        live.delete(server);
        killOwned(server);
        await waitUntilGone(server.pids, 10_000);
        await rm(server.dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  live.add(server);
  ensureExitHook();
  return server;
}

/** Leaves a server running when this process exits (for `--keep`). */
export function keepAfterProcessEnds(server: RgwServer): void {
  live.delete(server);
}

const live = new Set<RgwServer>();
let exitHookInstalled = false;

/** Vitest or a CLI dying mid-run must not strand Ceph daemons holding RAM and ports. */
function ensureExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const server of live) {
      killOwned(server);
      try {
        rmSync(server.dir, { recursive: true, force: true });
      } catch {
        // The daemons may still be writing logs; a leftover temp dir is harmless.
      }
    }
  });
}

/**
 * SIGKILL straight away: the store is in memory and throwaway, and on SIGTERM memstore would
 * first write its whole content to disk. A pid is only killed while its command line names our
 * directory, so a stale `.tmp/rgw.json` cannot kill an unrelated process that reused the pid.
 */
function killOwned(server: RgwProcessInfo): void {
  for (const pid of server.pids) {
    if (!ownsPid(pid, server.dir)) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

function ownsPid(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
  } catch {
    // Without /proc (not Linux) trust the record; with /proc, no file means no process.
    return !existsSync("/proc/self");
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie still answers kill(0) until someone reaps it, yet it holds nothing any more.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
}

async function readPids(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const daemon of ["rgw", "osd", "mon"]) {
    try {
      const pid = Number.parseInt(await readFile(join(dir, `${daemon}.pid`), "utf8"), 10);
      if (Number.isInteger(pid) && pid > 0) pids.push(pid);
    } catch {
      // Not started.
    }
  }
  return pids;
}

// ---------------------------------------------------------------------------------------------
// Readiness

/**
 * Resolves when a ListBuckets signed with the server's keys succeeds. An open port is not
 * enough: the user is created after radosgw listens, and until then requests fail with
 * InvalidAccessKeyId.
 */
export async function waitUntilAnswering(server: RgwEndpoint, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    lastError = await signedListBuckets(server);
    if (lastError === undefined) return;
    await sleep(250);
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** True when the server answers a signed ListBuckets with its credentials right now. */
export async function rgwAnswers(server: RgwEndpoint): Promise<boolean> {
  return (await signedListBuckets(server)) === undefined;
}

type S3Sdk = typeof import("@aws-sdk/client-s3");
let sdk: S3Sdk | undefined;

/**
 * The SDK through Node's own require: vitest loads globalSetup files through Vite's module
 * runner, where importing the SDK's hundreds of ESM files took 4 s of every run instead of 0.1 s.
 */
function loadSdk(): S3Sdk {
  sdk ??= createRequire(import.meta.url)("@aws-sdk/client-s3") as S3Sdk;
  return sdk;
}

async function signedListBuckets(server: RgwEndpoint): Promise<unknown> {
  const { S3Client, ListBucketsCommand } = loadSdk();
  const client = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  });
  try {
    await client.send(new ListBucketsCommand({}));
    return undefined;
  } catch (err) {
    return err;
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The standard pair and its state file

/** Starts rgwA and rgwB in parallel; if either fails, the other is stopped before throwing. */
export async function startRgwPair(): Promise<RgwPair> {
  const [a, b] = await Promise.allSettled([startRgw(RGW_PAIR_CREDENTIALS.rgwA), startRgw(RGW_PAIR_CREDENTIALS.rgwB)]);
  if (a.status === "fulfilled" && b.status === "fulfilled") return { rgwA: a.value, rgwB: b.value };
  await Promise.all([a, b].flatMap((r) => (r.status === "fulfilled" ? [r.value.stop()] : [])));
  const errors = [a, b].flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  throw errors.length === 1 ? errors[0] : new AggregateError(errors, "both RGW clusters failed to start");
}

/**
 * Creates (or finds) an RGW user with these keys in the cluster of `conf` (a `ceph.conf`):
 * a second principal, for tests of who the backend sees. Idempotent.
 */
export function createRgwUser(conf: string, uid: string, accessKeyId: string, secretAccessKey: string): void {
  const info = spawnSync("radosgw-admin", ["-c", conf, "user", "info", `--uid=${uid}`], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (info.status === 0) return;
  const made = spawnSync(
    "radosgw-admin",
    [
      "-c",
      conf,
      "user",
      "create",
      `--uid=${uid}`,
      `--display-name=${uid}`,
      `--access-key=${accessKeyId}`,
      `--secret-key=${secretAccessKey}`,
    ],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  if (made.status !== 0) throw new Error(`radosgw-admin user create ${uid} failed: ${made.stderr}`);
}

/** Plain, serialisable view of a server (drops `stop`, `dir`, `pids`). */
export function toEndpoint(server: RgwEndpoint): RgwEndpoint {
  const { name, endpoint, accessKeyId, secretAccessKey, region } = server;
  return { name, endpoint, accessKeyId, secretAccessKey, region };
}

export async function writeRgwState(pair: RgwPair<RgwProcessInfo>, file = RGW_STATE_FILE): Promise<void> {
  const strip = ({
    name,
    endpoint,
    accessKeyId,
    secretAccessKey,
    region,
    dir,
    pids,
  }: RgwProcessInfo): RgwProcessInfo => ({ name, endpoint, accessKeyId, secretAccessKey, region, dir, pids });
  await mkdir(resolve(file, ".."), { recursive: true });
  await writeFile(file, `${JSON.stringify({ rgwA: strip(pair.rgwA), rgwB: strip(pair.rgwB) }, null, 2)}\n`);
}

export async function readRgwState(file = RGW_STATE_FILE): Promise<RgwPair<RgwProcessInfo> | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { rgwA, rgwB } = parsed as Record<string, unknown>;
  return isProcessInfo(rgwA) && isProcessInfo(rgwB) ? { rgwA, rgwB } : undefined;
}

function isProcessInfo(value: unknown): value is RgwProcessInfo {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    ["name", "endpoint", "accessKeyId", "secretAccessKey", "dir"].every((k) => typeof v[k] === "string") &&
    v["region"] === REGION &&
    Array.isArray(v["pids"]) &&
    v["pids"].every((p) => Number.isInteger(p))
  );
}

/**
 * The pair recorded in `.tmp/rgw.json`, if both still answer with the expected credentials.
 * The returned servers are not killed at exit: whoever kept them owns them.
 */
export async function findRunningRgwPair(file = RGW_STATE_FILE): Promise<RgwPair | undefined> {
  const state = await readRgwState(file);
  if (state === undefined) return undefined;
  const expected = RGW_PAIR_CREDENTIALS;
  const sameKeys = (["rgwA", "rgwB"] as const).every(
    (k) => state[k].accessKeyId === expected[k].accessKeyId && state[k].secretAccessKey === expected[k].secretAccessKey,
  );
  if (!sameKeys) return undefined;
  const answers = await Promise.all([rgwAnswers(state.rgwA), rgwAnswers(state.rgwB)]);
  if (!answers.every(Boolean)) return undefined;
  const pair = { rgwA: adoptRgw(state.rgwA), rgwB: adoptRgw(state.rgwB) };
  keepAfterProcessEnds(pair.rgwA);
  keepAfterProcessEnds(pair.rgwB);
  return pair;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Distinct free loopback ports; all held open together so one call never returns duplicates. */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((ok, ko) => {
        server.once("error", ko);
        server.listen(0, "127.0.0.1", ok);
      });
      const { port } = server.address() as AddressInfo;
      // Parallel starts in this process probe independently; never hand out a port twice.
      // 6800-7300 is where the OSDs bind, so keep the fixed ports out of it.
      if (!handedOut.has(port) && (port < 6800 || port > 7300)) {
        handedOut.add(port);
        ports.push(port);
      }
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  }
  return ports;
}
const handedOut = new Set<number>();

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; check?: boolean },
): Promise<RunResult> {
  return new Promise((ok, ko) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      ko(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (opts.check !== false && code !== 0) {
        ko(new Error(`${cmd} ${args.join(" ")} exited with ${code ?? signal}\n${tail(output, 30)}`));
      } else {
        ok({ code, signal, output });
      }
    });
  });
}

const LOGS_TO_SHOW = [
  "start.log",
  "mkfs.out",
  "admin.out",
  "rgw.out",
  "client.rgw.gw.log",
  "osd.out",
  "osd.0.log",
  "mon.out",
  "mon.a.log",
];

/** The end of every daemon log, for error messages: a failed start is otherwise opaque. */
async function logTail(dir: string, lines = 15): Promise<string> {
  const logDir = join(dir, "log");
  let present: string[];
  try {
    present = await readdir(logDir);
  } catch {
    return `(no logs in ${logDir})`;
  }
  const ordered = [
    ...LOGS_TO_SHOW.filter((f) => present.includes(f)),
    ...present.filter((f) => !LOGS_TO_SHOW.includes(f)),
  ];
  const parts: string[] = [];
  for (const file of ordered) {
    const text = (await readFile(join(logDir, file), "utf8").catch(() => "")).trimEnd();
    if (text) parts.push(`--- ${file} (last ${lines} lines)\n${tail(text, lines)}`);
  }
  return parts.join("\n");
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main(argv: string[]): Promise<void> {
  // Same reason as in vitest.config.ts: the SDK's Node 20 deprecation notice is noise here.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  const print = (pair: RgwPair<RgwEndpoint>): void => {
    process.stdout.write(`${JSON.stringify({ rgwA: toEndpoint(pair.rgwA), rgwB: toEndpoint(pair.rgwB) }, null, 2)}\n`);
  };
  if (argv.includes("--stop")) {
    const state = await readRgwState();
    if (state === undefined) {
      process.stdout.write(`nothing recorded in ${RGW_STATE_FILE}\n`);
      return;
    }
    await Promise.all([adoptRgw(state.rgwA).stop(), adoptRgw(state.rgwB).stop()]);
    await rm(RGW_STATE_FILE, { force: true });
    process.stdout.write(`stopped rgwA (${state.rgwA.endpoint}) and rgwB (${state.rgwB.endpoint})\n`);
    return;
  }
  if (argv.includes("--keep")) {
    const running = await findRunningRgwPair();
    if (running !== undefined) {
      process.stdout.write(`already running (${RGW_STATE_FILE}):\n`);
      print(running);
      return;
    }
    const started = Date.now();
    const pair = await startRgwPair();
    keepAfterProcessEnds(pair.rgwA);
    keepAfterProcessEnds(pair.rgwB);
    await writeRgwState(pair);
    process.stdout.write(`started in ${((Date.now() - started) / 1000).toFixed(1)} s, recorded in ${RGW_STATE_FILE}\n`);
    print(pair);
    process.stdout.write(
      `reuse: S3R_TEST_REUSE=1 npx vitest run --project integration\nstop:  npx tsx test/support/rgw.ts --stop\n`,
    );
    return;
  }
  const pair = await startRgwPair();
  print(pair);
  process.stdout.write("running; Ctrl-C stops them\n");
  await new Promise<void>((ok) => {
    process.once("SIGINT", ok);
    process.once("SIGTERM", ok);
  });
  await Promise.all([pair.rgwA.stop(), pair.rgwB.stop()]);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
