/**
 * @module test/conformance/suite-waiters — the SDK's waiters, which poll with HEAD and read the
 * error's name: they only work if the target answers HEAD like S3 (404 NotFound, no body).
 */
import {
  DeleteObjectCommand,
  waitUntilBucketExists,
  waitUntilObjectExists,
  waitUntilObjectNotExists,
} from "@aws-sdk/client-s3";
import { describe, expect } from "vitest";
import { putText } from "./object-io.js";
import { scenario, type ConformanceSuite } from "./scenario.js";

export const suiteWaiters: ConformanceSuite = (target, skips) => {
  describe("waiters", () => {
    scenario(
      skips,
      "waiters/object-and-bucket",
      "waits for an object to exist and not to, and for buckets",
      async () => {
        const t = target();
        const Bucket = t.buckets.split;
        const Key = "team2/wait";
        const params = { client: t.s3, maxWaitTime: 20, minDelay: 1, maxDelay: 2 };
        await putText(t, Bucket, Key, "w");
        expect((await waitUntilObjectExists(params, { Bucket, Key })).state).toBe("SUCCESS");
        await t.s3.send(new DeleteObjectCommand({ Bucket, Key }));
        expect((await waitUntilObjectNotExists(params, { Bucket, Key })).state).toBe("SUCCESS");
        for (const b of [t.buckets.split, t.buckets.whole])
          expect((await waitUntilBucketExists(params, { Bucket: b })).state).toBe("SUCCESS");
      },
    );
  });
};
