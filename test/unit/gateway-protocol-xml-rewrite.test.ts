import { ListObjectsV2Command, ListObjectVersionsCommand, S3Client } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { isSpanning, planCommand } from "../../src/client/command-plan.js";
import type { NameScope } from "../../src/client/output-mapping.js";
import { RouteTable } from "../../src/routing/route-table.js";
import {
  rewriteDeleteResultXml,
  rewriteListingXml,
  rewriteObjectResultXml,
} from "../../src/gateway/protocol/xml-rewrite.js";
import { listObjectsV2Xml } from "../../src/gateway/protocol/xml-serialize.js";
import { S3Error, escapeXml } from "../../src/gateway/s3-error.js";
import { propertyParameters } from "../support/property-seed.js";
import { isXmlText } from "../support/xml-chars.js";

// The seed's configuration: team2/* of example-bucket lives in minio-bucket under data/.
const table = new RouteTable([
  {
    name: "minio",
    client: "minio",
    bucketPattern: "example-bucket",
    keyPattern: "team2/*",
    mappedBucket: "minio-bucket",
    mappedPrefix: "data/",
  },
]);

/** The scope the gateway gets from the shared planner for `command` with `input`. */
function scopeOf(command: string, input: Record<string, unknown>): NameScope {
  const plan = planCommand(table, command, input);
  if (isSpanning(plan)) throw new Error("expected a single-backend plan");
  return plan.scope;
}

const listScope = (extra: Record<string, unknown> = {}) =>
  scopeOf("ListObjectsV2Command", { Bucket: "example-bucket", Prefix: "team2/", ...extra });
/** For bodies that are not errors: an error body reaching it fails the test. */
const notAnError = (body: string): string => {
  throw new Error(`unexpected error body ${body}`);
};
const objectScope = (key: string) => scopeOf("GetObjectCommand", { Bucket: "example-bucket", Key: key });

const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

