/**
 * The router's round-trip invariant, property-tested: whatever key or prefix a listing returns,
 * passed back to the router, reaches the same backend object (boto-s3-router's defect 1 was a
 * listing that returned `data/…` keys which then resolved to `data/data/…`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planCommand, type CommandPlan, type SpanningPlan } from "../../src/client/command-plan.js";
import { restoreOutput } from "../../src/client/output-mapping.js";
import type { RouteSpec } from "../../src/config/profile-schema.js";
import { RouteTable } from "../../src/routing/route-table.js";

const segment = fc.constantFrom("a", "b", "team2", "data", "x y", "é", "😀", "+", "%41");
const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
const spec = fc.record({
  keyPattern: fc.option(fc.constantFrom("a/*", "b*", "team2/*", "*.csv", "*/x y/*", "?/*"), { nil: undefined }),
  mappedBucket: fc.option(fc.constantFrom("phys-1", "phys-2"), { nil: undefined }),
  mappedPrefix: fc.constantFrom("", "data/", "p/q/", "é/"),
  client: fc.constantFrom("default", "other"),
});

const single = (plan: CommandPlan | SpanningPlan): CommandPlan => {
  if ("spanning" in plan) throw new Error("expected a single-backend plan");
  return plan;
};

describe("round trip", () => {
  it("a listed key, passed back, reaches the object it names", () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 5 }), key, fc.boolean(), (rules, k, encoded) => {
        const specs: RouteSpec[] = rules.map((r, i) => ({ name: `p${i}`, bucketPattern: "bucket", ...r }));
        const table = new RouteTable(specs);
        // Where the object lives.
        const put = single(planCommand(table, "PutObjectCommand", { Bucket: "bucket", Key: k }));
        const physicalKey = put.input["Key"] as string;
        // A listing of that backend bucket, narrowed to the object's own key as prefix (one route),
        // returns the physical key; the router maps it back.
        const list = planCommand(table, "ListObjectsV2Command", {
          Bucket: "bucket",
          Prefix: k,
          ...(encoded && { EncodingType: "url" }),
        });
        if ("spanning" in list) return; // merged listings are checked against real servers
        const onWire = (name: string) => (encoded ? name.split("/").map(encodeURIComponent).join("/") : name);
        const out = restoreOutput(list.scope, {
          Contents: [{ Key: onWire(physicalKey) }],
          Prefix: onWire(list.input["Prefix"] as string),
        }) as { Contents: Array<{ Key: string }>; Prefix: string };
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
      { numRuns: 3000 },
    );
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
        const out = restoreOutput(plan.scope, { Deleted: sent.map((Key) => ({ Key })) }) as {
          Deleted: Array<{ Key: string }>;
        };
        expect(out.Deleted.map((d) => d.Key)).toEqual(keys);
      }),
    );
  });
});
