/**
 * @module bench/harness/batch-timer — times a synchronous operation in batches. One call of a
 * sub-microsecond function is below what a clock read can resolve, so each sample is a batch of
 * consecutive calls; the batch size is calibrated so a batch lasts about `batchNs`, and the
 * number of batches so the whole measurement lasts about `budgetMs`.
 */
import { summarize, type Summary } from "./stats.js";

/**
 * Runs operations `start … start + count - 1` (indexes wrap around the caller's input set) and
 * returns something derived from their results, so the JIT cannot drop the calls.
 */
export type BatchRunner = (start: number, count: number) => number;

export interface BatchTimerOptions {
  /** Size of the input set the runner cycles through; batches tile it in order. */
  readonly inputs: number;
  /** Time to spend measuring, warm-up excluded. */
  readonly budgetMs: number;
  /** Warm-up before calibration, so the runner is optimised before it is timed. @default budgetMs / 5 */
  readonly warmupMs?: number;
  /** Target duration of one batch. @default 200_000 (0.2 ms) */
  readonly batchNs?: number;
  /** Fewest batches, even past the budget (a p99 needs some). @default 30 */
  readonly minBatches?: number;
  /** Most batches. @default 5000 */
  readonly maxBatches?: number;
}

/** Per-operation timings in nanoseconds, one sample per batch. */
export interface BatchTiming {
  readonly nsPerOp: Summary;
  readonly batches: number;
  /** Calls per batch (the largest, when timings of several rounds were merged). */
  readonly opsPerBatch: number;
  readonly totalOps: number;
  /** Nanoseconds per operation over everything timed: total time / total operations. */
  readonly throughputNsPerOp: number;
}

/** A timing with its raw samples, which {@link mergeTimings} needs. */
export interface RawBatchTiming extends BatchTiming {
  readonly samples: readonly number[];
  readonly totalNs: number;
}

let sink = 0;
/** Keeps the runners' results observable. */
export const blackhole = (): number => sink;

const now = (): bigint => process.hrtime.bigint();

export function timeBatches(run: BatchRunner, options: BatchTimerOptions): RawBatchTiming {
  const { inputs, budgetMs } = options;
  const batchNs = options.batchNs ?? 200_000;
  const minBatches = options.minBatches ?? 30;
  const maxBatches = options.maxBatches ?? 5000;
  const warmupNs = (options.warmupMs ?? budgetMs / 5) * 1e6;

  // Warm up with growing chunks until the warm-up time is spent; the last chunk calibrates.
  let cursor = 0;
  let chunk = 1;
  let perOpNs: number;
  const warmStart = now();
  for (;;) {
    const t0 = now();
    sink ^= run(cursor, chunk);
    const elapsed = Number(now() - t0);
    cursor = (cursor + chunk) % inputs;
    perOpNs = elapsed / chunk;
    if (Number(now() - warmStart) >= warmupNs) break;
    if (elapsed < batchNs) chunk = Math.min(chunk * 2, 1 << 20);
  }

  const opsPerBatch = Math.max(1, Math.min(Math.round(batchNs / Math.max(perOpNs, 1)), 1 << 20));
  const batchEstimateNs = opsPerBatch * perOpNs;
  const batches = Math.max(
    minBatches,
    Math.min(maxBatches, Math.floor((budgetMs * 1e6) / Math.max(batchEstimateNs, 1))),
  );

  const samples = new Array<number>(batches);
  let totalNs = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = now();
    sink ^= run(cursor, opsPerBatch);
    const elapsed = Number(now() - t0);
    cursor = (cursor + opsPerBatch) % inputs;
    samples[b] = elapsed / opsPerBatch;
    totalNs += elapsed;
  }
  return {
    nsPerOp: summarize(samples),
    batches,
    opsPerBatch,
    totalOps: batches * opsPerBatch,
    throughputNsPerOp: totalNs / (batches * opsPerBatch),
    samples,
    totalNs,
  };
}

/**
 * One timing from several rounds of the same measurement, e.g. taken in turns with other
 * variants so that a burst of load on the machine hits all of them alike.
 */
export function mergeTimings(parts: readonly RawBatchTiming[]): BatchTiming {
  const samples = parts.flatMap((p) => p.samples);
  const totalOps = parts.reduce((acc, p) => acc + p.totalOps, 0);
  const totalNs = parts.reduce((acc, p) => acc + p.totalNs, 0);
  return {
    nsPerOp: summarize(samples),
    batches: samples.length,
    opsPerBatch: Math.max(...parts.map((p) => p.opsPerBatch)),
    totalOps,
    throughputNsPerOp: totalNs / totalOps,
  };
}
