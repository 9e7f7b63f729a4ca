/**
 * @module test/conformance/suite-listings — listings compared with the model
 * (test/support/listing-model.ts) over the fixed contents of the listing bucket: ListObjects V1
 * and V2 page by page under several prefixes and delimiters, the SDK paginator, StartAfter,
 * encoding-type url, object versions and multipart uploads, each paged with its markers.
 */
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect } from "vitest";
import { listPages, type ListVersion } from "../support/list-pages.js";
import { modelListing, type ModelEntry } from "../support/listing-model.js";
import { bodyOf, fillListingBucket, SHADOWED } from "./listing-fixture.js";
import { getText } from "./object-io.js";
import { scenario, type ConformanceSuite } from "./scenario.js";

const shown = (entries: readonly ModelEntry[]) => entries.map((e) => `${e.isPrefix ? "P" : "K"}:${e.name}`);

/**
 * The fixed listing cases: every prefix/delimiter pair in V1 and V2, paged by 2 (many short pages,
 * each continuing across stores) and unpaged; one page at a time for the whole bucket. The
 * randomized property (suite-listing-property) covers other page sizes and prefixes.
 */
function listingCases(): Array<[ListVersion, string, string | undefined, number]> {
  const cases: Array<[ListVersion, string, string | undefined, number]> = [];
  for (const version of ["v2", "v1"] as const) {
    for (const [prefix, delimiter] of [
      ["", undefined],
      ["", "/"],
      ["team", undefined],
      ["team2/", "/"],
      ["team1/", undefined],
      ["team1/", "/"],
    ] as const)
      for (const pageSize of [2, 1000]) cases.push([version, prefix, delimiter, pageSize]);
    cases.push([version, "", undefined, 1]);
  }
  return cases;
}

