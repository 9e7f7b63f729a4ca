/**
 * @module bench/harness/section — the contract every benchmark section fulfils (routing,
 * library, and later the gateway): a `run` that measures and returns plain data — tables,
 * chart specs, targets, notes — which the runner prints and the report writer renders. Results
 * are JSON, so report.md and the SVG charts can always be rebuilt from results.json alone.
 */
import type { ChartSpec } from "./svg-chart.js";
import type { MachineInfo } from "./machine-info.js";

/** How long and how thoroughly to measure. */
export type BenchMode = "quick" | "full";

/** What a section gets from the runner. */
export interface BenchContext {
  readonly mode: BenchMode;
  /** Progress line on stderr (stdout carries the tables). */
  log(message: string): void;
  /** A full garbage collection (with --expose-gc, or enabled at run time). */
  gc(): void;
}

/** One benchmark section: a self-contained set of measurements. */
export interface BenchSection {
  /** Stable identifier: the `--only` value and the key in results.json. */
  readonly id: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<SectionOutcome>;
}

/** A table of already formatted cells (numbers keep their raw values in `data`). */
export interface ResultTable {
  readonly title: string;
  readonly columns: readonly { readonly header: string; readonly align?: "left" | "right" }[];
  readonly rows: readonly (readonly string[])[];
}

/** A goal the section reports against; benchmarks never fail on it. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** `undefined` when the measurement could not be made. */
  readonly met: boolean | undefined;
}

/** What a section's `run` returns. */
export interface SectionOutcome {
  /** One paragraph saying what was measured and how. */
  readonly method: string;
  readonly targets: readonly TargetCheck[];
  readonly tables: readonly ResultTable[];
  readonly charts: readonly ChartSpec[];
  /** Caveats, fallbacks, unavailable cases. */
  readonly notes: readonly string[];
  /** Raw numbers, for results.json. */
  readonly data: unknown;
}

/** A section's outcome as stored in results.json: with when, where and how it ran. */
export interface SectionRecord extends SectionOutcome {
  readonly id: string;
  readonly title: string;
  readonly mode: BenchMode;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly command: string;
  /** The machine, with its load average when the section started. */
  readonly machine: MachineInfo;
  /** 1-minute load average when the section ended. */
  readonly loadAverage1mAfter: number;
  /** How full GCs were obtained (heap figures depend on it). */
  readonly gcSource: string;
}
