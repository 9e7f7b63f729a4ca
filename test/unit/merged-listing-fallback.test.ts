/**
 * @module test/unit/merged-listing-fallback — merged listings of routes with a fallback (a store
 * their keys move away from): both stores are listed, and on a key the primary wins. Objects on
 * in-process s3rver servers, compared with a model computed from where each object was written;
 * versions and uploads (which s3rver lacks) on fake backends that keep S3's marker rules.
 * Real-server behaviour is proven in test/integration/merged-listing-fallback.test.ts.
 */
import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Router, type S3Router, type S3RouterOptions } from "../../src/index.js";
import { compareUtf8 } from "../../src/spanning/utf8-order.js";
import { s3rverClient } from "../support/backends.js";
import { fakeBackend, type Recorded } from "../support/fake-backend.js";
import { listPages, type Listed, type ListVersion } from "../support/list-pages.js";
import { modelListing } from "../support/listing-model.js";
import { startS3rver, type S3rverServer } from "../support/s3rver.js";
import { propertyParameters } from "../support/property-seed.js";

/** One place objects are written to: a client, a backend bucket and a key prefix. */
interface Store {
  readonly name: string;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
}

/** What a router route's keys are read from: its own store, then its fallback's (or none). */
type Placement = { readonly primary: Store; readonly fallback?: Store | undefined };

/**
 * The listing a router with these placements must return for objects written as `writes`
 * (store, physical key, size): an object is seen by every store of its backend bucket (bucket
 * names are unique in this file) whose prefix it has; a store's key is listed when it routes to
 * the store's route, and a fallback's only when the primary store does not hold the key.
 */
function modelOf(
  router: S3Router,
  bucket: string,
  placements: ReadonlyMap<string, Placement>,
  writes: ReadonlyArray<readonly [Store, string, number]>,
) {
  const stores = new Set([...placements.values()].flatMap((p) => (p.fallback ? [p.primary, p.fallback] : [p.primary])));
  const sizes = new Map<string, { size: number; primary: boolean }>();
  for (const [written, physical, size] of writes) {
    for (const store of stores) {
      if (store.bucket !== written.bucket || !physical.startsWith(store.prefix)) continue;
      const key = physical.slice(store.prefix.length);
      const placement = placements.get(router.routeTable.resolveObject(bucket, key).name);
      if (!placement) throw new Error(`no placement for the route of ${key}`);
      const primary = placement.primary === store;
      if (!primary && placement.fallback !== store) continue;
      const seen = sizes.get(key);
      if (!seen || (primary && !seen.primary)) sizes.set(key, { size, primary });
    }
  }
  return (prefix: string, delimiter?: string): Listed[] =>
    modelListing(sizes.keys(), prefix, delimiter).map((e) =>
      e.isPrefix ? { name: e.name, isPrefix: true } : { name: e.name, isPrefix: false, size: sizes.get(e.name)!.size },
    );
}

let fresh: S3rverServer;
let legacy: S3rverServer;
let newClient: S3Client;
let oldClient: S3Client;
let defaultClient: S3Client;

beforeAll(async () => {
  [fresh, legacy] = await Promise.all([startS3rver(), startS3rver()]);
  newClient = s3rverClient(fresh);
  oldClient = s3rverClient(legacy);
  // The default store is on the legacy server too, but through a client of its own.
  defaultClient = s3rverClient(legacy);
});

afterAll(async () => {
  for (const client of [newClient, oldClient, defaultClient]) client?.destroy();
  await Promise.all([fresh?.stop(), legacy?.stop()]);
});