export const suiteListings: ConformanceSuite = (target, skips) => {
  describe("listings", () => {
    let written: Set<string>;
    beforeAll(async () => {
      written = await fillListingBucket(target());
    });

    for (const [version, prefix, delimiter, pageSize] of listingCases()) {
      scenario(
        skips,
        `listings/${version}-pages`,
        `${version} prefix=${JSON.stringify(prefix)} delimiter=${JSON.stringify(delimiter)} page=${pageSize} equals the model`,
        async () => {
          const t = target();
          const bucket = t.buckets.listing;
          const { entries, pageSizes } = await listPages(t.s3, { bucket, version, prefix, delimiter, pageSize });
          expect(shown(entries)).toEqual(shown(modelListing(written, prefix, delimiter)));
          // Every page but the last is full: MaxKeys is honoured exactly.
          for (const size of pageSizes.slice(0, -1)) expect(size).toBe(pageSize);
          expect(pageSizes.at(-1)).toBeLessThanOrEqual(pageSize);
        },
      );
    }

    scenario(
      skips,
      "listings/paginator",
      "is walked by the SDK paginator, names and prefix echoed, every key once and readable",
      async () => {
        const t = target();
        const Bucket = t.buckets.listing;
        for (const Prefix of ["", "team2/"]) {
          const keys: string[] = [];
          for await (const page of paginateListObjectsV2({ client: t.s3, pageSize: 3 }, { Bucket, Prefix })) {
            // The caller's bucket and prefix, not the route's physical bucket or mapped prefix.
            expect(page).toMatchObject({ Name: Bucket, Prefix });
            keys.push(...(page.Contents ?? []).map((c) => c.Key ?? "(no key)"));
          }
          expect(keys).toEqual(modelListing(written, Prefix).map((e) => e.name));
          // Every key listed reads back through the target (a listed key must be a readable name).
          for (const key of keys) expect(await getText(t, Bucket, key)).toBe(bodyOf(key));
        }
      },
    );

    scenario(skips, "listings/shadowed-unreadable", "never reads a shadowed copy", async () => {
      const t = target();
      for (const Key of SHADOWED)
        await expect(t.s3.send(new GetObjectCommand({ Bucket: t.buckets.listing, Key }))).rejects.toMatchObject({
          name: "NoSuchKey",
        });
    });

    scenario(skips, "listings/v1-marker", "continues V1 from a caller-chosen Marker", async () => {
      const t = target();
      const out = await t.s3.send(
        new ListObjectsCommand({
          Bucket: t.buckets.listing,
          Prefix: "team2/many/",
          Marker: "team2/many/04",
          Delimiter: "/",
        }),
      );
      expect(out).toMatchObject({ Name: t.buckets.listing, Prefix: "team2/many/", Marker: "team2/many/04" });
      expect((out.Contents ?? []).map((c) => c.Key)).toEqual(
        modelListing(written, "team2/many/", undefined, "team2/many/04").map((e) => e.name),
      );
    });

    scenario(skips, "listings/start-after", "starts after StartAfter, page by page", async () => {
      const t = target();
      const bucket = t.buckets.listing;
      for (const startAfter of ["team1/b", "team2/many/03", "team3/sub/z"]) {
        const { entries } = await listPages(t.s3, { bucket, version: "v2", prefix: "", pageSize: 4, startAfter });
        expect(shown(entries)).toEqual(shown(modelListing(written, "", undefined, startAfter)));
      }
    });

    scenario(skips, "listings/encoding-url", "URL-encodes keys and prefixes when asked", async () => {
      const t = target();
      const out = await t.s3.send(
        new ListObjectsV2Command({ Bucket: t.buckets.listing, Prefix: "team1/", Delimiter: "/", EncodingType: "url" }),
      );
      expect(out.EncodingType).toBe("url");
      // S3 form-encodes: a space may come as "+", a plus always as "%2B".
      const decode = (s: string | undefined) => decodeURIComponent((s ?? "").replace(/\+/g, "%20"));
      const expected = modelListing(written, "team1/", "/");
      expect((out.Contents ?? []).map((c) => decode(c.Key))).toEqual(
        expected.filter((e) => !e.isPrefix).map((e) => e.name),
      );
      expect((out.CommonPrefixes ?? []).map((p) => decode(p.Prefix))).toEqual(
        expected.filter((e) => e.isPrefix).map((e) => e.name),
      );
      // Encoded, not merely passed through: the raw key with the space must not appear.
      expect((out.Contents ?? []).map((c) => c.Key)).not.toContain("team1/with space+plus&.txt");
    });

    scenario(skips, "listings/versions", "lists versions page by page with key and version markers", async () => {
      const t = target();
      const keys: string[] = [];
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const out = await t.s3.send(
          new ListObjectVersionsCommand({
            Bucket: t.buckets.listing,
            Prefix: "team",
            MaxKeys: 4,
            KeyMarker,
            VersionIdMarker,
          }),
        );
        expect(out.Name).toBe(t.buckets.listing);
        keys.push(...(out.Versions ?? []).map((v) => v.Key ?? "(no key)"));
        if (!out.IsTruncated) break;
        KeyMarker = out.NextKeyMarker;
        VersionIdMarker = out.NextVersionIdMarker;
      }
      expect(keys).toEqual(modelListing(written, "team").map((e) => e.name));
    });

    scenario(skips, "listings/uploads", "lists multipart uploads page by page, in the caller's names", async () => {
      const t = target();
      const Bucket = t.buckets.listing;
      const uploadKeys = ["team1/up", "team2/up", "team3/up", "up.csv", "team2/up2"];
      const ids = new Map<string, string>();
      for (const Key of uploadKeys)
        ids.set(Key, (await t.s3.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId ?? "");
      try {
        const seen: string[] = [];
        let KeyMarker: string | undefined;
        let UploadIdMarker: string | undefined;
        for (let guard = 0; guard < 100; guard++) {
          const out = await t.s3.send(
            new ListMultipartUploadsCommand({ Bucket, MaxUploads: 2, KeyMarker, UploadIdMarker }),
          );
          expect(out.Bucket).toBe(Bucket);
          for (const u of out.Uploads ?? []) {
            seen.push(u.Key ?? "(no key)");
            expect(u.UploadId).toBe(ids.get(u.Key ?? ""));
          }
          if (!out.IsTruncated) break;
          KeyMarker = out.NextKeyMarker;
          UploadIdMarker = out.NextUploadIdMarker;
        }
        expect(seen).toEqual(modelListing(uploadKeys, "").map((e) => e.name));
      } finally {
        for (const [Key, UploadId] of ids)
          await t.s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      }
    });
  });
};
