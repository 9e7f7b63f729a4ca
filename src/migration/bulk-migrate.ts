/**
 * @module migration/bulk-migrate — `migrate`: copies everything a profile's fallback still holds
 * under a prefix into the profile's own store, object by object with {@link Migration.copyToPrimary}
 * (so never over an object the primary has), in parallel, with progress and a final report.
 *
 * Resumable by construction: a run killed halfway leaves only whole objects on the primary
 * (copyToPrimary writes each with one conditional create), and the next run finds them there.
 * To find them cheaply it lists the primary alongside the fallback — both listings are in S3 key
 * order, so one merge pass pairs them — and does not even HEAD a key the primary listed.
 */
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { S3Router } from "../client/s3-router.js";
import { errorLine, RouterError } from "../errors.js";
import { toLogicalKey, toPhysicalBucket } from "../mapping/key-mapping.js";
import type { Route } from "../routing/route-table.js";
import { compareUtf8 } from "../spanning/utf8-order.js";
import { estimateEta, rateOver, RATE_WINDOW_MS, type ProgressSample, type Rate, type Tally } from "./migrate-rate.js";
import { WorkQueue } from "./work-queue.js";

export { estimateEta, rateOver, type ProgressSample, type Rate };

/** What {@link migrate} needs of the router. */
export type MigrateRouter = Pick<S3Router, "routeTable" | "migration" | "backend">;

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The caller's bucket. */
  readonly bucket: string;
  /** Only keys starting with this (caller's names). @default "" (the whole bucket) */
  readonly prefix?: string;
  /** Objects copied at once. @default 8 */
  readonly concurrency?: number;
  /** List and compare only; write nothing. The report's `copied` is then what would be copied. @default false */
  readonly dryRun?: boolean;
  /**
   * Stops the run: listing stops and no new copy starts; the copies under way finish (each is
   * checked and, if its source went meanwhile, taken back — cutting one short would skip that),
   * then `migrate` resolves with a report marked `interrupted`.
   */
  readonly signal?: AbortSignal;
  /** Called every `progressInterval` ms while the run lasts, and once at its end (`finished`). */
  readonly onProgress?: (progress: MigrateProgress) => void;
  /** @default 200 */
  readonly progressInterval?: number;
}

export type { Tally } from "./migrate-rate.js";

/** One object (or listing) that failed. */
export interface MigrateFailure {
  /** The profile. */
  readonly route: string;
  /** The caller's key; for a listing that failed, the listing prefix. */
  readonly key: string;
  /** `copy`: the object's copy failed; `list`: the fallback could not be listed (its keys are unknown). */
  readonly stage: "copy" | "list";
  /** The error, as `Name: message`. */
  readonly error: string;
}

/** One profile a run migrates, and where from and to (physical names). */
export interface MigrateRoute {
  readonly profile: string;
  readonly from: { readonly client: string; readonly bucket: string; readonly prefix: string };
  readonly to: { readonly client: string; readonly bucket: string; readonly prefix: string };
}

/** What a run found and did. */
export interface MigrateReport {
  readonly bucket: string;
  readonly prefix: string;
  readonly dryRun: boolean;
  readonly routes: readonly MigrateRoute[];
  /** Objects of the fallbacks under the prefix that their profile serves: the run's total. */
  readonly listed: Tally;
  /** Copied to the primary (in a dry run: not on the primary, so would be copied). */
  readonly copied: Tally;
  /** On the primary already, the same object: same size and ETag (or size, where ETags cannot be compared). */
  readonly present: Tally;
  /** On the primary already, a different object (a newer write): kept, not overwritten. */
  readonly newer: Tally;
  /** Deleted from the fallback after it was listed: nothing to copy. */
  readonly gone: Tally;
  /**
   * Copies that failed, and the first {@link MAX_REPORTED_FAILURES} errors: of those copies, and
   * of fallback listings that failed (stage `list`, not counted in `objects`: their keys are unknown).
   */
  readonly failed: Tally & { readonly errors: readonly MigrateFailure[] };
  /** Fallback keys under the prefix that another profile serves: not this migration's. */
  readonly skipped: number;
  /** Stopped by the signal before the end: objects neither counted nor copied remain. */
  readonly interrupted: boolean;
  /** Things that did not fail the run but that an operator should know. */
  readonly notes: readonly string[];
  readonly elapsedMs: number;
}

