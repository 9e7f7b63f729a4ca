/**
 * @module test/integration/router-seed — the seed's scenarios through the library router on two
 * real Ceph RGW servers with different credentials: where each object physically lands, what
 * the caller sees back, and the SDK helpers (paginators, waiters, lib-storage, presign).
 */
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  CompleteMultipartUploadCommand,
  paginateListObjectsV2,
  waitUntilObjectExists,
  waitUntilObjectNotExists,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Router, presignUrl, type S3Router } from "../../src/index.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";

const aws = rgwClient(injectRgw("rgwA")); // stands for AWS S3: the default client
const minio = rgwClient(injectRgw("rgwB")); // stands for MinIO
const example = uniqueBucket("example");
const minioBucket = uniqueBucket("minio");
const usWest = uniqueBucket("us-west");
const usEast = uniqueBucket("us-east");

let router: S3Router;

beforeAll(async () => {
  await Promise.all([createBuckets(aws, [example, usWest]), createBuckets(minio, [minioBucket, usEast])]);
  router = createS3Router({
    clients: { minio, "us-east": minio, default: aws },
    profiles: {
      minio: {
        source_bucket_pattern: example,
        source_key_pattern: "team2/*",
        mapped_bucket_name: minioBucket,
        mapped_prefix: "data/",
      },
      "us-east": { source_bucket_pattern: usEast },
    },
  });
});

afterAll(async () => {
  await Promise.all([
    emptyAndDeleteBucket(aws, example),
    emptyAndDeleteBucket(aws, usWest),
    emptyAndDeleteBucket(minio, minioBucket),
    emptyAndDeleteBucket(minio, usEast),
  ]);
  router.destroy();
});

async function physicalKeys(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((c) => c.Key!).sort();
}

const put = (Bucket: string, Key: string, Body: string) => router.send(new PutObjectCommand({ Bucket, Key, Body }));
const text = async (Bucket: string, Key: string) =>
  readBody(await router.send(new GetObjectCommand({ Bucket, Key })), "utf8");

