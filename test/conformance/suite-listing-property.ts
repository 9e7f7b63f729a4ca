/**
 * @module test/conformance/suite-listing-property — listings of random key sets equal the model,
 * for random prefixes, delimiters, page sizes and listing versions; on routed targets the keys
 * fall on every route of the split listing bucket, and some are shadowed: a copy is planted, with
 * the store's own client, at the place another route would give the key — which the target must
 * never list.
 *
 * Runs: 30 (`S3R_PROPERTY_RUNS` overrides), seed `S3R_PROPERTY_SEED` (test/support/property-seed).
 * Why 30 suffice: each run writes 1–10 keys; the first segment of a key is one of five, two of
 * which (team2, team3) pick their route outright, and a `.csv` last segment (one in three) picks
 * the csv route from the others; so a key misses a given route with probability at most 4/5 and a
 * run of ≥ 1 key reaches it with probability ≥ 1/5 — over 30 runs a route goes unreached with
 * probability < (4/5)^30 ≈ 0.1 %, and half the keys are shadowed. The test does not rely on the
 * odds: after the runs it asserts that every route was reached and that keys of every route were
 * shadowed, so a seed or generator change that loses coverage fails loudly instead of passing
 * with less.
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

const RUNS = Number(process.env["S3R_PROPERTY_RUNS"] ?? 30);

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
                const shadow = others[e.shadow % others.length]!;
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