describe("rewriteListingXml", () => {
  it("maps an AWS-style ListObjectsV2 page and keeps every other byte", () => {
    const backend = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult ${XMLNS}>
    <Name>minio-bucket</Name>
    <Prefix>data/team2/</Prefix>
    <StartAfter>data/team2/a</StartAfter>
    <KeyCount>3</KeyCount>
    <MaxKeys>1000</MaxKeys>
    <Delimiter>/</Delimiter>
    <IsTruncated>false</IsTruncated>
    <Contents>
        <Key>data/team2/a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; déjà.txt</Key>
        <LastModified>2013-09-17T18:07:53.000Z</LastModified>
        <ETag>&quot;599bab3ed2c697f1d26842727561fd94&quot;</ETag>
        <Size>857</Size>
        <Owner><ID>data/team2/owner</ID><DisplayName>minio-bucket</DisplayName></Owner>
        <StorageClass>STANDARD</StorageClass>
    </Contents>
    <!-- a comment with <Key>data/team2/x</Key> inside -->
    <CommonPrefixes>
        <Prefix>data/team2/photos/</Prefix>
    </CommonPrefixes>
</ListBucketResult>`;
    const expected = backend
      .replace("<Name>minio-bucket</Name>", "<Name>example-bucket</Name>")
      .replace("<Prefix>data/team2/</Prefix>", "<Prefix>team2/</Prefix>")
      .replace("<StartAfter>data/team2/a</StartAfter>", "<StartAfter>team2/a</StartAfter>")
      .replace(
        "<Key>data/team2/a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; déjà.txt</Key>",
        "<Key>team2/a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; déjà.txt</Key>",
      )
      .replace("<Prefix>data/team2/photos/</Prefix>", "<Prefix>team2/photos/</Prefix>");
    expect(rewriteListingXml(backend, listScope())).toBe(expected);
  });

  it("maps a Ceph RGW-style ListObjects v1 page (one line, empty elements, NextMarker)", () => {
    const backend =
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult ${XMLNS}><Name>minio-bucket</Name><Prefix>data/team2/</Prefix>` +
      `<Marker>data/team2/0</Marker><NextMarker>data/team2/b</NextMarker><MaxKeys>2</MaxKeys><Delimiter></Delimiter><IsTruncated>true</IsTruncated>` +
      `<Contents><Key>data/team2/a</Key><LastModified>2024-01-02T03:04:05.678Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag>` +
      `<Size>0</Size><StorageClass>STANDARD</StorageClass><Owner><ID>tester</ID><DisplayName>tester</DisplayName></Owner><Type>Normal</Type></Contents>` +
      `<Contents><Key>data/team2/b</Key><Size>1</Size></Contents></ListBucketResult>`;
    const out = rewriteListingXml(
      backend,
      scopeOf("ListObjectsCommand", { Bucket: "example-bucket", Prefix: "team2/", Marker: "team2/0" }),
    );
    expect(out).toBe(
      backend.replace("<Name>minio-bucket</Name>", "<Name>example-bucket</Name>").replaceAll("data/team2/", "team2/"),
    );
  });

  it("keeps an empty self-closing Prefix as written, and expands an element that gains text", () => {
    const scope = scopeOf("ListObjectsV2Command", { Bucket: "other-bucket" });
    const unchanged = `<ListBucketResult><Name>other-bucket</Name><Prefix/><KeyCount>0</KeyCount></ListBucketResult>`;
    expect(rewriteListingXml(unchanged, scope)).toBe(unchanged);
    // An empty backend prefix lies outside the route's data/ prefix: nothing maps to it, it stays.
    const outside = `<ListBucketResult><Name>minio-bucket</Name><Prefix  /></ListBucketResult>`;
    expect(rewriteListingXml(outside, listScope())).toBe(
      `<ListBucketResult><Name>example-bucket</Name><Prefix  /></ListBucketResult>`,
    );
    expect(
      rewriteObjectResultXml(
        `<CompleteMultipartUploadResult><Location a="1"/></CompleteMultipartUploadResult>`,
        objectScope("team2/k"),
        "http://gw",
        notAnError,
      ),
    ).toBe(
      `<CompleteMultipartUploadResult><Location a="1">http://gw/example-bucket/team2/k</Location></CompleteMultipartUploadResult>`,
    );
  });

  it("maps URL-encoded listings in encoded form, whatever escaping the backend used", () => {
    const backend =
      `<ListBucketResult ${XMLNS}><Name>minio-bucket</Name><Prefix>data%2Fteam2%2F</Prefix><EncodingType>url</EncodingType>` +
      `<Contents><Key>data/team2/a+b%26c%0D</Key></Contents><Contents><Key>data%2Fteam2%2F%C3%A9</Key></Contents>` +
      `<CommonPrefixes><Prefix>data/team2/sub%20dir/</Prefix></CommonPrefixes></ListBucketResult>`;
    const out = rewriteListingXml(backend, listScope({ EncodingType: "url" }));
    expect(out).toBe(
      `<ListBucketResult ${XMLNS}><Name>example-bucket</Name><Prefix>team2%2F</Prefix><EncodingType>url</EncodingType>` +
        `<Contents><Key>team2/a+b%26c%0D</Key></Contents><Contents><Key>team2%2F%C3%A9</Key></Contents>` +
        `<CommonPrefixes><Prefix>team2/sub%20dir/</Prefix></CommonPrefixes></ListBucketResult>`,
    );
  });

  it("trusts the body's EncodingType over the request's", () => {
    // Asked for url encoding, but the backend answered plain keys: "%" and "+" are then literal.
    const plain = `<ListBucketResult><Name>minio-bucket</Name><Contents><Key>data/team2/100%25+x</Key></Contents></ListBucketResult>`;
    expect(rewriteListingXml(plain, listScope({ EncodingType: "url" }))).toContain("<Key>team2/100%25+x</Key>");
    const literal = `<ListBucketResult><Name>minio-bucket</Name><Contents><Key>data/team2/a+b</Key></Contents></ListBucketResult>`;
    expect(rewriteListingXml(literal, listScope())).toContain("<Key>team2/a+b</Key>");
  });

  it("maps ListObjectVersions: Version and DeleteMarker keys, markers; not Owner", () => {
    const backend =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult ${XMLNS}><Name>minio-bucket</Name><Prefix>data/team2/</Prefix>` +
      `<KeyMarker>data/team2/a</KeyMarker><VersionIdMarker>v0</VersionIdMarker><NextKeyMarker>data/team2/c</NextKeyMarker><NextVersionIdMarker>v9</NextVersionIdMarker>` +
      `<MaxKeys>3</MaxKeys><IsTruncated>true</IsTruncated>` +
      `<Version><Key>data/team2/b</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest><LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>"e"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass><Owner><ID>data/team2/b</ID><DisplayName>x</DisplayName></Owner></Version>` +
      `<DeleteMarker><Key>data/team2/b</Key><VersionId>v3</VersionId><IsLatest>true</IsLatest><Owner><ID>data/team2/b</ID></Owner></DeleteMarker>` +
      `<Version><Key>data/team2/c</Key><VersionId>v9</VersionId></Version></ListVersionsResult>`;
    const out = rewriteListingXml(
      backend,
      scopeOf("ListObjectVersionsCommand", { Bucket: "example-bucket", Prefix: "team2/" }),
    );
    expect(out).toBe(
      backend
        .replace("<Name>minio-bucket</Name>", "<Name>example-bucket</Name>")
        .replace("<Prefix>data/team2/</Prefix>", "<Prefix>team2/</Prefix>")
        .replace("<KeyMarker>data/team2/a</KeyMarker>", "<KeyMarker>team2/a</KeyMarker>")
        .replace("<NextKeyMarker>data/team2/c</NextKeyMarker>", "<NextKeyMarker>team2/c</NextKeyMarker>")
        .replaceAll("<Key>data/team2/", "<Key>team2/"),
    );
    expect(out).toContain("<Owner><ID>data/team2/b</ID>");
  });

  it("maps ListMultipartUploads: Bucket, markers, Upload keys; not Initiator or Owner", () => {
    const backend =
      `<ListMultipartUploadsResult ${XMLNS}><Bucket>minio-bucket</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
      `<NextKeyMarker>data/team2/k</NextKeyMarker><NextUploadIdMarker>u1</NextUploadIdMarker><Prefix>data/team2/</Prefix><MaxUploads>1</MaxUploads><IsTruncated>true</IsTruncated>` +
      `<Upload><Key>data/team2/k</Key><UploadId>u1</UploadId><Initiator><ID>minio-bucket</ID><DisplayName>data/team2/k</DisplayName></Initiator>` +
      `<Owner><ID>o</ID><DisplayName>minio-bucket</DisplayName></Owner><StorageClass>STANDARD</StorageClass><Initiated>2010-11-10T20:48:33.000Z</Initiated></Upload>` +
      `</ListMultipartUploadsResult>`;
    const out = rewriteListingXml(
      backend,
      scopeOf("ListMultipartUploadsCommand", { Bucket: "example-bucket", Prefix: "team2/" }),
    );
    expect(out).toBe(
      backend
        .replace("<Bucket>minio-bucket</Bucket>", "<Bucket>example-bucket</Bucket>")
        .replace("<NextKeyMarker>data/team2/k</NextKeyMarker>", "<NextKeyMarker>team2/k</NextKeyMarker>")
        .replace("<Prefix>data/team2/</Prefix>", "<Prefix>team2/</Prefix>")
        .replace("<Key>data/team2/k</Key>", "<Key>team2/k</Key>"),
    );
  });

  it("leaves other documents alone and refuses malformed ones", () => {
    const other = `<Tagging><TagSet><Tag><Key>data/team2/x</Key><Value>v</Value></Tag></TagSet></Tagging>`;
    expect(rewriteListingXml(other, listScope())).toBe(other);
    for (const root of ["<constructor><Name>minio-bucket</Name></constructor>", "<toString/>", "<__proto__/>"]) {
      expect(rewriteListingXml(root, listScope())).toBe(root);
      expect(rewriteObjectResultXml(root, objectScope("team2/k"), "http://gw", notAnError)).toBe(root);
    }
    for (const bad of [
      "",
      "<ListBucketResult>",
      "<ListBucketResult><Name>a</Nam></ListBucketResult>",
      "<ListBucketResult><Key>a &bogus; b</Key></ListBucketResult>",
      "<!DOCTYPE x [<!ENTITY e 'x'>]><ListBucketResult/>",
    ]) {
      expect(() => rewriteListingXml(bad, listScope())).toThrow(S3Error);
    }
  });

  it("namespace prefixes, attributes, CDATA and a BOM do not get in the way", () => {
    const backend = `\uFEFF<?xml version="1.0"?><s3:ListBucketResult xmlns:s3="${"http://s3.amazonaws.com/doc/2006-03-01/"}" a='x>y'><s3:Name>minio-bucket</s3:Name><s3:Contents><s3:Key><![CDATA[data/team2/<raw>]]></s3:Key></s3:Contents></s3:ListBucketResult>`;
    expect(rewriteListingXml(backend, listScope())).toBe(
      backend
        .replace("<s3:Name>minio-bucket</s3:Name>", "<s3:Name>example-bucket</s3:Name>")
        .replace("<![CDATA[data/team2/<raw>]]>", "team2/&lt;raw&gt;"),
    );
  });
});

