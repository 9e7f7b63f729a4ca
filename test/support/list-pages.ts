/**
 * @module test/support/list-pages — lists everything under a prefix, page by page (ListObjectsV2
 * continued by token, or ListObjects V1 by marker), and hands back the entries in UTF-8 order and
 * the size of every page: what the listing tests compare with their model and check MaxKeys
 * against. Any S3 client will do: a backend's own, the router, the gateway's.
 */
import {
  ListObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { expect } from "vitest";
import { compareUtf8 } from "../../src/spanning/utf8-order.js";

/** Which listing is paged: ListObjects (V1, by marker) or ListObjectsV2 (by continuation token). */
export type ListVersion = "v1" | "v2";

/** A listed key (with its size, when asked for) or common prefix (ending with the delimiter). */
export interface Listed {
  readonly name: string;
  readonly isPrefix: boolean;
  readonly size?: number | undefined;
}

/** What to list, and what to record and check on every page. */
export interface ListPagesOptions {
  readonly bucket: string;
  readonly version: ListVersion;
  readonly prefix: string;
  readonly delimiter?: string | undefined;
  /** ListObjectsV2's StartAfter on the first request (V2 only). */
  readonly startAfter?: string | undefined;
  /** MaxKeys of every request; none sent when undefined. */
  readonly pageSize?: number | undefined;
  /** Records each key's `Size` in its entry (common prefixes have none). Default false. */
  readonly withSize?: boolean;
  /** On V2, expects each page's KeyCount to equal its keys plus common prefixes. Default true. */
  readonly checkKeyCount?: boolean;
}

/** Lists everything under `prefix` page by page; returns the entries and the page sizes. */
export async function listPages(
  client: Pick<S3Client, "send">,
  options: ListPagesOptions,
): Promise<{ entries: Listed[]; pageSizes: number[] }> {
  const { bucket, version, prefix, delimiter, pageSize, startAfter, withSize = false, checkKeyCount = true } = options;
  if (startAfter !== undefined && version !== "v2") throw new Error("StartAfter is a ListObjectsV2 parameter");
  const entries: Listed[] = [];
  const pageSizes: number[] = [];
  let token: string | undefined;
  let marker: string | undefined;
  for (let guard = 0; guard < 500; guard++) {
    const base = {
      Bucket: bucket,
      Prefix: prefix,
      ...(pageSize !== undefined && { MaxKeys: pageSize }),
      ...(delimiter && { Delimiter: delimiter }),
    };
    const out =
      version === "v2"
        ? await client.send(
            new ListObjectsV2Command({
              ...base,
              ...(token ? { ContinuationToken: token } : startAfter !== undefined && { StartAfter: startAfter }),
            }),
          )
        : await client.send(new ListObjectsCommand({ ...base, ...(marker && { Marker: marker }) }));
    const page: Listed[] = [
      ...(out.Contents ?? []).map((c): Listed =>
        withSize ? { name: c.Key!, isPrefix: false, size: c.Size } : { name: c.Key!, isPrefix: false },
      ),
      ...(out.CommonPrefixes ?? []).map((p): Listed => ({ name: p.Prefix!, isPrefix: true })),
    ].sort((x, y) => compareUtf8(x.name, y.name));
    if (version === "v2" && checkKeyCount) expect((out as ListObjectsV2CommandOutput).KeyCount).toBe(page.length);
    entries.push(...page);
    pageSizes.push(page.length);
    if (!out.IsTruncated) return { entries, pageSizes };
    token = (out as ListObjectsV2CommandOutput).NextContinuationToken;
    marker = "NextMarker" in out ? out.NextMarker : undefined;
  }
  throw new Error("listing did not end");
}
