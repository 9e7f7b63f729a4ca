/**
 * @module test/integration/migration-copy-on-read — a large object read from the fallback is
 * copied to the primary in the background, streamed, byte for byte with its metadata, while the
 * router holds only a couple of parts of it in memory (copy-on-read runs beside live traffic).
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Router, type S3Router } from "../../src/index.js";
import { createBuckets, emptyAndDeleteBucket, injectRgw, rgwClient, uniqueBucket } from "../support/backends.js";
import { measureLiveMemory } from "../support/live-memory.js";
import { randomBody, sha256OfStream } from "../support/random-body.js";

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const SIZE = 64 * MiB;
const a = rgwClient(injectRgw("rgwA"));
const b = rgwClient(injectRgw("rgwB"));
const logical = uniqueBucket("cor");
const oldBucket = uniqueBucket("cor-old");
const newBucket = uniqueBucket("cor-new");
let router: S3Router;
let sha = "";

beforeAll(async () => {
  await Promise.all([createBuckets(a, [oldBucket]), createBuckets(b, [newBucket])]);
  const { body, sha256 } = randomBody(SIZE);
  await a.send(
    new PutObjectCommand({
      Bucket: oldBucket,
      Key: "big.bin",
      Body: body,
      ContentLength: SIZE,
      ContentType: "application/x-big",
      Metadata: { kept: "yes" },
    }),
  );
  sha = sha256();
  router = createS3Router({
    clients: { old: a, new: b, default: b },
    profiles: {
      moving: {
        client: "new",
        source_bucket_pattern: logical,
        mapped_bucket_name: newBucket,
        fallback: { client: "old", mapped_bucket_name: oldBucket, copy_on_read: true },
      },
    },
    copyPartSize: PART,
  });
}, 120_000);

afterAll(async () => {
  router?.destroy();
  await Promise.all([emptyAndDeleteBucket(a, oldBucket), emptyAndDeleteBucket(b, newBucket)]);
}, 120_000);

describe("copy-on-read of a large object", () => {
  it("copies it in the background, byte for byte, holding a couple of parts at most", async () => {
    let read = "";
    const memory = await measureLiveMemory(async () => {
      const out = await router.send(new GetObjectCommand({ Bucket: logical, Key: "big.bin" }));
      read = await sha256OfStream(out.Body as Readable);
      await router.migration.settled();
    });
    expect(read).toBe(sha);
    expect(router.migration.stats.copyOnRead).toMatchObject({ copied: 1, failed: 0 });
    // One part uploading and one being filled per background copy (queue 1), twice over for what
    // the collector has not reached, plus a part's worth for the reader's and sockets' buffers.
    // (The multipart copy of CopyObject and `migrate` goes 4 parts wide: 25-35 MiB here.)
    const bound = 2 * PART * 2 + PART;
    console.info(
      `copy-on-read of ${SIZE / MiB} MiB, part ${PART / MiB} MiB: peak arrayBuffers +${(memory.peakArrayBuffers / MiB).toFixed(1)} MiB, ${memory.samples} samples (bound ${bound / MiB} MiB)`,
    );
    expect(memory.samples).toBeGreaterThanOrEqual(5);
    expect(memory.peakArrayBuffers).toBeLessThan(bound);
    expect(bound).toBeLessThan(SIZE * 0.5); // the bound means something: well below the object

    const head = await b.send(new HeadObjectCommand({ Bucket: newBucket, Key: "big.bin" }));
    expect(head).toMatchObject({ ContentLength: SIZE, ContentType: "application/x-big", Metadata: { kept: "yes" } });
    const copy = await b.send(new GetObjectCommand({ Bucket: newBucket, Key: "big.bin" }));
    expect(await sha256OfStream(copy.Body as Readable)).toBe(sha);
  }, 180_000);
});
