/**
 * @module test/support/live-memory — how much memory code under test holds while it runs: live
 * memory (after a full collection, so garbage V8 has not reclaimed yet does not count), sampled
 * every 20 ms against a baseline taken just before.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** The `gc()` function, exposed at run time when the process was not started with --expose-gc. */
export function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** Peaks of live memory above the baseline while `work` ran, and how often it was sampled. */
export interface LiveMemory {
  readonly peakArrayBuffers: number;
  readonly peakRss: number;
  /** Peak of V8's live heap (objects and strings) above the baseline. */
  readonly peakHeap: number;
  readonly samples: number;
}

/**
 * Runs `work` while sampling live memory. Sampling can only miss peaks, so an upper bound checked
 * on the result cannot fail by timing; `samples` proves it looked during the work.
 */
export async function measureLiveMemory(work: () => Promise<unknown>): Promise<LiveMemory> {
  const gc = exposeGc();
  // Buffers of earlier work (a seeding upload's sockets) are let go over a few ticks: settle,
  // or the baseline holds them and the peaks read low.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  gc();
  const before = process.memoryUsage();
  let peakArrayBuffers = 0;
  let peakRss = 0;
  let peakHeap = 0;
  let samples = 0;
  const timer = setInterval(() => {
    gc();
    const now = process.memoryUsage();
    peakArrayBuffers = Math.max(peakArrayBuffers, now.arrayBuffers - before.arrayBuffers);
    peakRss = Math.max(peakRss, now.rss - before.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed - before.heapUsed);
    samples++;
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { peakArrayBuffers, peakRss, peakHeap, samples };
}
