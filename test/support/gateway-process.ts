/**
 * @module test/support/gateway-process — a gateway as its own process (`s3-router serve`), so a
 * test can do to it what happens to real replicas: SIGKILL mid-request, SIGHUP, SIGTERM. Started
 * as `node --import tsx` (not `npx tsx`), so the child's pid is the gateway's own and a signal
 * reaches it without walking a process tree.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { RouterFileConfig } from "../../src/config/load-config.js";
import { freePort } from "./ports.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** The configuration file the process reads (rewrite it, then SIGHUP). */
  readonly configFile: string;
  /** Everything the process wrote so far. */
  output(): string;
  /** Its JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Rewrites the configuration file. */
  writeConfig(config: RouterFileConfig): Promise<void>;
  /** SIGKILLs it if still running and removes its directory. */
  dispose(): Promise<void>;
}

/** Starts `s3-router serve` on a free port and resolves once `/-/health` answers 200. */
export async function startGatewayProcess(config: RouterFileConfig, timeoutMs = 60_000): Promise<GatewayProcess> {
  const dir = await mkdtemp(join(tmpdir(), "s3r-gwproc-"));
  const configFile = join(dir, "router.yaml");
  await writeFile(configFile, stringify(config));
  const port = await freePort();
  const env = { ...process.env };
  // Vitest's worker options (a loader, an inspector) are not for the child.
  delete env["NODE_OPTIONS"];
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/bin.ts", "serve", "--config", configFile, "--listen", `127.0.0.1:${port}`],
    {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const proc: GatewayProcess = {
    child,
    url,
    configFile,
    output: () => out,
    logs: () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    writeConfig: (next) => writeFile(configFile, stringify(next)),
    async dispose() {
      if (!gone) {
        child.kill("SIGKILL");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`the gateway process exited early:\n${out}`);
    if (
      await fetch(`${url}/-/health`).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      return proc;
    if (Date.now() > deadline) {
      await proc.dispose();
      throw new Error(`the gateway process did not become healthy in ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
