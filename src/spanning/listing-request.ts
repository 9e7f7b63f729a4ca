/**
 * @module spanning/listing-request — what a merged listing is asked for, read once from the
 * caller's input: prefix, delimiter, encoding, page size, and where the page starts. The start
 * comes from a ListObjectsV2 continuation token (sealed by this router, bound to this very
 * listing) or from the caller's markers; either way it is a position in the caller's key space,
 * which every backend can restart from. Later phases read this, not the input's loose fields.
 */
import type { ListingShape, ListingSpec } from "../operations/registry.js";
import type { ListingTokenCodec } from "./listing-token.js";

/** A listing command's input, as the caller gave it. */
export type Input = Readonly<Record<string, unknown>>;

/** Where a listing stands: after this key (and version/upload id), or after this whole prefix. */
export interface Position {
  readonly k: string;
  readonly p?: true;
  readonly id?: string;
}

/** Backends return at most this many entries per request; no page is larger. */
export const BACKEND_PAGE = 1000;

/** One page's request, decoded. */
export interface ListingRequest {
  readonly spec: ListingSpec;
  /** The caller's input, for the fields passed through to backends and echoed in the answer. */
  readonly input: Input;
  /** The caller's bucket. */
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter: string | undefined;
  /** Whether the caller asked for URL-encoded names. */
  readonly encoded: boolean;
  /** Entries (and common prefixes) on the page. */
  readonly limit: number;
  /** What this listing's continuation tokens are bound to. */
  readonly scope: string;
  /** Where the page starts; undefined for the first one. */
  readonly start: Position | undefined;
}

/**
 * Decodes a listing request.
 * @throws {@link InvalidTokenError} for a continuation token this router did not issue for this listing.
 */
export function readListingRequest(
  tokens: ListingTokenCodec,
  spec: ListingSpec,
  input: Input,
  bucket: string,
): ListingRequest {
  const prefix = asString(input["Prefix"]) ?? "";
  const delimiter = asString(input["Delimiter"]) || undefined;
  const encoded = input["EncodingType"] === "url";
  const requested = input[spec.listing.limit];
  const limit = typeof requested === "number" ? Math.max(0, Math.min(requested, BACKEND_PAGE)) : BACKEND_PAGE;
  const scope = JSON.stringify([spec.name, bucket, prefix, delimiter ?? "", encoded]);
  const token = input["ContinuationToken"];
  const start =
    spec.listing.paging === "token" && typeof token === "string" && token !== ""
      ? tokens.open<Position>(token, scope)
      : markerPosition(spec.listing, input, prefix, delimiter);
  return { spec, input, bucket, prefix, delimiter, encoded, limit, scope, start };
}

/** The position the caller's markers name, if they name one. */
function markerPosition(
  shape: ListingShape,
  input: Input,
  prefix: string,
  delimiter: string | undefined,
): Position | undefined {
  const marker = asString(input[shape.marker]);
  if (!marker) return undefined;
  const id = shape.idMarker ? asString(input[shape.idMarker]) : undefined;
  return { k: marker, ...(isCommonPrefix(marker, prefix, delimiter) && { p: true as const }), ...(id && { id }) };
}

/** Whether `marker` is a common prefix of this listing (ends right after its first delimiter). */
function isCommonPrefix(marker: string, prefix: string, delimiter: string | undefined): boolean {
  if (!delimiter || !marker.startsWith(prefix)) return false;
  const at = marker.indexOf(delimiter, prefix.length);
  return at >= 0 && at + delimiter.length === marker.length;
}

/** A field of a loosely typed input or output, if it is a string. */
export const asString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
