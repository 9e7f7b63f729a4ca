/**
 * @module migration/migrate-rate — how fast a migration goes and how long it has left, from
 * samples of its progress.
 */
/** A count of objects and their bytes. */
export interface Tally {
  objects: number;
  bytes: number;
}

/** Throughput. */
export interface Rate {
  readonly objectsPerSecond: number;
  readonly bytesPerSecond: number;
}

/** A point of a run's progress, for {@link rateOver}. */
export interface ProgressSample {
  /** Milliseconds (any origin). */
  readonly at: number;
  readonly objects: number;
  readonly bytes: number;
}

/** The rate is measured over this much recent time: the current speed, not the run's average. */
export const RATE_WINDOW_MS = 10_000;
/** Shorter than this, a measurement says more about timing noise than about speed. */
const MIN_RATE_SPAN_MS = 1000;

/**
 * Throughput between the first and last sample; undefined when they span too little time to
 * tell (under a second).
 * @example
 * ```ts
 * rateOver([{ at: 0, objects: 0, bytes: 0 }, { at: 2000, objects: 10, bytes: 4096 }]);
 * // { objectsPerSecond: 5, bytesPerSecond: 2048 }
 * ```
 */
export function rateOver(samples: readonly ProgressSample[]): Rate | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.at - first.at < MIN_RATE_SPAN_MS) return undefined;
  const seconds = (last.at - first.at) / 1000;
  return {
    objectsPerSecond: (last.objects - first.objects) / seconds,
    bytesPerSecond: (last.bytes - first.bytes) / seconds,
  };
}

/**
 * Seconds until `remaining` is done at `rate`: the longer of the two estimates by objects and by
 * bytes, since per-object overhead dominates small objects and bandwidth large ones. Undefined
 * when there is no rate yet, or nothing moved during the measurement.
 * @example
 * ```ts
 * estimateEta({ objects: 100, bytes: 1 << 20 }, { objectsPerSecond: 10, bytesPerSecond: 1 << 20 }); // 10
 * ```
 */
export function estimateEta(remaining: Tally, rate: Rate | undefined): number | undefined {
  if (remaining.objects <= 0) return 0;
  if (!rate) return undefined;
  const byObjects = rate.objectsPerSecond > 0 ? remaining.objects / rate.objectsPerSecond : Infinity;
  const byBytes = remaining.bytes <= 0 ? 0 : rate.bytesPerSecond > 0 ? remaining.bytes / rate.bytesPerSecond : Infinity;
  const eta = Math.max(byObjects, byBytes);
  return Number.isFinite(eta) ? eta : undefined;
}
