import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DELETE_REQUEST_LIMIT,
  parseDeleteRequest,
  readDeleteRequest,
} from "../../src/gateway/protocol/delete-request.js";
import { deleteRequestXml } from "../../src/gateway/protocol/xml-serialize.js";
import { S3Error } from "../../src/gateway/s3-error.js";
import { propertyParameters } from "../support/property-seed.js";
import { isXmlText } from "../support/xml-chars.js";

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof S3Error) return error.code;
    throw error;
  }
  return undefined;
};

// As the AWS SDK for JavaScript v3 sends it (no declaration, xmlns on the root).
const SDK_BODY =
  `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>team2/a&amp;b</Key></Object>` +
  `<Object><Key>team2/&lt;c&gt; &quot;d&quot; &apos;e&apos;&#13;</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>`;

describe("parseDeleteRequest", () => {
  it("reads keys, version ids and Quiet, decoding entities", () => {
    expect(parseDeleteRequest(SDK_BODY)).toEqual({
      quiet: true,
      objects: [{ key: "team2/a&b" }, { key: "team2/<c> \"d\" 'e'\r", versionId: "v1" }],
    });
  });

  it("reads botocore's pretty-printed style and conditional fields", () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Object>
    <Key> spaced key </Key>
    <ETag>"abc"</ETag>
    <LastModifiedTime>2024-01-01T00:00:00.000Z</LastModifiedTime>
    <Size>12</Size>
  </Object>
  <Quiet>false</Quiet>
</Delete>`;
    expect(parseDeleteRequest(body)).toEqual({
      quiet: false,
      objects: [{ key: " spaced key ", etag: '"abc"', lastModifiedTime: "2024-01-01T00:00:00.000Z", size: 12 }],
    });
  });

  it("reads unicode keys and character references", () => {
    expect(parseDeleteRequest("<Delete><Object><Key>d&#xE9;j&#224; 😀</Key></Object></Delete>").objects).toEqual([
      { key: "déjà 😀" },
    ]);
  });

  it("refuses what does not validate with MalformedXML", () => {
    const bad = [
      "",
      "not xml",
      "<Delete>",
      "<Delete></Delete>",
      "<Delete><Quiet>true</Quiet></Delete>",
      "<Remove><Object><Key>a</Key></Object></Remove>",
      "<Delete><Object><VersionId>v</VersionId></Object></Delete>",
      "<Delete><Object><Key></Key></Object></Delete>",
      "<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>",
      "<Delete><Object><Key>a</Key><IfMatch>x</IfMatch></Object></Delete>",
      "<Delete><Object><Key><b>a</b></Key></Object></Delete>",
      "<Delete><Object><Key>a</Key></Object><Quiet>maybe</Quiet></Delete>",
      "<Delete><Object><Key>a</Key><Size>-1</Size></Object></Delete>",
      "<Delete><Object><Key>a &nbsp; b</Key></Object></Delete>",
      "<Delete><Object><Key>a&#xD800;</Key></Object></Delete>",
      "<Delete><Object><Key>a&#0;</Key></Object></Delete>",
      "<Delete><Object><Key>a&#x110000;</Key></Object></Delete>",
      '<!DOCTYPE Delete [<!ENTITY x "team2/">]><Delete><Object><Key>&x;a</Key></Object></Delete>',
      "<Delete><Object><Key>a</Key></Object></Delete><Delete/>",
      "<Delete><Object><Key>a</Key><constructor>x</constructor></Object></Delete>",
      "<Delete><Object><Key>a</Key><__proto__>x</__proto__></Object></Delete>",
    ];
    for (const body of bad)
      expect(
        code(() => parseDeleteRequest(body)),
        body,
      ).toBe("MalformedXML");
  });

  it("accepts 1000 objects and refuses 1001", () => {
    const body = (n: number) => `<Delete>${"<Object><Key>k</Key></Object>".repeat(n)}</Delete>`;
    expect(parseDeleteRequest(body(DELETE_REQUEST_LIMIT)).objects).toHaveLength(1000);
    expect(code(() => parseDeleteRequest(body(DELETE_REQUEST_LIMIT + 1)))).toBe("MalformedXML");
  });
});

describe("readDeleteRequest (streamed, bounded)", () => {
  const chunks = (text: string, size: number): Buffer[] => {
    const bytes = Buffer.from(text);
    const out: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
    return out;
  };

  it("reads a body split anywhere, even inside a multi-byte character", async () => {
    const body = "<Delete><Object><Key>caf\u00e9/\u{1F600}</Key></Object><Quiet>false</Quiet></Delete>";
    for (const size of [1, 2, 3, 7]) {
      expect(await readDeleteRequest(chunks(body, size))).toEqual({
        quiet: false,
        objects: [{ key: "caf\u00e9/\u{1F600}" }],
      });
    }
  });

  it("refuses a body over its limit before reading the rest", async () => {
    let pulled = 0;
    // eslint-disable-next-line @typescript-eslint/require-await -- an async source, as a request body is; nothing to wait for
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from("<Delete>");
      for (;;) {
        pulled++;
        yield Buffer.from("<Object><Key>k</Key></Object>".repeat(30));
      }
    }
    await expect(readDeleteRequest(endless(), 64 * 1024)).rejects.toMatchObject({ code: "MalformedXML" });
    expect(pulled).toBeLessThan(200);
  });

  it("refuses nesting deeper than S3's schema, and text longer than a key can be", async () => {
    await expect(readDeleteRequest([Buffer.from(`<Delete><Object>${"<a>".repeat(10)}`)])).rejects.toMatchObject({
      code: "MalformedXML",
    });
    await expect(
      readDeleteRequest([Buffer.from(`<Delete><Object><Key>${"k".repeat(5000)}</Key></Object></Delete>`)]),
    ).rejects.toMatchObject({ code: "MalformedXML" });
    await expect(readDeleteRequest([Buffer.from([0x3c, 0xff, 0xfe])])).rejects.toMatchObject({ code: "MalformedXML" });
  });

  it("never throws anything but MalformedXML, whatever the bytes (fuzzed)", async () => {
    const piece = fc.constantFrom(
      "<Delete>",
      "</Delete>",
      "<Object>",
      "</Object>",
      "<Key>",
      "</Key>",
      "<Quiet>",
      "</Quiet>",
      "<VersionId>",
      "<Size>1</Size>",
      "&amp;",
      "&#0;",
      "&x;",
      "<!DOCTYPE a>",
      "<![CDATA[x]]>",
      "<!--c-->",
      "<?pi?>",
      "a",
      " ",
      "<",
      ">",
      "\u00e9",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(piece, fc.string({ maxLength: 4 })), { maxLength: 40 }),
        fc.integer({ min: 1, max: 9 }),
        async (pieces, size) => {
          try {
            const parsed = await readDeleteRequest(chunks(pieces.join(""), size));
            expect(parsed.objects.length).toBeGreaterThan(0);
          } catch (error) {
            expect(error).toMatchObject({ code: "MalformedXML" });
          }
        },
      ),
      propertyParameters({ numRuns: 500 }, 10),
    );
  });

  it("round-trips any keys: serialize, stream, parse", async () => {
    const key = fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" }).filter(isXmlText);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ key, versionId: fc.option(fc.string({ minLength: 1, maxLength: 5 }), { nil: undefined }) }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.boolean(),
        fc.integer({ min: 1, max: 16 }),
        async (objects, quiet, size) => {
          const body = deleteRequestXml({
            Quiet: quiet,
            Objects: objects.map((o) => ({ Key: o.key, VersionId: o.versionId })),
          });
          const parsed = await readDeleteRequest(chunks(body, size));
          expect(parsed.quiet).toBe(quiet);
          expect(parsed.objects).toEqual(
            objects.map((o) => ({ key: o.key, ...(o.versionId !== undefined && { versionId: o.versionId }) })),
          );
        },
      ),
      propertyParameters(),
    );
  });
});