describe("rewriteObjectResultXml", () => {
  const scope = objectScope("team2/dir/a b+c.txt");

  it("maps InitiateMultipartUploadResult", () => {
    const backend = `<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult ${XMLNS}><Bucket>minio-bucket</Bucket><Key>data/team2/dir/a b+c.txt</Key><UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>`;
    expect(rewriteObjectResultXml(backend, scope, "http://gw:9000", notAnError)).toBe(
      backend
        .replace("<Bucket>minio-bucket</Bucket>", "<Bucket>example-bucket</Bucket>")
        .replace("<Key>data/team2/dir/a b+c.txt</Key>", "<Key>team2/dir/a b+c.txt</Key>"),
    );
  });

  it("points CompleteMultipartUploadResult's Location at the gateway", () => {
    const backend =
      `<CompleteMultipartUploadResult ${XMLNS}><Location>http://minio:9000/minio-bucket/data/team2/dir/a%20b%2Bc.txt</Location>` +
      `<Bucket>minio-bucket</Bucket><Key>data/team2/dir/a b+c.txt</Key><ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;</ETag></CompleteMultipartUploadResult>`;
    expect(rewriteObjectResultXml(backend, scope, "https://s3.example.com/", notAnError)).toBe(
      `<CompleteMultipartUploadResult ${XMLNS}><Location>https://s3.example.com/example-bucket/team2/dir/a%20b%2Bc.txt</Location>` +
        `<Bucket>example-bucket</Bucket><Key>team2/dir/a b+c.txt</Key><ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;</ETag></CompleteMultipartUploadResult>`,
    );
  });

  it("escapes a Location whose key needs it", () => {
    const s = objectScope("team2/a&b");
    const out = rewriteObjectResultXml(
      `<CompleteMultipartUploadResult><Location>x</Location></CompleteMultipartUploadResult>`,
      s,
      "http://gw",
      notAnError,
    );
    expect(out).toBe(
      `<CompleteMultipartUploadResult><Location>http://gw/example-bucket/team2/a%26b</Location></CompleteMultipartUploadResult>`,
    );
  });

  it("maps ListPartsResult's Bucket and Key, not Initiator or Owner", () => {
    const backend =
      `<ListPartsResult ${XMLNS}><Bucket>minio-bucket</Bucket><Key>data/team2/dir/a b+c.txt</Key><UploadId>u</UploadId>` +
      `<Initiator><ID>minio-bucket</ID><DisplayName>data/team2/dir/a b+c.txt</DisplayName></Initiator><Owner><ID>minio-bucket</ID></Owner>` +
      `<StorageClass>STANDARD</StorageClass><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>1</NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>` +
      `<Part><PartNumber>1</PartNumber><LastModified>2010-11-10T20:48:34.000Z</LastModified><ETag>"7778aef83f66abc1fa1e8477f296d394"</ETag><Size>10485760</Size></Part></ListPartsResult>`;
    expect(rewriteObjectResultXml(backend, scope, "http://gw", notAnError)).toBe(
      backend
        .replace("<Bucket>minio-bucket</Bucket>", "<Bucket>example-bucket</Bucket>")
        .replace("<Key>data/team2/dir/a b+c.txt</Key>", "<Key>team2/dir/a b+c.txt</Key>"),
    );
  });

  it("rewrites an <Error> sent with status 200 as an error", () => {
    const backend = `<Error><Code>InternalError</Code><Message>x</Message><Key>data/team2/dir/a b+c.txt</Key></Error>`;
    expect(rewriteObjectResultXml(backend, scope, "http://gw", (error) => `rebuilt ${error.length}`)).toBe(
      `rebuilt ${backend.length}`,
    );
  });

  it("leaves CopyObjectResult alone", () => {
    const body = `<CopyObjectResult><LastModified>2009-10-28T22:32:00.000Z</LastModified><ETag>"9b2cf535f27731c974343645a3985328"</ETag></CopyObjectResult>`;
    expect(rewriteObjectResultXml(body, scope, "http://gw", notAnError)).toBe(body);
  });
});

