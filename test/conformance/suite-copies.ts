/**
 * @module test/conformance/suite-copies — CopyObject in the caller's names: within a route, across
 * routes of one store (another physical bucket and prefix), and across stores (which a router
 * must stream), with metadata copied or replaced as asked.
 */
import { CopyObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect } from "vitest";
import { getText } from "./object-io.js";
import { expectPlaced } from "./placement.js";
import { scenario, type ConformanceSuite } from "./scenario.js";

/** An MD5 ETag, quoted or not: RGW leaves the quotes off in CopyObjectResult and CopyPartResult. */
const ETAG = /^"?[0-9a-f]{32}"?$/;
import type { ConformanceTarget } from "./target.js";

const BODY = "copied body";
const METADATA = { origin: "source" };

async function putSource(t: ConformanceTarget, Bucket: string, Key: string): Promise<void> {
  await t.s3.send(new PutObjectCommand({ Bucket, Key, Body: BODY, Metadata: METADATA, ContentType: "text/x-source" }));
}

/** Copies `from` to `to` (caller's names) and checks the copy, its metadata and its place. */
async function expectCopied(
  t: ConformanceTarget,
  from: { bucket: string; key: string },
  to: { bucket: string; key: string },
): Promise<void> {
  const out = await t.s3.send(
    new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: `${from.bucket}/${from.key}` }),
  );
  expect(out.CopyObjectResult?.ETag).toMatch(ETAG);
  expect(await getText(t, to.bucket, to.key)).toBe(BODY);
  expect(await t.s3.send(new HeadObjectCommand({ Bucket: to.bucket, Key: to.key }))).toMatchObject({
    Metadata: METADATA,
    ContentType: "text/x-source",
  });
  await expectPlaced(t, to.bucket, to.key, BODY);
}

export const suiteCopies: ConformanceSuite = (target, skips) => {
  describe("copies", () => {
    scenario(skips, "copies/within-route", "copies within one route", async () => {
      const t = target();
      const bucket = t.buckets.split;
      await putSource(t, bucket, "team2/c-src");
      await expectCopied(t, { bucket, key: "team2/c-src" }, { bucket, key: "team2/c-dst" });
    });

    scenario(skips, "copies/across-routes", "copies across routes of one store (other bucket and prefix)", async () => {
      const t = target();
      const { split, whole } = t.buckets;
      await putSource(t, split, "team2/c-src2");
      await expectCopied(t, { bucket: split, key: "team2/c-src2" }, { bucket: whole, key: "from-team2" });
      await expectCopied(t, { bucket: split, key: "team2/c-src2" }, { bucket: split, key: "team3/from-team2" });
    });

    scenario(skips, "copies/across-stores", "copies across stores, both ways, metadata included", async () => {
      const t = target();
      const bucket = t.buckets.split;
      await putSource(t, bucket, "team2/c-src3");
      await expectCopied(t, { bucket, key: "team2/c-src3" }, { bucket, key: "team1/from-team2" });
      await expectCopied(t, { bucket, key: "team1/from-team2" }, { bucket, key: "team2/back-from-team1" });
    });

    scenario(skips, "copies/replace-metadata", "replaces metadata when asked (MetadataDirective REPLACE)", async () => {
      const t = target();
      const Bucket = t.buckets.split;
      await putSource(t, Bucket, "team2/c-src4");
      for (const Key of ["team2/c-replaced", "team1/c-replaced"]) {
        await t.s3.send(
          new CopyObjectCommand({
            Bucket,
            Key,
            CopySource: `${Bucket}/team2/c-src4`,
            MetadataDirective: "REPLACE",
            Metadata: { origin: "replaced" },
            ContentType: "text/x-replaced",
          }),
        );
        expect(await t.s3.send(new HeadObjectCommand({ Bucket, Key }))).toMatchObject({
          Metadata: { origin: "replaced" },
          ContentType: "text/x-replaced",
        });
        await expectPlaced(t, Bucket, Key, BODY);
      }
    });
  });
};
