/**
 * @module test/conformance/suite-presign — presigned GET and PUT URLs, fetched with plain HTTP (no
 * SDK on the way): the URL points where a caller of this target must go, and the object lands at
 * its route's place.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect } from "vitest";
import { getText, putText } from "./object-io.js";
import { expectPlaced } from "./placement.js";
import { scenario, type ConformanceSuite } from "./scenario.js";

export const suitePresign: ConformanceSuite = (target, skips) => {
  describe("presign", () => {
    scenario(skips, "presign/put-then-get", "presigned PUT stores, presigned GET reads, over plain HTTP", async () => {
      const t = target();
      const Bucket = t.buckets.split;
      for (const Key of ["team2/presigned", "team1/presigned"]) {
        const putUrl = await t.presign(new PutObjectCommand({ Bucket, Key }), 300);
        expect(new URL(putUrl).origin).toBe(t.origin(Bucket, Key));
        const put = await fetch(putUrl, { method: "PUT", body: `via presigned put to ${Key}` });
        expect(put.status).toBe(200);
        await expectPlaced(t, Bucket, Key, `via presigned put to ${Key}`);
        expect(await getText(t, Bucket, Key)).toBe(`via presigned put to ${Key}`);

        const getUrl = await t.presign(new GetObjectCommand({ Bucket, Key }), 300);
        expect(new URL(getUrl).origin).toBe(t.origin(Bucket, Key));
        const got = await fetch(getUrl);
        expect(got.status).toBe(200);
        expect(await got.text()).toBe(`via presigned put to ${Key}`);
      }
    });

    scenario(skips, "presign/get-missing", "a presigned GET of a missing key answers 404 NoSuchKey", async () => {
      const t = target();
      const Bucket = t.buckets.split;
      await putText(t, Bucket, "team2/presigned-sibling", "x");
      const url = await t.presign(new GetObjectCommand({ Bucket, Key: "team2/presigned-missing" }), 300);
      const response = await fetch(url);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("<Code>NoSuchKey</Code>");
    });
  });
};
