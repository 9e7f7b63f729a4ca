/**
 * @module bench/gateway/nginx-proxy — the floor a proxy can reach: Debian's nginx as a plain
 * streaming reverse proxy in front of the backend (no re-signing, no buffering), run in the
 * foreground from a configuration of its own in a temporary directory.
 *
 * One worker process: the gateway is a single Node process whose JavaScript runs on one thread,
 * so one event-driven nginx worker is the like-for-like floor; the benchmark machine has only a
 * couple of cores, shared with the client and the backend, so more workers would mostly compete
 * with those for CPU rather than add capacity.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sleep } from "./processes.js";

export interface NginxProxy {
  readonly url: string;
  /** The worker's pid (where the proxying CPU goes). */
  readonly workerPid: number;
  readonly masterPid: number;
  readonly version: string;
  /** What the installer did, if anything. */
  readonly installed: string | undefined;
  stop(): Promise<void>;
}

export type NginxOutcome =
  { readonly ok: true; readonly proxy: NginxProxy } | { readonly ok: false; readonly reason: string };

function nginxPath(): string | undefined {
  for (const candidate of ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]) {
    if (spawnSync(candidate, ["-v"]).status === 0) return candidate;
  }
  const which = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/**
 * Finds nginx, installing Debian's package when it is missing and this process is root with
 * apt-get; otherwise the reason it is not available.
 */
function ensureNginx(log: (m: string) => void): { path: string; installed: string | undefined } | { reason: string } {
  const found = nginxPath();
  if (found) return { path: found, installed: undefined };
  if (process.getuid?.() !== 0)
    return {
      reason:
        "nginx is not installed and this run is not root, so it cannot install it (as root: apt-get install -y --no-install-recommends nginx)",
    };
  if (spawnSync("sh", ["-c", "command -v apt-get"]).status !== 0)
    return { reason: "nginx is not installed and there is no apt-get to install it with" };
  log("gateway: installing nginx with apt-get (the proxy floor)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "nginx"], {
      env,
      encoding: "utf8",
      timeout: 600_000,
    });
  let result = install();
  if (result.status !== 0) {
    // A fresh image has no package lists: update once, then retry.
    spawnSync("apt-get", ["update", "-qq"], { env, encoding: "utf8", timeout: 600_000 });
    result = install();
  }
  const path = nginxPath();
  if (result.status !== 0 || !path) {
    return {
      reason: `apt-get install nginx failed: ${`${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-3).join(" / ")}`,
    };
  }
  return { path, installed: "installed by this run with apt-get install --no-install-recommends nginx" };
}

/**
 * Starts nginx in the foreground (`daemon off`) on `port`, proxying everything to `upstream`
 * (`host:port`), with its pid, logs and temp files under `dir`.
 */
export async function startNginx(
  upstream: string,
  port: number,
  dir: string,
  log: (m: string) => void,
): Promise<NginxOutcome> {
  const found = ensureNginx(log);
  if ("reason" in found) return { ok: false, reason: found.reason };
  await mkdir(join(dir, "temp"), { recursive: true });
  const conf = join(dir, "nginx.conf");
  await writeFile(conf, nginxConfig(upstream, port, dir));
  const test = spawnSync(found.path, ["-t", "-c", conf, "-p", dir, "-e", join(dir, "error.log")], { encoding: "utf8" });
  if (test.status !== 0)
    return {
      ok: false,
      reason: `nginx -t rejected the configuration: ${test.stderr.trim().split("\n").slice(-2).join(" / ")}`,
    };
  const version =
    (/nginx\/(\S+)/.exec(spawnSync(found.path, ["-v"], { encoding: "utf8" }).stderr ?? "") ?? [])[1] ?? "unknown";

  const child: ChildProcess = spawn(found.path, ["-c", conf, "-p", dir, "-e", join(dir, "error.log")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errText = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (s: string) => (errText = (errText + s).slice(-4096)));
  let gone = false;
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  void exited.then(() => (gone = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (gone)
      return {
        ok: false,
        reason: `nginx exited at start: ${errText.trim() || (await readFile(join(dir, "error.log"), "utf8").catch(() => ""))}`,
      };
    try {
      // Anything from RGW (even 403 for an unsigned request) proves the whole path answers.
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      return { ok: false, reason: `nginx did not answer within 10 s: ${errText.trim()}` };
    }
    await sleep(50);
  }
  const workerPid = findWorker(child.pid!);
  return {
    ok: true,
    proxy: {
      url,
      workerPid: workerPid ?? child.pid!,
      masterPid: child.pid!,
      version,
      installed: found.installed,
      async stop() {
        if (!gone) child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      },
    },
  };
}

/** The worker process nginx forked (the master only supervises). */
function findWorker(masterPid: number): number | undefined {
  const out =
    spawnSync("sh", ["-c", `cat /proc/${masterPid}/task/*/children 2>/dev/null`], { encoding: "utf8" }).stdout ?? "";
  const pid = Number(out.trim().split(/\s+/)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function nginxConfig(upstream: string, port: number, dir: string): string {
  const t = (name: string) => join(dir, "temp", name);
  return `# s3-router benchmark: nginx as a plain streaming reverse proxy (the floor a proxy can reach).
daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;

events {
  worker_connections 4096;
}

http {
  # The gateway runs with logLevel "warn" (no per-request log): no access log here either.
  access_log off;
  client_body_temp_path ${t("client_body")};
  proxy_temp_path ${t("proxy")};
  fastcgi_temp_path ${t("fastcgi")};
  uwsgi_temp_path ${t("uwsgi")};
  scgi_temp_path ${t("scgi")};

  upstream backend {
    server ${upstream};
    keepalive 256;
  }

  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;

    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # The client signed for the Host it sent (nginx's address): pass it on unchanged, because
      # RGW checks the signature over the Host it receives. No re-signing.
      proxy_set_header Host $http_host;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_read_timeout 300s;
      proxy_send_timeout 300s;
    }
  }
}
`;
}
