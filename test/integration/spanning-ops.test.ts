/**
 * @module test/integration/spanning-ops — operations over two real Ceph RGW servers through the
 * router: DeleteObjects split across backends (one of them down, too), CopyObject and
 * UploadPartCopy streamed between backends (metadata, tags, conditions, multipart, memory bounded
 * by the part size rather than the object size), and ListBuckets in the caller's names.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Router, CrossBackendError, type S3Router, type S3RouterOptions } from "../../src/index.js";
import { COPY_QUEUE_SIZE } from "../../src/spanning/cross-copy.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorStatus,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { measureLiveMemory } from "../support/live-memory.js";
import { randomBody, sha256OfStream } from "../support/random-body.js";

const MiB = 1024 * 1024;
const PART = 5 * MiB;

const aws = rgwClient(injectRgw("rgwA")); // stands for AWS S3: the default client
const minio = rgwClient(injectRgw("rgwB")); // stands for MinIO
// One tag for this file's buckets, so ListBuckets can be checked with Prefix while other test
// files create buckets on the same servers.
const tag = uniqueBucket("spanops");
const example = `${tag}-example`;
const minioBucket = `${tag}-minio`;
const usEast = `${tag}-us-east`;
const usWest = `${tag}-us-west`;

const profiles = {
  minio: {
    source_bucket_pattern: example,
    source_key_pattern: "team2/*",
    mapped_bucket_name: minioBucket,
    mapped_prefix: "data/",
  },
  "us-east": { source_bucket_pattern: usEast },
} as const;
const routerWith = (extra: Partial<S3RouterOptions> = {}) =>
  createS3Router({ clients: { minio, "us-east": minio, default: aws }, profiles, copyPartSize: PART, ...extra });

let router: S3Router;

beforeAll(async () => {
  await Promise.all([createBuckets(aws, [example, usWest]), createBuckets(minio, [minioBucket, usEast])]);
  router = routerWith();
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

async function physicalKeys(client: S3Client, bucket: string, prefix = ""): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((c) => c.Key!).sort();
}

const put = (Key: string, Body: string, extra: Record<string, unknown> = {}) =>
  router.send(new PutObjectCommand({ Bucket: example, Key, Body, ...extra }));

/** Puts `size` random bytes at `key` through the router, streamed; resolves with their sha256. */
async function putRandom(key: string, size: number, extra: Record<string, unknown> = {}): Promise<string> {
  const { body, sha256 } = randomBody(size);
  await router.send(new PutObjectCommand({ Bucket: example, Key: key, Body: body, ContentLength: size, ...extra }));
  return sha256();
}

/** sha256 of an object read through the router, streamed. */
async function sha256Of(key: string, bucket = example): Promise<string> {
  const got = await router.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return sha256OfStream(got.Body as Readable);
}

