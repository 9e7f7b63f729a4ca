/**
 * @module test/conformance/suite-listing-property — listings of random key sets equal the model,
 * for random prefixes, delimiters, page sizes and listing versions; on routed targets the keys
 * fall on every route of the split listing bucket, and some are shadowed: a copy is planted, with
 * the store's own client, at the place another route would give the key — which the target must
 * never list.
 *
 * Runs: 30 (`S3R_PROPERTY_RUNS` overrides), seed `S3R_PROPERTY_SEED` (test/support/property-seed).
 * Why 30 suffice: a run writes 1–10 keys (about 5 on average: 152 keys over the 30 runs of the
 * fixed seed). A key's first segment is one of five, two of which (team2, team3) pick their route
 * outright; among the others a `.csv` last segment (two deeper segments in six) picks the csv
 * route, the rarest, at about 1 key in 8; and half the keys get a shadow copy. So the rarest
 * route is missed by 150 keys with probability about (7/8)^150 < 10⁻⁸, and left without a shadow
 * with probability about (15/16)^150 < 10⁻⁴. With the fixed seed the 152 keys fall 80 default,
 * 28 team2, 22 team3, 22 csv, of which 39, 13, 10 and 9 shadowed. The test does not rely on the
 * odds: after the runs it asserts that every route was reached and that keys of every route were
 * shadowed, so a seed or generator change that loses coverage fails loudly instead of passing
 * with less. Each run writes and removes its own keys, so runs do not see each other's.
 */
import { DeleteObjectsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { listPages, type ListVersion } from "../support/list-pages.js";
import { modelListing } from "../support/listing-model.js";
import { propertyParameters } from "../support/property-seed.js";
import { putText } from "./object-io.js";
import { scenario, type ConformanceSuite } from "./scenario.js";
import type { ConformanceTarget, Placement } from "./target.js";

const RUNS = runsFromEnv(process.env["S3R_PROPERTY_RUNS"], 30);

function runsFromEnv(value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const runs = Number(value);
  // A typo must not silently fall back to the default (or reach fast-check as NaN).
  if (!Number.isSafeInteger(runs) || runs < 1)
    throw new Error(`S3R_PROPERTY_RUNS must be a positive integer, got ${JSON.stringify(value)}`);
  return runs;
}

/** First segments: one per route of the split bucket, and two the default route owns. */
const TOP = ["team1", "team2", "team3", "a", "é"] as const;
/** Deeper segments: `.csv` ones move a key to the csv route; é, U+E000 and 😀 test UTF-8 order. */
const SEGMENT = ["a", "b", "b.csv", "é", "\u{E000}", "😀.csv"] as const;

const key = fc
  .tuple(fc.constantFrom(...TOP), fc.array(fc.constantFrom(...SEGMENT), { minLength: 0, maxLength: 2 }))
  .map(([top, rest]) => [top, ...rest].join("/"));

/** A key to write, and whether to plant a shadow copy (which of the other routes' places). */
const entry = fc.record({ key, shadow: fc.option(fc.nat(), { nil: undefined, freq: 2 }) });

const listing = fc.record({
  entries: fc.uniqueArray(entry, { selector: (e) => e.key, minLength: 1, maxLength: 10 }),
  prefix: fc.constantFrom("", "team", "team1/", "team2/", "team2/b", "team3/", "a/", "é"),
  delimiter: fc.constantFrom(undefined, "/", "."),
  pageSize: fc.integer({ min: 1, max: 6 }),
  version: fc.constantFrom<ListVersion>("v1", "v2"),
});

/** Deletes what a run wrote, place by place, with the stores' own clients. */
async function removeAll(places: readonly Placement[]): Promise<void> {
  const byBucket = new Map<string, { place: Placement; keys: string[] }>();
  for (const place of places) {
    const id = `${place.store}/${place.bucket}`;
    const group = byBucket.get(id) ?? { place, keys: [] };
    group.keys.push(place.key);
    byBucket.set(id, group);
  }
  await Promise.all(
    [...byBucket.values()].map(async ({ place, keys }) => {
      const out = await place.client.send(
        new DeleteObjectsCommand({
          Bucket: place.bucket,
          Delete: { Quiet: true, Objects: keys.map((Key) => ({ Key })) },
        }),
      );
      expect(out.Errors ?? []).toEqual([]);
    }),
  );
}

export const suiteListingProperty: ConformanceSuite = (target, skips) => {
  describe("listings, randomized", () => {
    scenario(
      skips,
      "listings/property",
      "equal the model for random keys (some shadowed), prefixes, delimiters, page sizes",
      async () => {
        const t: ConformanceTarget = target();
        const bucket = t.buckets.listing;
        await t.reset(bucket);
        const reached = new Set<string>();
        const shadowedRoutes = new Set<string>();
        let shadowedInOtherStore = 0;
        await fc.assert(
          fc.asyncProperty(listing, async ({ entries, prefix, delimiter, pageSize, version }) => {
            const written: Placement[] = [];
            try {
              await Promise.all(entries.map((e) => putText(t, bucket, e.key, e.key)));
              for (const e of entries) {
                const home = t.where(bucket, e.key);
                written.push(home);
                reached.add(home.route);
                const others = t.shadowPlaces(bucket, e.key);
                if (e.shadow === undefined || others.length === 0) continue;
                const shadow = others[e.shadow % others.length];
                if (shadow === undefined) continue; // never: the index is taken modulo the length
                await shadow.client.send(new PutObjectCommand({ Bucket: shadow.bucket, Key: shadow.key, Body: "s" }));
                written.push(shadow);
                shadowedRoutes.add(home.route);
                if (shadow.store !== home.store) shadowedInOtherStore++;
              }
              const keys = entries.map((e) => e.key);
              const { entries: listed } = await listPages(t.s3, { bucket, version, prefix, delimiter, pageSize });
              expect(listed.map((e) => `${e.isPrefix ? "P" : "K"}:${e.name}`)).toEqual(
                modelListing(keys, prefix, delimiter).map((e) => `${e.isPrefix ? "P" : "K"}:${e.name}`),
              );
            } finally {
              await removeAll(written);
            }
          }),
          propertyParameters({ numRuns: RUNS }, 0x11),
        );
        // The coverage this property claims, checked rather than hoped for.
        expect([...reached].sort()).toEqual([...t.routes].sort());
        if (t.routes.length > 1) {
          expect([...shadowedRoutes].sort()).toEqual([...t.routes].sort());
          expect(shadowedInOtherStore).toBeGreaterThan(0);
        }
      },
      120_000,
    );
  });
};
