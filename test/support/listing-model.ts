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

/** The entries S3 lists for `keys` under `prefix`, rolled up at `delimiter`, in UTF-8 order. */
export function modelListing(keys: Iterable<string>, prefix: string, delimiter?: string): ModelEntry[] {
  const entries = new Map<string, ModelEntry>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (at >= 0) {
      const name = key.slice(0, at + delimiter!.length);
      entries.set(`p:${name}`, { name, isPrefix: true });
    } else {
      entries.set(`k:${key}`, { name: key, isPrefix: false });
    }
  }
  return [...entries.values()].sort((a, b) => compareUtf8(a.name, b.name));
}
