/**
 * @module test/integration/merged-listing — listings of one bucket split across two real servers
 * by four routes (renamed buckets, prefixes, a key glob that cuts across the others), compared
 * with a model computed from what was written — including keys planted straight into a backend
 * where the router would never read them.
 */
import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Router, InvalidTokenError, type S3Router, type S3RouterOptions } from "../../src/index.js";
import { createBuckets, emptyAndDeleteBucket, injectRgw, rgwClient, uniqueBucket } from "../support/backends.js";
import { listPages, type ListVersion } from "../support/list-pages.js";
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

describe("merged listings", () => {
  const cases: Array<[ListVersion, string, string | undefined, number]> = [];
  for (const version of ["v2", "v1"] as const)
    for (const [prefix, delimiter] of [
      ["", undefined],
      ["", "/"],
      ["team", undefined],
      ["team2/", "/"],
      ["team1/", undefined],
      ["team1/", "/"],
    ] as const)
      for (const pageSize of [1, 2, 7, 1000]) cases.push([version, prefix, delimiter, pageSize]);

  it.each(cases)("%s prefix=%j delimiter=%j page=%i equals the model", async (version, prefix, delimiter, pageSize) => {
    const { entries, pageSizes } = await listPages(router, { bucket: example, version, prefix, delimiter, pageSize });
    const expected = modelListing(written, prefix, delimiter);
    expect(entries.map((e) => `${e.isPrefix ? "P" : "K"}:${e.name}`)).toEqual(
      expected.map((e) => `${e.isPrefix ? "P" : "K"}:${e.name}`),
    );
    // Every page but the last is full: MaxKeys is honoured exactly.
    for (const size of pageSizes.slice(0, -1)) expect(size).toBe(pageSize);
    expect(pageSizes[pageSizes.length - 1]).toBeLessThanOrEqual(pageSize);
  });

  it("is walked end to end by the SDK paginator, every reachable key once", async () => {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: router, pageSize: 3 }, { Bucket: example }))
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    expect(keys).toEqual(modelListing(written, "").map((e) => e.name));
  });

  it("continues in another router instance (stateless tokens)", async () => {
    const first = await router.send(new ListObjectsV2Command({ Bucket: example, MaxKeys: 5 }));
    const other = createS3Router(options());
    const second = await other.send(
      new ListObjectsV2Command({ Bucket: example, MaxKeys: 1000, ContinuationToken: first.NextContinuationToken! }),
    );
    const keys = [...first.Contents!, ...second.Contents!].map((c) => c.Key!);
    expect(keys).toEqual(modelListing(written, "").map((e) => e.name));
    other.destroy();
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
    await expect(
      otherSecret.send(new ListObjectsV2Command({ Bucket: example, ContinuationToken: token })),
    ).rejects.toThrow(InvalidTokenError);
  });

  it("URL-encodes merged keys when asked, decodable back to the keys", async () => {
    const out = await router.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team1/", EncodingType: "url" }));
    expect(out.Contents!.map((c) => decodeURIComponent(c.Key!))).toEqual(
      modelListing(written, "team1/").map((e) => e.name),
    );
  });

  it("lists versions merged, page by page with key markers", async () => {
    const keys: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const out = await router.send(
        new ListObjectVersionsCommand({ Bucket: example, Prefix: "team", MaxKeys: 4, KeyMarker, VersionIdMarker }),
      );
      keys.push(...(out.Versions ?? []).map((v) => v.Key!));
      if (!out.IsTruncated) break;
      KeyMarker = out.NextKeyMarker;
      VersionIdMarker = out.NextVersionIdMarker;
    }
    expect(keys).toEqual(modelListing(written, "team").map((e) => e.name));
  });

  it("lists multipart uploads merged, one per page", async () => {
    const uploadKeys = ["team1/up", "team2/up", "team3/up", "up.csv"];
    for (const Key of uploadKeys) await router.send(new CreateMultipartUploadCommand({ Bucket: example, Key }));
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const out = await router.send(
        new ListMultipartUploadsCommand({ Bucket: example, MaxUploads: 1, KeyMarker, UploadIdMarker }),
      );
      expect(out.Bucket).toBe(example);
      seen.push(...(out.Uploads ?? []).map((u) => u.Key!));
      if (!out.IsTruncated) break;
      KeyMarker = out.NextKeyMarker;
      UploadIdMarker = out.NextUploadIdMarker;
    }
    expect(seen).toEqual(modelListing(uploadKeys, "").map((e) => e.name));
  });
});

describe("merged listings, randomized", () => {
  it("equal the model for random keys, prefixes, delimiters and page sizes", async () => {
    let run = 0;
    const segment = fc.constantFrom("a", "b", "c", "b.csv", "c.csv", "é");
    const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/"));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(key, { minLength: 1, maxLength: 15 }),
        fc.constantFrom("", "a", "b", "b/", "c/"),
        fc.constantFrom(undefined, "/"),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<ListVersion>("v1", "v2"),
        async (keys, sub, delimiter, pageSize, version) => {
          // Each run writes under its own root, mapped by the same patterns as the fixed keys.
          const root = `rand${run++}/`;
          const routed = keys.map((k) => `${root}${k}`);
          await Promise.all(
            routed.map((Key) => router.send(new PutObjectCommand({ Bucket: example, Key, Body: "r" }))),
          );
          const { entries } = await listPages(router, {
            bucket: example,
            version,
            prefix: root + sub,
            delimiter,
            pageSize,
          });
          expect(entries.map((e) => e.name)).toEqual(modelListing(routed, root + sub, delimiter).map((e) => e.name));
        },
      ),
      { numRuns: 12 },
    );
  });
});
