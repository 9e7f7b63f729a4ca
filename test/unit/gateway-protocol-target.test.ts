import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatQuery, parseQuery, queryGet, queryHas, queryNames } from "../../src/gateway/protocol/query-params.js";
import {
  encodeBucketPath,
  encodeKeyPath,
  objectPath,
  parseTarget,
  splitRequestUrl,
} from "../../src/gateway/protocol/request-target.js";
import { S3Error } from "../../src/gateway/s3-error.js";
import { propertyParameters } from "../support/property-seed.js";

const path = (rawPath: string, rawQuery = "") => parseTarget(rawPath, rawQuery, "localhost:9000", undefined);

const s3Code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof S3Error) return error.code;
    throw error;
  }
  return undefined;
};

describe("parseTarget, path-style", () => {
  it("reads service, bucket and object levels", () => {
    expect(path("/")).toMatchObject({ bucket: undefined, key: undefined, style: "path" });
    expect(path("/bucket")).toMatchObject({ bucket: "bucket", key: undefined });
    expect(path("/bucket/")).toMatchObject({ bucket: "bucket", key: undefined });
    expect(path("/bucket/key")).toMatchObject({ bucket: "bucket", key: "key" });
  });

  it("keeps tricky keys exactly: //, trailing /, dot segments, %2F, spaces, plus, unicode", () => {
    expect(path("/b/a//b/").key).toBe("a//b/");
    expect(path("/b//lead").key).toBe("/lead");
    expect(path("/b/./../x").key).toBe("./../x");
    expect(path("/b/a%2Fb").key).toBe("a/b");
    expect(path("/b/a%20b+c").key).toBe("a b+c");
    expect(path("/b/d%C3%A9j%C3%A0/%F0%9F%98%80.txt").key).toBe("déjà/😀.txt");
    expect(path("/b/100%25").key).toBe("100%");
    expect(path("/b/%3F%23%26").key).toBe("?#&");
  });

  it("decodes an encoded bucket segment", () => {
    expect(path("/my%2Dbucket/k").bucket).toBe("my-bucket");
  });

  it("accepts an absolute-form target", () => {
    expect(path("http://gw:9000/b/k")).toMatchObject({ bucket: "b", key: "k" });
    expect(path("http://gw:9000")).toMatchObject({ bucket: undefined, key: undefined });
  });

  it("refuses invalid percent-encoding and empty bucket segments", () => {
    expect(s3Code(() => path("/b/100%"))).toBe("InvalidURI");
    expect(s3Code(() => path("/b/%ZZ"))).toBe("InvalidURI");
    expect(s3Code(() => path("/b/%C3"))).toBe("InvalidURI"); // truncated UTF-8
    expect(s3Code(() => path("/b/%ED%A0%80"))).toBe("InvalidURI"); // an encoded surrogate
    expect(s3Code(() => path("//key"))).toBe("InvalidBucketName");
    expect(s3Code(() => path("/a%2Fb/key"))).toBe("InvalidBucketName");
    expect(s3Code(() => path("no-slash"))).toBe("InvalidURI");
    expect(s3Code(() => path("/b/k", "prefix=%E0%A4%A"))).toBe("InvalidURI");
  });

  it("gives InvalidURI with status 400", () => {
    // toThrow fails the test when nothing is thrown; a bare try/catch would pass silently.
    expect(() => path("/b/%")).toThrow(expect.objectContaining({ name: "S3Error", code: "InvalidURI", status: 400 }));
    expect(() => path("/b/%")).toThrow(S3Error);
  });
});

