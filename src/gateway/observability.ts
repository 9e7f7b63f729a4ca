/**
 * @module gateway/observability — the gateway's structured logs (pino, JSON lines with a request
 * id) and Prometheus metrics (prom-client): requests by operation, route, backend and status;
 * bytes in and out; latency histograms; and the migration modes' mirror divergences and
 * copy-on-read outcomes.
 */
import pino, { type Logger } from "pino";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The gateway's metric instruments, on a registry of its own (several gateways per process in tests). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "s3router_requests_total",
    help: "S3 requests answered, by operation, route (profile), backend (client) and HTTP status",
    labelNames: ["operation", "route", "backend", "status"] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "s3router_request_duration_seconds",
    help: "Time from request to the end of the response, by operation and backend",
    labelNames: ["operation", "backend"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly bytesIn = new Counter({
    name: "s3router_bytes_in_total",
    help: "Request body bytes received from clients, by backend",
    labelNames: ["backend"] as const,
    registers: [this.registry],
  });
  readonly bytesOut = new Counter({
    name: "s3router_bytes_out_total",
    help: "Response body bytes sent to clients, by backend",
    labelNames: ["backend"] as const,
    registers: [this.registry],
  });
  /** Every one is a key whose mirror differs from its primary until the key is written again. */
  readonly mirrorDivergences = new Counter({
    name: "s3router_mirror_divergences_total",
    help: "Writes and deletes that reached a profile's primary store but not its mirror, by route (profile) and mirror (client)",
    labelNames: ["route", "mirror"] as const,
    registers: [this.registry],
  });
  readonly copyOnRead = new Counter({
    name: "s3router_copy_on_read_total",
    help: "Background copies of objects read from a profile's fallback, by route (profile) and outcome (copied, present, gone, failed)",
    labelNames: ["route", "outcome"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "s3router_" });
  }
}

/** A JSON-lines logger; `destination` defaults to stdout, written asynchronously so a slow log pipe never blocks requests (flushed at shutdown). */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { service: "s3-router" }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };
