/**
 * @module migration/copy-to-primary — moves one object from a route's fallback to the route's
 * own store, safely while the caller keeps reading, writing and deleting it.
 *
 * - A copy only creates: its write is conditional (`If-None-Match: *`) and preceded by a check,
 *   so an object already on the primary — an earlier copy or a newer write — is never
 *   overwritten, whoever wrote it.
 * - Within one process (one router: a library user, a gateway), a copy and the router's
 *   deletes of the same key take turns under the key's lock: a deleted object cannot come back.
 * - Across processes (a `migrate` run next to a gateway), a delete may land while a copy of the
 *   key streams. Deletes remove the key from the fallback first, so the copy, checking its
 *   source once written, finds it gone and takes the copy back (if the primary still holds the
 *   very bytes it wrote). Between the copy's write and that check — a few round trips — a read
 *   may still see the deleted object; at rest it is gone.
 */
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { RouterError, SseKeyRequiredError } from "../errors.js";
import { toPhysicalBucket, toPhysicalKey } from "../mapping/key-mapping.js";
import type { Route } from "../routing/route-table.js";
import { copyAcrossBackends } from "../spanning/cross-copy.js";
import type { SpanningContext } from "../spanning/spanning-context.js";
import { asCopySourceKey, isSseKeyMissing, type SseCustomerKey } from "../spanning/sse-customer-key.js";
import type { KeyLock } from "./key-lock.js";
import { isMiss, isPreconditionFailed } from "./s3-outcomes.js";

/** What a copy found and did. */
export type CopyOutcome =
  /** The object was copied; `size` bytes. */
  | { readonly outcome: "copied"; readonly size: number; readonly etag: string | undefined }
  /** The primary holds the key already (an earlier copy, or a newer write): nothing was written. */
  | { readonly outcome: "present"; readonly size: number; readonly etag: string | undefined }
  /** The fallback does not hold the key (any more): nothing stays written. */
  | { readonly outcome: "gone" };

/** How often a copy starts over when the primary's state changes under it. */
const ATTEMPTS = 3;

/** The lock key of one caller object on one route. */
export const lockKey = (route: Route, bucket: string, key: string): string => `${route.index}\n${bucket}\n${key}`;

/**
 * Copies `bucket/key` (caller names) from `route`'s fallback to `route`'s store unless the store
 * has it already. Streams; memory is bounded by the copy part size. The copy keeps the object's
 * encryption: SSE-S3/SSE-KMS as the fallback reports it, SSE-C under `options.sseCustomerKey`.
 * @throws the backend's error when a store fails; a {@link RouterError} when the source keeps
 *   changing while it is copied; {@link SseKeyRequiredError} when the object is SSE-C encrypted
 *   and no key was given.
 */
export async function copyToPrimary(
  ctx: SpanningContext,
  lock: KeyLock,
  route: Route,
  bucket: string,
  key: string,
  options: {
    readonly queueSize?: number;
    readonly sseCustomerKey?: SseCustomerKey | undefined;
    readonly purpose?: string;
  } = {},
): Promise<CopyOutcome> {
  const fallback = route.fallback;
  if (!fallback) throw new RouterError(`profile "${route.name}" has no fallback to copy from`);
  const primaryStore = store(ctx, route, bucket, key);
  const fallbackStore = store(ctx, fallback, bucket, key);
  const sendOptions = ctx.sendOptions;
  const { queueSize, sseCustomerKey: sse, purpose = "copy to primary" } = options;
  // Heads of an SSE-C object need its key too (else a bare 400).
  const head = (target: Store) => headOf(target, sendOptions, sse, purpose, bucket, key);
  return lock.run(lockKey(route, bucket, key), async () => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const existing = await head(primaryStore);
      if (existing) return { outcome: "present", size: existing.ContentLength ?? 0, etag: existing.ETag };
      let source: { etag: string | undefined; size: number } | undefined;
      let copied: { CopyObjectResult?: { ETag?: string } };
      try {
        copied = (await copyAcrossBackends(
          { ...ctx, crossBackendCopy: true },
          "CopyObject",
          // Written only where nothing is; read and written again under the caller's SSE-C key.
          { IfNoneMatch: "*", ...(sse && { ...sse, ...asCopySourceKey(sse) }) },
          { spanning: "copy", source: { bucket, key, versionId: undefined }, from: fallback, to: route, bucket, key },
          {
            onSource: (got) => (source = { etag: got.ETag, size: got.ContentLength ?? 0 }),
            exactAnswer: false,
            keepEncryption: true,
            purpose,
            ...(queueSize !== undefined && { queueSize }),
          },
        )) as typeof copied;
      } catch (error) {
        // 404: the fallback does not hold it (any more).
        if (isMiss(error)) return { outcome: "gone" };
        // 412: the primary got the key meanwhile; look again.
        if (isPreconditionFailed(error)) continue;
        throw error;
      }
      const etag = copied.CopyObjectResult?.ETag;
      const now = await head(fallbackStore);
      if (now && source && now.ETag === source.etag) return { outcome: "copied" as const, size: source.size, etag };
      // Deleted or replaced on the fallback while copying (by another process): the copy is stale.
      const there = await head(primaryStore);
      if (there && etag !== undefined && there.ETag === etag) {
        // If-Match: where the backend honours it, a write landing since the check survives.
        await primaryStore.client.send(
          new DeleteObjectCommand({ Bucket: primaryStore.bucket, Key: primaryStore.key, IfMatch: etag }),
          sendOptions as never,
        );
      }
      return { outcome: "gone" as const };
    }
    throw new RouterError(
      `copying "${bucket}/${key}" from the fallback of profile "${route.name}": the primary refused the copy (412) yet showed no object, ${ATTEMPTS} times`,
    );
  });
}

/** One store's physical place of a caller object. */
interface Store {
  /** The client's name, for errors. */
  readonly name: string;
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
}

const store = (ctx: SpanningContext, route: Route, bucket: string, key: string): Store => ({
  name: route.client,
  client: ctx.backend(route.client),
  bucket: toPhysicalBucket(route, bucket),
  key: toPhysicalKey(route, key),
});

/** HeadObject, or undefined when the store has no such object. */
async function headOf(
  target: Store,
  options: Record<string, unknown> | undefined,
  sse: SseCustomerKey | undefined,
  purpose: string,
  bucket: string,
  key: string,
): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await target.client.send(
      new HeadObjectCommand({ Bucket: target.bucket, Key: target.key, ...sse }),
      options as never,
    );
  } catch (error) {
    if (isMiss(error)) return undefined;
    if (!sse && isSseKeyMissing(error)) throw new SseKeyRequiredError(purpose, bucket, key, target.name, error);
    throw error;
  }
}
