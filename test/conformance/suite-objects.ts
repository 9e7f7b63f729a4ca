/**
 * @module test/conformance/suite-objects — single-object operations: put, get, head, metadata,
 * ranges, streamed bodies, delete, the buckets a caller sees; each object checked at the physical
 * place its route names.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { describe, expect } from "vitest";
import { readBody } from "../support/backends.js";
import { getText, putText } from "./object-io.js";
import { expectGone, expectPlaced } from "./placement.js";
import { scenario, type ConformanceSuite } from "./scenario.js";
import { bucketList } from "./target.js";

/** One key per route of the split bucket (team2, team3, csv, default) and the whole bucket's. */
const ROUTED_KEYS = ["team1/a.txt", "team2/a.txt", "team3/a.txt", "team1/r.csv"] as const;

export const suiteObjects: ConformanceSuite = (target, skips) => {
  describe("objects", () => {
    scenario(skips, "objects/put-get-head", "puts, gets and heads on every route, each at its place", async () => {
      const t = target();
      const { split, whole } = t.buckets;
      const objects = [...ROUTED_KEYS.map((key) => [split, key] as const), [whole, "w/a.txt"] as const];
      for (const [bucket, key] of objects) {
        const put = await putText(t, bucket, key, `body of ${key}`);
        expect(await getText(t, bucket, key)).toBe(`body of ${key}`);
        const head = await t.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        expect(head.ContentLength).toBe(`body of ${key}`.length);
        expect(head.ETag).toBe(put.ETag);
        await expectPlaced(t, bucket, key, `body of ${key}`);
      }
      for (const Bucket of [split, whole])
        expect((await t.s3.send(new HeadBucketCommand({ Bucket }))).$metadata.httpStatusCode).toBe(200);
    });

    scenario(skips, "objects/metadata", "keeps user metadata and standard headers", async () => {
      const t = target();
      const Bucket = t.buckets.split;
      for (const Key of ["team2/meta.txt", "team1/meta.txt"]) {
        await t.s3.send(
          new PutObjectCommand({
            Bucket,
            Key,
            Body: "meta",
            Metadata: { colour: "blue", "two-words": "x y" },
            ContentType: "text/x-conformance",
            CacheControl: "max-age=60",
            ContentDisposition: 'attachment; filename="m.txt"',
          }),
        );
        const expected = {
          Metadata: { colour: "blue", "two-words": "x y" },
          ContentType: "text/x-conformance",
          CacheControl: "max-age=60",
          ContentDisposition: 'attachment; filename="m.txt"',
        };
        expect(await t.s3.send(new HeadObjectCommand({ Bucket, Key }))).toMatchObject(expected);
        const got = await t.s3.send(new GetObjectCommand({ Bucket, Key }));
        expect(got).toMatchObject(expected);
        expect(await readBody(got, "utf8")).toBe("meta");
      }
    });

    scenario(skips, "objects/ranges", "serves byte ranges: first-last, open-ended and suffix", async () => {
      const t = target();
      const Bucket = t.buckets.split;
      const Key = "team2/range.txt";
      await putText(t, Bucket, Key, "0123456789abc");
      const cases = [
        ["bytes=9-12", "9abc", "bytes 9-12/13"],
        ["bytes=10-", "abc", "bytes 10-12/13"],
        ["bytes=-4", "9abc", "bytes 9-12/13"],
      ] as const;
      for (const [Range, body, contentRange] of cases) {
        const out = await t.s3.send(new GetObjectCommand({ Bucket, Key, Range }));
        expect(out.$metadata.httpStatusCode).toBe(206);
        expect(out.ContentRange).toBe(contentRange);
        expect(out.ContentLength).toBe(body.length);
        expect(await readBody(out, "utf8")).toBe(body);
      }
    });

    scenario(skips, "objects/stream-body", "stores a streamed body of declared length", async () => {
      const t = target();
      const Bucket = t.buckets.split;
      const Key = "team2/stream.txt";
      const Body = Readable.from([Buffer.from("streamed "), Buffer.from("body")]);
      await t.s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentLength: 13 }));
      expect(await getText(t, Bucket, Key)).toBe("streamed body");
      await expectPlaced(t, Bucket, Key, "streamed body");
    });

    scenario(skips, "objects/delete", "deletes an object from its place", async () => {
      const t = target();
      const Bucket = t.buckets.split;
      for (const Key of ["team2/gone.txt", "team1/gone.txt"]) {
        await putText(t, Bucket, Key, "x");
        await t.s3.send(new DeleteObjectCommand({ Bucket, Key }));
        await expect(t.s3.send(new HeadObjectCommand({ Bucket, Key }))).rejects.toMatchObject({ name: "NotFound" });
        await expectGone(t, Bucket, Key);
      }
    });

    scenario(skips, "objects/list-buckets", "lists the caller's buckets", async () => {
      const t = target();
      const out = await t.s3.send(new ListBucketsCommand({}));
      const names = (out.Buckets ?? []).map((b) => b.Name);
      for (const name of bucketList(t.buckets)) expect(names).toContain(name);
    });

    scenario(
      skips,
      "objects/list-buckets-hides-physical",
      "lists no physical bucket that a route renames into",
      async () => {
        const t = target();
        const out = await t.s3.send(new ListBucketsCommand({}));
        const names = (out.Buckets ?? []).map((b) => b.Name);
        const callerNames = bucketList(t.buckets);
        const hidden = callerNames
          .flatMap((b) => t.physicalBuckets(b).map((p) => p.bucket))
          .filter((p) => !callerNames.includes(p));
        // A target that renames nothing would pass vacuously: it belongs in its skip list instead.
        expect(hidden).not.toEqual([]);
        for (const name of hidden) expect(names).not.toContain(name);
      },
    );
  });
};
