/**
 * @module test/support/property-seed — the fast-check parameters every property test passes:
 * a fixed seed, so a run is reproducible and CI never fails at random, which
 * `S3R_PROPERTY_SEED` overrides to explore other inputs (the failure message prints the seed
 * and path to replay).
 *
 *   S3R_PROPERTY_SEED=$RANDOM npx vitest run --project unit test/unit/round-trip.test.ts
 */
import type { Parameters } from "fast-check";

/** The seed of every property test: `S3R_PROPERTY_SEED` when set, else a fixed one. */
export const PROPERTY_SEED = seedFromEnv(process.env["S3R_PROPERTY_SEED"]);

function seedFromEnv(value: string | undefined): number {
  if (value === undefined || value === "") return 0x5e3d10;
  const seed = Number(value);
  // A typo must not silently fall back to the fixed seed (or to NaN, which fast-check rejects late).
  if (!Number.isSafeInteger(seed))
    throw new Error(`S3R_PROPERTY_SEED must be an integer, got ${JSON.stringify(value)}`);
  return seed;
}

/**
 * fast-check parameters with the shared seed. `salt` varies the seed between properties of one
 * file that would otherwise draw the same sequence (properties on the same arbitraries).
 */
export function propertyParameters<T>(options: Omit<Parameters<T>, "seed"> = {}, salt = 0): Parameters<T> {
  return { ...options, seed: (PROPERTY_SEED + salt) | 0 };
}
