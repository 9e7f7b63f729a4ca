/**
 * @module gateway/gateway — the S3 gateway's lifecycle: an HTTP server on the routing core, with
 * health and metrics endpoints, configuration reload (validated first, swapped atomically, the
 * old configuration kept on error) and graceful shutdown (drain in-flight requests, then let
 * background copy-on-read copies finish).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { RouterFileConfig } from "../config/load-config.js";
import { ConfigError } from "../errors.js";
import { BackendSender } from "./backend-request.js";
import { buildState, type GatewayState } from "./gateway-state.js";
import { reloadIssue, secureContextOptions, serverTlsOptions } from "./gateway-tls.js";
import { S3Error } from "./s3-error.js";
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
  /** Overrides `gateway.listenHttp`'s port (0 picks a free one). */
  readonly httpPort?: number;
}

/** A running (or ready-to-run) S3 gateway. */
export interface Gateway {
  /**
   * Starts listening; resolves with the bound address (`url` is `https://…` with `gateway.tls`),
   * and `httpUrl`, the plain-HTTP listener's, when `gateway.listenHttp` is set, and
   * `metricsUrl`, where `/-/metrics` is served, when `gateway.metricsListen` is set.
   */
  listen(): Promise<{ host: string; port: number; url: string; httpUrl?: string; metricsUrl?: string }>;
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
  const sender = new BackendSender({
    timeoutMs: state.settings.backendTimeoutMs,
    connections: state.settings.limits.backendConnections,
  });
  const slots = new UserSlots(() => state.settings.limits.maxRequestsPerUser);
  const spanningSlots = new UserSlots(() => state.settings.limits.maxSpanningPerUser);
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
  const services = { state: () => state, sender, metrics, log, slots, spanningSlots };
  const serve = (plain: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "/";
    if (path.startsWith("/-/")) {
      void operations(path, res, state.settings.metricsListen === undefined);
      return;
    }
    if (plain && state.settings.tls?.plainHttp !== "allow") {
      refusePlainHttp(req, res);
      return;
    }
    handleS3Request(services, req, res).catch((error: unknown) => {
      // The handler answers its own errors; this is the last guard of the process.
      log.error({ err: error }, "request handler failed");
      res.destroy();
    });
  };
  // HTTPS when configured; the protocol of a listener is fixed for its life (see reloadIssue).
  const tls = state.settings.tls;
  const server: Server | HttpsServer = tls
    ? createHttpsServer({ ...serverOptions, ...serverTlsOptions(tls) }, serve(false))
    : createServer(serverOptions, serve(false));
  const plainServer: Server | undefined = tls && state.settings.listenHttp && createServer(serverOptions, serve(true));

  // Metrics on an address of their own when configured: S3 clients then cannot read them.
  const opsServer: Server | undefined =
    state.settings.metricsListen &&
    createServer(serverOptions, (req, res) => void operations(req.url ?? "/", res, true));

