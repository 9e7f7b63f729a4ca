/**
 * @module spanning/spanning-context — what an operation over several backends needs from the
 * router: the route table, the backend clients, and the router's options for such operations.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { RouteTable } from "../routing/route-table.js";
import type { ListingTokenCodec } from "./listing-token.js";
import type { Migration } from "../migration/migration.js";

/** The router's services, as seen by spanning operations. */
export interface SpanningContext {
  readonly table: RouteTable;
  /** The backend client of a client name. */
  backend(client: string): S3Client;
  /** Seals and opens merged-listing continuation tokens. */
  readonly tokens: ListingTokenCodec;
  /** Whether CopyObject/UploadPartCopy may stream between backends. */
  readonly crossBackendCopy: boolean;
  /** Part size of multipart uploads a cross-backend copy makes, in bytes. */
  readonly copyPartSize: number;
  /** The router's migration services (batch deletes on migrating routes report through it). */
  readonly migration?: Migration;
  /** Abort signal and other handler options of the caller's `send`, passed to every backend call. */
  readonly sendOptions: Record<string, unknown> | undefined;
}
