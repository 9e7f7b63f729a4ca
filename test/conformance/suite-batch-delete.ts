/**
 * @module test/conformance/suite-batch-delete — DeleteObjects: keys on every route in one batch,
 * each reported in the caller's name; quiet mode; a missing bucket.
 */
import { DeleteObjectsCommand, NoSuchBucket } from "@aws-sdk/client-s3";
import { describe, expect } from "vitest";
import { createBuckets, emptyAndDeleteBucket, uniqueBucket } from "../support/backends.js";
import { compareUtf8 } from "../../src/spanning/utf8-order.js";
import { putText } from "./object-io.js";
import { expectGone, expectPlaced } from "./placement.js";
import { scenario, type ConformanceSuite } from "./scenario.js";

/** One key per route of the split bucket, under `dir`. */
const keysOnEveryRoute = (dir: string) => [`team1/${dir}/1`, `team2/${dir}/2`, `team3/${dir}/3`, `team1/${dir}/4.csv`];

export const suiteBatchDelete: ConformanceSuite = (target, skips) => {
  describe("batch deletes", () => {
    scenario(
      skips,
      "batch-delete/caller-keys",
      "deletes keys on every route, reporting the caller's keys",
      async () => {
        const t = target();
        const Bucket = t.buckets.split;
        const keys = keysOnEveryRoute("del");
        for (const key of keys) await putText(t, Bucket, key, key);
        // A key that does not exist is deleted all the same (S3 reports it deleted).
        const all = [...keys, "team2/del/never-written"];
        const out = await t.s3.send(
          new DeleteObjectsCommand({ Bucket, Delete: { Objects: all.map((Key) => ({ Key })) } }),
        );
        expect(out.Errors ?? []).toEqual([]);
        expect((out.Deleted ?? []).map((d) => d.Key ?? "(no key)").sort(compareUtf8)).toEqual(
          [...all].sort(compareUtf8),
        );
        for (const key of keys) await expectGone(t, Bucket, key);
      },
    );

    scenario(skips, "batch-delete/quiet", "reports nothing in quiet mode, and still deletes", async () => {
      const t = target();
      const Bucket = t.buckets.split;
      const keys = keysOnEveryRoute("quiet");
      for (const key of keys) await putText(t, Bucket, key, key);
      const out = await t.s3.send(
        new DeleteObjectsCommand({ Bucket, Delete: { Quiet: true, Objects: keys.map((Key) => ({ Key })) } }),
      );
      expect(out.Deleted ?? []).toEqual([]);
      expect(out.Errors ?? []).toEqual([]);
      for (const key of keys) await expectGone(t, Bucket, key);
    });

    scenario(
      skips,
      "batch-delete/no-such-bucket",
      "answers a batch on a missing bucket with NoSuchBucket",
      async () => {
        const t = target();
        const Bucket = uniqueBucket("cf-missing");
        const error = await t.s3
          .send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: "team2/x" }, { Key: "team1/y" }] } }))
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(NoSuchBucket);
        expect(error).toMatchObject({ BucketName: Bucket, $metadata: { httpStatusCode: 404 } });
      },
    );

    scenario(
      skips,
      "batch-delete/over-limit",
      "refuses more than 1000 keys with 400, deleting none of them",
      async () => {
        const t = target();
        const Bucket = t.buckets.split;
        const kept = ["team1/limit/kept", "team2/limit/kept"];
        for (const key of kept) await putText(t, Bucket, key, key);
        // S3 allows 1000 keys per request; a router that split the batch per store could take more.
        const objects = [...kept, ...Array.from({ length: 999 }, (_, i) => `team${1 + (i % 3)}/limit/${i}`)];
        expect(objects).toHaveLength(1001);
        await expect(
          t.s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: objects.map((Key) => ({ Key })) } })),
        ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
        for (const key of kept) await expectPlaced(t, Bucket, key, key);
      },
    );

    scenario(
      skips,
      "batch-delete/store-failure",
      "reports the keys of a store that fails as a whole in Errors, and deletes the others",
      async () => {
        const t = target();
        const Bucket = t.buckets.split;
        const failing = "team3/fail/1";
        const fine = ["team1/fail/2", "team2/fail/3"];
        for (const key of [failing, ...fine]) await putText(t, Bucket, key, key);
        // team3's store bucket disappears for the duration of the request: that store fails the
        // whole sub-request with NoSuchBucket, which concerns only the keys routed there.
        const place = t.where(Bucket, failing);
        expect(place.bucket, "the failing key must live in a bucket of its own").not.toBe(Bucket);
        await emptyAndDeleteBucket(place.client, place.bucket);
        try {
          const out = await t.s3.send(
            new DeleteObjectsCommand({ Bucket, Delete: { Objects: [failing, ...fine].map((Key) => ({ Key })) } }),
          );
          expect(out.Errors).toEqual([expect.objectContaining({ Key: failing, Code: "NoSuchBucket" })]);
          expect((out.Deleted ?? []).map((d) => d.Key ?? "(no key)").sort(compareUtf8)).toEqual(fine);
          for (const key of fine) await expectGone(t, Bucket, key);
        } finally {
          await createBuckets(place.client, [place.bucket]);
        }
      },
    );
  });
};
