/**
 * @module migration/migration — the router's migration services, shared by the library and the
 * gateway: copy-on-read in the background, the key lock, mirrored writes and deletes, and the
 * events (divergences, copies) that make every difference between stores visible.
 */
import { DeleteObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { MirrorWriteError, type StoreState } from "../errors.js";
import { toPhysicalBucket, toPhysicalKey } from "../mapping/key-mapping.js";
import type { Route } from "../routing/route-table.js";
import { copyAcrossBackends } from "../spanning/cross-copy.js";
import type { DeleteCoordination, Divergence, RouterBackends } from "../spanning/spanning-context.js";
import { asCopySourceKey, type SseCustomerKey } from "../spanning/sse-customer-key.js";
import { copyToPrimary, lockKey, type CopyOutcome } from "./copy-to-primary.js";
import { KeyLock } from "./key-lock.js";
import { isInvalidVersion, isNotFound } from "./s3-outcomes.js";

/** Something the migration modes did that an operator should see. */
export type MigrationEvent =
  | {
      /** A write reached the primary but not the mirror: the stores differ for this key. */
      readonly type: "mirror-divergence";
      readonly operation: string;
      readonly route: string;
      readonly bucket: string;
      readonly key: string;
      readonly stores: readonly StoreState[];
      readonly error: unknown;
    }
  | {
      /**
       * A copy-on-read finished (or failed: `outcome` "failed" with the error; or was not started
       * because too many were running: "skipped").
       */
      readonly type: "copy-on-read";
      readonly route: string;
      readonly bucket: string;
      readonly key: string;
      readonly outcome: CopyOutcome["outcome"] | "failed" | "skipped";
      readonly error?: unknown;
    };

/** Counters of the migration modes since the router was built. */
export interface MigrationStats {
  /** Writes and deletes that reached the primary but not the mirror. */
  mirrorDivergences: number;
  /** Copy-on-read results. `skipped`: not started because too many were running. */
  copyOnRead: { copied: number; present: number; gone: number; failed: number; skipped: number };
}

/**
 * Background copy-on-read copies at once; past this, reads are served without starting one (the
 * next read of the key tries again).
 */
const MAX_BACKGROUND_COPIES = 4;
/**
 * Parts each background copy of a large object uploads at once. Parts are held in memory, so
 * copy-on-read takes at most MAX_BACKGROUND_COPIES × (this + 1) × copyPartSize (64 MiB with the
 * defaults) from a router or gateway serving traffic; `migrate`, which is there to copy, goes wider.
 */
const BACKGROUND_QUEUE_SIZE = 1;

type Options = Record<string, unknown> | undefined;

/**
 * Migration services of one router. Reach it as `router.migration`.
 *
 * @example
 * ```ts
 * router.migration.on((event) => {
 *   if (event.type === "mirror-divergence") alert(`${event.bucket}/${event.key} differs on the mirror`);
 * });
 * await router.migration.settled(); // background copy-on-read copies are done
 * ```
 */
export class Migration implements DeleteCoordination {
  /** Counters since the router was built. */
  readonly stats: MigrationStats = {
    mirrorDivergences: 0,
    copyOnRead: { copied: 0, present: 0, gone: 0, failed: 0, skipped: 0 },
  };
  readonly #backends: RouterBackends;
  readonly #lock = new KeyLock();
  /** Mirror updates of one key run in turn: the last to run reads the primary's latest state. */
  readonly #mirrorLock = new KeyLock();
  readonly #listeners = new Set<(event: MigrationEvent) => void>();
  readonly #copies = new Map<string, Promise<void>>();

  constructor(backends: RouterBackends) {
    this.#backends = backends;
  }

  /** The context of one of the router's own operations over several stores. */
  #ctx(sendOptions: Options) {
    return { ...this.#backends, migration: this, sendOptions };
  }

  /**
   * Calls `listener` for every migration event; returns the function that stops it. While no
   * listener is set, mirror divergences are written to stderr, so none goes unseen.
   */
  on(listener: (event: MigrationEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Resolves once every background copy started so far has finished. */
  async settled(): Promise<void> {
    while (this.#copies.size > 0) await Promise.all(this.#copies.values());
  }

  /**
   * Copies one object from `route`'s fallback to `route`'s own store unless it is there already
   * (see {@link copyToPrimary}), keeping its encryption.
   * @param sseCustomerKey - the object's SSE-C key, when it has one; without it such an object
   *   is refused with {@link SseKeyRequiredError}.
   */
  copyToPrimary(
    route: Route,
    bucket: string,
    key: string,
    sendOptions?: Options,
    sseCustomerKey?: SseCustomerKey,
  ): Promise<CopyOutcome> {
    return copyToPrimary(this.#ctx(sendOptions), this.#lock, route, bucket, key, {
      sseCustomerKey,
      purpose: "migrate",
    });
  }

  /**
   * Starts a background copy-on-read of a key just read from `route`'s fallback.
   * @param sseCustomerKey - the SSE-C key the read carried: the copy reads and writes under it
   *   (held only until the copy ends).
   */
  scheduleCopy(route: Route, bucket: string, key: string, sseCustomerKey?: SseCustomerKey): void {
    const id = lockKey(route, bucket, key);
    if (this.#copies.has(id)) return;
    if (this.#copies.size >= MAX_BACKGROUND_COPIES) {
      this.stats.copyOnRead.skipped++;
      this.#emit({ type: "copy-on-read", route: route.name, bucket, key, outcome: "skipped" });
      return;
    }
    const done = copyToPrimary(this.#ctx(undefined), this.#lock, route, bucket, key, {
      queueSize: BACKGROUND_QUEUE_SIZE,
      sseCustomerKey,
      purpose: "copy-on-read",
    }).then(
      (result) => {
        this.stats.copyOnRead[result.outcome]++;
        this.#emit({ type: "copy-on-read", route: route.name, bucket, key, outcome: result.outcome });
      },
      (error: unknown) => {
        this.stats.copyOnRead.failed++;
        this.#emit({ type: "copy-on-read", route: route.name, bucket, key, outcome: "failed", error });
      },
    );
    this.#copies.set(
      id,
      done.finally(() => this.#copies.delete(id)),
    );
  }

  /**
   * Runs a caller's delete of keys of `bucket` once no copy of them from a fallback runs in this
   * process, and keeps new copies waiting until it is done: a copy finishing after the delete
   * would bring the object back. Keys of routes without a fallback are not locked.
   */
  async deleting<T>(
    bucket: string,
    keys: ReadonlyArray<readonly [route: Route, key: string]>,
    run: () => Promise<T>,
  ): Promise<T> {
    // Taken in one global order: two batch deletes sharing keys cannot each wait for the other.
    // (Copies hold one key at a time.)
    const ids = [
      ...new Set(keys.filter(([route]) => route.fallback).map(([route, key]) => lockKey(route, bucket, key))),
    ].sort();
    const hold = (i: number): Promise<T> => (i === ids.length ? run() : this.#lock.run(ids[i]!, () => hold(i + 1)));
    return hold(0);
  }

  /**
   * Deletes a key from `route`'s fallback, before the primary (the order copy-to-primary relies
   * on). A key the fallback does not hold is deleted already.
   */
  async deleteFromFallback(
    route: Route,
    bucket: string,
    key: string,
    versionId: string | undefined,
    sendOptions?: Options,
  ): Promise<void> {
    const fallback = route.fallback!;
    try {
      await this.#client(fallback).send(
        new DeleteObjectCommand({
          ...place(fallback, bucket, key),
          ...(versionId !== undefined && { VersionId: versionId }),
        }),
        sendOptions as never,
      );
    } catch (error) {
      // A version id from the primary may mean nothing to the fallback, which may say so.
      if (!isNotFound(error) && !(versionId !== undefined && isInvalidVersion(error))) throw error;
    }
  }

  /**
   * Brings `route`'s mirror in line with the primary for one key, after a write there: the object
   * as the primary now stores it (bytes, metadata, tags, encryption) is streamed to the mirror.
   * @param sseCustomerKey - the write's SSE-C key: the object is read from the primary and written
   *   to the mirror under it. An SSE-C object updated without one (a tagging change) diverges with
   *   an {@link SseKeyRequiredError} as the cause.
   * Not under the caller's abort signal: a caller that goes away must not leave the mirror behind.
   * @throws {@link MirrorWriteError} when the mirror fails; the divergence is counted and reported.
   */
  async mirrorWrite(
    operation: string,
    route: Route,
    bucket: string,
    key: string,
    written: { ETag?: unknown; VersionId?: unknown },
    sseCustomerKey?: SseCustomerKey,
  ): Promise<void> {
    const mirror = route.mirror!;
    try {
      // In turn per key: two overlapping writes' updates could otherwise land in the wrong order
      // and leave the mirror with the older bytes.
      await this.#mirrorLock.run(lockKey(route, bucket, key), () =>
        copyAcrossBackends(
          { ...this.#ctx(undefined), crossBackendCopy: true },
          "CopyObject",
          sseCustomerKey ? { ...sseCustomerKey, ...asCopySourceKey(sseCustomerKey) } : {},
          { spanning: "copy", source: { bucket, key, versionId: undefined }, from: route, to: mirror, bucket, key },
          // Nobody sees this copy's answer: no read-back of the mirror.
          { exactAnswer: false, keepEncryption: true, purpose: "mirror update" },
        ),
      );
    } catch (error) {
      throw this.divergence({ operation, route, bucket, key, primaryState: "written", written, error });
    }
  }

  /**
   * Deletes a key from `route`'s mirror after the primary deleted it (not under the caller's
   * abort signal either).
   * @throws {@link MirrorWriteError} when the mirror fails; the divergence is counted and reported.
   */
  async mirrorDelete(
    operation: string,
    route: Route,
    bucket: string,
    key: string,
    versionId: string | undefined,
  ): Promise<void> {
    const mirror = route.mirror!;
    try {
      // A version id names a version of the primary: the mirror's copy has its own, so the
      // mirror deletes its current object.
      await this.#mirrorLock.run(lockKey(route, bucket, key), () =>
        this.#client(mirror).send(new DeleteObjectCommand(place(mirror, bucket, key))),
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.divergence({
        operation,
        route,
        bucket,
        key,
        primaryState: "deleted",
        written: { VersionId: versionId },
        error,
      });
    }
  }

  /**
   * Counts and reports a write that reached the primary but not the mirror, and returns the
   * error for the caller.
   */
  divergence({ operation, route, bucket, key, primaryState, written, error }: Divergence): MirrorWriteError {
    const mirror = route.mirror!;
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    const stores: StoreState[] = [
      {
        role: "primary",
        client: route.client,
        ...where(route, bucket, key),
        state: primaryState,
        etag: str(written.ETag),
        versionId: str(written.VersionId),
      },
      { role: "mirror", client: mirror.client, ...where(mirror, bucket, key), state: "failed" },
    ];
    this.stats.mirrorDivergences++;
    const failure = new MirrorWriteError(operation, bucket, key, route.name, stores, error);
    const event: MigrationEvent = {
      type: "mirror-divergence",
      operation,
      route: route.name,
      bucket,
      key,
      stores,
      error,
    };
    if (this.#listeners.size === 0) {
      process.stderr.write(
        `${JSON.stringify({ level: "warn", msg: "mirror divergence", operation, route: route.name, bucket, key, stores, error: failure.message })}\n`,
      );
    }
    this.#emit(event);
    return failure;
  }

  #emit(event: MigrationEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener must not fail the request that raised the event.
      }
    }
  }

  #client(route: Route): S3Client {
    return this.#backends.backend(route.client);
  }
}

/** A caller object's physical bucket and key on a route. */
const place = (route: Route, bucket: string, key: string) => ({
  Bucket: toPhysicalBucket(route, bucket),
  Key: toPhysicalKey(route, key),
});
const where = (route: Route, bucket: string, key: string) => ({
  bucket: toPhysicalBucket(route, bucket),
  key: toPhysicalKey(route, key),
});
