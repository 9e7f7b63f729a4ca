/**
 * @module test/support/fuzz — the run parameters every fuzz test (test/unit/fuzz-*.test.ts)
 * shares: a fixed seed, so that a failure in CI replays exactly, and a small default number of
 * runs, so that the fuzz files add seconds, not minutes, to `npm test`.
 *
 * For a longer hunt, raise the runs and vary the seed:
 *
 *   S3R_FUZZ_RUNS=20000 S3R_FUZZ_SEED=7 npx vitest run test/unit/fuzz-*.test.ts
 *
 * `S3R_FUZZ_RUNS` replaces every property's default run count; `S3R_FUZZ_SEED` replaces the seed.
 * A failing property prints its seed and shrunk counterexample: add that as a plain regression
 * test beside the property.
 */
const envInt = (name: string): number | undefined => {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
};

/** The seed of every fuzz property. */
export const FUZZ_SEED = envInt("S3R_FUZZ_SEED") ?? 20_260_115;

/** Whether a longer run was asked for (`S3R_FUZZ_RUNS` set); tests may then also raise their timeout. */
export const LONG_FUZZ = envInt("S3R_FUZZ_RUNS") !== undefined;

/** fast-check parameters: the fixed seed and `S3R_FUZZ_RUNS` or this property's default runs. */
export function fuzzRuns(defaultRuns: number): { seed: number; numRuns: number } {
  return { seed: FUZZ_SEED, numRuns: envInt("S3R_FUZZ_RUNS") ?? defaultRuns };
}

/** A vitest timeout for a property: generous by default, unlimited-ish for long runs. */
export const fuzzTimeout = (ms: number): number => (LONG_FUZZ ? 3_600_000 : ms);

/** `size` bytes (or characters) of one repeated unit: the shape that exposes quadratic scans. */
export const run = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** 1 MiB: the length of a "huge" input. */
export const MIB = 1024 * 1024;
