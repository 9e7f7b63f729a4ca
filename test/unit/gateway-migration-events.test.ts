/**
 * @module test/unit/gateway-migration-events — each migration event of a router becomes what an
 * operator watches: a divergence is one error line naming the route, object and stores, and a
 * count by route and mirror; copy-on-read outcomes are counted, failures logged.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Migration, MigrationEvent } from "../../src/migration/migration.js";
import { reportMigrationEvents } from "../../src/gateway/migration-events.js";
import { GatewayMetrics, createLogger } from "../../src/gateway/observability.js";

/** A migration service that emits what the test says. */
function fakeMigration() {
  const listeners = new Set<(event: MigrationEvent) => void>();
  const migration = {
    on(listener: (event: MigrationEvent) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  } as unknown as Migration;
  return { migration, emit: (event: MigrationEvent) => listeners.forEach((l) => l(event)) };
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger("info", sink) };
}

const divergence: MigrationEvent = {
  type: "mirror-divergence",
  operation: "PutObject",
  route: "team2",
  bucket: "example",
  key: "team2/a.txt",
  stores: [
    { role: "primary", client: "minio", bucket: "new", key: "data/team2/a.txt", state: "written", etag: '"abc"' },
    { role: "mirror", client: "backup", bucket: "copy", key: "team2/a.txt", state: "failed" },
  ],
  error: new Error("connect ECONNREFUSED 127.0.0.1:1"),
};

describe("reportMigrationEvents", () => {
  it("logs each divergence on one error line and counts it by route and mirror", async () => {
    const { migration, emit } = fakeMigration();
    const metrics = new GatewayMetrics();
    const { lines, log } = capture();
    reportMigrationEvents(migration, metrics, log);
    emit(divergence);
    emit({ ...divergence, key: "team2/b.txt" });
    log.flush();
    await new Promise((r) => setImmediate(r));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/s3router_mirror_divergences_total\{route="team2",mirror="backup"\} 2/);
    const reported = lines.filter((l) => l["event"] === "mirror-divergence");
    expect(reported).toHaveLength(2);
    expect(reported[0]).toMatchObject({
      level: 50,
      route: "team2",
      bucket: "example",
      key: "team2/a.txt",
      mirror: "backup",
      operation: "PutObject",
      error: "Error: connect ECONNREFUSED 127.0.0.1:1",
      stores: divergence.stores,
    });
    expect(String(reported[0]!["msg"])).toContain('did not reach mirror "backup"');
  });

  it("counts copy-on-read outcomes and logs only failures", async () => {
    const { migration, emit } = fakeMigration();
    const metrics = new GatewayMetrics();
    const { lines, log } = capture();
    reportMigrationEvents(migration, metrics, log);
    emit({ type: "copy-on-read", route: "team2", bucket: "example", key: "team2/a.txt", outcome: "copied" });
    emit({
      type: "copy-on-read",
      route: "team2",
      bucket: "example",
      key: "team2/b.txt",
      outcome: "failed",
      error: new Error("boom"),
    });
    log.flush();
    await new Promise((r) => setImmediate(r));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/s3router_copy_on_read_total\{route="team2",outcome="copied"\} 1/);
    expect(text).toMatch(/s3router_copy_on_read_total\{route="team2",outcome="failed"\} 1/);
    expect(lines.filter((l) => l["event"] === "copy-on-read")).toEqual([
      expect.objectContaining({ level: 40, key: "team2/b.txt", error: "Error: boom" }),
    ]);
  });

  it("stops reporting when told", async () => {
    const { migration, emit } = fakeMigration();
    const metrics = new GatewayMetrics();
    const { log } = capture();
    reportMigrationEvents(migration, metrics, log)();
    emit(divergence);
    expect(await metrics.registry.metrics()).not.toMatch(/s3router_mirror_divergences_total\{/);
  });
});
