/**
 * The router's round-trip invariant, property-tested: whatever key or prefix a listing returns,
 * passed back to the router, reaches the same backend object (boto-s3-router's defect 1 was a
 * listing that returned `data/…` keys which then resolved to `data/data/…`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSpanning, planCommand, type CommandPlan, type SpanningPlan } from "../../src/client/command-plan.js";
import { restoreOutput } from "../../src/client/output-mapping.js";
import type { RouteSpec } from "../../src/config/profile-schema.js";
import { RouteTable } from "../../src/routing/route-table.js";
import { propertyParameters } from "../support/property-seed.js";

const segment = fc.constantFrom("a", "b", "team2", "data", "x y", "é", "😀", "+", "%41");
const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
const place = {
  mappedBucket: fc.option(fc.constantFrom("phys-1", "phys-2"), { nil: undefined }),
  mappedPrefix: fc.constantFrom("", "data/", "p/q/", "é/"),
  client: fc.constantFrom("default", "other"),
};
const spec = fc.record({
  keyPattern: fc.option(fc.constantFrom("a/*", "b*", "team2/*", "*.csv", "*/x y/*", "?/*"), { nil: undefined }),
  ...place,
});

/**
 * Profiles of "bucket" (ending in a catch-all, so the implicit default route is never reached)
 * in which every route a listing of `key` as prefix can reach stores its keys where the route
 * serving `key` does. Such a listing is one backend listing, mapped back by restoreOutput; one
 * that reaches several places is a merged listing (test/integration/merged-listing.test.ts). Built
 * this way rather than filtered, so that every run checks the round trip.
 */
const oneListingCase = fc
  .record({ rules: fc.array(spec, { maxLength: 5 }), home: fc.record(place), key, encoded: fc.boolean() })
  .map(({ rules, home, key, encoded }) => {
    const specs: RouteSpec[] = [
      ...rules.map((r, i) => ({ name: `p${i}`, bucketPattern: "bucket", ...r })),
      { name: "home", bucketPattern: "bucket", keyPattern: undefined, ...home },
    ];
    const table = new RouteTable(specs);
    const owner = specs[table.resolveObject("bucket", key).index]!;
    const reachable = new Set(table.routesForPrefix("bucket", key).map((r) => r.index));
    const unified = specs.map((s, i): RouteSpec => {
      if (!reachable.has(i)) return s;
      return { ...s, client: owner.client, mappedBucket: owner.mappedBucket, mappedPrefix: owner.mappedPrefix };
    });
    return { specs: unified, key, encoded, reachable: reachable.size };
  });

const single = (plan: CommandPlan | SpanningPlan): CommandPlan => {
  if (isSpanning(plan)) throw new Error(`expected a single-backend plan, got a spanning ${plan.spanning}`);
  return plan;
};

describe("round trip", () => {
  it("a listed key, passed back, reaches the object it names", () => {
    let severalRoutes = 0;
    fc.assert(
      fc.property(oneListingCase, ({ specs, key: k, encoded, reachable }) => {
        const table = new RouteTable(specs);
        if (reachable > 1) severalRoutes++;
        // Where the object lives.
        const put = single(planCommand(table, "PutObjectCommand", { Bucket: "bucket", Key: k }));
        const physicalKey = put.input["Key"] as string;
        // A listing of that backend bucket, narrowed to the object's own key as prefix, returns
        // the physical key; the router maps it back.
        const list = single(
          planCommand(table, "ListObjectsV2Command", {
            Bucket: "bucket",
            Prefix: k,
            ...(encoded && { EncodingType: "url" }),
          }),
        );
        const onWire = (name: string) => (encoded ? name.split("/").map(encodeURIComponent).join("/") : name);
        const out = restoreOutput<{ Contents: Array<{ Key: string }>; Prefix: string }>(list.scope, {
          Contents: [{ Key: onWire(physicalKey) }],
          Prefix: onWire(list.input["Prefix"] as string),
        });
        const returned = encoded ? decodeURIComponent(out.Contents[0]!.Key) : out.Contents[0]!.Key;
        expect(returned).toBe(k);
        expect(encoded ? decodeURIComponent(out.Prefix) : out.Prefix).toBe(k);
        // Passed back, it reaches the same client, bucket and key.
        const get = single(planCommand(table, "GetObjectCommand", { Bucket: "bucket", Key: returned }));
        expect([get.client, get.input["Bucket"], get.input["Key"]]).toEqual([
          put.client,
          put.input["Bucket"],
          physicalKey,
        ]);
      }),
      propertyParameters({ numRuns: 3000 }),
    );
    // The interesting case: other routes' patterns overlap the listing's prefix.
    expect(severalRoutes).toBeGreaterThan(300);
  });

  it("a DeleteObjects result names exactly the keys the caller sent", () => {
    fc.assert(
      fc.property(spec, fc.uniqueArray(key, { minLength: 1, maxLength: 8 }), (rule, keys) => {
        const table = new RouteTable([{ name: "only", bucketPattern: "bucket", ...rule, keyPattern: undefined }]);
        const plan = single(
          planCommand(table, "DeleteObjectsCommand", {
            Bucket: "bucket",
            Delete: { Objects: keys.map((Key) => ({ Key })) },
          }),
        );
        const sent = (plan.input["Delete"] as { Objects: Array<{ Key: string }> }).Objects.map((o) => o.Key);
        const out = restoreOutput<{ Deleted: Array<{ Key: string }> }>(plan.scope, {
          Deleted: sent.map((Key) => ({ Key })),
        });
        expect(out.Deleted.map((d) => d.Key)).toEqual(keys);
      }),
      propertyParameters(),
    );
  });
});
