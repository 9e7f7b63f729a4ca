/**
 * @module test/conformance/suite-multipart — multipart uploads: lib-storage's single-part and
 * multipart paths, ListParts, and UploadPartCopy whose CopySource (caller's names) must be
 * remapped to the source's physical place — on the same route and from another store.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect } from "vitest";
import { readBody } from "../support/backends.js";
import { getText, putText } from "./object-io.js";
import { expectPlaced } from "./placement.js";
import { scenario, type ConformanceSuite } from "./scenario.js";

/** An MD5 ETag, quoted or not: RGW leaves the quotes off in CopyObjectResult and CopyPartResult. */
const ETAG = /^"?[0-9a-f]{32}"?$/;
import type { ConformanceTarget } from "./target.js";

/** lib-storage's smallest part (S3's minimum for every part but the last). */
const PART = 5 * 1024 * 1024;

const unquote = (etag: string | undefined) => etag?.replace(/^"|"$/g, "");

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** `size` bytes that differ from part to part, so a part sent twice or out of order shows. */
function patterned(size: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 512) data.writeUInt32BE(i, i);
  return data;
}

/** Multipart upload of a single part copied from `source` (caller's `bucket/key`); returns its ETag. */
async function uploadByPartCopy(
  t: ConformanceTarget,
  Bucket: string,
  Key: string,
  source: string,
): Promise<{ partETag: string; size: number | undefined }> {
  const create = await t.s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  expect(create).toMatchObject({ Bucket, Key });
  const UploadId = create.UploadId;
  if (UploadId === undefined) throw new Error("CreateMultipartUpload answered no UploadId");
  const part = await t.s3.send(new UploadPartCopyCommand({ Bucket, Key, UploadId, PartNumber: 1, CopySource: source }));
  const partETag = part.CopyPartResult?.ETag;
  expect(partETag).toMatch(ETAG);
  if (partETag === undefined) throw new Error("UploadPartCopy answered no ETag");
  const parts = await t.s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
  expect(parts).toMatchObject({ Bucket, Key, UploadId });
  // Compared without quotes: RGW quotes the ETag in ListParts, not in CopyPartResult.
  expect(parts.Parts?.map((p) => [p.PartNumber, unquote(p.ETag)])).toEqual([[1, unquote(partETag)]]);
  const done = await t.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket,
      Key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: partETag }] },
    }),
  );
  expect(done).toMatchObject({ Bucket, Key });
  expect(done.Location).toMatch(new RegExp(`/${Bucket}/${Key}$`));
  return { partETag, size: parts.Parts?.[0]?.Size };
}

export const suiteMultipart: ConformanceSuite = (target, skips) => {
  describe("multipart", () => {
    scenario(
      skips,
      "multipart/lib-storage-single",
      "uploads a small body with lib-storage in one request",
      async () => {
        const t = target();
        const Bucket = t.buckets.split;
        for (const Key of ["team2/up-small", "team1/up-small"]) {
          const done = await new Upload({ client: t.s3, params: { Bucket, Key, Body: "small" } }).done();
          expect(done).toMatchObject({ Bucket, Key });
          expect(done.Location).toBe(`${t.origin(Bucket, Key)}/${Bucket}/${Key}`);
          await expectPlaced(t, Bucket, Key, "small");
        }
      },
    );

    scenario(
      skips,
      "multipart/lib-storage-multipart",
      "uploads two parts with lib-storage and reads the same bytes back",
      async () => {
        const t = target();
        const Bucket = t.buckets.split;
        const Key = "team2/up-big";
        // Two parts: the smallest multipart upload there is (every part but the last ≥ 5 MiB).
        const data = patterned(PART + 1234);
        const done = await new Upload({
          client: t.s3,
          params: { Bucket, Key, Body: Readable.from([data]) },
          partSize: PART,
        }).done();
        expect(done).toMatchObject({ Bucket, Key });
        expect(done.Location).toBe(`${t.origin(Bucket, Key)}/${Bucket}/${Key}`);
        const head = await t.s3.send(new HeadObjectCommand({ Bucket, Key }));
        expect(head.ContentLength).toBe(data.length);
        expect(head.ETag).toMatch(/-2"$/);
        const back = await readBody(await t.s3.send(new GetObjectCommand({ Bucket, Key })));
        expect(sha256(back)).toBe(sha256(data));
        const place = t.where(Bucket, Key);
        const stored = await place.client.send(new HeadObjectCommand({ Bucket: place.bucket, Key: place.key }));
        expect(stored).toMatchObject({ ContentLength: data.length, ETag: head.ETag });
      },
    );

    scenario(
      skips,
      "multipart/part-copy-same-route",
      "copies a part from the same route (CopySource remapped), ListParts in the caller's names",
      async () => {
        const t = target();
        const Bucket = t.buckets.split;
        await putText(t, Bucket, "team2/upc-src", "part source");
        await uploadByPartCopy(t, Bucket, "team2/upc", `/${Bucket}/team2/upc-src`);
        expect(await getText(t, Bucket, "team2/upc")).toBe("part source");
        await expectPlaced(t, Bucket, "team2/upc", "part source");
      },
    );

    scenario(
      skips,
      "multipart/part-copy-across-stores",
      "copies a part from another route's store (CopySource without a leading slash)",
      async () => {
        const t = target();
        const Bucket = t.buckets.split;
        await putText(t, Bucket, "team1/upc-src", "from the default route");
        const { size } = await uploadByPartCopy(t, Bucket, "team2/upc-cross", `${Bucket}/team1/upc-src`);
        expect(size).toBe("from the default route".length);
        expect(await getText(t, Bucket, "team2/upc-cross")).toBe("from the default route");
        await expectPlaced(t, Bucket, "team2/upc-cross", "from the default route");
      },
    );
  });
};
