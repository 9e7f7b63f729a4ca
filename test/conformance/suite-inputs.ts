/**
 * @module test/conformance/suite-inputs — a target never writes to the caller's command input:
 * renaming a bucket or prefixing a key must happen on a copy. Each input is deep-frozen (a write
 * throws) and compared, after the call, with a structured clone taken before it (a replaced
 * nested object would still show).
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { describe, expect } from "vitest";
import { readBody } from "../support/backends.js";
import { deepFreeze } from "./deep-freeze.js";
import { scenario, type ConformanceSuite } from "./scenario.js";

/** Calls `send` with a deep-frozen `input`; expects the input unchanged afterwards. */
async function sendFrozen<I extends object>(input: I, send: (input: I) => Promise<unknown>): Promise<void> {
  const before = structuredClone(input);
  const frozen = deepFreeze(input);
  await send(frozen);
  expect(frozen).toStrictEqual(before);
}

export const suiteInputs: ConformanceSuite = (target, skips) => {
  describe("inputs", () => {
    scenario(skips, "inputs/never-mutated", "never mutates the caller's input, however deep", async () => {
      const t = target();
      const Bucket = t.buckets.split;
      const Key = "team2/frozen.txt";
      const s3 = t.s3;
      await sendFrozen({ Bucket, Key, Body: "frozen", Metadata: { colour: "blue" } }, (i) =>
        s3.send(new PutObjectCommand(i)),
      );
      await sendFrozen({ Bucket, Key }, (i) => s3.send(new HeadObjectCommand(i)));
      await sendFrozen({ Bucket, Key, Range: "bytes=0-1" }, async (i) =>
        readBody(await s3.send(new GetObjectCommand(i))),
      );
      await sendFrozen({ Bucket, Key: "team1/frozen-copy.txt", CopySource: `${Bucket}/${Key}` }, (i) =>
        s3.send(new CopyObjectCommand(i)),
      );
      await sendFrozen({ Bucket, Prefix: "team", MaxKeys: 2 }, (i) => s3.send(new ListObjectsV2Command(i)));
      await sendFrozen(
        { Bucket, Delete: { Objects: [{ Key }, { Key: "team1/frozen-copy.txt" }], Quiet: false } },
        (i) => s3.send(new DeleteObjectsCommand(i)),
      );
    });
  });
};
