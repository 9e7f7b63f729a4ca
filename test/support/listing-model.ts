/**
 * @module test/support/listing-model — what an S3 listing of a set of keys must return, computed
 * from the keys alone: the reference the merged listings are compared with.
 */
import { compareUtf8 } from "../../src/spanning/utf8-order.js";

/** One listed entry: a key, or a common prefix (ending with the delimiter). */
export interface ModelEntry {
  readonly name: string;
  readonly isPrefix: boolean;
}

/**
 * The entries S3 lists for `keys` under `prefix`, rolled up at `delimiter`, in UTF-8 order.
 * `startAfter` (ListObjectsV2's StartAfter, V1's first Marker) drops the keys up to and including
 * it before they are rolled up; keep it to listings without a delimiter, where S3's documents
 * leave no doubt about what it does to a common prefix that straddles it.
 */
export function modelListing(
  keys: Iterable<string>,
  prefix: string,
  delimiter?: string,
  startAfter?: string,
): ModelEntry[] {
  const entries = new Map<string, ModelEntry>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    if (startAfter !== undefined && compareUtf8(key, startAfter) <= 0) continue;
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (delimiter && at >= 0) {
      const name = key.slice(0, at + delimiter.length);
      entries.set(`p:${name}`, { name, isPrefix: true });
    } else {
      entries.set(`k:${key}`, { name: key, isPrefix: false });
    }
  }
  return [...entries.values()].sort((a, b) => compareUtf8(a.name, b.name));
}
