/**
 * @module spanning/listing-answer — a merged page as the listing command's own output: its
 * entries in their arrays, the caller's arguments echoed in the caller's names, and where the
 * next page starts — a sealed token for ListObjectsV2, the caller-visible markers otherwise. The
 * position reached (the last key or common prefix listed) is all a continuation needs.
 */
import type { Output } from "./listing-backend.js";
import type { Entry } from "./listing-entry.js";
import type { MergedPage } from "./listing-merge.js";
import { outName } from "./listing-names.js";
import { asString, type ListingRequest, type Position } from "./listing-request.js";
import type { ListingTokenCodec } from "./listing-token.js";

/** The listing command's output for a merged page. */
export function listingAnswer(tokens: ListingTokenCodec, request: ListingRequest, page: MergedPage): Output {
  const { prefix, delimiter, encoded } = request;
  const out: Output = {
    $metadata: { httpStatusCode: 200 },
    IsTruncated: page.truncated,
    Prefix: outName(prefix, encoded),
    ...(delimiter !== undefined && { Delimiter: outName(delimiter, encoded) }),
    ...(encoded && { EncodingType: "url" }),
  };
  for (const array of [...request.spec.listing.arrays, "CommonPrefixes" as const]) {
    const items = page.entries.filter((e) => e.into === array).map((e) => e.item);
    if (items.length > 0) out[array] = items;
  }
  return Object.assign(out, pagingFields(tokens, request, page));
}

/** Where the next page starts, when the page is truncated. */
function nextPosition(page: MergedPage): Position | undefined {
  const last: Entry | undefined = page.entries[page.entries.length - 1];
  if (!page.truncated || !last) return undefined;
  return {
    k: last.name,
    ...(last.isPrefix && { p: true as const }),
    ...(last.id && !last.isPrefix && { id: last.id }),
  };
}

/** The bucket, the limit, the caller's markers echoed, and the next page's. */
function pagingFields(tokens: ListingTokenCodec, request: ListingRequest, page: MergedPage): Output {
  const { spec, input, bucket, encoded, limit } = request;
  const shape = spec.listing;
  const next = nextPosition(page);
  const out: Output = { [shape.bucketField]: bucket, [shape.limit]: limit };
  switch (shape.paging) {
    case "token": {
      out["KeyCount"] = page.entries.length;
      if (typeof input["ContinuationToken"] === "string") out["ContinuationToken"] = input["ContinuationToken"];
      const startAfter = asString(input["StartAfter"]);
      if (startAfter) out["StartAfter"] = outName(startAfter, encoded);
      if (next) out["NextContinuationToken"] = tokens.seal(next, request.scope);
      break;
    }
    case "marker":
      out["Marker"] = outName(asString(input["Marker"]) ?? "", encoded);
      if (next) out["NextMarker"] = outName(next.k, encoded);
      break;
    case "key-marker":
      out["KeyMarker"] = outName(asString(input["KeyMarker"]) ?? "", encoded);
      if (asString(input[shape.idMarker])) out[shape.idMarker] = input[shape.idMarker];
      if (next) {
        out["NextKeyMarker"] = outName(next.k, encoded);
        if (next.id) out[`Next${shape.idMarker}`] = next.id;
      }
      break;
  }
  return out;
}
