/**
 * @module spanning/listing-backend — one listing request to one target: the request in the
 * target's physical names, the SDK command that sends it, and the fields that continue the
 * backend's own listing where its last answer stopped.
 */
import {
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
} from "@aws-sdk/client-s3";
import type { ListingOperation, ListingShape, ListingSpec } from "../operations/registry.js";
import type { Item } from "./listing-entry.js";
import { decodeName } from "./listing-names.js";
import { asString, type Input } from "./listing-request.js";
import type { Target } from "./listing-targets.js";
import type { SpanningContext } from "./spanning-context.js";
import { compareUtf8 } from "./utf8-order.js";

/** A listing command's output, as the SDK returns it. */
export type Output = Record<string, unknown>;

/** A backend listing request, with the fields the caller's input passes through. */
export type BackendRequest = Record<string, unknown>;

/** The SDK command of each listing operation. */
const COMMANDS: Readonly<Record<ListingOperation, new (input: never) => object>> = {
  ListObjectsV2: ListObjectsV2Command,
  ListObjects: ListObjectsCommand,
  ListObjectVersions: ListObjectVersionsCommand,
  ListMultipartUploads: ListMultipartUploadsCommand,
};

/** Caller fields every backend request keeps (ownership checks, request payer, owner info). */
const PASS_THROUGH = ["ExpectedBucketOwner", "RequestPayer", "FetchOwner", "OptionalObjectAttributes"] as const;

/** A request for up to `size` entries under `physicalPrefix` of a target's bucket. */
export function backendRequest(
  shape: ListingShape,
  input: Input,
  target: Target,
  physicalPrefix: string,
  size: number,
): BackendRequest {
  const request: BackendRequest = {};
  for (const field of PASS_THROUGH) if (input[field] !== undefined) request[field] = input[field];
  return { ...request, Bucket: target.physicalBucket, Prefix: physicalPrefix, [shape.limit]: size };
}

/** Sends a listing request to a target, under the caller's abort signal. */
export async function sendListing(
  ctx: SpanningContext,
  spec: ListingSpec,
  target: Target,
  request: BackendRequest,
): Promise<Output> {
  const Command = COMMANDS[spec.name];
  return (await target.client.send(
    new Command(request as never) as never,
    ctx.sendOptions as never,
  )) as unknown as Output;
}

/** The items of one output array. */
export const itemsOf = (out: Output, array: string): Item[] => (out[array] as Item[] | undefined) ?? [];

/** Request fields that continue a backend listing where its last answer stopped. */
export function nextRequestFields(shape: ListingShape, out: Output): Record<string, string> | undefined {
  switch (shape.paging) {
    case "token": {
      const token = asString(out["NextContinuationToken"]);
      return token ? { ContinuationToken: token } : undefined;
    }
    case "marker": {
      const marker = asString(out["NextMarker"]) ?? lastListed(out);
      return marker === undefined ? undefined : { Marker: backendName(out, marker) };
    }
    case "key-marker": {
      const key = asString(out["NextKeyMarker"]);
      if (key === undefined) return undefined;
      const id = asString(out[`Next${shape.idMarker}`]);
      return { KeyMarker: backendName(out, key), ...(id && { [shape.idMarker]: id }) };
    }
  }
}

/** ListObjects (V1) names its next marker only when a delimiter is set; otherwise it is the last key. */
function lastListed(out: Output): string | undefined {
  const contents = itemsOf(out, "Contents");
  const prefixes = itemsOf(out, "CommonPrefixes");
  const lastKey = asString(contents[contents.length - 1]?.["Key"]);
  const lastPrefix = asString(prefixes[prefixes.length - 1]?.["Prefix"]);
  if (lastKey === undefined || lastPrefix === undefined) return lastKey ?? lastPrefix;
  return compareUtf8(lastKey, lastPrefix) > 0 ? lastKey : lastPrefix;
}

/** A marker as a backend reads it back: decoded when its answer was URL-encoded. */
const backendName = (out: Output, name: string): string => (out["EncodingType"] === "url" ? decodeName(name) : name);

/** Whether a target's store holds `key` (any object, version, delete marker or upload of it). */
export async function holdsKey(
  ctx: SpanningContext,
  spec: ListingSpec,
  input: Input,
  target: Target,
  key: string,
): Promise<boolean> {
  const physicalKey = target.route.mappedPrefix + key;
  // The key itself is the first of everything that starts with it.
  const out = await sendListing(ctx, spec, target, backendRequest(spec.listing, input, target, physicalKey, 1));
  return spec.listing.arrays.some((array) => itemsOf(out, array).some((item) => item["Key"] === physicalKey));
}
