/**
 * @module spanning/listing-entry — one entry of a merged listing (an object, version, delete
 * marker, upload or common prefix) in the caller's names, and the order the merge lists them in.
 */
import type { ListingArray } from "../operations/registry.js";
import { compareUtf8 } from "./utf8-order.js";

/** An item of a listing's output array, as a backend or the SDK writes it. */
export type Item = Record<string, unknown>;

/** The output arrays an entry can belong to. */
export type EntryArray = ListingArray | "CommonPrefixes";

/** One listed entry in the caller's names. */
export interface Entry {
  /** Caller key (decoded) or common prefix: the merge order. */
  readonly name: string;
  readonly isPrefix: boolean;
  readonly into: EntryArray;
  /** The output item, in the caller's names (URL-encoded when the caller asked so). */
  readonly item: Item;
  /** Version or upload id, for the markers of versions and uploads. */
  readonly id: string | undefined;
  /** Within one key: the latest version first, then newest first, then the backend's order. */
  readonly latest: boolean;
  readonly time: number;
  readonly seq: number;
}

/**
 * S3 order; within one key, newest first — the SDK splits a key's versions and delete markers
 * into two arrays, and their dates put them back in the backend's order.
 */
export function compareEntries(a: Entry, b: Entry): number {
  // Dates are whole seconds on AWS: a delete marker written in the second of its version ties
  // with it, and only IsLatest still says which came last.
  return compareUtf8(a.name, b.name) || Number(b.latest) - Number(a.latest) || b.time - a.time || a.seq - b.seq;
}