/** A snapshot of a run, for a progress display. */
export interface MigrateProgress {
  readonly dryRun: boolean;
  /** Whether the fallbacks are still being listed (so `total` is not known yet). */
  readonly listing: boolean;
  /** Objects and bytes found so far. */
  readonly listed: Tally;
  /** The run's objects and bytes, once listing has ended. */
  readonly total: Tally | undefined;
  /** Objects settled (copied, present, newer, gone or failed) and their listed bytes. */
  readonly done: Tally;
  readonly copied: Tally;
  readonly present: number;
  readonly newer: number;
  readonly gone: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /**
   * Recent throughput of the objects that needed a copy; undefined until measurable. In the last
   * call: the run's average (undefined when nothing needed a copy).
   */
  readonly rate: Rate | undefined;
  /** Seconds left; undefined while listing or before a rate is known. */
  readonly etaSeconds: number | undefined;
  /** True in the last call, after which nothing changes. */
  readonly finished: boolean;
  /** In the last call: whether the run was stopped by the signal before the end. */
  readonly interrupted: boolean;
}

/** Failures kept with their key and error; past this only counted (a run may fail millions). */
export const MAX_REPORTED_FAILURES = 1000;
/**
 * Listed objects waiting for a copy. The listing runs this far ahead of the copies, so the total
 * is known early on most runs, while memory stays bounded on a fallback of any size.
 */
const LISTING_WINDOW = 10_000;
/**
 * Copies what the fallbacks of the profiles serving `s3://bucket/prefix` still hold into each
 * profile's own store, and reports what it found and did. Objects the primary holds already are
 * never overwritten, so a run can be repeated (or resumed after a kill) at any time; while it runs
 * the router keeps serving reads (from the fallback until copied) and writes.
 *
 * Backend failures of single objects do not stop the run: they are counted and listed in the
 * report's `failed`.
 *
 * @throws {@link RouterError} when no profile with a fallback serves keys under the prefix.
 * @example
 * ```ts
 * const router = createS3Router(await loadRouterConfig("router.yaml"));
 * const report = await migrate(router, { bucket: "example-bucket", prefix: "team2/", concurrency: 16 });
 * console.log(`${report.copied.objects} copied, ${report.present.objects} there already, ${report.failed.objects} failed`);
 * ```
 */
export async function migrate(router: MigrateRouter, options: MigrateOptions): Promise<MigrateReport> {
  const { bucket, prefix = "", dryRun = false, signal } = options;
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RouterError(`concurrency must be a positive integer, got ${concurrency}`);
  const reached = router.routeTable.routesForPrefix(bucket, prefix);
  const routes = reached.filter((route) => route.fallback !== undefined);
  if (routes.length === 0) {
    throw new RouterError(
      `nothing to migrate under s3://${bucket}/${prefix}: no profile serving it has a fallback (it reaches ${reached.map((r) => `"${r.name}"`).join(", ")})`,
    );
  }

  const run = new Run(dryRun);
  const queue = new WorkQueue<Work>(LISTING_WINDOW);
  const onAbort = () => queue.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  const emit = () => options.onProgress?.(run.progress(false));
  const ticker = options.onProgress ? setInterval(emit, options.progressInterval ?? 200) : undefined;
  // A progress display must never keep a finished process alive.
  ticker?.unref();

  const copyOne = async (work: Work): Promise<void> => {
    try {
      const result = await router.migration.copyToPrimary(work.route, bucket, work.key);
      if (result.outcome === "copied") run.settle(work, "copied", result.size);
      else if (result.outcome === "gone") run.settle(work, "gone");
      else run.settle(work, sameObject(work, { size: result.size, etag: result.etag }) ? "present" : "newer");
    } catch (error) {
      run.fail({ route: work.route.name, key: work.key, stage: "copy", error: errorLine(error) }, work.size);
    }
  };
  const workers = Array.from({ length: concurrency }, async () => {
    for (let work = await queue.take(); work !== undefined; work = await queue.take()) await copyOne(work);
  });

  try {
    for (const route of routes) {
      if (signal?.aborted) break;
      await listRoute(router, route, bucket, prefix, run, queue, signal);
    }
    run.listingDone();
    queue.close();
    await Promise.all(workers);
  } finally {
    queue.abort();
    if (ticker) clearInterval(ticker);
    signal?.removeEventListener("abort", onAbort);
  }
  const interrupted = signal?.aborted === true;
  const report = run.report(
    bucket,
    prefix,
    routes.map((r) => describeRoute(r, bucket, prefix)),
    interrupted,
  );
  options.onProgress?.(run.progress(true, interrupted));
  return report;
}

/** An object of a fallback that the primary's listing did not hold. */
interface Work {
  readonly route: Route;
  /** The caller's key. */
  readonly key: string;
  readonly size: number;
  readonly etag: string | undefined;
}

/** An object as a listing shows it, in the caller's key. */
interface Listed {
  readonly key: string;
  readonly size: number;
  readonly etag: string | undefined;
}

