/**
 * @module test/conformance/listing-fixture — the fixed contents of the listing bucket that the
 * listing scenarios compare with the model: keys on every route, keys whose UTF-8 and UTF-16
 * orders differ, and keys planted straight into a store — where the target reads them (listed)
 * and where it never would (shadowed: never listed).
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { putText } from "./object-io.js";
import type { ConformanceTarget } from "./target.js";

/** Written through the target: each must be listed. */
export const LISTED_KEYS: readonly string[] = [
  "team1/a.txt",
  "team1/b/c.txt",
  "team1/b/d.csv",
  "team2/a.txt",
  "team2/a.csv",
  "team2/sub/x",
  "team2/sub/y",
  "team3/old.txt",
  "team3/sub/z",
  "top.csv",
  "top.txt",
  "team1/é.txt",
  "team1/\u{E000}.txt", // sorts after the astral key in UTF-8, before it in UTF-16
  "team1/😀.txt",
  "team1/with space+plus&.txt",
  ...Array.from({ length: 8 }, (_, i) => `team2/many/${String(i).padStart(2, "0")}`),
  ...Array.from({ length: 3 }, (_, i) => `team4/${i}.csv`),
];

/** Planted at their own route's place with the store's client: listed like any other key. */
const PLANTED_AT_HOME: readonly string[] = ["direct/only", "direct/only.csv", "team2/planted"];

/** Planted at every *other* route's place (none on the direct target): never listed. */
export const SHADOWED: readonly string[] = ["team2/shadow", "team9/x.csv", "team1/shadowed", "team3/sub/shadowed"];

/** The body each listed key was written with. */
export const bodyOf = (key: string): string => (PLANTED_AT_HOME.includes(key) ? "planted" : key);

/** Empties the listing bucket and fills it; returns the keys a listing must show. */
export async function fillListingBucket(t: ConformanceTarget): Promise<Set<string>> {
  const bucket = t.buckets.listing;
  await t.reset(bucket);
  await Promise.all(LISTED_KEYS.map((key) => putText(t, bucket, key, key)));
  const plant = (place: ReturnType<ConformanceTarget["where"]>) =>
    place.client.send(new PutObjectCommand({ Bucket: place.bucket, Key: place.key, Body: "planted" }));
  await Promise.all(PLANTED_AT_HOME.map((key) => plant(t.where(bucket, key))));
  await Promise.all(
    SHADOWED.flatMap((key) =>
      t
        .shadowPlaces(bucket, key)
        .map((p) => p.client.send(new PutObjectCommand({ Bucket: p.bucket, Key: p.key, Body: "shadow" }))),
    ),
  );
  // A physical key outside every route's reach: in a store bucket other than the caller's own,
  // under no prefix of a route that maps there (the direct target has no such bucket).
  await Promise.all(
    t
      .physicalBuckets(bucket)
      .filter((p) => p.bucket !== bucket)
      .map((p) => p.client.send(new PutObjectCommand({ Bucket: p.bucket, Key: "outside-prefix", Body: "x" }))),
  );
  return new Set([...LISTED_KEYS, ...PLANTED_AT_HOME]);
}
