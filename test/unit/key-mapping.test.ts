import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCopySource, parseCopySource } from "../../src/mapping/copy-source.js";
import { stripEncodedPrefix } from "../../src/mapping/key-mapping.js";
import { NoRouteError } from "../../src/errors.js";
import { propertyParameters } from "../support/property-seed.js";

describe("CopySource", () => {
  it("parses bucket/key with a leading slash, URL encoding and versionId", () => {
    expect(parseCopySource("/src-bucket/dir/a%20b%2Bc.txt?versionId=v%2B1", "CopyObject")).toEqual({
      bucket: "src-bucket",
      key: "dir/a b+c.txt",
      versionId: "v+1",
    });
    expect(parseCopySource("b/k", "CopyObject")).toEqual({ bucket: "b", key: "k", versionId: undefined });
  });

  it("round-trips any key", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, unit: "grapheme" }),
        fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
        (key, versionId) => {
          const source = { bucket: "bucket", key, versionId };
          expect(parseCopySource(formatCopySource(source), "CopyObject")).toEqual(source);
        },
      ),
      propertyParameters(),
    );
  });

  it("rejects what names no object, with the value in the message", () => {
    expect(() => parseCopySource("just-a-bucket", "CopyObject")).toThrow(NoRouteError);
    expect(() => parseCopySource("b/100%", "UploadPartCopy")).toThrow(/CopySource "b\/100%" is not valid URL encoding/);
  });
});

describe("stripEncodedPrefix", () => {
  it("strips the prefix whatever escaping style the backend used", () => {
    expect(stripEncodedPrefix("data/team2/a%20b", "data/")).toBe("team2/a%20b");
    expect(stripEncodedPrefix("data%2Fteam2%2Fa+b", "data/")).toBe("team2%2Fa+b");
    expect(stripEncodedPrefix("d%C3%A9j%C3%A0/x", "déjà/")).toBe("x");
    expect(stripEncodedPrefix("my+dir/x", "my dir/")).toBe("x");
    expect(stripEncodedPrefix("other/x", "data/")).toBeUndefined();
    expect(stripEncodedPrefix("dat", "data/")).toBeUndefined();
  });

  it("inverts encodeURIComponent for any prefix and key", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (prefix, key) => {
        const rest = stripEncodedPrefix(encodeURIComponent(prefix + key), prefix);
        expect(rest !== undefined && decodeURIComponent(rest)).toBe(key);
      }),
      propertyParameters(),
    );
  });
});