  async function operations(
    path: string,
    res: import("node:http").ServerResponse,
    withMetrics: boolean,
  ): Promise<void> {
    if (path === "/-/health" || path === "/-/health/ready" || path === "/-/ready") {
      const ok = ready && !closing;
      res
        .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ status: ok ? "ready" : closing ? "draining" : "starting" }));
    } else if (path === "/-/health/live" || path === "/-/live") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "live" }));
    } else if (path === "/-/metrics" && withMetrics) {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body);
    } else {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ error: "no such endpoint", endpoints: ["/-/health", "/-/health/live", "/-/metrics"] }));
    }
  }

  return {
    metrics,
    log,
    get state() {
      return state;
    },
    async listen() {
      await listenOn(server, options.port ?? state.settings.port, state.settings.host);
      const plain = state.settings.listenHttp;
      if (plainServer && plain) await listenOn(plainServer, options.httpPort ?? plain.port, plain.host);
      const ops = state.settings.metricsListen;
      if (opsServer && ops) await listenOn(opsServer, ops.port, ops.host);
      ready = true;
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      const url = `${tls ? "https" : "http"}://${host}:${address.port}`;
      const httpUrl = plainServer ? urlOf("http", plainServer.address() as AddressInfo) : undefined;
      const metricsUrl = opsServer ? urlOf("http", opsServer.address() as AddressInfo) : undefined;
      log.info(
        {
          url,
          ...(httpUrl && { httpUrl }),
          ...(metricsUrl && { metricsUrl }),
          profiles: state.router.routeTable.routes.length - 1,
          users: state.settings.users.length,
        },
        "gateway listening",
      );
      return {
        host: address.address,
        port: address.port,
        url,
        ...(httpUrl && { httpUrl }),
        ...(metricsUrl && { metricsUrl }),
      };
    },
    reload(next) {
      const fresh = buildState(next);
      const tlsIssue = reloadIssue(state.settings.tls, fresh.settings.tls);
      try {
        if (tlsIssue)
          throw new ConfigError([{ path: "gateway.tls", message: tlsIssue }], {
            ...(next.file !== undefined && { file: next.file }),
          });
        // The new certificate for new connections; open ones keep theirs. (The pair was checked
        // when the state was built: a bad one never gets here.)
        if (fresh.settings.tls) (server as HttpsServer).setSecureContext(secureContextOptions(fresh.settings.tls));
      } catch (error) {
        fresh.router.destroy();
        throw error;
      }
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
      log.info(
        { profiles: fresh.router.routeTable.routes.length - 1, users: fresh.settings.users.length },
        "configuration reloaded",
      );
    },
    async close() {
      closing = true;
      const grace = state.settings.shutdownGraceMs;
      const deadline = performance.now() + grace;
      opsServer?.close();
      opsServer?.closeAllConnections();
      // The plain listener drains like the main one (with listenHttp "allow" it carries S3 traffic).
      const plainClosed = plainServer && new Promise<void>((resolve) => plainServer.close(() => resolve()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A keep-alive connection busy now goes idle once answered: close it then, or the drain
      // waits out the whole grace period for clients that simply keep their pool open.
      const sweep = setInterval(() => [server, plainServer].forEach((s) => s?.closeIdleConnections()), 50);
      const timer = setTimeout(() => [server, plainServer].forEach((s) => s?.closeAllConnections()), grace);
      await closed;
      await plainClosed;
      clearInterval(sweep);
      clearTimeout(timer);
      await sender.close();
      // A copy cut short leaves nothing wrong (the object stays on the fallback), but one that
      // finishes saves the next read a trip to the fallback: given what is left of the grace period.
      const states = [state, ...retired];
      retired.length = 0;
      if (!(await settled(states, deadline - performance.now())))
        log.warn(
          "background copy-on-read copies still running at the end of the grace period: stopped (the objects stay on their fallback)",
        );
      for (const s of states) s.router.destroy();
      log.info("gateway stopped");
      log.flush();
    },
  };
}

/** Starts `server` listening; rejects with the listen error (a port in use…). */
function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

const urlOf = (scheme: string, address: AddressInfo) =>
  `${scheme}://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;

/**
 * An S3 request on the plain-HTTP listener when `tls.plainHttp` is "refuse": S3's own answer to
 * a bucket policy's `aws:SecureTransport` denial, so clients show a reason rather than a hang.
 */
function refusePlainHttp(req: IncomingMessage, res: ServerResponse): void {
  const error = new S3Error(
    "AccessDenied",
    "This gateway takes S3 requests over HTTPS only; plain HTTP serves /-/health and /-/metrics.",
    {},
    { status: 403 },
  );
  const body = Buffer.from(error.toXML(req.url?.split("?")[0] ?? "/", "-"));
  // The request body is not read: close the connection rather than drain an upload.
  res
    .writeHead(403, { "content-type": "application/xml", "content-length": String(body.length), connection: "close" })
    .end(body);
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
    return await Promise.race([
      Promise.all(states.map((s) => s.router.migration.settled())).then(() => true as const),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
