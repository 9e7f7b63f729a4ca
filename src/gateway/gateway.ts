/**
 * @module gateway/gateway — the S3 gateway's lifecycle: an HTTP server on the routing core, with
 * health and metrics endpoints, configuration reload (validated first, swapped atomically, the
 * old configuration kept on error) and graceful shutdown (drain in-flight requests, then let
 * background copy-on-read copies finish).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RouterFileConfig } from "../config/load-config.js";
import { BackendSender } from "./backend-request.js";
import { buildState, type GatewayState } from "./gateway-state.js";
import { reportMigrationEvents } from "./migration-events.js";
import { GatewayMetrics, createLogger, type Logger } from "./observability.js";
import { handleS3Request } from "./request-handler.js";
import { UserSlots } from "./user-slots.js";

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** Where logs go. @default stdout (JSON lines) */
  readonly logDestination?: NodeJS.WritableStream;
  /** Overrides `gateway.listen`'s port (0 picks a free one). */
  readonly port?: number;
}

/** A running (or ready-to-run) S3 gateway. */
export interface Gateway {
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /**
   * Replaces the configuration. The new one is fully built first; on any error the old one stays
   * and the error is thrown. Requests in flight finish on the configuration they started with.
   */
  reload(config: RouterFileConfig): void;
  /**
   * Stops accepting connections, lets in-flight requests and background copy-on-read copies
   * finish (together, up to the grace period), then closes.
   */
  close(): Promise<void>;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** The configuration in force. */
  readonly state: GatewayState;
}

/**
 * Creates an S3 gateway for a loaded configuration file.
 *
 * @example
 * ```ts
 * const gateway = createGateway(await loadRouterConfig("router.yaml"));
 * const { url } = await gateway.listen();   // point any S3 client at url
 * ```
 */
export function createGateway(config: RouterFileConfig, options: GatewayOptions = {}): Gateway {
  let state = buildState(config);
  const log = createLogger(state.settings.logLevel, options.logDestination);
  const metrics = new GatewayMetrics();
  reportMigrationEvents(state.router.migration, metrics, log);
  const sender = new BackendSender({ timeoutMs: state.settings.backendTimeoutMs, connections: state.settings.limits.backendConnections });
  const slots = new UserSlots(() => state.settings.limits.maxRequestsPerUser);
  const { limits } = state.settings;
  let ready = false;
  let closing = false;
  const retired: GatewayState[] = [];

  const serverOptions = {
    keepAliveTimeout: 65_000,
    // A whole upload may take hours; a stalled one is ended by the body idle timeout instead.
    requestTimeout: 0,
    headersTimeout: limits.headersTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // How often Node checks headersTimeout: often enough that the limit means what it says.
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  };
  const services = { state: () => state, sender, metrics, log, slots };
  const server: Server = createServer(serverOptions, (req, res) => {
    const path = req.url ?? "/";
    if (path.startsWith("/-/")) {
      void operations(path, res, state.settings.metricsListen === undefined);
      return;
    }
    handleS3Request(services, req, res).catch((error: unknown) => {
      // The handler answers its own errors; this is the last guard of the process.
      log.error({ err: error }, "request handler failed");
      res.destroy();
    });
  });

  // Metrics on an address of their own when configured: S3 clients then cannot read them.
  const opsServer: Server | undefined = state.settings.metricsListen && createServer(serverOptions, (req, res) => void operations(req.url ?? "/", res, true));

  async function operations(path: string, res: import("node:http").ServerResponse, withMetrics: boolean): Promise<void> {
    if (path === "/-/health" || path === "/-/health/ready" || path === "/-/ready") {
      const ok = ready && !closing;
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ status: ok ? "ready" : closing ? "draining" : "starting" }));
    } else if (path === "/-/health/live" || path === "/-/live") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "live" }));
    } else if (path === "/-/metrics" && withMetrics) {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body);
    } else {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "no such endpoint", endpoints: ["/-/health", "/-/health/live", "/-/metrics"] }));
    }
  }

  return {
    metrics,
    log,
    get state() {
      return state;
    },
    async listen() {
      const port = options.port ?? state.settings.port;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, state.settings.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      const ops = state.settings.metricsListen;
      if (opsServer && ops) {
        await new Promise<void>((resolve, reject) => {
          opsServer.once("error", reject);
          opsServer.listen(ops.port, ops.host, () => resolve());
        });
      }
      ready = true;
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      const url = `http://${host}:${address.port}`;
      log.info({ url, profiles: state.router.routeTable.routes.length - 1, users: state.settings.users.length }, "gateway listening");
      return { host: address.address, port: address.port, url };
    },
    reload(next) {
      const fresh = buildState(next);
      reportMigrationEvents(fresh.router.migration, metrics, log);
      const old = state;
      state = fresh;
      retired.push(old);
      // Requests in flight still use the old backends' clients: close them once those are done,
      // and its background copies too (they report through the old router, still subscribed).
      setTimeout(() => {
        void settled([old], old.settings.shutdownGraceMs).then(() => {
          const at = retired.indexOf(old);
          if (at < 0) return; // closed meanwhile: close() destroyed it
          retired.splice(at, 1);
          old.router.destroy();
        });
      }, old.settings.shutdownGraceMs).unref();
      log.info({ profiles: fresh.router.routeTable.routes.length - 1, users: fresh.settings.users.length }, "configuration reloaded");
    },
    async close() {
      closing = true;
      const grace = state.settings.shutdownGraceMs;
      const deadline = performance.now() + grace;
      opsServer?.close();
      opsServer?.closeAllConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A keep-alive connection busy now goes idle once answered: close it then, or the drain
      // waits out the whole grace period for clients that simply keep their pool open.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(() => server.closeAllConnections(), grace);
      await closed;
      clearInterval(sweep);
      clearTimeout(timer);
      await sender.close();
      // A copy cut short leaves nothing wrong (the object stays on the fallback), but one that
      // finishes saves the next read a trip to the fallback: given what is left of the grace period.
      const states = [state, ...retired];
      retired.length = 0;
      if (!(await settled(states, deadline - performance.now()))) log.warn("background copy-on-read copies still running at the end of the grace period: stopped (the objects stay on their fallback)");
      for (const s of states) s.router.destroy();
      log.info("gateway stopped");
      log.flush();
    },
  };
}

/**
 * Resolves once the background copies of every state's router are done, or after `ms`
 * milliseconds, whichever comes first; reports whether they were done.
 */
async function settled(states: readonly GatewayState[], ms: number): Promise<boolean> {
  // Even with no time left, copies already done count as done: microtasks run before any timer.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([Promise.all(states.map((s) => s.router.migration.settled())).then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
