/**
 * @module spanning/delete-batch — DeleteObjects whose keys live in several backends: the keys are
 * split by route into one request per backend bucket (a batch is refused past S3's 1000 keys, as S3 does), sent in
 * parallel, and the answers merged back into one DeleteObjects output in the caller's key names.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
import {
  DeleteObjectsCommand,
  S3ServiceException,
  type DeleteObjectsCommandInput,
  type ObjectIdentifier,
} from "@aws-sdk/client-s3";
import { toLogicalKey, toPhysicalBucket, toPhysicalKey } from "../mapping/key-mapping.js";
import type { Route } from "../routing/route-table.js";
import type { SpanningContext } from "./spanning-context.js";

/** Most keys one DeleteObjects request may carry. */
export const DELETE_BATCH_LIMIT = 1000;
/** Sub-requests in flight at once: enough to overlap backends, few enough not to flood one. */
const CONCURRENCY = 8;

type Item = Record<string, unknown>;

/** One caller object, placed in its backend bucket. */
interface Entry {
  /** Position in the caller's `Delete.Objects`: results are merged in this order. */
  readonly index: number;
  readonly object: ObjectIdentifier;
  readonly physicalKey: string;
}

/** Keys that go to one physical bucket of one backend. */
interface Group {
  readonly route: Route;
  readonly physicalBucket: string;
  readonly entries: Entry[];
}

/** A result item with the caller position it answers. */
interface Placed {
  readonly index: number;
  readonly item: Item;
}

/**
 * Deletes keys of `bucket` that route to several backends, one request per backend bucket.
 *
 * A backend that fails as a whole (unreachable, access denied…) reports each of its keys in
 * `Errors` with the error's name as `Code`; the other backends' deletions still happen, as they
 * would for per-key failures within one S3 request. The caller's input is never modified.
 *
 * Keys of a migrating route are deleted from its fallback first (a key the fallback fails to
 * delete is reported and kept on the primary, so it cannot reappear from the fallback later),
 * then from the primary, then from its mirror (a mirror failure reports the key in `Errors` with
 * code `MirrorWriteFailed`, and counts as a divergence).
 */
export async function deleteAcrossBackends(
  ctx: SpanningContext,
  input: Record<string, unknown>,
  bucket: string,
): Promise<unknown> {
  const del = (input["Delete"] ?? {}) as { Objects?: readonly ObjectIdentifier[]; Quiet?: boolean } & Record<
    string,
    unknown
  >;
  // Checked before the split: each store's share may be within the limit when the whole is not.
  if ((del.Objects?.length ?? 0) > DELETE_BATCH_LIMIT) {
    // The error S3 itself answers, so callers handle the router like a backend.
    throw new S3ServiceException({
      name: "MalformedXML",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
      message: `DeleteObjects takes at most ${DELETE_BATCH_LIMIT} keys, got ${del.Objects?.length}`,
    });
  }
  const all = (del.Objects ?? []).map((object, index) => ({
    index,
    object,
    route: ctx.table.resolveObject(bucket, object.Key!),
  }));
  const migrating = all.filter((e) => e.route.fallback).map((e) => [e.route, e.object.Key!] as const);
  // Keys of routes with a fallback: while no copy of them runs (see migration/copy-to-primary).
  return migrating.length > 0
    ? ctx.migration.deleting(bucket, migrating, () => deleteAll(ctx, input, bucket, del, all))
    : deleteAll(ctx, input, bucket, del, all);
}