describe("rewriteDeleteResultXml", () => {
  it("maps Deleted and Error keys through the exact map, from a scope or a map", () => {
    const scope = scopeOf("DeleteObjectsCommand", {
      Bucket: "example-bucket",
      Delete: { Objects: [{ Key: "team2/a&b" }, { Key: "team2/c" }] },
    });
    const backend =
      `<?xml version="1.0" encoding="UTF-8"?><DeleteResult ${XMLNS}><Deleted><Key>data/team2/a&amp;b</Key><VersionId>v1</VersionId>` +
      `<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>v2</DeleteMarkerVersionId></Deleted>` +
      `<Error><Key>data/team2/c</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>` +
      `<Error><Key>unknown/key</Key><Code>InternalError</Code></Error></DeleteResult>`;
    const expected = backend
      .replace("<Key>data/team2/a&amp;b</Key>", "<Key>team2/a&amp;b</Key>")
      .replace("<Key>data/team2/c</Key>", "<Key>team2/c</Key>");
    expect(rewriteDeleteResultXml(backend, scope)).toBe(expected);
    expect(
      rewriteDeleteResultXml(
        backend,
        new Map([
          ["data/team2/a&b", "team2/a&b"],
          ["data/team2/c", "team2/c"],
        ]),
      ),
    ).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Round trip through the SDK's own parser: what the gateway sends is what a client reads.

/** Parses `xml` as the response of `command` with the SDK's own deserializer. */
async function sdkParse<T>(command: object, xml: string): Promise<T> {
  const client = new S3Client({
    region: "us-east-1",
    endpoint: "http://gw.local",
    forcePathStyle: true,
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    requestHandler: {
      handle: () =>
        Promise.resolve({
          response: {
            statusCode: 200,
            headers: { "content-type": "application/xml" },
            body: Readable.from([Buffer.from(xml)]),
          },
        }),
    } as never,
  });
  return (await client.send(command as never)) as T;
}

/** Keys S3 can hold and XML 1.0 can carry (the rest needs EncodingType=url). */
const xmlKey = fc
  .string({
    minLength: 1,
    maxLength: 40,
    unit: fc.oneof(
      fc.constantFrom("&", "<", ">", '"', "'", "/", "%", "+", " ", "\r", "é", "😀", "\u2028"),
      fc.constant("a"),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
    ),
  })
  .filter(isXmlText);

describe("rewritten listings as the SDK reads them", () => {
  it("every key and prefix comes back in the caller's names (ListObjectsV2)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(xmlKey, { maxLength: 8 }), xmlKey, async (keys, sub) => {
        const logical = keys.map((k) => `team2/${k}`);
        const backend = listObjectsV2Xml({
          Name: "minio-bucket",
          Prefix: "data/team2/",
          Contents: logical.map((k) => ({ Key: `data/${k}`, Size: 1, ETag: '"e"' })),
          CommonPrefixes: [{ Prefix: `data/team2/${sub}/` }],
          IsTruncated: false,
        });
        const out = await sdkParse<{
          Name?: string;
          Prefix?: string;
          Contents?: Array<{ Key?: string }>;
          CommonPrefixes?: Array<{ Prefix?: string }>;
        }>(new ListObjectsV2Command({ Bucket: "example-bucket" }), rewriteListingXml(backend, listScope()));
        expect(out.Name).toBe("example-bucket");
        expect(out.Prefix).toBe("team2/");
        expect((out.Contents ?? []).map((c) => c.Key)).toEqual(logical);
        expect(out.CommonPrefixes?.[0]?.Prefix).toBe(`team2/${sub}/`);
      }),
      propertyParameters({ numRuns: 60 }),
    );
  });

  it("URL-encoded keys decode to the caller's keys (ListObjectVersions)", async () => {
    const anyKey = fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" });
    await fc.assert(
      fc.asyncProperty(anyKey, async (key) => {
        // AWS's own style: form encoding, "+" for a space, "/" kept.
        const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+").replace(/%2F/g, "/");
        const backend =
          `<ListVersionsResult ${XMLNS}><Name>minio-bucket</Name><Prefix>${enc("data/team2/")}</Prefix><EncodingType>url</EncodingType>` +
          `<Version><Key>${escapeXml(enc(`data/team2/${key}`))}</Key><VersionId>v</VersionId></Version></ListVersionsResult>`;
        const out = await sdkParse<{ Versions?: Array<{ Key?: string }>; Prefix?: string }>(
          new ListObjectVersionsCommand({ Bucket: "example-bucket", EncodingType: "url" }),
          rewriteListingXml(
            backend,
            scopeOf("ListObjectVersionsCommand", { Bucket: "example-bucket", Prefix: "team2/", EncodingType: "url" }),
          ),
        );
        const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
        expect(decode(out.Versions![0]!.Key!)).toBe(`team2/${key}`);
        expect(decode(out.Prefix!)).toBe("team2/");
      }),
      propertyParameters({ numRuns: 60 }),
    );
  });
});
