/**
 * @module test/integration/merged-listing-fallback — merged listings of routes with a fallback on
 * two real servers: the primary store on rgwB, the fallback (and the default store) on rgwA; some
 * keys in one store, some in both. Listed through the router page by page, and compared with a
 * model in which the primary wins on a key; versions on versioned buckets, continued mid-key.
 */
import {
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  DeleteObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Router, type S3Router, type S3RouterOptions } from "../../src/index.js";
import { compareUtf8 } from "../../src/spanning/utf8-order.js";
import { createBuckets, emptyAndDeleteBucket, injectRgw, rgwClient, uniqueBucket } from "../support/backends.js";
import { listPages, type Listed, type ListVersion } from "../support/list-pages.js";
import { modelListing } from "../support/listing-model.js";

const a = rgwClient(injectRgw("rgwA"));
const b = rgwClient(injectRgw("rgwB"));
const example = uniqueBucket("fb-example");
const oldBucket = uniqueBucket("fb-old");
const newBucket = uniqueBucket("fb-new");

const options = (): S3RouterOptions => ({
  clients: { default: a, old: a, new: b },
  listingTokenSecret: "test-secret",
  routes: [
    {
      name: "team2",
      client: "new",
      source_bucket_pattern: example,
      source_key_pattern: "team2/*",
      mapped_bucket_name: newBucket,
      mapped_prefix: "data/",
      fallback: { client: "old", mapped_bucket_name: oldBucket, mapped_prefix: "legacy/" },
    },
    // Falls back to the default store itself: the same backend bucket in another role.
    {
      name: "team3",
      client: "new",
      sourceBucketPattern: example,
      sourceKeyPattern: "team3/*",
      mappedBucketName: newBucket,
      mappedPrefix: "t3/",
      fallback: { client: "default" },
    },
  ],
});

type Where = "default" | "primary2" | "fallback2" | "primary3";
const PLACES: Record<Where, { client: S3Client; bucket: string; prefix: string }> = {
  default: { client: a, bucket: example, prefix: "" },
  primary2: { client: b, bucket: newBucket, prefix: "data/" },
  fallback2: { client: a, bucket: oldBucket, prefix: "legacy/" },
  primary3: { client: b, bucket: newBucket, prefix: "t3/" },
};

/** Caller key → where it is written. Sizes tell the stores apart: the primary's bodies are longer. */
const WRITES: Array<[string, Where[]]> = [
  ["team1/a.txt", ["default"]],
  ["team1/b/c.txt", ["default"]],
  ["top.txt", ["default"]],
  ["team2/new-only", ["primary2"]],
  ["team2/old-only", ["fallback2"]],
  ["team2/both", ["primary2", "fallback2"]],
  ["team2/sub/both", ["primary2", "fallback2"]],
  ["team2/sub/new", ["primary2"]],
  ["team2/oldsub/x", ["fallback2"]],
  ["team2/é", ["fallback2"]],
  ["team2/with space+plus", ["primary2", "fallback2"]],
  ["team3/new", ["primary3"]],
  ["team3/both", ["primary3", "default"]],
  ["team3/old", ["default"]],
  ...Array.from({ length: 12 }, (_, i): [string, Where[]] => [
    `team2/many/${String(i).padStart(2, "0")}`,
    [["primary2"], ["fallback2"], ["primary2", "fallback2"]][i % 3] as Where[],
  ]),
];
const bodyOf = (key: string, where: Where) =>
  where.startsWith("primary") ? `${where}:${key}:primary-body` : `${where}:${key}`;

/** Caller key → the size the router must list: the primary's when the primary holds the key. */
const expectedSizes = new Map<string, number>();
for (const [key, where] of WRITES) {
  const winner = where.find((w) => w.startsWith("primary")) ?? where[0]!;
  expectedSizes.set(key, Buffer.byteLength(bodyOf(key, winner)));
}
// Written with several versions (see writeVersions): the primary's latest is listed, and the
// fallback-only key whose latest version is a delete marker is listed nowhere.
expectedSizes.set("team2/versioned", Buffer.byteLength("new 1"));

/**
 * Several versions on both sides of one key, and on the fallback only of another (ending in a
 * delete marker), so that version pages end inside a key's versions in either store. Written
 * before any test, with the rest: every listing test sees the same stores, in any order.
 */
async function writeVersions(): Promise<void> {
  const { client: nb, bucket: nbk } = PLACES.primary2;
  const { client: ob, bucket: obk } = PLACES.fallback2;
  for (let i = 0; i < 2; i++)
    await nb.send(new PutObjectCommand({ Bucket: nbk, Key: "data/team2/versioned", Body: `new ${i}` }));
  for (let i = 0; i < 3; i++)
    await ob.send(new PutObjectCommand({ Bucket: obk, Key: "legacy/team2/versioned", Body: `old ${i}` }));
  for (let i = 0; i < 3; i++)
    await ob.send(new PutObjectCommand({ Bucket: obk, Key: "legacy/team2/versioned-old", Body: `old ${i}` }));
  await ob.send(new DeleteObjectCommand({ Bucket: obk, Key: "legacy/team2/versioned-old" }));
}

let router: S3Router;

