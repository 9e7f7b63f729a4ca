/**
 * @module bench/migration/paired-rounds — several variants of one call timed side by side: each
 * round runs every variant once, starting from a different one each round, so that a burst of
 * load on a noisy machine, a colder connection or a server-side hiccup hits them all alike. The
 * comparison of two variants then uses medians and per-round differences, never a mean.
 */
import { summarize, type Summary } from "../harness/stats.js";

/** One side of a comparison. */
export interface Variant<Name extends string> {
  readonly name: Name;
  /**
   * Performs the call once. `round` picks the object slot; `check` is true in the first
   * (warm-up) round only, where the variant proves it does what it claims — checking in every
   * round would time the check too.
   */
  run(round: number, check: boolean): Promise<void>;
}

/** How many rounds, and when to stop regardless. */
export interface RoundsPlan {
  /** Rounds run but not recorded: connections open, the JIT warms up, checks run. */
  readonly warmupRounds: number;
  readonly rounds: number;
  /** Measured rounds stop after this long, whatever `rounds` says. */
  readonly capMs: number;
}

/** Milliseconds per call of every variant; index `i` of each array is measured round `i`. */
export interface RoundsSamples<Name extends string> {
  readonly rounds: number;
  readonly samples: Readonly<Record<Name, readonly number[]>>;
}

/**
 * Runs the variants in rounds, rotating which goes first: with two variants that alternates
 * AB, BA, AB…, with three ABC, BCA, CAB…; each variant goes first equally often.
 */
export async function interleavedRounds<Name extends string>(
  variants: readonly Variant<Name>[],
  plan: RoundsPlan,
  progress?: (round: number, total: number) => void,
): Promise<RoundsSamples<Name>> {
  const samples = Object.fromEntries(variants.map((v) => [v.name, [] as number[]])) as Record<Name, number[]>;
  const total = plan.warmupRounds + plan.rounds;
  let measuredStart = 0;
  let rounds = 0;
  for (let r = 0; r < total; r++) {
    const measured = r >= plan.warmupRounds;
    if (r === plan.warmupRounds) measuredStart = performance.now();
    if (measured && performance.now() - measuredStart > plan.capMs) break;
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(r + k) % variants.length]!;
      const t0 = performance.now();
      await variant.run(r, r === 0);
      if (measured) samples[variant.name].push(performance.now() - t0);
    }
    if (measured) rounds++;
    if (r > 0 && r % 100 === 0) progress?.(r, total);
  }
  return { rounds, samples };
}

/** One variant against the baseline of the same rounds. */
export interface PairedComparison {
  readonly baseline: Summary;
  readonly variant: Summary;
  /** variant median ÷ baseline median. */
  readonly ratio: number;
  /** Median over rounds of (variant − baseline), in ms: what the variant adds to one call. */
  readonly pairedDeltaMs: number;
}

/** Compares two sample arrays taken in the same rounds (index `i` of both is round `i`). */
export function compareRounds(baseline: readonly number[], variant: readonly number[]): PairedComparison {
  const b = summarize(baseline);
  const v = summarize(variant);
  const n = Math.min(baseline.length, variant.length);
  const deltas = Array.from({ length: n }, (_, i) => variant[i]! - baseline[i]!);
  return { baseline: b, variant: v, ratio: v.median / b.median, pairedDeltaMs: summarize(deltas).median };
}
