import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RouteSpec } from "../../src/config/profile-schema.js";
import { compileGlob } from "../../src/routing/glob.js";
import { RouteTable } from "../../src/routing/route-table.js";
import { propertyParameters } from "../support/property-seed.js";

const spec = (name: string, bucketPattern: string, keyPattern?: string, extra: Partial<RouteSpec> = {}): RouteSpec => ({
  name,
  client: name,
  bucketPattern,
  keyPattern,
  mappedBucket: undefined,
  mappedPrefix: "",
  ...extra,
});

// The seed's configuration: team2 of example-bucket lives in MinIO, the rest in AWS.
const seed = new RouteTable([
  spec("minio", "example-bucket", "team2/*", { mappedBucket: "minio-bucket", mappedPrefix: "data/" }),
  spec("us-west", "us-west-bucket"),
  spec("us-east", "us-east-*"),
]);

describe("RouteTable.resolveObject", () => {
  it("routes by bucket and key pattern, first match wins, default otherwise", () => {
    expect(seed.resolveObject("example-bucket", "team2/obj").name).toBe("minio");
    expect(seed.resolveObject("example-bucket", "team1/obj").name).toBe("default");
    expect(seed.resolveObject("us-west-bucket", "anything").name).toBe("us-west");
    expect(seed.resolveObject("us-east-bucket", "x").name).toBe("us-east");
    expect(seed.resolveObject("other", "team2/obj").name).toBe("default");
  });

  it("honours declaration order across literal and glob bucket patterns", () => {
    const table = new RouteTable([
      spec("glob", "data-*", "a*"),
      spec("literal", "data-1"),
      spec("later-glob", "data-?"),
    ]);
    expect(table.resolveObject("data-1", "abc").name).toBe("glob");
    expect(table.resolveObject("data-1", "xyz").name).toBe("literal");
    expect(table.resolveObject("data-2", "xyz").name).toBe("later-glob");
  });

  it("matches * across slashes like fnmatch", () => {
    const table = new RouteTable([spec("csv", "b", "*.csv")]);
    expect(table.resolveObject("b", "deep/dir/x.csv").name).toBe("csv");
    expect(table.resolveObject("b", "deep/dir/x.json").name).toBe("default");
  });

  it("agrees with a linear first-match scan for random profile sets", () => {
    const atom = fc.constantFrom("a", "b", "/", "*", "?", "[ab]", "[!a]", "x");
    const pattern = fc.array(atom, { minLength: 1, maxLength: 4 }).map((a) => a.join(""));
    const name = fc.array(fc.constantFrom("a", "b", "/", "x"), { maxLength: 5 }).map((a) => a.join(""));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(pattern, fc.option(pattern, { nil: undefined })), { maxLength: 12 }),
        name,
        name,
        (rules, bucket, key) => {
          const specs = rules.map(([b, k], i) => spec(`p${i}`, b, k));
          const table = new RouteTable(specs);
          const linear = specs.find(
            (s) =>
              compileGlob(s.bucketPattern).matches(bucket) &&
              (s.keyPattern === undefined || compileGlob(s.keyPattern).matches(key)),
          );
          expect(table.resolveObject(bucket, key).name).toBe(linear?.name ?? "default");
          const home = specs.find((s) => s.keyPattern === undefined && compileGlob(s.bucketPattern).matches(bucket));
          expect(table.resolveBucket(bucket).name).toBe(home?.name ?? "default");
        },
      ),
      propertyParameters({ numRuns: 2000 }),
    );
  });

  it("stays correct with thousands of profiles", () => {
    const specs: RouteSpec[] = [];
    for (let i = 0; i < 5000; i++) specs.push(spec(`k${i}`, "big", `team${i}/*`));
    for (let i = 0; i < 5000; i++) specs.push(spec(`b${i}`, `bucket-${i}`));
    const table = new RouteTable(specs);
    expect(table.resolveObject("big", "team4321/x").name).toBe("k4321");
    expect(table.resolveObject("big", "team43210/x").name).toBe("default");
    expect(table.resolveObject("bucket-77", "k").name).toBe("b77");
  });
});

describe("RouteTable.resolveBucket (the bucket's home)", () => {
  it("ignores profiles meant for some keys only (boto-s3-router defect 5)", () => {
    // boto-s3-router sends HeadBucket("example-bucket") to MinIO because the minio profile's
    // bucket pattern matches, although that profile only owns team2/*.
    expect(seed.resolveBucket("example-bucket").name).toBe("default");
    expect(seed.resolveBucket("us-west-bucket").name).toBe("us-west");
  });
});

describe("RouteTable.routesForPrefix", () => {
  it("returns only the routes that can hold keys under the prefix", () => {
    const names = (bucket: string, prefix: string) => seed.routesForPrefix(bucket, prefix).map((r) => r.name);
    expect(names("example-bucket", "team2/")).toEqual(["minio"]);
    expect(names("example-bucket", "team2/sub")).toEqual(["minio"]);
    expect(names("example-bucket", "team1/")).toEqual(["default"]);
    expect(names("example-bucket", "team")).toEqual(["minio", "default"]);
    expect(names("example-bucket", "")).toEqual(["minio", "default"]);
    expect(names("us-west-bucket", "")).toEqual(["us-west"]);
  });

  it("stops at the first route that takes every key under the prefix", () => {
    const table = new RouteTable([spec("a", "b", "x*"), spec("b", "b", "xy*"), spec("c", "b")]);
    expect(table.routesForPrefix("b", "xy").map((r) => r.name)).toEqual(["a"]);
    expect(table.routesForPrefix("b", "").map((r) => r.name)).toEqual(["a", "b", "c"]);
  });
});