/**
 * Lists `route`'s fallback under the prefix and sorts each object: settled at once when the
 * primary's listing holds it (or in a dry run), queued for a copy otherwise.
 */
async function listRoute(
  router: MigrateRouter,
  route: Route,
  bucket: string,
  prefix: string,
  run: Run,
  queue: WorkQueue<Work>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const fallback = route.fallback!;
  const under = narrowPrefix(route, prefix);
  const primary = new SortedCursor(
    listLogical(router.backend(route.client), route, toPhysicalBucket(route, bucket), under, signal),
  );
  let listedAny = false;
  try {
    for await (const object of listLogical(
      router.backend(fallback.client),
      fallback,
      toPhysicalBucket(fallback, bucket),
      under,
      signal,
    )) {
      listedAny = true;
      // The fallback holds keys of the other profiles that share it: those are theirs to migrate.
      if (router.routeTable.resolveObject(bucket, object.key) !== route) {
        run.skipped++;
        continue;
      }
      run.list(object.size);
      const there = await primary.find(object.key);
      if (there) run.settle(object, sameObject(object, there) ? "present" : "newer");
      else if (run.dryRun) run.settle(object, "copied", object.size);
      else await queue.put({ route, ...object });
      if (signal?.aborted) return;
    }
  } catch (error) {
    if (signal?.aborted) return;
    run.fail(
      {
        route: route.name,
        key: under,
        stage: "list",
        error: `listing the fallback (client "${fallback.client}"): ${errorLine(error)}`,
      },
      0,
    );
  }
  if (primary.error !== undefined && listedAny) {
    run.notes.push(
      `profile "${route.name}": the primary (client "${route.client}", bucket "${toPhysicalBucket(route, bucket)}") could not be listed (${errorLine(primary.error)}); every key was checked on its own instead`,
    );
  }
}

/**
 * The listing prefix for a route: the caller's prefix, or the route's own literal key prefix when
 * that is longer (a profile for `team2/*` under prefix "" only needs `team2/` listed).
 */
function narrowPrefix(route: Route, prefix: string): string {
  const own = route.keyPattern?.prefix ?? "";
  return own.startsWith(prefix) ? own : prefix;
}

