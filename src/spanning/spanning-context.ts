/**
 * @module spanning/spanning-context — what an operation over several backends needs from the
 * router: the route table, the backend clients, the router's options for such operations, and the
 * little of the migration modes a batch delete takes part in. It owns these interfaces; the
 * router's classes implement them (a lower layer never imports the classes above it).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { MirrorWriteError } from "../errors.js";
import type { Route, RouteTable } from "../routing/route-table.js";
import type { ListingTokenCodec } from "./listing-token.js";

/** The router's backends and its settings for operations over several of them. */
export interface RouterBackends {
  readonly table: RouteTable;
  /** The backend client of a client name. */
  backend(client: string): S3Client;
  /** Seals and opens merged-listing continuation tokens. */
  readonly tokens: ListingTokenCodec;
  /** Whether CopyObject/UploadPartCopy may stream between backends. */
  readonly crossBackendCopy: boolean;
  /** Part size of multipart uploads a cross-backend copy makes, in bytes. */
  readonly copyPartSize: number;
}

/** What a batch delete needs of the migration modes (migration/migration implements it). */
export interface DeleteCoordination {
  /** Runs `run` once no copy of these keys from a fallback runs, and holds new ones meanwhile. */
  deleting<T>(
    bucket: string,
    keys: ReadonlyArray<readonly [route: Route, key: string]>,
    run: () => Promise<T>,
  ): Promise<T>;
  /** Counts and reports a change that reached the primary but not the mirror; returns the caller's error. */
  divergence(divergence: Divergence): MirrorWriteError;
}

/** A change that reached a route's primary store but not its mirror. */
export interface Divergence {
  readonly operation: string;
  readonly route: Route;
  /** The caller's bucket and key. */
  readonly bucket: string;
  readonly key: string;
  /** What the primary did. */
  readonly primaryState: "written" | "deleted";
  /** What the primary says it wrote (or the version it deleted). */
  readonly written: { readonly ETag?: unknown; readonly VersionId?: unknown };
  /** Why the mirror failed. */
  readonly error: unknown;
}

/** The router's services, as seen by one operation over several backends. */
export interface SpanningContext extends RouterBackends {
  readonly migration: DeleteCoordination;
  /** Abort signal and other handler options of the caller's `send`, passed to every backend call. */
  readonly sendOptions: Record<string, unknown> | undefined;
}