async function deleteAll(
  ctx: SpanningContext,
  input: Record<string, unknown>,
  bucket: string,
  del: { Objects?: readonly ObjectIdentifier[]; Quiet?: boolean } & Record<string, unknown>,
  all: readonly Resolved[],
): Promise<unknown> {
  // A mirror round deletes what the primary deleted: it needs the deleted keys even when Quiet.
  const sub =
    del.Quiet === true && all.some((e) => e.route.mirror) ? { ...input, Delete: { ...del, Quiet: false } } : input;
  const errors: Placed[] = [];

  const failedOnFallback = new Set<number>();
  const onFallback = all.filter((e) => e.route.fallback);
  if (onFallback.length > 0) {
    const round = await deleteRound(ctx, sub, bucket, onFallback, (route) => route.fallback!);
    for (const placed of round.errors) {
      if (placed.item["Code"] === "NoSuchKey") continue;
      failedOnFallback.add(placed.index);
      errors.push(placed);
    }
  }

  const primary = await deleteRound(
    ctx,
    sub,
    bucket,
    failedOnFallback.size > 0 ? all.filter((e) => !failedOnFallback.has(e.index)) : all,
    (route) => route,
  );
  errors.push(...primary.errors);
  let deleted = primary.deleted;

  const toMirror = deleted.filter((p) => all[p.index]?.route.mirror).map((p) => all[p.index]!);
  if (toMirror.length > 0) {
    // The mirror's versions are its own: it deletes its current object.
    const round = await deleteRound(
      ctx,
      sub,
      bucket,
      toMirror.map((e) => ({ ...e, object: { Key: e.object.Key } })),
      (route) => route.mirror!,
    );
    const diverged = new Set<number>();
    for (const placed of round.errors) {
      if (placed.item["Code"] === "NoSuchKey") continue;
      const entry = all[placed.index]!;
      const failure = ctx.migration.divergence({
        operation: "DeleteObjects",
        route: entry.route,
        bucket,
        key: entry.object.Key!,
        primaryState: "deleted",
        written: { VersionId: entry.object.VersionId },
        error: mirrorError(placed.item),
      });
      diverged.add(placed.index);
      errors.push({
        index: placed.index,
        item: {
          Key: entry.object.Key,
          ...(entry.object.VersionId !== undefined && { VersionId: entry.object.VersionId }),
          Code: "MirrorWriteFailed",
          Message: failure.message,
        },
      });
    }
    if (diverged.size > 0) deleted = deleted.filter((p) => !diverged.has(p.index));
  }

  // Array.prototype.sort is stable: items of one caller position keep the backend's order.
  const byIndex = (a: Placed, b: Placed) => a.index - b.index;
  const out: Record<string, unknown> = { $metadata: { httpStatusCode: 200 } };
  if (deleted.length > 0 && del.Quiet !== true) out["Deleted"] = deleted.sort(byIndex).map((p) => p.item);
  if (errors.length > 0) out["Errors"] = errors.sort(byIndex).map((p) => p.item);
  if (primary.requestCharged !== undefined) out["RequestCharged"] = primary.requestCharged;
  return out;
}

/** A caller object and the route it resolves to. */
interface Resolved {
  readonly index: number;
  readonly object: ObjectIdentifier;
  readonly route: Route;
}

/** The error a mirror's per-key `Errors` item stands for. */
function mirrorError(item: Item): Error {
  const error = new Error(typeof item["Message"] === "string" ? item["Message"] : "");
  error.name = typeof item["Code"] === "string" ? item["Code"] : "Error";
  return error;
}

/**
 * Deletes `entries` from the store `storeOf` picks for each route (the route itself, its fallback
 * or its mirror), one request per backend bucket (within S3's limit: the whole batch is).
 */
