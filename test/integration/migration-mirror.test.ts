/**
 * @module test/integration/migration-mirror — dual writes through the library router on two real
 * Ceph RGW servers: every write lands on the primary and the mirror (bytes, metadata, tags),
 * deletes reach both, and a mirror that is down fails the call with an error that names it and
 * says what each store holds, while the divergence is counted and reported.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createS3Router, MirrorWriteError, type MigrationEvent, type S3Router } from "../../src/index.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { freePort } from "../support/ports.js";

const primaryClient = rgwClient(injectRgw("rgwB"));
const mirrorClient = rgwClient(injectRgw("rgwA"));
const logical = uniqueBucket("mirrored");
const primaryBucket = uniqueBucket("primary");
const mirrorBucket = uniqueBucket("mirror");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let router: S3Router;
let broken: S3Router;

const profiles = {
  reports: {
    client: "primary",
    source_bucket_pattern: logical,
    mapped_bucket_name: primaryBucket,
    mirror: { client: "replica", mapped_bucket_name: mirrorBucket, mapped_prefix: "copy/" },
  },
};

beforeAll(async () => {
  await Promise.all([createBuckets(primaryClient, [primaryBucket]), createBuckets(mirrorClient, [mirrorBucket])]);
  router = createS3Router({
    clients: { primary: primaryClient, replica: mirrorClient, default: primaryClient },
    profiles,
  });
  // The same profile with its mirror on a port nothing listens on.
  const dead = rgwClient(
    { ...injectRgw("rgwA"), endpoint: `http://127.0.0.1:${await freePort()}` },
    { maxAttempts: 1 },
  );
  broken = createS3Router({ clients: { primary: primaryClient, replica: dead, default: primaryClient }, profiles });
}, 60_000);

afterAll(async () => {
  router?.destroy();
  broken?.destroy();
  await Promise.all([
    emptyAndDeleteBucket(primaryClient, primaryBucket),
    emptyAndDeleteBucket(mirrorClient, mirrorBucket),
  ]);
}, 60_000);

async function bytesAt(client: S3Client, bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    return await readBody(await client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
  } catch (error) {
    if (errorName(error) === "NoSuchKey") return undefined;
    throw error;
  }
}

describe("mirror mode", () => {
  it("a PutObject lands on both stores with its bytes and metadata", async () => {
    const body = randomBytes(70_000);
    await router.send(
      new PutObjectCommand({
        Bucket: logical,
        Key: "r/1",
        Body: body,
        ContentType: "application/x-report",
        Metadata: { team: "two" },
        Tagging: "k=v",
      }),
    );
    expect(sha((await bytesAt(primaryClient, primaryBucket, "r/1"))!)).toBe(sha(body));
    expect(sha((await bytesAt(mirrorClient, mirrorBucket, "copy/r/1"))!)).toBe(sha(body));
    const head = await mirrorClient.send(new HeadObjectCommand({ Bucket: mirrorBucket, Key: "copy/r/1" }));
    expect(head.ContentType).toBe("application/x-report");
    expect(head.Metadata).toEqual({ team: "two" });
    const tags = await mirrorClient.send(new GetObjectTaggingCommand({ Bucket: mirrorBucket, Key: "copy/r/1" }));
    expect(tags.TagSet).toEqual([{ Key: "k", Value: "v" }]);
  });

  it("a multipart upload (lib-storage) and a copy land on both", async () => {
    const body = randomBytes(11 * 1024 * 1024 + 5);
    await new Upload({
      client: router,
      params: { Bucket: logical, Key: "r/big", Body: body },
      partSize: 5 * 1024 * 1024,
    }).done();
    expect(sha((await bytesAt(mirrorClient, mirrorBucket, "copy/r/big"))!)).toBe(sha(body));
    await router.send(new CopyObjectCommand({ Bucket: logical, Key: "r/big-copy", CopySource: `${logical}/r/big` }));
    expect(sha((await bytesAt(primaryClient, primaryBucket, "r/big-copy"))!)).toBe(sha(body));
    expect(sha((await bytesAt(mirrorClient, mirrorBucket, "copy/r/big-copy"))!)).toBe(sha(body));
  }, 120_000);

  it("tag changes follow to the mirror", async () => {
    await router.send(
      new PutObjectTaggingCommand({
        Bucket: logical,
        Key: "r/1",
        Tagging: { TagSet: [{ Key: "state", Value: "final" }] },
      }),
    );
    const tags = await mirrorClient.send(new GetObjectTaggingCommand({ Bucket: mirrorBucket, Key: "copy/r/1" }));
    expect(tags.TagSet).toEqual([{ Key: "state", Value: "final" }]);
  });

  it("DeleteObject and DeleteObjects remove keys from both", async () => {
    await router.send(new DeleteObjectCommand({ Bucket: logical, Key: "r/1" }));
    const out = await router.send(
      new DeleteObjectsCommand({ Bucket: logical, Delete: { Objects: [{ Key: "r/big" }, { Key: "r/big-copy" }] } }),
    );
    expect(out.Errors).toBeUndefined();
    expect(out.Deleted?.map((d) => d.Key).sort()).toEqual(["r/big", "r/big-copy"]);
    for (const key of ["r/1", "r/big", "r/big-copy"]) {
      expect(await bytesAt(primaryClient, primaryBucket, key)).toBeUndefined();
      expect(await bytesAt(mirrorClient, mirrorBucket, `copy/${key}`)).toBeUndefined();
    }
  }, 60_000);
});

describe("mirror mode with the mirror down", () => {
  it("fails the write with an error naming the mirror and each store's state; counts and reports the divergence", async () => {
    const events: MigrationEvent[] = [];
    const stop = broken.migration.on((e) => events.push(e));
    const error = await broken
      .send(new PutObjectCommand({ Bucket: logical, Key: "down/1", Body: "written once" }))
      .catch((e: unknown) => e);
    stop();
    expect(error).toBeInstanceOf(MirrorWriteError);
    const failure = error as MirrorWriteError;
    expect(failure.message).toMatch(/did not reach mirror "replica"/);
    expect(failure.message).toMatch(/ECONNREFUSED/);
    expect(failure.route).toBe("reports");
    expect(failure.stores).toMatchObject([
      { role: "primary", client: "primary", bucket: primaryBucket, key: "down/1", state: "written" },
      { role: "mirror", client: "replica", bucket: mirrorBucket, key: "copy/down/1", state: "failed" },
    ]);
    // What the error says is true: the primary has the object.
    expect((await bytesAt(primaryClient, primaryBucket, "down/1"))?.toString()).toBe("written once");
    expect(broken.migration.stats.mirrorDivergences).toBe(1);
    expect(events).toMatchObject([
      { type: "mirror-divergence", operation: "PutObject", route: "reports", bucket: logical, key: "down/1" },
    ]);
  });

  it("with no listener, writes one log line per divergence to stderr", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await expect(broken.send(new DeleteObjectCommand({ Bucket: logical, Key: "down/1" }))).rejects.toThrow(
        MirrorWriteError,
      );
    } finally {
      spy.mockRestore();
    }
    const divergence = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l["msg"] === "mirror divergence");
    expect(divergence).toMatchObject([
      { level: "warn", operation: "DeleteObject", route: "reports", bucket: logical, key: "down/1" },
    ]);
    expect(broken.migration.stats.mirrorDivergences).toBe(2);
  });

  it("a batch delete reports the keys the mirror kept", async () => {
    await primaryClient.send(new PutObjectCommand({ Bucket: primaryBucket, Key: "down/2", Body: "x" }));
    const stop = broken.migration.on(() => {});
    const out = await broken.send(
      new DeleteObjectsCommand({ Bucket: logical, Delete: { Objects: [{ Key: "down/2" }] } }),
    );
    stop();
    expect(out.Deleted ?? []).toEqual([]);
    expect(out.Errors).toMatchObject([{ Key: "down/2", Code: "MirrorWriteFailed" }]);
    expect(out.Errors?.[0]?.Message).toMatch(/did not reach mirror "replica"/);
    expect(broken.migration.stats.mirrorDivergences).toBe(3);
  });
});
