/**
 * @module test/conformance/migration-target — what the migration suite needs from a target: a
 * client in the caller's names, the physical stores to inspect (what the primary, the fallback
 * and the mirror hold), the router's migration services (events, counters, background copies),
 * the fault proxies in front of the stores a scenario breaks, and how the target tells a caller
 * and an operator that a mirror failed. The profiles (which caller key goes where) are the same
 * on every target: {@link MIGRATION_PROFILES}.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Migration, StoreState } from "../../src/index.js";
import type { FaultProxy } from "../support/fault-proxy.js";
import type { PhysicalStore, StoreRole } from "./migration-stores.js";

/** The targets with migration modes. (The direct target has none: see the suite.) */
export type MigrationTargetName = "library" | "gateway";

/**
 * The profiles of the suite's configuration, by name: each routes the caller's keys under
 * `prefix`. All map to the same physical places (primary `new/`, fallback `old/`, mirror
 * `copy/`), so a scenario inspects one set of stores whatever the profile.
 */
export const MIGRATION_PROFILES = {
  /** A fallback without copy-on-read. */
  moving: { prefix: "moving/" },
  /** A fallback with copy-on-read. */
  copying: { prefix: "copying/" },
  /** A primary that refuses every request (403: a wrong secret), and a fallback. */
  refused: { prefix: "refused/" },
  /** A primary bucket that does not exist, and a fallback. */
  nobucket: { prefix: "nobucket/" },
  /** A primary behind {@link MigrationTarget.faults}.primary, and a fallback. */
  failing: { prefix: "failing/" },
  /** Both modes at once: a fallback and a mirror (the README's example). */
  mirrored: { prefix: "mirrored/" },
  /** A mirror behind {@link MigrationTarget.faults}.mirror (down, slow). */
  faulty: { prefix: "faulty/" },
} as const;

export type MigrationProfile = keyof typeof MIGRATION_PROFILES;

/** The client names of the configuration: errors, events and logs name stores by these. */
export const MIGRATION_CLIENTS = {
  primary: "primary",
  fallback: "fallback",
  mirror: "mirror",
  /** The primary's RGW with a wrong secret. */
  refused: "refused",
  /** The primary's RGW behind a fault proxy, never retrying. */
  failingPrimary: "primary-faulty",
  /** The mirror's RGW behind a fault proxy, never retrying. */
  faultyMirror: "mirror-faulty",
} as const;

/** Every scenario of the suite, by id: what a target's skip list names. */
export const MIGRATION_SCENARIOS = [
  "fallback-reads",
  "fallback-attributes",
  "primary-wins",
  "miss-on-both",
  "not-a-miss",
  "copy-from-fallback-source",
  "merged-listing",
  "large-fallback-read",
  "copy-on-read",
  "copy-on-read-once",
  "delete-everywhere",
  "delete-batch-everywhere",
  "delete-racing-copy",
  "mirrored-put",
  "mirrored-multipart",
  "mirrored-copy",
  "mirrored-tagging",
  "unmirrored-writes-refused",
  "mirror-down",
  "mirror-down-reported",
  "mirror-down-batch-delete",
  "slow-mirror",
] as const;

export type MigrationScenario = (typeof MIGRATION_SCENARIOS)[number];

/** Scenarios a target does not run, each with the reason. */
export type MigrationSkipList = Readonly<Partial<Record<MigrationScenario, string>>>;

/** A mirror divergence as the operator is told of it (the library's stderr line, the gateway's log line). */
export interface DivergenceReport {
  /** `warn` (library, on stderr) or `error` (gateway log). */
  readonly level: string;
  readonly operation: unknown;
  readonly route: unknown;
  /** The caller's bucket and key. */
  readonly bucket: unknown;
  readonly key: unknown;
  /** The mirror's client name. */
  readonly mirror: unknown;
  /** What each store holds. */
  readonly stores: readonly StoreState[];
}

/** Which profile and mirror a failed mirrored write is blamed on, and what each store holds. */
export interface FailureTold {
  readonly route: unknown;
  /** The mirror's client, as the message or log line names it. */
  readonly mirror: unknown;
  readonly stores: readonly StoreState[];
}

/** How a target's caller learns that a mirrored write did not reach the mirror. */
export interface MirrorFailureForm {
  /** The error's name / S3 code as the caller's SDK raises it. */
  readonly code: string;
  /** Its HTTP status; undefined where there is no HTTP answer (the library). */
  readonly status: number | undefined;
  /** What its message says. */
  readonly message: RegExp;
}

/** A running target. */
export interface MigrationTarget {
  readonly name: MigrationTargetName;
  /** Speaks S3 in the caller's names (the library's router; an SDK client of the gateway). Never retries. */
  readonly client: S3Client;
  /** The caller's bucket: keys outside the profiles go to a plain bucket of that name on the primary's RGW. */
  readonly bucket: string;
  /** The physical stores, asked directly. */
  readonly stores: Readonly<Record<StoreRole, PhysicalStore>>;
  /** The physical bucket `nobucket/*` maps to, which does not exist. */
  readonly absentBucket: string;
  /** Fault proxies in front of the real RGWs of the `failing` profile's primary and the `faulty` profile's mirror. */
  readonly faults: { readonly primary: FaultProxy; readonly mirror: FaultProxy };
  /**
   * The router's migration services (events, counters, `settled()`): the library's
   * `router.migration`; the gateway's current router's, in this process.
   */
  migration(): Migration;
  /** How the caller is told of a mirror failure. */
  readonly mirrorFailure: MirrorFailureForm;
  /** How the caller is told a write a copy cannot carry is refused on a mirrored profile. */
  readonly unmirroredRefusal: { readonly code: string; readonly status: number | undefined };
  /**
   * Whether a caller's error may name stores (client names, physical buckets and keys): yes in
   * the library, whose caller configured them; no through the gateway, whose caller must not
   * learn the backends (which stores, where and why is the log's).
   */
  readonly callerSeesStores: boolean;
  /**
   * What the target says of a failed mirrored write of `key`, where it says it: the library in
   * the error the caller gets (a `MirrorWriteError`); the gateway in that request's log
   * line (its caller is told only that the mirror was missed). Undefined when it says nothing.
   */
  failureTold(error: unknown, key: string): FailureTold | undefined;
  /** Runs `run` and returns the divergences reported to the operator meanwhile. */
  divergenceReports(run: () => Promise<void>): Promise<DivergenceReport[]>;
  /** The level a divergence is reported at. */
  readonly divergenceLevel: string;
  stop(): Promise<void>;
}

/** A target before it starts: its name and skip list are known up front, so skipped scenarios are listed as such. */
export interface MigrationTargetDefinition {
  readonly name: MigrationTargetName;
  readonly skips: MigrationSkipList;
  start(): Promise<MigrationTarget>;
}