async function deleteRound(
  ctx: SpanningContext,
  input: Record<string, unknown>,
  bucket: string,
  entries: readonly Resolved[],
  storeOf: (route: Route) => Route,
): Promise<{ deleted: Placed[]; errors: Placed[]; requestCharged: unknown }> {
  const del = input["Delete"] as Record<string, unknown>;
  const groups = groupByBackendBucket(bucket, entries, storeOf);
  const requests = groups.map((group) => ({ group, entries: group.entries }));

  const deleted: Placed[] = [];
  const errors: Placed[] = [];
  let requestCharged: unknown;
  await forEachLimited(requests, CONCURRENCY, async ({ group, entries }) => {
    const subInput = {
      ...input,
      Bucket: group.physicalBucket,
      Delete: { ...del, Objects: entries.map((e) => ({ ...e.object, Key: e.physicalKey })) },
    } as DeleteObjectsCommandInput;
    let output: Item;
    try {
      output = (await ctx
        .backend(group.route.client)
        .send(new DeleteObjectsCommand(subInput), ctx.sendOptions)) as unknown as Item;
    } catch (error) {
      // The caller gave up: report that, not a thousand keys "failed" with AbortError.
      if (isAborted(ctx)) throw error;
      for (const entry of entries) errors.push({ index: entry.index, item: failedItem(entry, error) });
      return;
    }
    requestCharged ??= output["RequestCharged"];
    const place = placer(group.route, entries);
    for (const item of (output["Deleted"] as Item[] | undefined) ?? []) deleted.push(place(item));
    for (const item of (output["Errors"] as Item[] | undefined) ?? []) errors.push(place(item));
  });
  return { deleted, errors, requestCharged };
}

/** Groups the caller's objects by (backend, physical bucket) of their store, in order of first appearance. */
function groupByBackendBucket(bucket: string, entries: readonly Resolved[], storeOf: (route: Route) => Route): Group[] {
  const groups = new Map<string, Group>();
  for (const { index, object, route: resolved } of entries) {
    const route = storeOf(resolved);
    const physicalBucket = toPhysicalBucket(route, bucket);
    // Routes sharing one client and physical bucket (differing only in prefix) are one request.
    const id = `${route.backend}\0${physicalBucket}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { route, physicalBucket, entries: [] }));
    group.entries.push({ index, object, physicalKey: toPhysicalKey(route, object.Key!) });
  }
  return [...groups.values()];
}

/**
 * Maps one request's result items back to the caller's keys and positions. The map is exact
 * (physical key as sent → caller key): two routes of one group may prefix differently, so
 * stripping one route's prefix could name the wrong key. Two caller keys can even name the same
 * physical object (a prefixed route and an unprefixed one); each answer then takes the next
 * caller entry with that physical key and a matching VersionId.
 */
function placer(route: Route, entries: readonly Entry[]): (item: Item) => Placed {
  const pending = new Map<string, Entry[]>();
  for (const entry of entries) {
    const list = pending.get(entry.physicalKey);
    if (list) list.push(entry);
    else pending.set(entry.physicalKey, [entry]);
  }
  return (item) => {
    const key = item["Key"];
    const candidates = typeof key === "string" ? pending.get(key) : undefined;
    if (candidates && candidates.length > 0) {
      const version = item["VersionId"];
      let at = candidates.findIndex(
        (e) => version === undefined || e.object.VersionId === undefined || e.object.VersionId === version,
      );
      if (at < 0) at = 0;
      const [entry] = candidates.splice(at, 1) as [Entry];
      return { index: entry.index, item: { ...item, Key: entry.object.Key } };
    }
    // A key the backend invented or normalised: best effort through the route's mapping, listed last.
    const logical = typeof key === "string" ? toLogicalKey(route, key) : undefined;
    return { index: Number.MAX_SAFE_INTEGER, item: logical === undefined ? item : { ...item, Key: logical } };
  };
}

/** The `Errors` entry of a key whose whole request failed. */
function failedItem(entry: Entry, error: unknown): Item {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    name?: unknown;
    Code?: unknown;
    message?: unknown;
  };
  const code =
    typeof e.Code === "string" && e.Code !== ""
      ? e.Code
      : typeof e.name === "string" && e.name !== "" && e.name !== "Error"
        ? e.name
        : "InternalError";
  const message = typeof e.message === "string" && e.message !== "" ? e.message : String(error);
  const item: Item = { Key: entry.object.Key, Code: code, Message: message };
  if (entry.object.VersionId !== undefined) item["VersionId"] = entry.object.VersionId;
  return item;
}

const isAborted = (ctx: SpanningContext): boolean =>
  (ctx.sendOptions?.["abortSignal"] as { aborted?: boolean } | undefined)?.aborted === true;

/** Runs `work` over `items` with at most `limit` in flight; rejects with the first rejection. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
