/**
 * @module test/conformance/target — what the shared S3 conformance suite needs from a target:
 * something that speaks S3 (a backend's own S3Client, the library's S3Router, an SDK client of
 * the gateway), the buckets the scenarios use in the caller's names, and the oracle of where an
 * object must physically be. The suite drives every target the same way; only the answers to
 * "where is it" and "what cannot this target do, and why" differ.
 */
import type { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

/** The targets: the backend itself (the reference), the library router, the gateway via the SDK. */
export type TargetName = "direct" | "library" | "gateway";

/**
 * The caller's buckets the scenarios use. On routed targets `split` and `listing` are each split
 * by key pattern over both stores (renamed, prefixed); `whole` is routed as a whole to the other
 * store. On the direct target all three are plain buckets of one store.
 */
export interface ConformanceBuckets {
  /** Objects, copies, multipart, batch deletes, errors, presign. */
  readonly split: string;
  /**
   * Listing scenarios only: they compare whole listings with a model, so nothing else writes
   * here, and each listing scenario empties it first (see {@link ConformanceTarget.reset}).
   */
  readonly listing: string;
  /** A bucket routed whole (to the other store on routed targets). */
  readonly whole: string;
}

/** The stores: the shared Ceph RGW pair. */
export type StoreName = "rgwA" | "rgwB";

/** The three caller buckets, as a list. */
export const bucketList = (buckets: ConformanceBuckets): string[] => [buckets.split, buckets.listing, buckets.whole];

/** Where an object is physically stored: the store's own client, bucket and key. */
export interface Placement {
  /** A plain S3Client of the store, with its own credentials: it bypasses the target. */
  readonly client: S3Client;
  readonly store: StoreName;
  readonly bucket: string;
  readonly key: string;
  /** The route that owns this place ("direct" on the direct target). */
  readonly route: string;
}

/** A physical bucket behind a caller's bucket. */
export interface PhysicalBucket {
  readonly client: S3Client;
  readonly store: StoreName;
  readonly bucket: string;
}

/** A running target, ready for scenarios. */
export interface ConformanceTarget {
  readonly name: TargetName;
  /** The S3 client the scenarios drive. The S3Router is an S3Client, so all three fit. */
  readonly s3: S3Client;
  readonly buckets: ConformanceBuckets;
  /**
   * Every route a key of a split bucket can take, in the order they are matched, by name. The
   * listing property must reach each of them. The direct target has one: "direct".
   */
  readonly routes: readonly string[];
  /** Where `bucket/key` (caller's names) must physically be. The identity on the direct target. */
  where(bucket: string, key: string): Placement;
  /**
   * The places in the other routes' stores where `bucket/key` would be if one of them owned it:
   * a copy planted there is "shadowed" and must never be read or listed. Empty on the direct
   * target (one store, one place per key).
   */
  shadowPlaces(bucket: string, key: string): Placement[];
  /** Every physical bucket behind `bucket`. */
  physicalBuckets(bucket: string): PhysicalBucket[];
  /**
   * The origin (scheme, host, port) of URLs the caller receives for `bucket/key`: lib-storage's
   * `Location`, presigned URLs. The backend's for direct and library, the gateway's for the gateway.
   */
  origin(bucket: string, key: string): string;
  /** A presigned URL for `command`, signed the way a caller of this target would sign it. */
  presign(command: PresignableCommand, expiresIn: number): Promise<string>;
  /** Empties every physical bucket behind `bucket` (objects, versions, uploads). */
  reset(bucket: string): Promise<void>;
}

/** The commands the presign scenarios presign. */
export type PresignableCommand = GetObjectCommand | PutObjectCommand;

/** Scenario ids, `group/name`: the keys of the skip lists. */
export type ScenarioId = `${string}/${string}`;

/**
 * Why a target does not pass a scenario. `skip`: the scenario is meaningless or impossible there;
 * it does not run. `known-bug`: the target behaves unlike the reference and should not; the
 * scenario runs and is expected to fail (vitest's `it.fails`), so the day the bug is fixed it
 * reports, and the entry must go.
 */
export interface Skip {
  readonly kind: "skip" | "known-bug";
  readonly reason: string;
}

/** Scenarios a target does not pass, each with its reason (shown in the test title). */
export type SkipList = ReadonlyMap<ScenarioId, Skip>;

/**
 * A target before it runs: its name and skip list are known when vitest collects the tests (so
 * skips show as skipped, with their reason); `start` brings up servers and buckets.
 */
export interface TargetDefinition {
  readonly name: TargetName;
  readonly skips: SkipList;
  start(): Promise<RunningTarget>;
}

/** A started target and how to take it down (buckets emptied and deleted, servers stopped). */
export interface RunningTarget {
  readonly target: ConformanceTarget;
  stop(): Promise<void>;
}
