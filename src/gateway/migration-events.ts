/**
 * @module gateway/migration-events — what the migration modes do out of a request's sight, made
 * visible: every mirror divergence is one log line (error level: the stores differ until the key
 * is written again) naming the route, the caller's object and each store's state, and a count;
 * every copy-on-read outcome is counted, a failed one logged.
 */
import { errorLine } from "../errors.js";
import type { MigrationEvent, Migration } from "../migration/migration.js";
import type { GatewayMetrics, Logger } from "./observability.js";

/**
 * Reports the events of one router's migration services through the gateway's logs and metrics.
 * Call it for every router the gateway builds (start and each reload): a retired router's
 * background copies still report while they finish.
 * @returns the function that stops reporting.
 */
export function reportMigrationEvents(migration: Migration, metrics: GatewayMetrics, log: Logger): () => void {
  return migration.on((event) => report(event, metrics, log));
}

function report(event: MigrationEvent, metrics: GatewayMetrics, log: Logger): void {
  if (event.type === "mirror-divergence") {
    const mirror = event.stores.find((s) => s.role === "mirror")?.client ?? "-";
    metrics.mirrorDivergences.inc({ route: event.route, mirror });
    log.error(
      {
        event: event.type,
        operation: event.operation,
        route: event.route,
        bucket: event.bucket,
        key: event.key,
        mirror,
        stores: event.stores,
        error: describe(event.error),
      },
      `mirror divergence: ${event.operation} of ${event.bucket}/${event.key} (profile "${event.route}") did not reach mirror "${mirror}"`,
    );
    return;
  }
  metrics.copyOnRead.inc({ route: event.route, outcome: event.outcome });
  if (event.outcome === "failed") {
    log.warn(
      { event: event.type, route: event.route, bucket: event.bucket, key: event.key, error: describe(event.error) },
      `copy-on-read of ${event.bucket}/${event.key} (profile "${event.route}") failed; the object stays on the fallback`,
    );
  } else if (log.isLevelEnabled("debug")) {
    log.debug(
      { event: event.type, route: event.route, bucket: event.bucket, key: event.key, outcome: event.outcome },
      "copy-on-read",
    );
  }
}

const describe = (error: unknown): string | undefined => (error === undefined ? undefined : errorLine(error));