/** Every object of a route's store under the caller's `prefix`, page by page, in caller keys. */
async function* listLogical(
  client: S3Client,
  route: Route,
  physicalBucket: string,
  prefix: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Listed> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: physicalBucket,
        Prefix: route.mappedPrefix + prefix,
        ...(token !== undefined && { ContinuationToken: token }),
      }),
      signal ? { abortSignal: signal } : {},
    );
    for (const entry of page.Contents ?? []) {
      const key = entry.Key === undefined ? undefined : toLogicalKey(route, entry.Key);
      if (key !== undefined) yield { key, size: entry.Size ?? 0, etag: entry.ETag };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/**
 * The primary's listing walked alongside the fallback's. Both are in S3 order of the caller's key
 * (each store's keys are its prefix plus the caller's key, and a common prefix keeps the order),
 * so asking for ever larger keys reads each listing once.
 */
class SortedCursor {
  /** Why the listing stopped early; it then answers "not listed" and copies check each key. */
  error: unknown;
  #current: Listed | undefined;
  #started = false;
  #ended = false;

  constructor(private readonly source: AsyncIterator<Listed>) {}

  /** The listed object with this key, or undefined. Keys must be asked in ascending order. */
  async find(key: string): Promise<Listed | undefined> {
    if (!this.#started) {
      this.#started = true;
      await this.#next();
    }
    while (this.#current && compareUtf8(this.#current.key, key) < 0) await this.#next();
    return this.#current?.key === key ? this.#current : undefined;
  }

  async #next(): Promise<void> {
    if (this.#ended) return;
    try {
      const next = await this.source.next();
      this.#current = next.done ? undefined : next.value;
      this.#ended = next.done === true;
    } catch (error) {
      // A primary that cannot be listed (no such bucket yet, no permission to list) only costs
      // the shortcut: copyToPrimary still checks, and fails, per key.
      this.error = error;
      this.#current = undefined;
      this.#ended = true;
    }
  }
}

/**
 * Whether the primary's object is the fallback's. ETags of multipart uploads (`…-N`) depend on
 * the part size, and a copy may be cut in other parts than the original, so where one is such an
 * ETag only the sizes are compared.
 */
function sameObject(
  a: { size: number; etag: string | undefined },
  b: { size: number; etag: string | undefined },
): boolean {
  if (a.size !== b.size) return false;
  if (a.etag === undefined || b.etag === undefined || a.etag === b.etag) return true;
  return isMultipartEtag(a.etag) || isMultipartEtag(b.etag);
}

const isMultipartEtag = (etag: string): boolean => /-\d+"?$/.test(etag);

function describeRoute(route: Route, bucket: string, prefix: string): MigrateRoute {
  const fallback = route.fallback!;
  const under = narrowPrefix(route, prefix);
  return {
    profile: route.name,
    from: {
      client: fallback.client,
      bucket: toPhysicalBucket(fallback, bucket),
      prefix: fallback.mappedPrefix + under,
    },
    to: { client: route.client, bucket: toPhysicalBucket(route, bucket), prefix: route.mappedPrefix + under },
  };
}

type Settled = "copied" | "present" | "newer" | "gone";

/** A run's counters, and the samples its rate is measured on. */
class Run {
  readonly listed: Tally = { objects: 0, bytes: 0 };
  readonly done: Tally = { objects: 0, bytes: 0 };
  readonly counts: Record<Settled, Tally> = {
    copied: { objects: 0, bytes: 0 },
    present: { objects: 0, bytes: 0 },
    newer: { objects: 0, bytes: 0 },
    gone: { objects: 0, bytes: 0 },
  };
  readonly failed: Tally = { objects: 0, bytes: 0 };
  readonly errors: MigrateFailure[] = [];
  readonly notes: string[] = [];
  skipped = 0;
  #listing = true;
  /**
   * Objects and bytes settled by a copy attempt. The rate is measured on these alone: objects the
   * listing settles at once would make the speed look like thousands of objects a second.
   */
  readonly #worked: Tally = { objects: 0, bytes: 0 };
  readonly #samples: ProgressSample[] = [];
  readonly #start = performance.now();

  constructor(readonly dryRun: boolean) {}

  list(size: number): void {
    this.listed.objects++;
    this.listed.bytes += size;
  }

  listingDone(): void {
    this.#listing = false;
  }

  /** One object settled; `work` objects (not settled from the listing) count toward the rate. */
  settle(object: Listed | Work, outcome: Settled, bytes = object.size): void {
    add(this.counts[outcome], bytes);
    add(this.done, object.size);
    if ("route" in object) add(this.#worked, object.size);
  }

  fail(failure: MigrateFailure, size: number): void {
    if (failure.stage === "copy") {
      add(this.failed, size);
      add(this.done, size);
      add(this.#worked, size);
    }
    if (this.errors.length < MAX_REPORTED_FAILURES) this.errors.push(failure);
  }

  progress(finished: boolean, interrupted = false): MigrateProgress {
    const now = performance.now();
    this.#samples.push({ at: now, objects: this.#worked.objects, bytes: this.#worked.bytes });
    // Keep one sample older than the window, so the window is always fully covered.
    while (this.#samples.length > 2 && this.#samples[1]!.at <= now - RATE_WINDOW_MS) this.#samples.shift();
    // The last snapshot reports the run's average, which is known even for a run too short to
    // have measured a recent rate.
    const rate = finished
      ? this.#worked.objects > 0 && now > this.#start
        ? {
            objectsPerSecond: (this.#worked.objects * 1000) / (now - this.#start),
            bytesPerSecond: (this.#worked.bytes * 1000) / (now - this.#start),
          }
        : undefined
      : rateOver(this.#samples);
    const total = this.#listing ? undefined : { ...this.listed };
    const remaining = total && { objects: total.objects - this.done.objects, bytes: total.bytes - this.done.bytes };
    return {
      dryRun: this.dryRun,
      listing: this.#listing,
      listed: { ...this.listed },
      total,
      done: { ...this.done },
      copied: { ...this.counts.copied },
      present: this.counts.present.objects,
      newer: this.counts.newer.objects,
      gone: this.counts.gone.objects,
      failed: this.failed.objects,
      elapsedMs: now - this.#start,
      rate,
      etaSeconds: finished ? 0 : remaining && estimateEta(remaining, rate),
      finished,
      interrupted,
    };
  }

  report(bucket: string, prefix: string, routes: MigrateRoute[], interrupted: boolean): MigrateReport {
    const { copied, present, newer, gone } = this.counts;
    return {
      bucket,
      prefix,
      dryRun: this.dryRun,
      routes,
      listed: { ...this.listed },
      copied: { ...copied },
      present: { ...present },
      newer: { ...newer },
      gone: { ...gone },
      failed: { ...this.failed, errors: [...this.errors] },
      skipped: this.skipped,
      interrupted,
      notes: [...this.notes],
      elapsedMs: Math.round(performance.now() - this.#start),
    };
  }
}

const add = (tally: Tally, bytes: number) => {
  tally.objects++;
  tally.bytes += bytes;
};
