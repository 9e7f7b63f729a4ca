/**
 * @module bench/routing/routing-section — route resolution against the number of profiles: the
 * indexed {@link RouteTable} versus the linear scan boto-s3-router does, measured in one run on
 * one seeded query set, with build time and heap of the table.
 */
import type { RouteSpec } from "../../src/config/profile-schema.js";
import { RouteTable } from "../../src/routing/route-table.js";
import {
  mergeTimings,
  timeBatches,
  type BatchRunner,
  type BatchTiming,
  type RawBatchTiming,
} from "../harness/batch-timer.js";
import {
  formatBytes,
  formatCount,
  formatMs,
  formatNs,
  formatNumber,
  formatPercent,
  formatRatio,
} from "../harness/format.js";
import type { BenchContext, BenchSection, ResultTable, SectionOutcome, TargetCheck } from "../harness/section.js";
import { logLogSlope, summarize, type Summary } from "../harness/stats.js";
import type { ChartSpec } from "../harness/svg-chart.js";
import { CompiledLinearScan, FreshRegExpLinearScan } from "./linear-scan.js";
import { QUERY_MIX, generateConfig, generateQueries, profileLabel, type QuerySet } from "./profile-generator.js";

const FULL_SIZES = [10, 100, 1_000, 10_000, 100_000];
const QUICK_SIZES = [10, 100, 1_000, 10_000];
/** Queries the timings cycle through; every one is checked against the linear scan. */
const QUERY_COUNT = 1024;
/**
 * Queries whose glob-bucket and unrouted bucket names are all distinct: more than the route
 * table's bucket memo keeps (4096) at every size, so those names are never found in the memo.
 */
const COLD_QUERY_COUNT = 16_384;
const TARGET_MEDIAN_NS = 1_000;
const TARGET_SPEEDUP = 100;
const TARGET_AT = 10_000;

interface Settings {
  readonly sizes: readonly number[];
  /** Timing budget per variant and size. */
  readonly budgetMs: number;
  /** Time allowed for checking the slow variants (fresh RegExp, memo-cold set) per size. */
  readonly sampleCheckMs: number;
  /** Time allowed for repeated builds per size (at least one build). */
  readonly buildBudgetMs: number;
  /** Turns in which the fast variants share their budget. */
  readonly rounds: number;
}

const SETTINGS: Record<"quick" | "full", Settings> = {
  quick: { sizes: QUICK_SIZES, budgetMs: 400, sampleCheckMs: 500, buildBudgetMs: 600, rounds: 2 },
  full: { sizes: FULL_SIZES, budgetMs: 1_500, sampleCheckMs: 2_000, buildBudgetMs: 2_500, rounds: 3 },
};

/** How many queries of a set were checked against the linear scan. */
interface Checked {
  readonly checked: number;
  readonly of: number;
}

/** Everything measured at one configuration size. */
export interface SizeResult {
  readonly profiles: number;
  /** Profiles per family in the generated configuration. */
  readonly census: Readonly<Record<string, number>>;
  readonly queries: {
    readonly count: number;
    readonly distinctBuckets: number;
    readonly coldCount: number;
    readonly coldDistinctBuckets: number;
    /** Where the query set's queries actually land (route family, or `default`), as fractions. */
    readonly outcomes: Readonly<Record<string, number>>;
  };
  readonly build: {
    readonly ms: Summary;
    readonly heapBytes: Summary;
    /** The baseline's own preparation: compiling every pattern into a list. */
    readonly linearCompileMs: number;
    readonly linearHeapBytes: number;
  };
  /** RouteTable.resolveObject on the query set (bucket memo warm). */
  readonly indexed: BatchTiming;
  /** RouteTable.resolveObject on 8192 queries with distinct bucket names (bucket memo thrashing). */
  readonly indexedMemoCold: BatchTiming;
  /** Linear scan with precompiled globs. */
  readonly linear: BatchTiming;
  /** Linear scan with a fresh RegExp translation per check. */
  readonly fresh: BatchTiming;
  readonly verified: { readonly linear: Checked; readonly fresh: Checked; readonly memoCold: Checked };
}

