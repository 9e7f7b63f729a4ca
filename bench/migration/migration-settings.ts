/**
 * @module bench/migration/migration-settings — how long and how thoroughly the migration section
 * measures in each mode. The caps keep the section within its share of a run (about 1.5 min of
 * a full run, 30 s of a quick one) whatever the machine's speed; the round counts only matter on
 * a machine fast enough to reach them first.
 */
import type { BackendKind } from "../library/bench-backends.js";
import type { RoundsPlan } from "./paired-rounds.js";

const KiB = 1024;
const MiB = 1024 * KiB;

export interface MigrationSettings {
  readonly backend: BackendKind;
  /** GetObject through a plain route, a fallback route (hit and miss) and a 404. */
  readonly get: RoundsPlan;
  readonly getBytes: number;
  /** PutObject, plain route vs mirrored route, one plan per size. */
  readonly put: ReadonlyArray<RoundsPlan & { readonly bytes: number }>;
  /** Keys the GETs and PUTs cycle through, so not every round hits the very same object. */
  readonly slots: number;
  /** Objects on the fallback that `migrate` and the plain copy each move, per round. */
  readonly migrateObjects: number;
  readonly migrateObjectBytes: number;
  readonly migrateConcurrency: number;
  /** Migrate rounds (one warm-up round comes first), each into fresh buckets; stops early at `migrateCapMs`. */
  readonly migrateRounds: number;
  readonly migrateCapMs: number;
}

export const MIGRATION_SETTINGS: Record<"quick" | "full", MigrationSettings> = {
  quick: {
    backend: "s3rver",
    get: { warmupRounds: 10, rounds: 200, capMs: 4_000 },
    getBytes: 4 * KiB,
    put: [
      { bytes: 4 * KiB, warmupRounds: 10, rounds: 150, capMs: 4_000 },
      { bytes: 1 * MiB, warmupRounds: 5, rounds: 60, capMs: 5_000 },
    ],
    slots: 8,
    migrateObjects: 60,
    migrateObjectBytes: 64 * KiB,
    migrateConcurrency: 8,
    migrateRounds: 3,
    migrateCapMs: 8_000,
  },
  full: {
    backend: "rgw",
    get: { warmupRounds: 20, rounds: 500, capMs: 12_000 },
    getBytes: 4 * KiB,
    put: [
      { bytes: 4 * KiB, warmupRounds: 20, rounds: 400, capMs: 12_000 },
      { bytes: 1 * MiB, warmupRounds: 10, rounds: 150, capMs: 15_000 },
    ],
    slots: 16,
    migrateObjects: 200,
    migrateObjectBytes: 64 * KiB,
    migrateConcurrency: 8,
    migrateRounds: 5,
    migrateCapMs: 35_000,
  },
};