describe("seed scenario on real servers", () => {
  it("sends team2 to the MinIO stand-in under the mapped bucket and prefix, the rest to the default", async () => {
    await put(example, "team1/a.txt", "one");
    await put(example, "team2/a.txt", "two");
    await put(example, "team3/a.txt", "three");
    expect(await physicalKeys(minio, minioBucket)).toEqual(["data/team2/a.txt"]);
    expect(await physicalKeys(aws, example)).toEqual(["team1/a.txt", "team3/a.txt"]);
    expect(await text(example, "team2/a.txt")).toBe("two");
    expect(await text(example, "team1/a.txt")).toBe("one");
  });

  it("routes whole buckets cross-region style, and everything else to the default", async () => {
    await put(usEast, "k", "east");
    await put(usWest, "k", "west");
    expect(await physicalKeys(minio, usEast)).toEqual(["k"]);
    expect(await physicalKeys(aws, usWest)).toEqual(["k"]);
    await router.send(new HeadBucketCommand({ Bucket: usEast }));
    // The example bucket's home is the default client: the minio profile owns team2/* only.
    await router.send(new HeadBucketCommand({ Bucket: example }));
  });

  it("lists with the mapped prefix hidden, page by page, and every key returned reads back (defect 1)", async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `team2/list/${String(i).padStart(2, "0")}`);
    for (const key of keys) await put(example, key, key);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2(
      { client: router, pageSize: 2 },
      { Bucket: example, Prefix: "team2/list/" },
    )) {
      pages++;
      expect(page.Name).toBe(example);
      expect(page.Prefix).toBe("team2/list/");
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(keys);
    for (const key of seen) expect(await text(example, key)).toBe(key);

    const v1 = await router.send(
      new ListObjectsCommand({ Bucket: example, Prefix: "team2/list/", Marker: keys[4], Delimiter: "/" }),
    );
    expect(v1.Contents!.map((c) => c.Key)).toEqual(keys.slice(5));
    const delimited = await router.send(
      new ListObjectsV2Command({ Bucket: example, Prefix: "team2/", Delimiter: "/" }),
    );
    expect(delimited.CommonPrefixes).toEqual([{ Prefix: "team2/list/" }]);
    expect(delimited.Contents!.map((c) => c.Key)).toEqual(["team2/a.txt"]);
  });

  it("maps URL-encoded listing keys back in their encoded form", async () => {
    await put(example, "team2/enc/a b+c&ü.txt", "x");
    const out = await router.send(
      new ListObjectsV2Command({ Bucket: example, Prefix: "team2/enc/", EncodingType: "url" }),
    );
    const key = out.Contents![0]!.Key!;
    expect(decodeURIComponent(key.replace(/\+/g, "%20"))).toBe("team2/enc/a b+c&ü.txt");
  });

  it("lists versions with Prefix remapped (defect 4)", async () => {
    const out = await router.send(new ListObjectVersionsCommand({ Bucket: example, Prefix: "team2/a" }));
    expect(out.Versions!.map((v) => v.Key)).toEqual(["team2/a.txt"]);
  });

  it("lists a bucket split across two backends as one (defect 3)", async () => {
    const out = await router.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team", Delimiter: "/" }));
    expect(out.CommonPrefixes).toEqual([{ Prefix: "team1/" }, { Prefix: "team2/" }, { Prefix: "team3/" }]);
    expect(out.Name).toBe(example);
  });

  it("copies within a backend, across routes with different mappings", async () => {
    await router.send(
      new CopyObjectCommand({ Bucket: example, Key: "team2/copy.txt", CopySource: `${example}/team2/a.txt` }),
    );
    expect(await text(example, "team2/copy.txt")).toBe("two");
    // us-east lives on the same server as the minio profile but in its own bucket, unprefixed.
    await router.send(
      new CopyObjectCommand({ Bucket: usEast, Key: "from-team2", CopySource: `${example}/team2/a.txt` }),
    );
    expect(await physicalKeys(minio, usEast)).toContain("from-team2");
    // Across backends the router streams the object from one to the other (defect 3).
    await router.send(new CopyObjectCommand({ Bucket: example, Key: "team1/x", CopySource: `${example}/team2/a.txt` }));
    expect(await physicalKeys(aws, example)).toContain("team1/x");
    expect(await text(example, "team1/x")).toBe("two");
  });

  it("remaps UploadPartCopy's CopySource (defect 4)", async () => {
    const create = await router.send(new CreateMultipartUploadCommand({ Bucket: example, Key: "team2/upc" }));
    expect(create).toMatchObject({ Bucket: example, Key: "team2/upc" });
    const part = await router.send(
      new UploadPartCopyCommand({
        Bucket: example,
        Key: "team2/upc",
        UploadId: create.UploadId!,
        PartNumber: 1,
        CopySource: `/${example}/team2/a.txt`,
      }),
    );
    const parts = await router.send(
      new ListPartsCommand({ Bucket: example, Key: "team2/upc", UploadId: create.UploadId! }),
    );
    expect(parts).toMatchObject({ Bucket: example, Key: "team2/upc" });
    const done = await router.send(
      new CompleteMultipartUploadCommand({
        Bucket: example,
        Key: "team2/upc",
        UploadId: create.UploadId!,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult!.ETag! }] },
      }),
    );
    expect(done).toMatchObject({ Bucket: example, Key: "team2/upc" });
    expect(done.Location).toMatch(new RegExp(`/${example}/team2/upc$`));
    expect(await text(example, "team2/upc")).toBe("two");
  });

  it("deletes a batch within one backend and returns the caller's keys (defect 1)", async () => {
    await put(example, "team2/del/1", "1");
    await put(example, "team2/del/2", "2");
    const out = await router.send(
      new DeleteObjectsCommand({
        Bucket: example,
        Delete: { Objects: [{ Key: "team2/del/1" }, { Key: "team2/del/2" }] },
      }),
    );
    expect(out.Deleted!.map((d) => d.Key).sort()).toEqual(["team2/del/1", "team2/del/2"]);
    expect(await physicalKeys(minio, minioBucket)).not.toContain("data/team2/del/1");
    // A batch whose keys live in both backends is split, one request per backend (defect 3).
    await put(example, "team1/del/3", "3");
    await put(example, "team2/del/4", "4");
    const mixed = await router.send(
      new DeleteObjectsCommand({
        Bucket: example,
        Delete: { Objects: [{ Key: "team1/del/3" }, { Key: "team2/del/4" }] },
      }),
    );
    expect(mixed.Deleted!.map((d) => d.Key)).toEqual(["team1/del/3", "team2/del/4"]);
    expect(await physicalKeys(aws, example)).not.toContain("team1/del/3");
    expect(await physicalKeys(minio, minioBucket)).not.toContain("data/team2/del/4");
  });

  it("keeps NoSuchKey a NoSuchKey, in the caller's names", async () => {
    const error = await router
      .send(new GetObjectCommand({ Bucket: example, Key: "team2/missing" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchKey);
    expect((error as { Key?: string }).Key ?? "team2/missing").toBe("team2/missing");
  });

  it("works with the SDK's waiters", async () => {
    await put(example, "team2/wait", "w");
    await waitUntilObjectExists({ client: router, maxWaitTime: 20 }, { Bucket: example, Key: "team2/wait" });
    await router.send(new DeleteObjectCommand({ Bucket: example, Key: "team2/wait" }));
    await waitUntilObjectNotExists({ client: router, maxWaitTime: 20 }, { Bucket: example, Key: "team2/wait" });
    await router.waitUntilBucketExists({ Bucket: usEast }, 20);
  });

  it("uploads with lib-storage, single part and multipart, on the routed backend", async () => {
    const small = await new Upload({
      client: router,
      params: { Bucket: example, Key: "team2/up-small", Body: "small" },
    }).done();
    expect(small).toMatchObject({ Bucket: example, Key: "team2/up-small" });
    expect(small.Location).toBe(`${injectRgw("rgwB").endpoint}/${example}/team2/up-small`);

    const size = 11 * 1024 * 1024 + 123;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const hash = createHash("sha256");
    let sent = 0;
    const body = Readable.from(
      (function* () {
        while (sent < size) {
          const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
          sent += piece.length;
          hash.update(piece);
          yield piece;
        }
      })(),
    );
    const big = await new Upload({
      client: router,
      params: { Bucket: example, Key: "team2/up-big", Body: body },
      partSize: 5 * 1024 * 1024,
    }).done();
    expect(big).toMatchObject({ Bucket: example, Key: "team2/up-big" });
    expect(big.Location).toBe(`${injectRgw("rgwB").endpoint}/${example}/team2/up-big`);
    const head = await minio.send(new HeadObjectCommand({ Bucket: minioBucket, Key: "data/team2/up-big" }));
    expect(head.ContentLength).toBe(size);
    expect(head.ETag).toMatch(/-3"$/);
    const back = createHash("sha256")
      .update(await readBody(await router.send(new GetObjectCommand({ Bucket: example, Key: "team2/up-big" }))))
      .digest("hex");
    expect(back).toBe(hash.digest("hex"));
  });

  it("presigns GET and PUT for the routed backend, fetchable with plain HTTP (defect 4)", async () => {
    const putUrl = await presignUrl(router, new PutObjectCommand({ Bucket: example, Key: "team2/presigned" }), {
      expiresIn: 300,
    });
    expect(putUrl.startsWith(injectRgw("rgwB").endpoint)).toBe(true);
    expect(putUrl).toContain(`/${minioBucket}/data/team2/presigned`);
    const putResponse = await fetch(putUrl, { method: "PUT", body: "via presigned put" });
    expect(putResponse.status).toBe(200);
    const getUrl = await presignUrl(router, new GetObjectCommand({ Bucket: example, Key: "team2/presigned" }));
    const getResponse = await fetch(getUrl);
    expect(await getResponse.text()).toBe("via presigned put");
    const defaultUrl = await presignUrl(router, new GetObjectCommand({ Bucket: example, Key: "team1/a.txt" }));
    expect(await (await fetch(defaultUrl)).text()).toBe("one");
  });

  it("never mutates the caller's input (defect 2)", async () => {
    const input = { Bucket: example, Key: "team2/a.txt" };
    const frozen = Object.freeze({ ...input });
    await router.send(new HeadObjectCommand(frozen));
    expect(frozen).toEqual(input);
  });
});
