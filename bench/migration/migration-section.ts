/**
 * @module bench/migration/migration-section — what the migration modes cost: a read on a route
 * with a fallback (hit and miss) and a write on a route with a mirror, against the same call on a
 * plain route of the same router; and `migrate` against a bare-SDK copy of the same objects. Two
 * backends side by side, in one run: Ceph RGW in full mode, s3rver in quick mode.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { BenchSection } from "../harness/section.js";
import { startBackends } from "../library/bench-backends.js";
import { measureMigrate } from "./migrate-throughput.js";
import { migrationOutcome } from "./migration-outcome.js";
import { MIGRATION_SETTINGS } from "./migration-settings.js";
import { latencyRouter, measureReads, measureWrites } from "./read-write-latency.js";
import { RequestCounter } from "./request-counter.js";
import { createScratchBucket } from "./scratch-buckets.js";

export const migrationSection: BenchSection = {
  id: "migration",
  title: "Migration modes: fallback reads, mirrored writes, migrate",
  async run(ctx) {
    const settings = MIGRATION_SETTINGS[ctx.mode];
    const backends = await startBackends(settings.backend, 2, (m) => ctx.log(`migration: ${m}`));
    const [primary, secondary] = backends.backends.map((b) => new S3Client(b.clientConfig));
    try {
      if (!primary || !secondary) throw new Error(`migration: needs 2 backends, got ${backends.backends.length}`);
      const counter = new RequestCounter();
      counter.watch("primary", primary);
      counter.watch("secondary", secondary);

      const stores = {
        primary: { client: primary, bucket: await createScratchBucket(primary, "bench-mig-a") },
        secondary: { client: secondary, bucket: await createScratchBucket(secondary, "bench-mig-b") },
        counter,
      };
      const router = latencyRouter(stores);
      const { reads, writes } = await (async () => {
        try {
          ctx.log("migration: GetObject, plain vs fallback route");
          const reads = await measureReads(router, stores, settings, ctx);
          ctx.log("migration: PutObject, plain vs mirrored route");
          return { reads, writes: await measureWrites(router, stores, settings, ctx) };
        } finally {
          router.destroy();
        }
      })();
      ctx.log(`migration: migrate vs plain SDK copy, ${settings.migrateObjects} objects`);
      const migrate = await measureMigrate(primary, secondary, counter, settings, ctx);
      return migrationOutcome({ reads, writes, migrate, backends, settings });
    } finally {
      primary?.destroy();
      secondary?.destroy();
      await backends.stop();
    }
  },
};