beforeAll(async () => {
  await Promise.all([createBuckets(a, [example, oldBucket]), createBuckets(b, [newBucket])]);
  await Promise.all([
    a.send(new PutBucketVersioningCommand({ Bucket: oldBucket, VersioningConfiguration: { Status: "Enabled" } })),
    b.send(new PutBucketVersioningCommand({ Bucket: newBucket, VersioningConfiguration: { Status: "Enabled" } })),
  ]);
  router = createS3Router(options());
  await Promise.all(
    WRITES.flatMap(([key, wheres]) =>
      wheres.map((where) => {
        const place = PLACES[where];
        return place.client.send(
          new PutObjectCommand({ Bucket: place.bucket, Key: place.prefix + key, Body: bodyOf(key, where) }),
        );
      }),
    ),
  );
  // Where the router would never read them: listed nowhere.
  await Promise.all([
    a.send(new PutObjectCommand({ Bucket: oldBucket, Key: "legacy/team1/ghost", Body: "x" })),
    a.send(new PutObjectCommand({ Bucket: oldBucket, Key: "outside", Body: "x" })),
    a.send(new PutObjectCommand({ Bucket: example, Key: "team2/shadow", Body: "x" })),
  ]);
  await writeVersions();
});

afterAll(async () => {
  await Promise.all([
    emptyAndDeleteBucket(a, example),
    emptyAndDeleteBucket(a, oldBucket),
    emptyAndDeleteBucket(b, newBucket),
  ]);
  router?.destroy();
});

const model = (prefix: string, delimiter?: string): Listed[] =>
  modelListing(expectedSizes.keys(), prefix, delimiter).map((e) =>
    e.isPrefix ? { name: e.name, isPrefix: true } : { name: e.name, isPrefix: false, size: expectedSizes.get(e.name) },
  );

describe("merged listings with a fallback", () => {
  const cases: Array<[ListVersion, string, string | undefined, number]> = [];
  for (const version of ["v2", "v1"] as const)
    for (const [prefix, delimiter] of [
      ["", undefined],
      ["", "/"],
      ["team2/", undefined],
      ["team2/", "/"],
      ["team3/", undefined],
    ] as const)
      for (const pageSize of [1, 2, 5, 1000]) cases.push([version, prefix, delimiter, pageSize]);

  it.each(cases)(
    "%s prefix=%j delimiter=%j page=%i: primary wins, fallback-only keys listed",
    async (version, prefix, delimiter, pageSize) => {
      const { entries, pageSizes } = await listPages(router, {
        bucket: example,
        version,
        prefix,
        delimiter,
        pageSize,
        withSize: true,
        checkKeyCount: false,
      });
      expect(entries).toEqual(model(prefix, delimiter));
      for (const size of pageSizes.slice(0, -1)) expect(size).toBe(pageSize);
    },
  );

  it("is walked end to end by the SDK paginator, every key once", async () => {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: router, pageSize: 3 }, { Bucket: example }))
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    expect(keys).toEqual(model("").map((e) => e.name));
  });

  it("URL-encodes merged keys when asked", async () => {
    const out = await router.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team2/", EncodingType: "url" }));
    expect(out.Contents!.map((c) => decodeURIComponent(c.Key!.replace(/\+/g, " ")))).toEqual(
      model("team2/").map((e) => e.name),
    );
  });
});

describe("merged version listings with a fallback", () => {
  /** Versions (newest first) a store holds for `key`, as "key id". */
  async function versionsIn(where: Where, key: string): Promise<string[]> {
    const place = PLACES[where];
    const out = await place.client.send(
      new ListObjectVersionsCommand({ Bucket: place.bucket, Prefix: place.prefix + key }),
    );
    return [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]
      .filter((v) => v.Key === place.prefix + key)
      .sort((x, y) => Number(y.IsLatest) - Number(x.IsLatest) || y.LastModified!.getTime() - x.LastModified!.getTime())
      .map((v) => `${key} ${v.VersionId}`);
  }

  it.each([1, 2, 3, 1000])(
    "page %i: the primary's versions of a key, else the fallback's, each once",
    async (pageSize) => {
      const expected = [
        ...(await versionsIn("primary2", "team2/versioned")),
        ...(await versionsIn("fallback2", "team2/versioned-old")),
      ];
      expect(expected).toHaveLength(2 + 4);
      const seen: string[] = [];
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const out = await router.send(
          new ListObjectVersionsCommand({
            Bucket: example,
            Prefix: "team2/versioned",
            MaxKeys: pageSize,
            KeyMarker,
            VersionIdMarker,
          }),
        );
        const page = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])];
        expect(page.length).toBeLessThanOrEqual(pageSize);
        page.sort(
          (x, y) =>
            compareUtf8(x.Key!, y.Key!) ||
            Number(y.IsLatest) - Number(x.IsLatest) ||
            y.LastModified!.getTime() - x.LastModified!.getTime(),
        );
        seen.push(...page.map((v) => `${v.Key} ${v.VersionId}`));
        if (!out.IsTruncated) break;
        ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = out);
      }
      expect(seen).toEqual(expected);
    },
  );

  it("lists every key under the prefix once, the primary's version where both hold it", async () => {
    const out = await router.send(new ListObjectVersionsCommand({ Bucket: example, Prefix: "team2/" }));
    const latest = (out.Versions ?? []).filter((v) => v.IsLatest);
    const sizes = new Map(latest.map((v) => [v.Key!, v.Size]));
    for (const [key, size] of expectedSizes) if (key.startsWith("team2/")) expect(sizes.get(key), key).toBe(size);
    expect(sizes.has("team2/shadow")).toBe(false);
  });
});