/** A query answered differently by the index and the linear scan: the benchmark is void. */
export class RoutingMismatchError extends Error {
  override name = "RoutingMismatchError" as const;
}

export const routingSection: BenchSection = {
  id: "routing",
  title: "Route resolution vs number of profiles",
  async run(ctx) {
    const settings = SETTINGS[ctx.mode];
    const results: SizeResult[] = [];
    for (const size of settings.sizes) {
      results.push(await measureSize(size, settings, ctx));
    }
    return outcome(results, settings);
  },
};

async function measureSize(profiles: number, settings: Settings, ctx: BenchContext): Promise<SizeResult> {
  const log = (msg: string) => ctx.log(`routing ${formatCount(profiles).padStart(4)} profiles: ${msg}`);
  const config = generateConfig(profiles);
  const hot = generateQueries(config, QUERY_COUNT);
  const cold = generateQueries(config, COLD_QUERY_COUNT, { seed: 0xc01d, uniqueBuckets: true });

  log("building");
  const { table, ms, heapBytes } = measureBuilds(config.specs, settings.buildBudgetMs, ctx);
  ctx.gc();
  const heapBeforeLinear = process.memoryUsage().heapUsed;
  const compileStart = performance.now();
  const linear = new CompiledLinearScan(config.specs);
  const linearCompileMs = performance.now() - compileStart;
  ctx.gc();
  const linearHeapBytes = process.memoryUsage().heapUsed - heapBeforeLinear;
  const fresh = new FreshRegExpLinearScan(config.specs);

  log("verifying");
  const expected = hot.buckets.map((b, i) => table.resolveObject(b, hot.keys[i]!).index);
  const verifiedLinear = verify("linear scan", linear, hot, expected, config.specs, Infinity);
  const verifiedFresh = verify("fresh-RegExp scan", fresh, hot, expected, config.specs, settings.sampleCheckMs);
  const coldExpected = cold.buckets.map((b, i) => table.resolveObject(b, cold.keys[i]!).index);
  const verifiedCold = verify(
    "linear scan (memo-cold set)",
    linear,
    cold,
    coldExpected,
    config.specs,
    settings.sampleCheckMs,
  );

  const outcomes: Record<string, number> = {};
  for (const index of expected) {
    const family = index === profiles ? "default" : profileLabel(config.profiles[index]!);
    outcomes[family] = (outcomes[family] ?? 0) + 1 / expected.length;
  }

  // The three fast variants are timed in turns, rotating who goes first, so a burst of load on
  // the machine (other processes, a concurrent sweeper) hits them alike; each turn starts on a
  // clean heap, so no variant pays for the garbage of the one before.
  const turns: Array<{ name: "indexed" | "linear" | "indexedMemoCold"; run: BatchRunner; inputs: number }> = [
    { name: "indexed", run: indexedRunner(table, hot), inputs: QUERY_COUNT },
    { name: "linear", run: linearRunner(linear, hot), inputs: QUERY_COUNT },
    // Same table: the cold set holds more bucket names than the memo keeps, so whatever the
    // memo holds when its turn starts is soon dropped.
    { name: "indexedMemoCold", run: indexedRunner(table, cold), inputs: COLD_QUERY_COUNT },
  ];
  const parts: Record<(typeof turns)[number]["name"], RawBatchTiming[]> = {
    indexed: [],
    linear: [],
    indexedMemoCold: [],
  };
  log(`timing the index, the linear scan and the index with a cold memo in ${settings.rounds} turns`);
  for (let round = 0; round < settings.rounds; round++) {
    for (let k = 0; k < turns.length; k++) {
      const turn = turns[(round + k) % turns.length]!;
      await settle(ctx);
      parts[turn.name].push(
        timeBatches(turn.run, {
          inputs: turn.inputs,
          budgetMs: settings.budgetMs / settings.rounds,
          warmupMs: round === 0 ? settings.budgetMs / 5 : settings.budgetMs / 20,
          minBatches: Math.ceil(30 / settings.rounds),
        }),
      );
    }
  }
  const indexed = mergeTimings(parts.indexed);
  const linearTiming = mergeTimings(parts.linear);
  const indexedMemoCold = mergeTimings(parts.indexedMemoCold);
  log("timing the fresh-RegExp scan");
  await settle(ctx);
  const freshTiming = timeBatches(freshRunner(fresh, hot), {
    inputs: QUERY_COUNT,
    budgetMs: settings.budgetMs,
    minBatches: 5,
  });
  log(
    `index ${formatNs(indexed.nsPerOp.median)}, linear ${formatNs(linearTiming.nsPerOp.median)} ` +
      `(${formatRatio(linearTiming.nsPerOp.median / indexed.nsPerOp.median)})`,
  );

  return {
    profiles,
    census: config.census,
    queries: {
      count: hot.buckets.length,
      distinctBuckets: hot.distinctBuckets,
      coldCount: cold.buckets.length,
      coldDistinctBuckets: cold.distinctBuckets,
      outcomes,
    },
    build: { ms, heapBytes, linearCompileMs, linearHeapBytes },
    indexed,
    indexedMemoCold,
    linear: linearTiming,
    fresh: mergeTimings([freshTiming]),
    verified: { linear: verifiedLinear, fresh: verifiedFresh, memoCold: verifiedCold },
  };
}