describe("DeleteObjects across backends", () => {
  it("deletes keys of both backends in one call and answers in the caller's names and order", async () => {
    const keys = ["team1/del/a", "team2/del/b", "team3/del/c", "team2/del/d"];
    for (const key of keys) await put(key, key);
    const out = await router.send(
      new DeleteObjectsCommand({ Bucket: example, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    expect(out.Deleted!.map((d) => d.Key)).toEqual(keys);
    expect(out.Errors).toBeUndefined();
    expect(await physicalKeys(minio, minioBucket, "data/team2/del/")).toEqual([]);
    expect(await physicalKeys(aws, example, "team1/del/")).toEqual([]);
    expect(await physicalKeys(aws, example, "team3/del/")).toEqual([]);
  });

  it("honours Quiet across backends", async () => {
    await put("team1/quiet", "q");
    await put("team2/quiet", "q");
    const out = await router.send(
      new DeleteObjectsCommand({
        Bucket: example,
        Delete: { Quiet: true, Objects: [{ Key: "team1/quiet" }, { Key: "team2/quiet" }] },
      }),
    );
    expect(out.Deleted).toBeUndefined();
    expect(out.Errors).toBeUndefined();
    expect(await physicalKeys(minio, minioBucket, "data/team2/quiet")).toEqual([]);
  });

  it("reports the keys of a backend that is down in Errors and still deletes the others", async () => {
    const dead = rgwClient(
      { endpoint: "http://127.0.0.1:1", accessKeyId: "x", secretAccessKey: "y" },
      { maxAttempts: 1 },
    );
    const halfDown = createS3Router({ clients: { minio: dead, "us-east": minio, default: aws }, profiles });
    try {
      await put("team1/down/a", "a");
      await put("team3/down/c", "c");
      const out = await halfDown.send(
        new DeleteObjectsCommand({
          Bucket: example,
          Delete: { Objects: [{ Key: "team1/down/a" }, { Key: "team2/down/b" }, { Key: "team3/down/c" }] },
        }),
      );
      expect(out.Deleted!.map((d) => d.Key)).toEqual(["team1/down/a", "team3/down/c"]);
      expect(out.Errors).toHaveLength(1);
      expect(out.Errors![0]?.Key).toBe("team2/down/b");
      expect(out.Errors![0]?.Code).toMatch(/\w/);
      expect(out.Errors![0]?.Message).toMatch(/ECONNREFUSED/);
      expect(await physicalKeys(aws, example, "team1/down/")).toEqual([]);
    } finally {
      halfDown.destroy();
      dead.destroy();
    }
  });
});

describe("CopyObject across backends", () => {
  const source = "team2/copy/src.txt";
  const sourceMeta = {
    ContentType: "text/x-team2",
    CacheControl: "max-age=120",
    ContentDisposition: 'attachment; filename="src.txt"',
    Metadata: { owner: "team2", purpose: "copy test" },
    Tagging: "team=two&note=a%20b",
  };

  beforeAll(async () => {
    await put(source, "copied across servers", sourceMeta);
  });

  it("copies a small object with its metadata and tags (COPY directives) and answers like CopyObject", async () => {
    const out = await router.send(
      new CopyObjectCommand({ Bucket: example, Key: "team1/copy/dst.txt", CopySource: `${example}/${source}` }),
    );
    const head = await aws.send(new HeadObjectCommand({ Bucket: example, Key: "team1/copy/dst.txt" }));
    expect(head).toMatchObject({
      ContentType: sourceMeta.ContentType,
      CacheControl: sourceMeta.CacheControl,
      ContentDisposition: sourceMeta.ContentDisposition,
      Metadata: sourceMeta.Metadata,
    });
    const tags = await aws.send(new GetObjectTaggingCommand({ Bucket: example, Key: "team1/copy/dst.txt" }));
    expect(tags.TagSet!.map((t) => [t.Key, t.Value]).sort()).toEqual([
      ["note", "a b"],
      ["team", "two"],
    ]);
    expect(
      await readBody(await router.send(new GetObjectCommand({ Bucket: example, Key: "team1/copy/dst.txt" })), "utf8"),
    ).toBe("copied across servers");
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.CopyObjectResult!.ETag).toBe(head.ETag);
    expect(out.CopyObjectResult!.LastModified!.getTime()).toBe(head.LastModified!.getTime());
  });

  it("takes metadata and tags from the request with the REPLACE directives", async () => {
    await router.send(
      new CopyObjectCommand({
        Bucket: example,
        Key: "team3/copy/replaced.txt",
        CopySource: `${example}/${source}`,
        MetadataDirective: "REPLACE",
        ContentType: "application/json",
        Metadata: { fresh: "yes" },
        TaggingDirective: "REPLACE",
        Tagging: "stage=new",
      }),
    );
    const head = await aws.send(new HeadObjectCommand({ Bucket: example, Key: "team3/copy/replaced.txt" }));
    expect(head.ContentType).toBe("application/json");
    expect(head.Metadata).toEqual({ fresh: "yes" });
    expect(head.CacheControl).toBeUndefined();
    const tags = await aws.send(new GetObjectTaggingCommand({ Bucket: example, Key: "team3/copy/replaced.txt" }));
    expect(tags.TagSet).toEqual([{ Key: "stage", Value: "new" }]);
  });

  it("copies the other way too, into the renamed and prefixed backend bucket", async () => {
    await put("team1/copy/back.txt", "back", { ContentType: "text/plain" });
    await router.send(
      new CopyObjectCommand({
        Bucket: example,
        Key: "team2/copy/back.txt",
        CopySource: `${example}/team1/copy/back.txt`,
      }),
    );
    expect(await physicalKeys(minio, minioBucket, "data/team2/copy/back")).toEqual(["data/team2/copy/back.txt"]);
    expect(
      await readBody(
        await minio.send(new GetObjectCommand({ Bucket: minioBucket, Key: "data/team2/copy/back.txt" })),
        "utf8",
      ),
    ).toBe("back");
  });

  it("copies an empty object, and keys that need URL encoding in CopySource", async () => {
    await put("team2/copy/empty", "");
    await router.send(
      new CopyObjectCommand({ Bucket: example, Key: "team1/copy/empty", CopySource: `${example}/team2/copy/empty` }),
    );
    expect((await aws.send(new HeadObjectCommand({ Bucket: example, Key: "team1/copy/empty" }))).ContentLength).toBe(0);

    const odd = "team2/copy/ü b+c&d?.txt";
    await put(odd, "odd");
    const copySource = `${example}/${odd.split("/").map(encodeURIComponent).join("/")}`;
    await router.send(
      new CopyObjectCommand({ Bucket: example, Key: "team3/copy/ü b+c&d?.txt", CopySource: copySource }),
    );
    expect(
      await readBody(await aws.send(new GetObjectCommand({ Bucket: example, Key: "team3/copy/ü b+c&d?.txt" })), "utf8"),
    ).toBe("odd");
  });

  it("copies an object larger than copyPartSize as a multipart upload, byte for byte", async () => {
    const size = 17 * MiB + 321;
    const sha = await putRandom("team2/copy/big.bin", size, {
      ContentType: "application/x-big",
      Metadata: { size: String(size) },
    });
    const out = await router.send(
      new CopyObjectCommand({
        Bucket: example,
        Key: "team3/copy/big.bin",
        CopySource: `${example}/team2/copy/big.bin`,
      }),
    );
    const head = await aws.send(new HeadObjectCommand({ Bucket: example, Key: "team3/copy/big.bin" }));
    expect(head.ContentLength).toBe(size);
    expect(head.ETag).toMatch(/-4"$/); // ⌈17 MiB / 5 MiB⌉ parts
    expect(head).toMatchObject({ ContentType: "application/x-big", Metadata: { size: String(size) } });
    expect(out.CopyObjectResult!.ETag).toBe(head.ETag);
    expect(await sha256Of("team3/copy/big.bin")).toBe(sha);
  });

  it("keeps memory bounded by the part size and queue, not the object size", async () => {
    const size = 96 * MiB;
    const sha = await putRandom("team2/copy/huge.bin", size);
    const {
      peakArrayBuffers: peakBuffers,
      peakRss,
      samples,
    } = await measureLiveMemory(() =>
      router.send(
        new CopyObjectCommand({
          Bucket: example,
          Key: "team3/copy/huge.bin",
          CopySource: `${example}/team2/copy/huge.bin`,
        }),
      ),
    );
    const bound = 2 * PART * (COPY_QUEUE_SIZE + 1);
    console.info(
      `cross-backend copy of ${size / MiB} MiB, part ${PART / MiB} MiB × queue ${COPY_QUEUE_SIZE}: ` +
        `peak arrayBuffers +${(peakBuffers / MiB).toFixed(1)} MiB, peak rss +${(peakRss / MiB).toFixed(1)} MiB, ${samples} samples (bound ${bound / MiB} MiB)`,
    );
    expect(samples).toBeGreaterThanOrEqual(5);
    expect(peakBuffers).toBeLessThan(bound);
    expect(bound).toBeLessThan(size * 0.6); // the bound means something: well below the object
    expect(await sha256Of("team3/copy/huge.bin")).toBe(sha);
  });

  it("answers PreconditionFailed (412) when a copy-source condition does not hold", async () => {
    const { ETag } = await router.send(new HeadObjectCommand({ Bucket: example, Key: source }));
    const mismatch = await router
      .send(
        new CopyObjectCommand({
          Bucket: example,
          Key: "team1/copy/cond",
          CopySource: `${example}/${source}`,
          CopySourceIfMatch: '"0123456789abcdef"',
        }),
      )
      .catch((e: unknown) => e);
    expect(mismatch).toMatchObject({ name: "PreconditionFailed" });
    expect(errorStatus(mismatch)).toBe(412);
    const notModified = await router
      .send(
        new CopyObjectCommand({
          Bucket: example,
          Key: "team1/copy/cond",
          CopySource: `${example}/${source}`,
          CopySourceIfNoneMatch: ETag!,
        }),
      )
      .catch((e: unknown) => e);
    // RGW answers the GetObject with 304 Not Modified; a copy answers 412 like S3's CopyObject.
    expect(notModified).toMatchObject({ name: "PreconditionFailed", cause: { $metadata: { httpStatusCode: 304 } } });
    expect(errorStatus(notModified)).toBe(412);
    expect(await physicalKeys(aws, example, "team1/copy/cond")).toEqual([]);
    await router.send(
      new CopyObjectCommand({
        Bucket: example,
        Key: "team1/copy/cond",
        CopySource: `${example}/${source}`,
        CopySourceIfMatch: ETag!,
      }),
    );
    expect(await physicalKeys(aws, example, "team1/copy/cond")).toEqual(["team1/copy/cond"]);
  });

  it("refuses with a CrossBackendError when the router forbids cross-backend copies", async () => {
    const strict = routerWith({ crossBackendCopy: false });
    try {
      await expect(
        strict.send(
          new CopyObjectCommand({ Bucket: example, Key: "team1/copy/no", CopySource: `${example}/${source}` }),
        ),
      ).rejects.toThrow(CrossBackendError);
      expect(await physicalKeys(aws, example, "team1/copy/no")).toEqual([]);
    } finally {
      strict.destroy();
    }
  });
});

describe("UploadPartCopy across backends", () => {
  it("copies ranges of objects on the other backend into a multipart upload, then completes it", async () => {
    const bigSize = 6 * MiB;
    await putRandom("team2/upc/big.bin", bigSize);
    await put("team2/upc/tail.txt", "the tail");
    const create = await router.send(
      new CreateMultipartUploadCommand({ Bucket: example, Key: "team1/upc/joined.bin" }),
    );
    const part1 = await router.send(
      new UploadPartCopyCommand({
        Bucket: example,
        Key: "team1/upc/joined.bin",
        UploadId: create.UploadId!,
        PartNumber: 1,
        CopySource: `${example}/team2/upc/big.bin`,
        CopySourceRange: `bytes=0-${PART - 1}`,
      }),
    );
    const part2 = await router.send(
      new UploadPartCopyCommand({
        Bucket: example,
        Key: "team1/upc/joined.bin",
        UploadId: create.UploadId!,
        PartNumber: 2,
        CopySource: `${example}/team2/upc/tail.txt`,
      }),
    );
    expect(part1.CopyPartResult!.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    await router.send(
      new CompleteMultipartUploadCommand({
        Bucket: example,
        Key: "team1/upc/joined.bin",
        UploadId: create.UploadId!,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: part1.CopyPartResult!.ETag! },
            { PartNumber: 2, ETag: part2.CopyPartResult!.ETag! },
          ],
        },
      }),
    );
    const big = await readBody(await router.send(new GetObjectCommand({ Bucket: example, Key: "team2/upc/big.bin" })));
    const joined = await readBody(
      await aws.send(new GetObjectCommand({ Bucket: example, Key: "team1/upc/joined.bin" })),
    );
    expect(joined.length).toBe(PART + "the tail".length);
    expect(joined.equals(Buffer.concat([big.subarray(0, PART), Buffer.from("the tail")]))).toBe(true);
  });
});

describe("ListBuckets across backends", () => {
  it("lists the caller's bucket names from both servers, once each, sorted, and pages", async () => {
    const out = await router.send(new ListBucketsCommand({ Prefix: tag }));
    // The renamed bucket shows under its source name, once; the physical minio bucket is hidden.
    expect(out.Buckets!.map((b) => b.Name)).toEqual([example, usEast, usWest]);
    expect(out.Prefix).toBe(tag);
    expect(out.Owner?.ID).toBeTruthy();
    for (const bucket of out.Buckets!) expect(bucket.CreationDate).toBeInstanceOf(Date);

    const paged: string[] = [];
    let token: string | undefined;
    do {
      const page = await router.send(
        new ListBucketsCommand({ Prefix: tag, MaxBuckets: 1, ...(token ? { ContinuationToken: token } : {}) }),
      );
      expect(page.Buckets).toHaveLength(1);
      paged.push(page.Buckets![0]!.Name!);
      token = page.ContinuationToken;
    } while (token);
    expect(paged).toEqual([example, usEast, usWest]);

    const all = (await router.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name!);
    expect(all).not.toContain(minioBucket);
    expect(all.filter((n) => n === example)).toHaveLength(1);
    expect([...all].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(all);
  });
});
