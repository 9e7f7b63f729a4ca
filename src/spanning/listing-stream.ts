/**
 * @module spanning/listing-stream — one target's entries of a merged listing, in order, filtered
 * to what the router would read there: a backend key that routes elsewhere (shadowed) is dropped,
 * and so is a common prefix under which the target holds no key it serves. The backend is read a
 * page at a time, only as far as the merge asks.
 */
import { toLogicalKey } from "../mapping/key-mapping.js";
import {
  backendRequest,
  itemsOf,
  nextRequestFields,
  sendListing,
  type BackendRequest,
  type Output,
} from "./listing-backend.js";
import { compareEntries, type Entry, type EntryArray, type Item } from "./listing-entry.js";
import { decodeName, outName } from "./listing-names.js";
import { asString, BACKEND_PAGE, type ListingRequest } from "./listing-request.js";
import type { Target } from "./listing-targets.js";
import type { SpanningContext } from "./spanning-context.js";
import { afterAllUnder, compareUtf8 } from "./utf8-order.js";

/** How many backend pages may be read to learn whether a common prefix holds a key served here. */
const MAX_PREFIX_PROBE_PAGES = 5;

/** What a stream knows of its target's place in the listing. */
export interface StreamOptions {
  /** Entries per backend request. */
  readonly pageSize: number;
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
export class TargetStream {
  readonly #buffer: Entry[] = [];
  #done = false;
  /** Backend continuation within this merged page. */
  #continuation: Record<string, string> | undefined;
  #first = true;
  #seq = 0;
  /** The key of the last object, version or upload taken: a fallback's entries for it lose. */
  #lastKey: string | undefined;
  /** Whether entries of one key are ordered by date: versions and delete markers (see compareEntries). */
  readonly #dated: boolean;

  constructor(
    private readonly ctx: SpanningContext,
    private readonly request: ListingRequest,
    private readonly target: Target,
    private readonly options: StreamOptions,
  ) {
    this.#dated = request.spec.listing.arrays.includes("DeleteMarkers");
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
    const { spec } = this.request;
    const request = this.#pageRequest();
    this.#first = false;
    const out = await sendListing(this.ctx, spec, this.target, request);
    this.#continuation = nextRequestFields(spec.listing, out);
    this.#done = out["IsTruncated"] !== true || this.#continuation === undefined;
    this.#buffer.push(...(await this.#entriesOf(out)));
  }

  /** The request for the backend's next page: from the start position first, then where it stopped. */
  #pageRequest(): BackendRequest {
    const { spec, input, prefix, delimiter, encoded, start } = this.request;
    const shape = spec.listing;
    const mp = this.target.route.mappedPrefix;
    const request: BackendRequest = {
      ...backendRequest(shape, input, this.target, mp + prefix, this.options.pageSize),
      // Keys come back URL-encoded only when asked; ask so whenever the caller did, so keys that
      // XML cannot carry survive.
      ...(encoded && { EncodingType: "url" }),
      ...(delimiter !== undefined && { Delimiter: delimiter }),
    };
    if (!this.#first) return Object.assign(request, this.#continuation);
    if (start) {
      request[shape.marker] = mp + (start.p ? afterAllUnder(start.k) : start.k);
      if (shape.idMarker && start.id && this.options.ownsStart) request[shape.idMarker] = start.id;
    }
    return request;
  }

  /** A backend page's entries the router would read here, in merge order. */
  async #entriesOf(out: Output): Promise<Entry[]> {
    const entries: Entry[] = [];
    for (const into of [...this.request.spec.listing.arrays, "CommonPrefixes" as const]) {
      for (const item of itemsOf(out, into)) {
        const entry = await this.#entry(into, item);
        if (entry) entries.push(entry);
      }
    }
    return entries.sort(compareEntries);
  }

  /** The caller's entry for a backend item, or undefined when the router would not read it here. */
  async #entry(into: EntryArray, item: Item): Promise<Entry | undefined> {
    const isPrefix = into === "CommonPrefixes";
    const member = isPrefix ? "Prefix" : "Key";
    const name = this.#callerName(asString(item[member]));
    if (name === undefined || this.#before(name, isPrefix)) return undefined;
    if (isPrefix ? !(await this.#servesUnder(name)) : !this.options.isMember(name)) return undefined;
    return {
      name,
      isPrefix,
      into,
      item: { ...item, [member]: outName(name, this.request.encoded) },
      id: asString(item["VersionId"]) ?? asString(item["UploadId"]),
      latest: item["IsLatest"] === true,
      time: this.#dated && item["LastModified"] instanceof Date ? item["LastModified"].getTime() : 0,
      seq: this.#seq++,
    };
  }

  /** The caller's name of a backend's key or prefix, if it is one of the target route's. */
  #callerName(raw: string | undefined): string | undefined {
    if (raw === undefined) return undefined;
    return toLogicalKey(this.target.route, this.request.encoded ? decodeName(raw) : raw);
  }

  /** Whether an entry lies at or before where this listing starts (listed already, or skipped). */
  #before(name: string, isPrefix: boolean): boolean {
    const start = this.request.start;
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
    const { spec, input } = this.request;
    const physicalPrefix = this.target.route.mappedPrefix + prefix;
    let continuation: Record<string, string> | undefined;
    let pages = 0;
    do {
      // Bounded: past this many pages of keys the router would read elsewhere, the prefix is
      // listed anyway — an extra (possibly empty) common prefix, never a hidden one.
      if (++pages > MAX_PREFIX_PROBE_PAGES) return true;
      const request = {
        ...backendRequest(spec.listing, input, this.target, physicalPrefix, BACKEND_PAGE),
        ...continuation,
      };
      const out = await sendListing(this.ctx, spec, this.target, request);
      if (this.#holdsMember(out)) return true;
      continuation = out["IsTruncated"] === true ? nextRequestFields(spec.listing, out) : undefined;
    } while (continuation);
    return false;
  }

  /** Whether a backend page (not URL-encoded) lists a key the router reads from this target. */
  #holdsMember(out: Output): boolean {
    return this.request.spec.listing.arrays.some((array) =>
      itemsOf(out, array).some((item) => {
        const key = toLogicalKey(this.target.route, asString(item["Key"]) ?? "");
        return key !== undefined && this.options.isMember(key);
      }),
    );
  }
}