describe("parseTarget, virtual-hosted-style", () => {
  const vhost = (host: string, rawPath: string) => parseTarget(rawPath, "", host, "s3.example.com");

  it("takes the bucket from the host under the domain, port and case ignored", () => {
    expect(vhost("photos.s3.example.com", "/2024/a.jpg")).toMatchObject({
      bucket: "photos",
      key: "2024/a.jpg",
      style: "virtual-hosted",
    });
    expect(vhost("photos.s3.example.com:9000", "/")).toMatchObject({ bucket: "photos", key: undefined });
    expect(vhost("Photos.S3.Example.COM.", "/k")).toMatchObject({ bucket: "photos", key: "k" });
    expect(vhost("my.dotted.bucket.s3.example.com", "/k")).toMatchObject({ bucket: "my.dotted.bucket", key: "k" });
  });

  it("reads the whole path as the key, leading slashes included", () => {
    expect(vhost("b.s3.example.com", "//x//").key).toBe("/x//");
    expect(vhost("b.s3.example.com", "/a%2Fb+c").key).toBe("a/b+c");
  });

  it("is path-style when the host is the domain itself, another host, or no domain is set", () => {
    expect(vhost("s3.example.com:443", "/b/k")).toMatchObject({ bucket: "b", key: "k", style: "path" });
    expect(vhost("127.0.0.1:9000", "/b/k")).toMatchObject({ bucket: "b", key: "k", style: "path" });
    expect(vhost("[::1]:9000", "/b/k")).toMatchObject({ bucket: "b", key: "k", style: "path" });
    expect(vhost("evil-s3.example.com", "/b/k")).toMatchObject({ bucket: "b", style: "path" });
    expect(parseTarget("/b2/k", "", "b.s3.example.com", undefined)).toMatchObject({
      bucket: "b2",
      key: "k",
      style: "path",
    });
    expect(parseTarget("/b/k", "", undefined, "s3.example.com")).toMatchObject({ bucket: "b", style: "path" });
  });
});

describe("query", () => {
  it("decodes names and values in order, + as space, repeats kept", () => {
    const query = parseQuery("prefix=a%2Bb+c&uploads&list-type=2&x=1&x=2&&empty=");
    expect(query).toEqual([
      ["prefix", "a+b c"],
      ["uploads", ""],
      ["list-type", "2"],
      ["x", "1"],
      ["x", "2"],
      ["empty", ""],
    ]);
    expect(queryGet(query, "x")).toBe("1");
    expect(queryHas(query, "uploads")).toBe(true);
    expect(queryHas(query, "versions")).toBe(false);
    expect(queryNames(query)).toEqual(["prefix", "uploads", "list-type", "x", "empty"]);
  });

  it("formats like the SDKs and SigV4: RFC 3986, name=value", () => {
    expect(
      formatQuery([
        ["prefix", "a b+c/ü!*'()"],
        ["uploads", ""],
      ]),
    ).toBe("prefix=a%20b%2Bc%2F%C3%BC%21%2A%27%28%29&uploads=");
  });

  it("round-trips any parameters", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ minLength: 1, unit: "grapheme" }), fc.string({ unit: "grapheme" }))),
        (params) => {
          expect(parseQuery(formatQuery(params))).toEqual(params);
        },
      ),
      propertyParameters(),
    );
  });
});

describe("encodeKeyPath / encodeBucketPath / objectPath", () => {
  it("encodes all but unreserved characters and keeps slashes, like the AWS SDKs", () => {
    expect(encodeKeyPath("a b+c/d//e/")).toBe("a%20b%2Bc/d//e/");
    expect(encodeKeyPath("!'()*~._-")).toBe("%21%27%28%29%2A~._-");
    expect(encodeKeyPath("déjà/😀")).toBe("d%C3%A9j%C3%A0/%F0%9F%98%80");
    expect(encodeBucketPath("a/b")).toBe("a%2Fb");
    expect(objectPath("b", "x y/z")).toBe("/b/x%20y/z");
    expect(objectPath("b")).toBe("/b");
  });

  it("refuses a key that is not Unicode text", () => {
    expect(s3Code(() => encodeKeyPath("bad\uD800"))).toBe("InvalidArgument");
  });

  it("round-trips any key through the path, path-style and virtual-hosted-style", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: "grapheme" }), (key) => {
        expect(parseTarget(objectPath("bucket", key), "", "gw", undefined)).toMatchObject({ bucket: "bucket", key });
        expect(parseTarget(`/${encodeKeyPath(key)}`, "", "bucket.gw.local", "gw.local")).toMatchObject({
          bucket: "bucket",
          key,
        });
      }),
      propertyParameters(),
    );
  });
});

describe("splitRequestUrl", () => {
  it("splits at the first ?", () => {
    expect(splitRequestUrl("/b/k?x=1?2")).toEqual({ rawPath: "/b/k", rawQuery: "x=1?2" });
    expect(splitRequestUrl("/b/k")).toEqual({ rawPath: "/b/k", rawQuery: "" });
  });
});
