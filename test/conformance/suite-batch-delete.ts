/**
 * @module test/conformance/suite-batch-delete — DeleteObjects: keys on every route in one batch,
 * each reported in the caller's name; quiet mode; a missing bucket.
 */
import { DeleteObjectsCommand, NoSuchBucket } from "@aws-sdk/client-s3";
import { describe, expect } from "vitest";
import { uniqueBucket } from "../support/backends.js";
import { compareUtf8 } from "../../src/spanning/utf8-order.js";
import { putText } from "./object-io.js";
import { expectGone } from "./placement.js";
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
  });
};
