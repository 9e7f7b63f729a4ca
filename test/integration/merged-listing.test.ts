/**
 * @module test/integration/merged-listing — the library's continuation tokens of listings merged
 * across two real servers (one bucket split by four routes: renamed buckets, prefixes, a key glob
 * that cuts across the others): stateless, so another router instance continues them; sealed, so
 * a tampered, foreign or misused token is refused. What the listings themselves return — compared
 * with the listing model, fixed cases and a fast-check property, on every target — is the
 * conformance suite's (test/conformance/suite-listings.ts, suite-listing-property.ts).
 */
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Router, InvalidTokenError, type S3Router, type S3RouterOptions } from "../../src/index.js";
import { createBuckets, emptyAndDeleteBucket, injectRgw, rgwClient, uniqueBucket } from "../support/backends.js";
import { modelListing } from "../support/listing-model.js";

const a = rgwClient(injectRgw("rgwA"));
const b = rgwClient(injectRgw("rgwB"));
const example = uniqueBucket("split");
const csvBucket = uniqueBucket("csv");
const minioBucket = uniqueBucket("minio");
const archiveBucket = uniqueBucket("archive");

const options = (): S3RouterOptions => ({
  clients: { b, default: a },
  listingTokenSecret: "test-secret",
  routes: [
    {
      name: "team2",
      client: "b",
      source_bucket_pattern: example,
      source_key_pattern: "team2/*",
      mapped_bucket_name: minioBucket,
      mapped_prefix: "data/",
    },
    {
      name: "team3",
      client: "b",
      source_bucket_pattern: example,
      source_key_pattern: "team3/*",
      mapped_bucket_name: archiveBucket,
      mapped_prefix: "old/",
    },
    {
      name: "rand-b",
      client: "b",
      source_bucket_pattern: example,
      source_key_pattern: "rand*/b*",
      mapped_bucket_name: minioBucket,
      mapped_prefix: "r/",
    },
    {
      name: "csv",
      client: "default",
      source_bucket_pattern: example,
      source_key_pattern: "*.csv",
      mapped_bucket_name: csvBucket,
    },
  ],
});

let router: S3Router;
const written = new Set<string>();

const KEYS = [
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
  "team1/with space+plus.txt",
  ...Array.from({ length: 12 }, (_, i) => `team2/many/${String(i).padStart(2, "0")}`),
  ...Array.from({ length: 5 }, (_, i) => `team4/${i}.csv`),
];

beforeAll(async () => {
  await Promise.all([createBuckets(a, [example, csvBucket]), createBuckets(b, [minioBucket, archiveBucket])]);
  router = createS3Router(options());
  await Promise.all(KEYS.map((Key) => router.send(new PutObjectCommand({ Bucket: example, Key, Body: Key }))));
  for (const key of KEYS) written.add(key);
  // Shadowed: keys sitting in a backend bucket where the router would never read them.
  await Promise.all([
    a.send(new PutObjectCommand({ Bucket: example, Key: "team2/shadow", Body: "x" })),
    a.send(new PutObjectCommand({ Bucket: example, Key: "team9/x.csv", Body: "x" })), // *.csv routes to csvBucket
    // Planted directly but where the router reads them: listed like any other key.
    a.send(new PutObjectCommand({ Bucket: example, Key: "direct/only", Body: "x" })),
    a.send(new PutObjectCommand({ Bucket: csvBucket, Key: "direct/only.csv", Body: "x" })),
    b.send(new PutObjectCommand({ Bucket: minioBucket, Key: "data/team1/ghost", Body: "x" })),
    b.send(new PutObjectCommand({ Bucket: minioBucket, Key: "outside-prefix", Body: "x" })),
    a.send(new PutObjectCommand({ Bucket: csvBucket, Key: "team2/b.csv", Body: "x" })), // team2/* wins over *.csv
    b.send(new PutObjectCommand({ Bucket: archiveBucket, Key: "old/team1/z", Body: "x" })),
  ]);
  written.add("direct/only").add("direct/only.csv");
});

afterAll(async () => {
  await Promise.all(
    [example, csvBucket]
      .map((x) => emptyAndDeleteBucket(a, x))
      .concat([minioBucket, archiveBucket].map((x) => emptyAndDeleteBucket(b, x))),
  );
  router.destroy();
});

describe("merged listing tokens", () => {
  it("continues in another router instance (stateless tokens)", async () => {
    const first = await router.send(new ListObjectsV2Command({ Bucket: example, MaxKeys: 5 }));
    const other = createS3Router(options());
    try {
      const second = await other.send(
        new ListObjectsV2Command({ Bucket: example, MaxKeys: 1000, ContinuationToken: first.NextContinuationToken! }),
      );
      const keys = [...first.Contents!, ...second.Contents!].map((c) => c.Key!);
      expect(keys).toEqual(modelListing(written, "").map((e) => e.name));
    } finally {
      other.destroy();
    }
  });

  it("rejects a tampered or foreign token", async () => {
    const first = await router.send(new ListObjectsV2Command({ Bucket: example, MaxKeys: 2 }));
    const token = first.NextContinuationToken!;
    const tampered = token.slice(0, 5) + (token[5] === "A" ? "B" : "A") + token.slice(6);
    await expect(
      router.send(new ListObjectsV2Command({ Bucket: example, ContinuationToken: tampered })),
    ).rejects.toThrow(InvalidTokenError);
    // A token is bound to its listing: another prefix cannot reuse it.
    await expect(
      router.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team", ContinuationToken: token })),
    ).rejects.toThrow(InvalidTokenError);
    const otherSecret = createS3Router({ ...options(), listingTokenSecret: "another" });
    try {
      await expect(
        otherSecret.send(new ListObjectsV2Command({ Bucket: example, ContinuationToken: token })),
      ).rejects.toThrow(InvalidTokenError);
    } finally {
      otherSecret.destroy();
    }
  });
});
