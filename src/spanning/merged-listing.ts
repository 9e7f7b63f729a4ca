/**
 * @module spanning/merged-listing — listings whose prefix reaches several backends:
 * ListObjectsV2, ListObjects, ListObjectVersions and ListMultipartUploads.
 *
 * Every backend that can hold keys under the prefix is listed in parallel and the answers are
 * merged k-way in S3 order (UTF-8 bytes). An entry is kept only where the router would read it:
 * a backend key that routes elsewhere (shadowed) is dropped, and so is a common prefix under
 * which the backend holds no key it serves. A page stops at `MaxKeys` entries (common prefixes
 * count once, however many backends report them); the position reached — the last key or common
 * prefix listed — is all a continuation needs, because each backend restarts from it. So the
 * continuation is stateless: a sealed token for V2, the caller-visible markers otherwise.
 * Work per page is bounded: each backend is read a page at a time, only as far as the merge needs.
 *
 * A route with a fallback (a store its keys are moving away from) is listed in both stores, as
 * two targets. The primary wins on a key: when the primary store lists a key, every entry the
 * fallback has for it is dropped, so a key is listed as it would be read.
 */
import {
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { toPhysicalBucket, toLogicalKey } from "../mapping/key-mapping.js";
import type { Route } from "../routing/route-table.js";
import type { SpanningContext } from "./spanning-context.js";
import { afterAllUnder, compareUtf8 } from "./utf8-order.js";

type Operation = "ListObjectsV2" | "ListObjects" | "ListObjectVersions" | "ListMultipartUploads";
type Input = Readonly<Record<string, unknown>>;
type Item = Record<string, unknown>;
type Output = Record<string, unknown>;

/** Output arrays a listing entry can belong to. */
type Bucket = "Contents" | "Versions" | "DeleteMarkers" | "Uploads" | "CommonPrefixes";

/** One listed entry in the caller's names. */
interface Entry {
  /** Caller key (decoded) or common prefix: the merge order. */
  readonly name: string;
  readonly isPrefix: boolean;
  readonly into: Bucket;
  /** The output item, in the caller's names (URL-encoded when the caller asked so). */
  readonly item: Item;
  /** Version or upload id, for the markers of versions and uploads. */
  readonly id: string | undefined;
  /** Within one key: the latest version first, then newest first, then the backend's order. */
  readonly latest: boolean;
  readonly time: number;
  readonly seq: number;
}

/** Where a listing stands: after this key (and version/upload id), or after this whole prefix. */
interface Position {
  readonly k: string;
  readonly p?: true;
  readonly id?: string;
}

/** Per-operation facts: request and response field names. */
const SHAPES = {
  ListObjectsV2: { limit: "MaxKeys", arrays: ["Contents"] as Bucket[], marker: "StartAfter", idMarker: undefined },
  ListObjects: { limit: "MaxKeys", arrays: ["Contents"] as Bucket[], marker: "Marker", idMarker: undefined },
  ListObjectVersions: {
    limit: "MaxKeys",
    arrays: ["Versions", "DeleteMarkers"] as Bucket[],
    marker: "KeyMarker",
    idMarker: "VersionIdMarker",
  },
  ListMultipartUploads: {
    limit: "MaxUploads",
    arrays: ["Uploads"] as Bucket[],
    marker: "KeyMarker",
    idMarker: "UploadIdMarker",
  },
} as const;

/** How many backend pages may be read to learn whether a common prefix holds a key served here. */
const MAX_PREFIX_PROBE_PAGES = 5;

/** Backends return at most this many entries per request. */
const BACKEND_PAGE = 1000;
/** Read at least this many entries per backend request: shadowed keys would otherwise cost round trips. */
const MIN_BACKEND_PAGE = 100;

/** One backend bucket (under one key prefix) the listing reads. */
interface Target {
  readonly id: string;
  /** The route whose mapping applies: a primary route, or a fallback route. */
  readonly route: Route;
  readonly client: S3Client;
  readonly physicalBucket: string;
  /** For a fallback store: the target of its primary route, whose entries win on a key. */
  readonly primaryId?: string;
  /** Whether keys the router reads from `route` (a primary route) are listed from this target. */
  serves(route: Route): boolean;
}

/**
 * Lists `bucket` across `routes` (from the route table, in routing order) as one listing.
 * @throws {@link InvalidTokenError} for a continuation token this router did not issue for this listing.
 */
export async function mergedListing(
  ctx: SpanningContext,
  operation: string,
  input: Input,
  bucket: string,
  routes: readonly Route[],
): Promise<unknown> {
  const op = operation as Operation;
  const shape = SHAPES[op];
  const prefix = str(input["Prefix"]) ?? "";
  const delimiter = str(input["Delimiter"]) || undefined;
  const encoded = input["EncodingType"] === "url";
  const requested = input[shape.limit];
  const limit = typeof requested === "number" ? Math.max(0, Math.min(requested, BACKEND_PAGE)) : BACKEND_PAGE;
  const scope = JSON.stringify([op, bucket, prefix, delimiter ?? "", encoded]);

  // Where this page starts.
  let start: Position | undefined;
  if (op === "ListObjectsV2" && typeof input["ContinuationToken"] === "string" && input["ContinuationToken"] !== "") {
    start = ctx.tokens.open<Position>(input["ContinuationToken"], scope);
  } else {
    const marker = str(input[shape.marker]);
    if (marker) {
      const id = shape.idMarker ? str(input[shape.idMarker]) : undefined;
      start = { k: marker, ...(isCommonPrefix(marker, prefix, delimiter) && { p: true as const }), ...(id && { id }) };
    }
  }

  const targets = listingTargets(ctx, bucket, routes);
  const startRoute = start && !start.p ? ctx.table.resolveObject(bucket, start.k) : undefined;
  // A version or upload id marker continues within its key in the store that listed that key:
  // the primary when it holds the key (it wins), else the fallback. The position does not say
  // which, so the primary is asked — one small request, only for a migrating route's key.
  let markerInFallback = false;
  if (start?.id && shape.idMarker && startRoute?.fallback) {
    const primary = targets.find((t) => t.id === targetId(startRoute, bucket));
    markerInFallback = primary !== undefined && !(await holdsKey(ctx, op, input, primary, start.k));
  }
  const streamOf = new Map<string, TargetStream>();
  // Primary targets come first (listingTargets' order), so a fallback finds its primary's stream.
  const streams = targets.map((target) => {
    const stream = new TargetStream(ctx, op, input, target, {
      prefix,
      delimiter,
      encoded,
      pageSize: Math.min(BACKEND_PAGE, Math.max(limit + 1, MIN_BACKEND_PAGE)),
      start,
      ownsStart:
        startRoute !== undefined && target.serves(startRoute) && (target.primaryId !== undefined) === markerInFallback,
      isMember: (key) => target.serves(ctx.table.resolveObject(bucket, key)),
      reach: (p) => {
        const reachable = ctx.table.routesForPrefix(bucket, p);
        const served = reachable.filter((r) => target.serves(r)).length;
        return served === 0 ? "none" : served === reachable.length ? "all" : "some";
      },
      primary: target.primaryId === undefined ? undefined : streamOf.get(target.primaryId),
    });
    streamOf.set(target.id, stream);
    return stream;
  });

  // k-way merge, one entry past the page to learn whether the listing is truncated.
  const page: Entry[] = [];
  if (limit > 0) {
    while (page.length <= limit) {
      await Promise.all(streams.map((s) => s.fill()));
      let head: Entry | undefined;
      let from: TargetStream | undefined;
      for (const s of streams) {
        const e = s.peek();
        if (e && (!head || compareEntries(e, head) < 0)) [head, from] = [e, s];
      }
      if (!head || !from) break;
      const chosen = head;
      if (from.shadowed(chosen)) {
        from.take();
        continue;
      }
      for (const s of streams) {
        const e = s.peek();
        // The same common prefix from several backends is one entry.
        if (e && (e === chosen || (chosen.isPrefix && e.isPrefix && e.name === chosen.name))) s.take();
      }
      page.push(chosen);
    }
  }
  const truncated = page.length > limit;
  if (truncated) page.length = limit;
  const last = page[page.length - 1];
  const next: Position | undefined =
    truncated && last
      ? { k: last.name, ...(last.isPrefix && { p: true as const }), ...(last.id && !last.isPrefix && { id: last.id }) }
      : undefined;

  const out: Output = {
    $metadata: { httpStatusCode: 200 },
    IsTruncated: truncated,
    Prefix: outName(prefix, encoded),
    ...(delimiter !== undefined && { Delimiter: outName(delimiter, encoded) }),
    ...(encoded && { EncodingType: "url" }),
  };
  for (const array of [...shape.arrays, "CommonPrefixes" as const]) {
    const items = page.filter((e) => e.into === array).map((e) => e.item);
    if (items.length > 0) out[array] = items;
  }
  switch (op) {
    case "ListObjectsV2":
      Object.assign(out, { Name: bucket, MaxKeys: limit, KeyCount: page.length });
      if (typeof input["ContinuationToken"] === "string") out["ContinuationToken"] = input["ContinuationToken"];
      if (str(input["StartAfter"])) out["StartAfter"] = outName(str(input["StartAfter"])!, encoded);
      if (next) out["NextContinuationToken"] = ctx.tokens.seal(next, scope);
      break;
    case "ListObjects":
      Object.assign(out, { Name: bucket, MaxKeys: limit, Marker: outName(str(input["Marker"]) ?? "", encoded) });
      if (next) out["NextMarker"] = outName(next.k, encoded);
      break;
    case "ListObjectVersions":
    case "ListMultipartUploads": {
      const isUploads = op === "ListMultipartUploads";
      Object.assign(out, isUploads ? { Bucket: bucket, MaxUploads: limit } : { Name: bucket, MaxKeys: limit });
      out["KeyMarker"] = outName(str(input["KeyMarker"]) ?? "", encoded);
      const idMarker = shape.idMarker!;
      if (str(input[idMarker])) out[idMarker] = input[idMarker];
      if (next) {
        out["NextKeyMarker"] = outName(next.k, encoded);
        if (next.id) out[isUploads ? "NextUploadIdMarker" : "NextVersionIdMarker"] = next.id;
      }
      break;
    }
  }
  return out;
}

/**
 * S3 order; within one key, newest first — the SDK splits a key's versions and delete markers
 * into two arrays, and their dates put them back in the backend's order.
 */
function compareEntries(a: Entry, b: Entry): number {
  // Dates are whole seconds on AWS: a delete marker written in the second of its version ties
  // with it, and only IsLatest still says which came last.
  return compareUtf8(a.name, b.name) || Number(b.latest) - Number(a.latest) || b.time - a.time || a.seq - b.seq;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** A name for the output: URL-encoded segment by segment when the caller asked for `url`. */
const outName = (name: string, encoded: boolean) =>
  encoded ? name.split("/").map(encodeURIComponent).join("/") : name;

/** Decodes a name a backend returned URL-encoded ("+" is a space, as AWS writes it). */
const decodeName = (name: string) => decodeURIComponent(name.replace(/\+/g, " "));

/** Whether `marker` is a common prefix of this listing (ends right after its first delimiter). */
function isCommonPrefix(marker: string, prefix: string, delimiter: string | undefined): boolean {
  if (!delimiter || !marker.startsWith(prefix)) return false;
  const at = marker.indexOf(delimiter, prefix.length);
  return at >= 0 && at + delimiter.length === marker.length;
}

const targetId = (route: Route, bucket: string) =>
  JSON.stringify([route.backend, toPhysicalBucket(route, bucket), route.mappedPrefix]);

/**
 * What the listing reads: the routes' distinct backend buckets (routes sharing one are listed
 * once), then one target per fallback. A fallback is a target of its own even when its store is
 * another route's backend bucket: there it lists its primary route's keys, which that route's
 * target drops as shadowed, and its entries lose to the primary's.
 */
function listingTargets(ctx: SpanningContext, bucket: string, routes: readonly Route[]): Target[] {
  const byId = new Map<string, Target>();
  const target = (
    id: string,
    route: Route,
    extra: Pick<Target, "serves"> & Partial<Pick<Target, "primaryId">>,
  ): Target => ({
    id,
    route,
    client: ctx.backend(route.client),
    physicalBucket: toPhysicalBucket(route, bucket),
    ...extra,
  });
  for (const route of routes) {
    const id = targetId(route, bucket);
    if (!byId.has(id)) byId.set(id, target(id, route, { serves: (r) => targetId(r, bucket) === id }));
  }
  for (const route of routes) {
    const fallback = route.fallback;
    if (!fallback) continue;
    // Keyed by the primary route: two routes falling back to one store each list their own keys there.
    const id = JSON.stringify([
      "fallback",
      route.index,
      fallback.backend,
      toPhysicalBucket(fallback, bucket),
      fallback.mappedPrefix,
    ]);
    byId.set(id, target(id, fallback, { serves: (r) => r.index === route.index, primaryId: targetId(route, bucket) }));
  }
  return [...byId.values()];
}

/** Whether a target's store holds `key` (any object, version, delete marker or upload of it). */
async function holdsKey(
  ctx: SpanningContext,
  op: Operation,
  input: Input,
  target: Target,
  key: string,
): Promise<boolean> {
  const physicalKey = target.route.mappedPrefix + key;
  // The key itself is the first of everything that starts with it.
  const request = {
    ...pick(input, PASS_THROUGH),
    Bucket: target.physicalBucket,
    Prefix: physicalKey,
    [SHAPES[op].limit]: 1,
  };
  const out = (await target.client.send(
    new COMMANDS[op](request) as never,
    ctx.sendOptions as never,
  )) as unknown as Output;
  return SHAPES[op].arrays.some((array) =>
    ((out[array] as Item[] | undefined) ?? []).some((item) => item["Key"] === physicalKey),
  );
}

interface StreamOptions {
  readonly prefix: string;
  readonly delimiter: string | undefined;
  readonly encoded: boolean;
  readonly pageSize: number;
  readonly start: Position | undefined;
  /**
   * Whether this target continues within the start key (its version/upload id marker applies
   * here): the key is listed from this target, and — for a route with a fallback — this is the
   * store that listed it.
   */
  readonly ownsStart: boolean;
  /** Whether a caller key is listed from this target (it routes here, or to this fallback's primary). */
  readonly isMember: (key: string) => boolean;
  /** Whether the keys under a prefix the router reads from this target are none, all, or some of them. */
  readonly reach: (prefix: string) => "none" | "all" | "some";
  /** For a fallback store: its primary's stream, whose keys win. */
  readonly primary: TargetStream | undefined;
}

/** One target's entries, in order, filtered to what the router would read there. */
class TargetStream {
  readonly #buffer: Entry[] = [];
  #done = false;
  /** Backend continuation within this merged page. */
  #continuation: Record<string, string> | undefined;
  #first = true;
  #seq = 0;
  /** The key of the last object, version or upload taken: a fallback's entries for it lose. */
  #lastKey: string | undefined;
  readonly #Command: new (input: object) => unknown;

  constructor(
    private readonly ctx: SpanningContext,
    private readonly op: Operation,
    private readonly input: Input,
    private readonly target: Target,
    private readonly options: StreamOptions,
  ) {
    this.#Command = COMMANDS[op];
  }

  peek(): Entry | undefined {
    return this.#buffer[0];
  }

  take(): Entry | undefined {
    const entry = this.#buffer.shift();
    if (entry && !entry.isPrefix) this.#lastKey = entry.name;
    return entry;
  }

  /**
   * Whether `entry`, this fallback's next one, loses to its primary: the primary listed its key
   * already, or lists it next. Only valid while `entry` is the merge's head after every stream's
   * `fill()`: then the primary's next entry sorts at or after it, so the primary's entries for the
   * key are either taken (the last taken, as the merge goes in key order) or at its buffer's head.
   */
  shadowed(entry: Entry): boolean {
    const primary = this.options.primary;
    if (!primary || entry.isPrefix) return false;
    const next = primary.peek();
    return primary.#lastKey === entry.name || (next !== undefined && !next.isPrefix && next.name === entry.name);
  }

  /** Reads the backend until an entry is buffered or the backend has no more. */
  async fill(): Promise<void> {
    while (this.#buffer.length === 0 && !this.#done) await this.#readPage();
  }

  async #readPage(): Promise<void> {
    const { route, physicalBucket } = this.target;
    const { prefix, delimiter, encoded, start } = this.options;
    const mp = route.mappedPrefix;
    const shape = SHAPES[this.op];
    const request: Record<string, unknown> = {
      ...pick(this.input, PASS_THROUGH),
      Bucket: physicalBucket,
      Prefix: mp + prefix,
      [shape.limit]: this.options.pageSize,
      // Keys come back URL-encoded only when asked; ask so whenever the caller did, so keys that
      // XML cannot carry survive.
      ...(encoded && { EncodingType: "url" }),
      ...(delimiter !== undefined && { Delimiter: delimiter }),
    };
    if (this.#first) {
      if (start) {
        request[shape.marker] = mp + (start.p ? afterAllUnder(start.k) : start.k);
        if (shape.idMarker && start.id && this.options.ownsStart) request[shape.idMarker] = start.id;
      }
    } else {
      Object.assign(request, this.#continuation);
    }
    this.#first = false;
    const out = (await this.target.client.send(
      new this.#Command(request) as never,
      this.ctx.sendOptions as never,
    )) as unknown as Output;
    this.#continuation = nextRequestFields(this.op, out);
    this.#done = out["IsTruncated"] !== true || this.#continuation === undefined;

    const entries: Entry[] = [];
    for (const into of [...shape.arrays, "CommonPrefixes" as const]) {
      for (const item of (out[into] as Item[] | undefined) ?? []) {
        const entry = await this.#entry(into, item);
        if (entry) entries.push(entry);
      }
    }
    entries.sort(compareEntries);
    this.#buffer.push(...entries);
  }

  /** The caller's entry for a backend item, or undefined when the router would not read it here. */
  async #entry(into: Bucket, item: Item): Promise<Entry | undefined> {
    const isPrefix = into === "CommonPrefixes";
    const member = isPrefix ? "Prefix" : "Key";
    const raw = str(item[member]);
    if (raw === undefined) return undefined;
    const physical = this.options.encoded ? decodeName(raw) : raw;
    const name = toLogicalKey(this.target.route, physical);
    if (name === undefined) return undefined;
    if (this.#before(name, isPrefix)) return undefined;
    if (isPrefix ? !(await this.#servesUnder(name)) : !this.options.isMember(name)) return undefined;
    const id = str(item["VersionId"]) ?? str(item["UploadId"]);
    const time =
      this.op === "ListObjectVersions" && item["LastModified"] instanceof Date ? item["LastModified"].getTime() : 0;
    const latest = item["IsLatest"] === true;
    return {
      name,
      isPrefix,
      into,
      item: { ...item, [member]: outName(name, this.options.encoded) },
      id,
      latest,
      time,
      seq: this.#seq++,
    };
  }

  /** Whether an entry lies at or before where this listing starts (listed already, or skipped). */
  #before(name: string, isPrefix: boolean): boolean {
    const start = this.options.start;
    if (!start) return false;
    if (start.p && name.startsWith(start.k)) return true;
    if (isPrefix) return compareUtf8(name, start.k) < 0 && !start.k.startsWith(name);
    const order = compareUtf8(name, start.k);
    // Only the owner of a version/upload marker's key continues within that key.
    return order < 0 || (order === 0 && !(this.options.ownsStart && start.id));
  }

  /**
   * Whether this target holds, under common prefix `prefix`, a key the router would read here.
   * Decided by the route table when it can be (the usual case); otherwise by reading the keys.
   */
  async #servesUnder(prefix: string): Promise<boolean> {
    const reach = this.options.reach(prefix);
    if (reach !== "some") return reach === "all";
    const { route, physicalBucket } = this.target;
    let continuation: Record<string, string> | undefined;
    let pages = 0;
    do {
      // Bounded: past this many pages of keys the router would read elsewhere, the prefix is
      // listed anyway — an extra (possibly empty) common prefix, never a hidden one.
      if (++pages > MAX_PREFIX_PROBE_PAGES) return true;
      const request = {
        ...pick(this.input, PASS_THROUGH),
        Bucket: physicalBucket,
        Prefix: route.mappedPrefix + prefix,
        [SHAPES[this.op].limit]: BACKEND_PAGE,
        ...continuation,
      };
      const out = (await this.target.client.send(
        new this.#Command(request) as never,
        this.ctx.sendOptions as never,
      )) as unknown as Output;
      for (const array of SHAPES[this.op].arrays) {
        for (const item of (out[array] as Item[] | undefined) ?? []) {
          const key = toLogicalKey(route, str(item["Key"]) ?? "");
          if (key !== undefined && this.options.isMember(key)) return true;
        }
      }
      continuation = out["IsTruncated"] === true ? nextRequestFields(this.op, out) : undefined;
    } while (continuation);
    return false;
  }
}

/** Request fields that continue a backend listing where its last answer stopped. */
function nextRequestFields(op: Operation, out: Output): Record<string, string> | undefined {
  switch (op) {
    case "ListObjectsV2":
      return str(out["NextContinuationToken"])
        ? { ContinuationToken: out["NextContinuationToken"] as string }
        : undefined;
    case "ListObjects": {
      // V1 names its next marker only when a delimiter is set; otherwise it is the last key.
      const contents = (out["Contents"] as Item[] | undefined) ?? [];
      const prefixes = (out["CommonPrefixes"] as Item[] | undefined) ?? [];
      const lastKey = str(contents[contents.length - 1]?.["Key"]);
      const lastPrefix = str(prefixes[prefixes.length - 1]?.["Prefix"]);
      const marker =
        str(out["NextMarker"]) ??
        (lastKey !== undefined && lastPrefix !== undefined
          ? compareUtf8(lastKey, lastPrefix) > 0
            ? lastKey
            : lastPrefix
          : (lastKey ?? lastPrefix));
      return marker === undefined ? undefined : { Marker: out["EncodingType"] === "url" ? decodeName(marker) : marker };
    }
    case "ListObjectVersions":
    case "ListMultipartUploads": {
      const key = str(out["NextKeyMarker"]);
      if (key === undefined) return undefined;
      const idField = op === "ListObjectVersions" ? "NextVersionIdMarker" : "NextUploadIdMarker";
      const id = str(out[idField]);
      const fields: Record<string, string> = { KeyMarker: out["EncodingType"] === "url" ? decodeName(key) : key };
      if (id) fields[op === "ListObjectVersions" ? "VersionIdMarker" : "UploadIdMarker"] = id;
      return fields;
    }
  }
}

/** Caller fields every backend request keeps (ownership checks, request payer, owner info). */
const PASS_THROUGH = ["ExpectedBucketOwner", "RequestPayer", "FetchOwner", "OptionalObjectAttributes"] as const;

function pick(input: Input, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (input[f] !== undefined) out[f] = input[f];
  return out;
}

const COMMANDS: Record<Operation, new (input: object) => unknown> = {
  ListObjectsV2: ListObjectsV2Command as never,
  ListObjects: ListObjectsCommand as never,
  ListObjectVersions: ListObjectVersionsCommand as never,
  ListMultipartUploads: ListMultipartUploadsCommand as never,
};