/** A full GC, then a moment for V8's concurrent sweeper to finish before anything is timed. */
async function settle(ctx: BenchContext): Promise<void> {
  ctx.gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Builds the table repeatedly within the budget (at least once); times each build and its heap. */
function measureBuilds(
  specs: readonly RouteSpec[],
  budgetMs: number,
  ctx: BenchContext,
): { table: RouteTable; ms: Summary; heapBytes: Summary } {
  const times: number[] = [];
  const heaps: number[] = [];
  let table: RouteTable | undefined;
  const start = performance.now();
  do {
    // eslint-disable-next-line no-useless-assignment -- drops the previous table, so the GC below frees it before `before` is read
    table = undefined;
    ctx.gc();
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    table = new RouteTable(specs);
    times.push(performance.now() - t0);
    ctx.gc();
    heaps.push(process.memoryUsage().heapUsed - before);
  } while (
    times.length < 20 &&
    (times.length < 3 || performance.now() - start < budgetMs) &&
    performance.now() - start < budgetMs * 2
  );
  return { table, ms: summarize(times), heapBytes: summarize(heaps) };
}

/**
 * Checks a baseline's answers against the index's, in query order, until all are checked or
 * `capMs` has passed (at least 4). Throws on the first disagreement.
 */
function verify(
  what: string,
  resolver: { resolve(bucket: string, key: string): number },
  queries: QuerySet,
  expected: readonly number[],
  specs: readonly RouteSpec[],
  capMs: number,
): Checked {
  const start = performance.now();
  const n = queries.buckets.length;
  let i = 0;
  for (; i < n && (i < 4 || performance.now() - start < capMs); i++) {
    const bucket = queries.buckets[i]!;
    const key = queries.keys[i]!;
    const got = resolver.resolve(bucket, key);
    if (got !== expected[i]) {
      const name = (index: number) =>
        index === specs.length
          ? "default"
          : `${specs[index]!.name} (${specs[index]!.bucketPattern} ${specs[index]!.keyPattern ?? ""})`;
      throw new RoutingMismatchError(
        `${specs.length} profiles: the RouteTable and the ${what} disagree on bucket "${bucket}", key "${key}": ` +
          `index → ${name(expected[i]!)}, ${what} → ${name(got)}`,
      );
    }
  }
  return { checked: i, of: n };
}

// One runner per baseline, each its own function, so each timing loop's call site stays
// monomorphic for the JIT.

function indexedRunner(table: RouteTable, queries: QuerySet): BatchRunner {
  const { buckets, keys } = queries;
  const n = buckets.length;
  return (start, count) => {
    let acc = 0;
    let i = start;
    for (let c = 0; c < count; c++) {
      acc += table.resolveObject(buckets[i]!, keys[i]!).index;
      if (++i === n) i = 0;
    }
    return acc;
  };
}

function linearRunner(scan: CompiledLinearScan, queries: QuerySet): BatchRunner {
  const { buckets, keys } = queries;
  const n = buckets.length;
  return (start, count) => {
    let acc = 0;
    let i = start;
    for (let c = 0; c < count; c++) {
      acc += scan.resolve(buckets[i]!, keys[i]!);
      if (++i === n) i = 0;
    }
    return acc;
  };
}

function freshRunner(scan: FreshRegExpLinearScan, queries: QuerySet): BatchRunner {
  const { buckets, keys } = queries;
  const n = buckets.length;
  return (start, count) => {
    let acc = 0;
    let i = start;
    for (let c = 0; c < count; c++) {
      acc += scan.resolve(buckets[i]!, keys[i]!);
      if (++i === n) i = 0;
    }
    return acc;
  };
}

// ---------------------------------------------------------------------------------------------
// Presentation

function outcome(results: readonly SizeResult[], settings: Settings): SectionOutcome {
  const at = results.find((r) => r.profiles === TARGET_AT);
  const first = results[0]!;
  const last = results[results.length - 1]!;
  const slope = logLogSlope(results.map((r) => [r.profiles, r.indexed.nsPerOp.median] as const));
  const linearSlope = logLogSlope(results.map((r) => [r.profiles, r.linear.nsPerOp.median] as const));
  const growth = last.indexed.nsPerOp.median / first.indexed.nsPerOp.median;
  const sizeFactor = last.profiles / first.profiles;

  const targets: TargetCheck[] = [
    {
      target: `median resolveObject ≤ ${formatNs(TARGET_MEDIAN_NS)} at ${formatCount(TARGET_AT)} profiles`,
      measured: at
        ? `${formatNs(at.indexed.nsPerOp.median)} (p99 ${formatNs(at.indexed.nsPerOp.p99)})`
        : "not measured",
      met: at ? at.indexed.nsPerOp.median <= TARGET_MEDIAN_NS : undefined,
    },
    {
      target: `≥ ${TARGET_SPEEDUP}× faster than the linear scan at ${formatCount(TARGET_AT)} profiles`,
      measured: at ? `${formatRatio(at.linear.nsPerOp.median / at.indexed.nsPerOp.median)} (medians)` : "not measured",
      met: at ? at.linear.nsPerOp.median / at.indexed.nsPerOp.median >= TARGET_SPEEDUP : undefined,
    },
    {
      target: "sub-linear growth with the number of profiles",
      measured:
        `×${formatNumber(growth)} time for ×${formatCount(sizeFactor)} profiles (${formatCount(first.profiles)} → ${formatCount(last.profiles)}); ` +
        `log-log slope ${slope.toFixed(2)} (linear scan: ${linearSlope.toFixed(2)}; 1 = linear)`,
      met: slope < 1,
    },
  ];

  const resolveTable: ResultTable = {
    title: "resolveObject, per call (median over batches; p99 of batch means)",
    columns: [
      { header: "profiles" },
      { header: "index median" },
      { header: "index p99" },
      { header: "index, memo cold" },
      { header: "linear median" },
      { header: "linear p99" },
      { header: "fresh-RegExp median" },
      { header: "linear ÷ index" },
      { header: "fresh ÷ index" },
      { header: "index growth" },
    ],
    rows: results.map((r, i) => {
      const prev = results[i - 1];
      return [
        formatCount(r.profiles),
        formatNs(r.indexed.nsPerOp.median),
        formatNs(r.indexed.nsPerOp.p99),
        formatNs(r.indexedMemoCold.nsPerOp.median),
        formatNs(r.linear.nsPerOp.median),
        formatNs(r.linear.nsPerOp.p99),
        formatNs(r.fresh.nsPerOp.median) + (r.fresh.batches < 30 ? ` (n=${r.fresh.batches})` : ""),
        formatRatio(r.linear.nsPerOp.median / r.indexed.nsPerOp.median),
        formatRatio(r.fresh.nsPerOp.median / r.indexed.nsPerOp.median),
        prev ? formatRatio(r.indexed.nsPerOp.median / prev.indexed.nsPerOp.median) : "",
      ];
    }),
  };

  const buildTable: ResultTable = {
    title: "RouteTable build and heap (heapUsed delta after a full GC)",
    columns: [
      { header: "profiles" },
      { header: "build median" },
      { header: "build / profile" },
      { header: "builds" },
      { header: "table heap" },
      { header: "heap / profile" },
      { header: "linear: compile" },
      { header: "linear: heap" },
    ],
    rows: results.map((r) => [
      formatCount(r.profiles),
      formatMs(r.build.ms.median),
      formatMs(r.build.ms.median / r.profiles),
      String(r.build.ms.n),
      formatBytes(r.build.heapBytes.median),
      formatBytes(r.build.heapBytes.median / r.profiles),
      formatMs(r.build.linearCompileMs),
      formatBytes(r.build.linearHeapBytes),
    ]),
  };

  const mixTable: ResultTable = {
    title: "Where the query set lands, and how much of it was checked against the linear scan",
    columns: [
      { header: "profiles" },
      { header: "literal bucket" },
      { header: "key pattern" },
      { header: "bucket glob" },
      { header: "catch-all" },
      { header: "default" },
      { header: "distinct buckets" },
      { header: "checked: linear" },
      { header: "fresh" },
      { header: "memo-cold set" },
    ],
    rows: results.map((r) => {
      const o = r.queries.outcomes;
      const share = (k: string) => formatPercent(o[k] ?? 0);
      const checked = (c: Checked) => (c.checked === c.of ? `all ${c.of}` : `${c.checked} of ${c.of}`);
      return [
        formatCount(r.profiles),
        share("literal-bucket"),
        share("key-pattern"),
        formatPercent((o["bucket-glob"] ?? 0) + (o["bucket-glob+key"] ?? 0)),
        share("catch-all"),
        share("default"),
        `${r.queries.distinctBuckets} / ${r.queries.coldDistinctBuckets}`,
        checked(r.verified.linear),
        checked(r.verified.fresh),
        checked(r.verified.memoCold),
      ];
    }),
  };

  const points = (pick: (r: SizeResult) => number) => results.map((r) => [r.profiles, pick(r)] as [number, number]);
  const charts: ChartSpec[] = [
    {
      kind: "line",
      file: "routing-resolve.svg",
      title: "resolveObject time vs number of profiles",
      xLabel: "profiles (log)",
      yLabel: "ns per call (log)",
      xScale: "log",
      yScale: "log",
      series: [
        { name: "index, median", points: points((r) => r.indexed.nsPerOp.median) },
        { name: "index, p99", points: points((r) => r.indexed.nsPerOp.p99), dashed: true },
        { name: "index, memo cold", points: points((r) => r.indexedMemoCold.nsPerOp.median), dashed: true },
        { name: "linear scan, median", points: points((r) => r.linear.nsPerOp.median) },
        { name: "fresh RegExp, median", points: points((r) => r.fresh.nsPerOp.median) },
      ],
      guides: [{ y: TARGET_MEDIAN_NS, label: "target ≤ 1 µs" }],
    },
    {
      kind: "line",
      file: "routing-speedup.svg",
      title: "Speed-up of the index over the linear scan",
      xLabel: "profiles (log)",
      yLabel: "linear ÷ index, medians (log)",
      xScale: "log",
      yScale: "log",
      series: [
        { name: "vs compiled linear scan", points: points((r) => r.linear.nsPerOp.median / r.indexed.nsPerOp.median) },
        {
          name: "vs fresh-RegExp scan",
          points: points((r) => r.fresh.nsPerOp.median / r.indexed.nsPerOp.median),
          dashed: true,
        },
      ],
      guides: [{ y: TARGET_SPEEDUP, label: "target ≥ 100×" }],
    },
    {
      kind: "line",
      file: "routing-build.svg",
      title: "RouteTable build time and heap",
      xLabel: "profiles (log)",
      yLabel: "ms / MiB (log)",
      xScale: "log",
      yScale: "log",
      series: [
        { name: "build time (ms)", points: points((r) => r.build.ms.median) },
        { name: "table heap (MiB)", points: points((r) => r.build.heapBytes.median / 2 ** 20) },
        { name: "linear list heap (MiB)", points: points((r) => r.build.linearHeapBytes / 2 ** 20), dashed: true },
      ],
    },
  ];

  const ten = results.find((r) => r.profiles === TARGET_AT) ?? last;
  const notes = [
    `Query mix (seeded, ${QUERY_COUNT} queries, shuffled): ${formatPercent(QUERY_MIX["literal-bucket"])} hits on literal buckets, ${formatPercent(QUERY_MIX["key-pattern"])} on key patterns of shared "lake" buckets, ` +
      `${formatPercent(QUERY_MIX["bucket-glob"])} on bucket globs, ${formatPercent(QUERY_MIX["key-miss"])} lake keys no team prefix claims, ${formatPercent(QUERY_MIX["unknown-bucket"])} unrouted buckets; ` +
      "the last table shows where they actually land (first match wins). Profiles mix literal buckets (40%), key globs on shared buckets (30%: `teamN/*`, `teamN/*.parquet`, `dataN/[0-9]*`, `*.ext`) and bucket globs (30%: `logs-N-*`, `team-N-??`, `projN-[a-f]*`, a third of them also restricted to `[0-9][0-9][0-9][0-9]/*` or `raw/*` keys), plus two leading-wildcard catch-alls (`*-scratch`, `*-tmp`) that no prefix index can narrow.",
    `"memo cold": RouteTable memoises bucket name → matching bucket groups for up to 4096 names, then starts over. This variant cycles through ${COLD_QUERY_COUNT} queries in the same mix whose glob-bucket and unrouted bucket names are all distinct (${ten.queries.coldDistinctBuckets} distinct names at ${formatCount(ten.profiles)} profiles, always more than 4096), so those 35% of queries never find their bucket in the memo and match the bucket globs afresh; literal and lake buckets repeat and mostly hit it.`,
    `Batches: about 0.2 ms each (at least one call), ${settings.budgetMs} ms of batches per variant and size after warm-up. The index, the linear scan and the memo-cold index take ${settings.rounds} turns each, rotating who goes first, with a full GC before every turn, so a burst of load on the machine hits them alike. The fresh-RegExp scan is timed once and is slow enough at large sizes to get only a few batches (n shown when below 30).`,
    "Heap: process.memoryUsage().heapUsed after a full GC, minus the same before building; it includes the compiled globs (every Glob carries its matcher and prefix automaton) but not the RouteSpec objects, which exist before the build.",
  ];

  return {
    method:
      "Seeded configurations of 10 to 100k profiles mixing literal buckets, bucket globs and key globs are compiled into a RouteTable. " +
      "A fixed seeded query set is resolved with RouteTable.resolveObject and with the baseline boto-s3-router uses — every profile in order, " +
      "fnmatch on the bucket then the key, first match wins — using the same compiled globs (compileGlob(...).matches), so only the indexing differs; " +
      "a second baseline translates each glob into a new RegExp on every check, as Python does once its fnmatch cache (32768 patterns since 3.9, 256 before) overflows. " +
      "Every query's route is checked to be the same for the index and the linear scan before anything is timed; the run aborts otherwise.",
    targets,
    tables: [resolveTable, buildTable, mixTable],
    charts,
    notes,
    data: { sizes: results, settings },
  };
}
