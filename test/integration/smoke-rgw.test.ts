/**
 * @module test/integration/smoke-rgw — proves the integration backends are two real, separate S3
 * servers: data written to one is absent from the other, and signatures are really checked.
 */
import { GetObjectCommand, HeadBucketCommand, ListBucketsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  errorStatus,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const clientA = rgwClient(rgwA);
const clientB = rgwClient(rgwB);
const bucket = uniqueBucket("smoke-rgw");

beforeAll(async () => {
  await createBuckets(clientA, [bucket]);
});

afterAll(async () => {
  await emptyAndDeleteBucket(clientA, bucket);
  clientA.destroy();
  clientB.destroy();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected the request to fail");
}

describe("RGW backends", () => {
  it("are distinct servers with distinct credentials", () => {
    expect(rgwA.endpoint).not.toBe(rgwB.endpoint);
    expect(rgwA.accessKeyId).not.toBe(rgwB.accessKeyId);
    expect(rgwA.secretAccessKey).not.toBe(rgwB.secretAccessKey);
  });

  it("stores a streamed PutObject body and returns it", async () => {
    const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(4096, i));
    const expected = Buffer.concat(chunks);
    await clientA.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "dir/streamed.bin",
        Body: Readable.from(chunks),
        ContentLength: expected.length,
        ContentType: "application/octet-stream",
      }),
    );
    const got = await clientA.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/streamed.bin" }));
    expect(got.ContentLength).toBe(expected.length);
    expect((await readBody(got)).equals(expected)).toBe(true);
  });

  it("keeps buckets of A out of B", async () => {
    const err = await rejection(clientB.send(new HeadBucketCommand({ Bucket: bucket })));
    expect(errorStatus(err)).toBe(404);
    const listed = await clientB.send(new ListBucketsCommand({}));
    expect((listed.Buckets ?? []).map((b) => b.Name)).not.toContain(bucket);
    const listedA = await clientA.send(new ListBucketsCommand({}));
    expect((listedA.Buckets ?? []).map((b) => b.Name)).toContain(bucket);
  });

  it("rejects a request signed with the wrong secret", async () => {
    const wrong = rgwClient({ ...rgwA, secretAccessKey: `${rgwA.secretAccessKey}-wrong` }, { maxAttempts: 1 });
    try {
      const err = await rejection(wrong.send(new ListBucketsCommand({})));
      expect(errorName(err)).toBe("SignatureDoesNotMatch");
      expect(errorStatus(err)).toBe(403);
    } finally {
      wrong.destroy();
    }
  });

  it("does not know B's access key on A", async () => {
    const crossed = rgwClient(
      { ...rgwA, accessKeyId: rgwB.accessKeyId, secretAccessKey: rgwB.secretAccessKey },
      { maxAttempts: 1 },
    );
    try {
      const err = await rejection(crossed.send(new ListBucketsCommand({})));
      expect(errorName(err)).toBe("InvalidAccessKeyId");
    } finally {
      crossed.destroy();
    }
  });
});