let bucketCounter = 0;
/** Creates a bucket on a store's server, named after the test and unique within this file. */
async function bucketOn(client: S3Client, name: string): Promise<string> {
  const bucket = `${name}-${bucketCounter++}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

const put = (store: Store, physicalKey: string, size: number) =>
  store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: physicalKey, Body: "x".repeat(size) }));

describe("merged listing with a fallback (s3rver)", () => {
  const example = "example";
  let router: S3Router;
  let listFor: ReturnType<typeof modelOf>;
  let primary2: Store;
  let fallback2: Store;

  beforeAll(async () => {
    const [newBucket, oldBucket] = await Promise.all([bucketOn(newClient, "new"), bucketOn(oldClient, "old")]);
    await defaultClient.send(new CreateBucketCommand({ Bucket: example }));
    const dflt: Store = { name: "default", client: defaultClient, bucket: example, prefix: "" };
    primary2 = { name: "team2", client: newClient, bucket: newBucket, prefix: "data/" };
    fallback2 = { name: "team2 (fallback)", client: oldClient, bucket: oldBucket, prefix: "legacy/" };
    const primary3: Store = { name: "team3", client: newClient, bucket: newBucket, prefix: "t3/" };
    router = createS3Router({
      clients: { default: defaultClient, new: newClient, old: oldClient },
      listingTokenSecret: "test-secret",
      profiles: {
        team2: {
          client: "new",
          source_bucket_pattern: example,
          source_key_pattern: "team2/*",
          mapped_bucket_name: newBucket,
          mapped_prefix: "data/",
          fallback: { client: "old", mapped_bucket_name: oldBucket, mapped_prefix: "legacy/" },
        },
        // Falls back to the default store itself: the same backend bucket, another role.
        team3: {
          client: "new",
          sourceBucketPattern: example,
          sourceKeyPattern: "team3/*",
          mappedBucketName: newBucket,
          mappedPrefix: "t3/",
          fallback: { client: "default" },
        },
      },
    });
    const placements = new Map<string, Placement>([
      ["default", { primary: dflt }],
      ["team2", { primary: primary2, fallback: fallback2 }],
      ["team3", { primary: primary3, fallback: dflt }],
    ]);
    // Sizes say where an object was written: 1–9 default, 10–19 primary, 20–29 fallback.
    const writes: Array<readonly [Store, string, number]> = [
      [dflt, "team1/a", 1],
      [dflt, "team1/b/c", 2],
      [dflt, "top.txt", 3],
      [dflt, "zeta", 4],
      [primary2, "data/team2/a", 10],
      [primary2, "data/team2/both", 11],
      [fallback2, "legacy/team2/both", 21],
      [fallback2, "legacy/team2/f1", 22],
      [primary2, "data/team2/sub/p1", 12],
      [primary2, "data/team2/sub/both", 13],
      [fallback2, "legacy/team2/sub/both", 23],
      [fallback2, "legacy/team2/fsub/x", 24],
      [fallback2, "legacy/team2/y", 25],
      [primary2, "data/team2/z", 14],
      [fallback2, "legacy/team2/é", 26],
      [primary3, "t3/team3/a", 15],
      [primary3, "t3/team3/both", 16],
      [dflt, "team3/both", 5],
      [dflt, "team3/old-only", 6],
      // Where the router would never read them: listed nowhere.
      [fallback2, "legacy/team1/ghost", 27],
      [fallback2, "outside", 28],
      [dflt, "team2/shadow", 7],
      [primary2, "data/team3/x", 17],
    ];
    for (let i = 0; i < 12; i++) {
      // Alternately in the primary, the fallback, and both.
      const key = `team2/many/${String(i).padStart(2, "0")}`;
      if (i % 3 !== 1) writes.push([primary2, `data/${key}`, 18]);
      if (i % 3 !== 0) writes.push([fallback2, `legacy/${key}`, 29]);
    }
    await Promise.all(writes.map(([store, key, size]) => put(store, key, size)));
    listFor = modelOf(router, example, placements, writes);
  });

  afterAll(() => router.destroy());

  it("lists keys only the fallback holds, and a key both hold once, as the primary has it", async () => {
    const out = await router.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team2/" }));
    const byKey = new Map(out.Contents!.map((c) => [c.Key!, c]));
    expect(out.Contents!.map((c) => c.Key)).toEqual(listFor("team2/").map((e) => e.name));
    expect(byKey.get("team2/f1")?.Size).toBe(22);
    expect(byKey.get("team2/both")?.Size).toBe(11);
    expect(byKey.get("team2/sub/both")?.Size).toBe(13);
    const direct = await newClient.send(
      new ListObjectsV2Command({ Bucket: primary2.bucket, Prefix: "data/team2/both" }),
    );
    expect(byKey.get("team2/both")?.ETag).toBe(direct.Contents![0]!.ETag);
    expect(out.Contents!.some((c) => c.Key === "team2/shadow")).toBe(false);
  });

  it("reads a fallback that is the default's own store for its route only", async () => {
    const out = await router.send(new ListObjectsV2Command({ Bucket: example }));
    const byKey = new Map(out.Contents!.map((c) => [c.Key!, c.Size]));
    expect(byKey.get("team3/both")).toBe(16);
    expect(byKey.get("team3/old-only")).toBe(6);
    expect(byKey.get("team1/a")).toBe(1);
    expect(out.Contents!.map((c) => ({ name: c.Key!, isPrefix: false, size: c.Size }))).toEqual(listFor(""));
  });

  it("rolls common prefixes up once, whichever stores hold keys under them", async () => {
    const out = await router.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team2/", Delimiter: "/" }));
    expect(out.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["team2/fsub/", "team2/many/", "team2/sub/"]);
    const top = await router.send(new ListObjectsV2Command({ Bucket: example, Delimiter: "/" }));
    expect(top.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["team1/", "team2/", "team3/"]);
  });

  const cases: Array<[ListVersion, string, string | undefined, number]> = [];
  for (const version of ["v2", "v1"] as const)
    for (const [prefix, delimiter] of [
      ["", undefined],
      ["", "/"],
      ["team2/", undefined],
      ["team2/", "/"],
      ["team2/many/", undefined],
      ["team3/", undefined],
    ] as const)
      for (const pageSize of [1, 2, 3]) cases.push([version, prefix, delimiter, pageSize]);

  it.each(cases)(
    "%s prefix=%j delimiter=%j page=%i equals the unpaginated listing and the model",
    async (version, prefix, delimiter, pageSize) => {
      const whole = await listPages(router, { bucket: example, version, prefix, delimiter, withSize: true });
      const { entries, pageSizes } = await listPages(router, {
        bucket: example,
        version,
        prefix,
        delimiter,
        pageSize,
        withSize: true,
      });
      expect(entries).toEqual(whole.entries);
      expect(entries).toEqual(listFor(prefix, delimiter));
      for (const size of pageSizes.slice(0, -1)) expect(size).toBe(pageSize);
    },
  );

  it("URL-encodes the merged keys when asked", async () => {
    const out = await router.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team2/", EncodingType: "url" }));
    expect(out.Contents!.some((c) => c.Key === "team2/%C3%A9")).toBe(true);
    expect(out.Contents!.map((c) => decodeURIComponent(c.Key!))).toEqual(listFor("team2/").map((e) => e.name));
  });
});

describe("merged listing with a fallback, randomized (s3rver)", () => {
  it("equals the model for random placements, prefixes, delimiters and page sizes", async () => {
    const segment = fc.constantFrom("a", "b", "m", "mb", "m.csv", "b.csv", "é");
    // Two segments at most (and no store sees another's prefixed keys): s3rver reports no common
    // prefix for a key two delimiters down.
    const key = fc.array(segment, { minLength: 1, maxLength: 2 }).map((parts) => parts.join("/"));
    // Each key goes to one to three of the four physical places, routed there or not.
    const placed = fc.uniqueArray(
      fc.record({ key, where: fc.subarray([0, 1, 2, 3], { minLength: 1, maxLength: 3 }) }),
      { minLength: 1, maxLength: 14, selector: (p) => p.key },
    );
    await fc.assert(
      fc.asyncProperty(
        placed,
        fc.constantFrom("", "m", "m/", "a/", "b"),
        fc.constantFrom(undefined, "/"),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<ListVersion>("v1", "v2"),
        async (objects, prefix, delimiter, pageSize, version) => {
          const [caller, newBucket, oldBucket] = await Promise.all([
            bucketOn(defaultClient, "prop"),
            bucketOn(newClient, "prop-new"),
            bucketOn(oldClient, "prop-old"),
          ]);
          const stores: Store[] = [
            { name: "default", client: defaultClient, bucket: caller, prefix: "" },
            { name: "mig", client: newClient, bucket: newBucket, prefix: "p/" },
            { name: "csv", client: newClient, bucket: newBucket, prefix: "c/" },
            { name: "mig (fallback)", client: oldClient, bucket: oldBucket, prefix: "f/" },
          ];
          const options: S3RouterOptions = {
            clients: { default: defaultClient, new: newClient, old: oldClient },
            routes: [
              {
                name: "mig",
                client: "new",
                source_bucket_pattern: caller,
                source_key_pattern: "m*",
                mapped_bucket_name: newBucket,
                mapped_prefix: "p/",
                fallback: { client: "old", mapped_bucket_name: oldBucket, mapped_prefix: "f/" },
              },
              // Falls back to the default store; "m*.csv" keys are mig's (first match wins).
              {
                name: "csv",
                client: "new",
                source_bucket_pattern: caller,
                source_key_pattern: "*.csv",
                mapped_bucket_name: newBucket,
                mapped_prefix: "c/",
                fallback: { client: "default" },
              },
            ],
          };
          const router = createS3Router(options);
          const placements = new Map<string, Placement>([
            ["default", { primary: stores[0]! }],
            ["mig", { primary: stores[1]!, fallback: stores[3] }],
            ["csv", { primary: stores[2]!, fallback: stores[0] }],
          ]);
          const writes = objects.flatMap(({ key: k, where }) =>
            where.map((i) => [stores[i]!, stores[i]!.prefix + k, i + 1] as const),
          );
          await Promise.all(writes.map(([store, k, size]) => put(store, k, size)));
          try {
            const { entries } = await listPages(router, {
              bucket: caller,
              version,
              prefix,
              delimiter,
              pageSize,
              withSize: true,
            });
            expect(entries).toEqual(modelOf(router, caller, placements, writes)(prefix, delimiter));
          } finally {
            router.destroy();
          }
        },
      ),
      propertyParameters({ numRuns: 40 }),
    );
  }, 60_000);
});

/** A versioned (or uploads) entry of a fake store, newest first within a key. */
interface FakeEntry {
  readonly Key: string;
  readonly id: string;
  readonly marker?: boolean;
}

/**
 * A fake store answering ListObjectVersions / ListMultipartUploads for `entries` as S3 does:
 * key order, then the store's order within a key; a key marker alone skips the whole key, with an
 * id marker the listing continues after that id — which must be one of the key's (S3 refuses others).
 */
function fakeListings(entries: readonly FakeEntry[]) {
  const sorted = [...entries].sort((a, b) => compareUtf8(a.Key, b.Key));
  return (call: Recorded) => {
    const uploads = call.command === "ListMultipartUploadsCommand";
    const idMarker = call.input[uploads ? "UploadIdMarker" : "VersionIdMarker"] as string | undefined;
    const keyMarker = call.input["KeyMarker"] as string | undefined;
    const prefix = (call.input["Prefix"] as string | undefined) ?? "";
    const limit = (call.input[uploads ? "MaxUploads" : "MaxKeys"] as number | undefined) ?? 1000;
    let rest = sorted.filter((e) => e.Key.startsWith(prefix));
    if (keyMarker !== undefined && idMarker) {
      const at = rest.findIndex((e) => e.Key === keyMarker && e.id === idMarker);
      if (at < 0) return Object.assign(new Error(`no ${idMarker} of ${keyMarker} here`), { name: "InvalidArgument" });
      rest = rest.slice(at + 1);
    } else if (keyMarker !== undefined) {
      rest = rest.filter((e) => compareUtf8(e.Key, keyMarker) > 0);
    }
    const page = rest.slice(0, limit);
    const truncated = page.length < rest.length;
    const last = page[page.length - 1];
    const time = (e: FakeEntry) => new Date(Date.UTC(2026, 0, 1) - sorted.indexOf(e) * 1000);
    const latest = (e: FakeEntry) => sorted.find((x) => x.Key === e.Key) === e;
    const next =
      truncated && last
        ? uploads
          ? { NextKeyMarker: last.Key, NextUploadIdMarker: last.id }
          : { NextKeyMarker: last.Key, NextVersionIdMarker: last.id }
        : {};
    if (uploads)
      return {
        Uploads: page.map((e) => ({ Key: e.Key, UploadId: e.id, Initiated: time(e) })),
        IsTruncated: truncated,
        ...next,
      };
    const item = (e: FakeEntry) => ({ Key: e.Key, VersionId: e.id, IsLatest: latest(e), LastModified: time(e) });
    return {
      Versions: page.filter((e) => !e.marker).map(item),
      DeleteMarkers: page.filter((e) => e.marker).map(item),
      IsTruncated: truncated,
      ...next,
    };
  };
}

describe("merged version and upload listings with a fallback (fake backends)", () => {
  const primary: FakeEntry[] = [
    { Key: "new/k1", id: "p1a" },
    { Key: "new/k1", id: "p1b" },
    { Key: "new/k3", id: "p3dm", marker: true },
    { Key: "new/k3", id: "p3v" },
    { Key: "new/k5", id: "p5" },
  ];
  const fallback: FakeEntry[] = [
    { Key: "old/k1", id: "f1a" },
    { Key: "old/k1", id: "f1b" },
    { Key: "old/k1", id: "f1c" },
    { Key: "old/k2", id: "f2a", marker: true },
    { Key: "old/k2", id: "f2b" },
    { Key: "old/k2", id: "f2c" },
    { Key: "old/k3", id: "f3a" },
    { Key: "old/k4", id: "f4a" },
    { Key: "old/k4", id: "f4b" },
    { Key: "old/k5", id: "f5", marker: true },
  ];
  const expected = ["k1 p1a", "k1 p1b", "k2 f2a", "k2 f2b", "k2 f2c", "k3 p3dm", "k3 p3v", "k4 f4a", "k4 f4b", "k5 p5"];

  function seed() {
    const fresh = fakeBackend(fakeListings(primary));
    const old = fakeBackend(fakeListings(fallback));
    const router = createS3Router({
      clients: { default: fakeBackend(fakeListings([])), new: fresh, old },
      profiles: {
        mig: {
          client: "new",
          source_bucket_pattern: "b",
          source_key_pattern: "k*",
          mapped_bucket_name: "nb",
          mapped_prefix: "new/",
          fallback: { client: "old", mapped_bucket_name: "ob", mapped_prefix: "old/" },
        },
      },
    });
    return { router, fresh, old };
  }

  /** Every version and delete marker, page by page, in listing order within each page. */
  async function listVersions(router: S3Router, pageSize: number): Promise<string[]> {
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let guard = 0; guard < 100; guard++) {
      const out = await router.send(
        new ListObjectVersionsCommand({ Bucket: "b", MaxKeys: pageSize, KeyMarker, VersionIdMarker }),
      );
      const page = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])];
      expect(page.length).toBeLessThanOrEqual(pageSize);
      page.sort((x, y) => compareUtf8(x.Key!, y.Key!) || y.LastModified!.getTime() - x.LastModified!.getTime());
      seen.push(...page.map((v) => `${v.Key} ${v.VersionId}`));
      if (!out.IsTruncated) return seen;
      ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = out);
    }
    throw new Error("listing did not end");
  }

  it.each([1, 2, 3, 4, 1000])(
    "ListObjectVersions, page %i: the primary's versions of a key, else the fallback's",
    async (pageSize) => {
      const { router, fresh, old } = seed();
      expect(await listVersions(router, pageSize)).toEqual(expected);
      // An id marker only ever reaches the store that listed it (the fakes refuse others).
      const idMarkers = (calls: Recorded[]) =>
        calls.filter((c) => c.input["VersionIdMarker"]).map((c) => c.input["VersionIdMarker"] as string);
      for (const id of idMarkers(fresh.calls)) expect(id.startsWith("p")).toBe(true);
      for (const id of idMarkers(old.calls)) expect(id.startsWith("f")).toBe(true);
    },
  );

  // Many fake listings per run: seconds on a loaded 2-core machine, not a hang.
  it(
    "ListObjectVersions equals the model for random versions in both stores and random page sizes",
    { timeout: 30_000 },
    async () => {
      const versions = fc.array(fc.record({ key: fc.constantFrom("k0", "k1", "k2", "k3"), marker: fc.boolean() }), {
        maxLength: 10,
      });
      await fc.assert(
        fc.asyncProperty(
          versions,
          versions,
          fc.integer({ min: 1, max: 4 }),
          async (inPrimary, inFallback, pageSize) => {
            const store = (
              prefix: string,
              tag: string,
              list: ReadonlyArray<{ key: string; marker: boolean }>,
            ): FakeEntry[] =>
              list.map((v, i) => ({ Key: prefix + v.key, id: `${tag}${i}`, ...(v.marker && { marker: true }) }));
            const [primaryEntries, fallbackEntries] = [store("new/", "p", inPrimary), store("old/", "f", inFallback)];
            const router = createS3Router({
              clients: {
                default: fakeBackend(fakeListings([])),
                new: fakeBackend(fakeListings(primaryEntries)),
                old: fakeBackend(fakeListings(fallbackEntries)),
              },
              profiles: {
                mig: {
                  client: "new",
                  source_bucket_pattern: "b",
                  source_key_pattern: "k*",
                  mapped_bucket_name: "nb",
                  mapped_prefix: "new/",
                  fallback: { client: "old", mapped_bucket_name: "ob", mapped_prefix: "old/" },
                },
              },
            });
            const held = new Set<string>(inPrimary.map((v) => v.key));
            // Each store's own order: key order, then as written (the fakes keep it within a key).
            const model = [
              ...primaryEntries.map((e) => ({ e, key: e.Key.slice(4) })),
              ...fallbackEntries.map((e) => ({ e, key: e.Key.slice(4) })).filter((x) => !held.has(x.key)),
            ]
              .sort((x, y) => compareUtf8(x.key, y.key))
              .map((x) => `${x.key} ${x.e.id}`);
            expect(await listVersions(router, pageSize)).toEqual(model);
          },
        ),
        propertyParameters({ numRuns: 200 }),
      );
    },
  );

  it("ListMultipartUploads, one per page: the primary's uploads of a key, else the fallback's", async () => {
    const { router } = seed();
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (let guard = 0; guard < 100; guard++) {
      const out = await router.send(
        new ListMultipartUploadsCommand({ Bucket: "b", MaxUploads: 1, KeyMarker, UploadIdMarker }),
      );
      seen.push(...(out.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`));
      if (!out.IsTruncated) break;
      ({ NextKeyMarker: KeyMarker, NextUploadIdMarker: UploadIdMarker } = out);
    }
    expect(seen).toEqual(expected);
  });
});
