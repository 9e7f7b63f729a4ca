/**
 * @module spanning/listing-merge — the k-way merge of a listing's target streams into one page,
 * in S3 order (UTF-8 bytes). A fallback's entry for a key its primary lists is dropped; a common
 * prefix several backends report is one entry, and counts once.
 */
import { compareEntries, type Entry } from "./listing-entry.js";
import type { TargetStream } from "./listing-stream.js";

/** One merged page. */
export interface MergedPage {
  /** At most the page's limit of entries, in order. */
  readonly entries: readonly Entry[];
  /** Whether entries remain past the page. */
  readonly truncated: boolean;
}

/** Merges up to `limit` entries, reading one past them to learn whether the listing is truncated. */
export async function mergePage(streams: readonly TargetStream[], limit: number): Promise<MergedPage> {
  const entries: Entry[] = [];
  while (limit > 0 && entries.length <= limit) {
    await Promise.all(streams.map((s) => s.fill()));
    const head = headOf(streams);
    if (!head) break;
    if (head.from.shadowed(head.entry)) head.from.take();
    else entries.push(takeEverywhere(streams, head.entry));
  }
  const truncated = entries.length > limit;
  if (truncated) entries.length = limit;
  return { entries, truncated };
}

/** The first entry of all streams' heads (the first stream's on a tie), and its stream. */
function headOf(streams: readonly TargetStream[]): { entry: Entry; from: TargetStream } | undefined {
  let head: { entry: Entry; from: TargetStream } | undefined;
  for (const from of streams) {
    const entry = from.peek();
    if (entry && (!head || compareEntries(entry, head.entry) < 0)) head = { entry, from };
  }
  return head;
}

/** Takes `chosen` from its stream, and the same common prefix from every other stream. */
function takeEverywhere(streams: readonly TargetStream[], chosen: Entry): Entry {
  for (const s of streams) {
    const e = s.peek();
    if (e && (e === chosen || (chosen.isPrefix && e.isPrefix && e.name === chosen.name))) s.take();
  }
  return chosen;
}
