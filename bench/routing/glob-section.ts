/**
 * @module bench/routing/glob-section — glob matching on the inputs that make backtracking
 * matchers explode: how the time of `matches` and of the prefix predicates grows with the length
 * of the string. A backtracking matcher grows as n^(stars) on these; ours should grow linearly.
 * The unit tests check the answers (test/unit/glob.test.ts, and CPython's in
 * glob-fnmatch.test.ts); timing belongs here, where a slow machine cannot fail a test.
 */
import { compileGlob, type Glob } from "../../src/routing/glob.js";
import { timeBatches } from "../harness/batch-timer.js";
import { formatNs, formatNumber } from "../harness/format.js";
import type { BenchContext, BenchSection, SectionOutcome, TargetCheck } from "../harness/section.js";
import { logLogSlope } from "../harness/stats.js";

const LENGTHS = { quick: [1_000, 10_000], full: [1_000, 10_000, 100_000] } as const;
const BUDGET_MS = { quick: 150, full: 500 } as const;
/** A log-log slope above this means worse than linear growth (1.0 is linear; noise allows some). */
const TARGET_SLOPE = 1.3;

/** One measured question: a pattern and the string of length n it is asked about. */
interface Case {
  readonly label: string;
  readonly pattern: string;
  readonly input: (n: number) => string;
  readonly ask: (glob: Glob, s: string) => boolean;
  /** The answer (CPython's, for `matches`): a wrong one voids the measurement. */
  readonly expected: boolean;
}

const matches = (glob: Glob, s: string): boolean => glob.matches(s);

const CASES: readonly Case[] = [
  // Fails only at the last character: a backtracking matcher tries every split of the stars.
  {
    label: "*a*a*a*b vs a…a (no match)",
    pattern: "*a*a*a*b",
    input: (n) => "a".repeat(n),
    ask: matches,
    expected: false,
  },
  {
    label: "*a*a*a*b vs a…ab (match)",
    pattern: "*a*a*a*b",
    input: (n) => `${"a".repeat(n - 1)}b`,
    ask: matches,
    expected: true,
  },
  {
    label: "*a*a*a*a*a*a*a*a*a*a*b vs a…a",
    pattern: "*a*a*a*a*a*a*a*a*a*a*b",
    input: (n) => "a".repeat(n),
    ask: matches,
    expected: false,
  },
  { label: "*?*?*?*x vs y…y", pattern: "*?*?*?*x", input: (n) => "y".repeat(n), ask: matches, expected: false },
  {
    label: "canMatchExtensionOf, logs/*/2024-??-*/*.gz",
    pattern: "logs/*/2024-??-*/*.gz",
    input: (n) => `logs/${"x/".repeat(n / 2)}2024-01-`,
    ask: (glob, s) => glob.canMatchExtensionOf(s),
    expected: true,
  },
  {
    label: "matchesAllExtensionsOf, logs/*/2024-??-*/*.gz",
    pattern: "logs/*/2024-??-*/*.gz",
    input: (n) => `logs/${"x/".repeat(n / 2)}2024-01-`,
    ask: (glob, s) => glob.matchesAllExtensionsOf(s),
    expected: false,
  },
];

interface Point {
  readonly length: number;
  readonly nsPerCall: number;
}

function measure(c: Case, lengths: readonly number[], budgetMs: number): Point[] {
  const glob = compileGlob(c.pattern);
  return lengths.map((length) => {
    const s = c.input(length);
    if (c.ask(glob, s) !== c.expected) throw new Error(`glob: ${c.label} at n=${length} did not answer ${c.expected}`);
    const timing = timeBatches(
      (_start, count) => {
        let hits = 0;
        for (let k = 0; k < count; k++) if (c.ask(glob, s)) hits++;
        return hits;
      },
      { inputs: 1, budgetMs, minBatches: 5 },
    );
    return { length, nsPerCall: timing.nsPerOp.median };
  });
}

export const globSection: BenchSection = {
  id: "glob",
  title: "Glob matching on pathological patterns",
  run(ctx: BenchContext): Promise<SectionOutcome> {
    const lengths = LENGTHS[ctx.mode];
    const results = CASES.map((c) => {
      ctx.log(`glob: ${c.label}`);
      const points = measure(c, lengths, BUDGET_MS[ctx.mode]);
      return { label: c.label, points, slope: logLogSlope(points.map((p) => [p.length, p.nsPerCall] as const)) };
    });
    const targets: TargetCheck[] = results.map((r) => ({
      target: `${r.label}: time grows at most linearly (log-log slope ≤ ${TARGET_SLOPE})`,
      measured: `slope ${formatNumber(r.slope)}`,
      met: Number.isNaN(r.slope) ? undefined : r.slope <= TARGET_SLOPE,
    }));
    return Promise.resolve({
      method:
        "Median time of one call per string length (batches of calls on the same string, after a warm-up), " +
        "and the slope of log(time) against log(length): 1 is linear growth, a backtracking matcher shows " +
        "the number of stars or more.",
      targets,
      tables: [
        {
          title: "Time per call by string length",
          columns: [{ header: "case" }, ...lengths.map((n) => ({ header: `n=${n}`, align: "right" as const }))],
          rows: results.map((r) => [r.label, ...r.points.map((p) => formatNs(p.nsPerCall))]),
        },
      ],
      charts: [],
      notes: [],
      data: results,
    });
  },
};
