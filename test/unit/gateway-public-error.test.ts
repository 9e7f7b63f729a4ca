import { describe, expect, it } from "vitest";
import { isSpanning, planCommand } from "../../src/client/command-plan.js";
import type { NameScope } from "../../src/client/output-mapping.js";
import { RouteTable } from "../../src/routing/route-table.js";
import { hiddenNames, publicErrorXml, publicMessage } from "../../src/gateway/public-error.js";
import { parseXml } from "../../src/gateway/protocol/xml-scan.js";

// team2/* of example-bucket lives in minio-bucket under data/ on a backend at 10.1.2.3:9000, key id AKIAROUTERA.
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
const HOSTS = ["10.1.2.3:9000", "10.1.2.3", "AKIAROUTERA"];

function scopeOf(command: string, input: Record<string, unknown>): NameScope {
  const plan = planCommand(table, command, input);
  if (isSpanning(plan)) throw new Error("expected a single-backend plan");
  return plan.scope;
}
const objectScope = scopeOf("GetObjectCommand", { Bucket: "example-bucket", Key: "team2/k" });

/** The elements of an error body, by name. */
function fields(xml: string): Record<string, string> {
  const root = parseXml(xml);
  expect(root.name).toBe("Error");
  return Object.fromEntries(root.children.map((c) => [c.name, c.text]));
}

const rebuild = (body: string, status: number, scope: NameScope = objectScope) =>
  publicErrorXml(body, status, scope, hiddenNames(scope, HOSTS), "/example-bucket/team2/k", "GWREQ1");

describe("publicErrorXml", () => {
  it("maps the names of the request back and uses the gateway's request id", () => {
    const backend =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist</Message>` +
      `<Key>data/team2/k</Key><BucketName>minio-bucket</BucketName><Resource>/minio-bucket/data/team2/k</Resource><RequestId>4442587FB7D0A2F9</RequestId><HostId>h</HostId></Error>`;
    expect(fields(rebuild(backend, 404))).toEqual({
      Code: "NoSuchKey",
      Message: "The resource you requested does not exist",
      Key: "team2/k",
      BucketName: "example-bucket",
      Resource: "/example-bucket/team2/k",
      RequestId: "GWREQ1",
    });
  });

  it("never relays a backend's signature debugging, credentials, ids or endpoint", () => {
    const backend =
      `<Error><Code>SignatureDoesNotMatch</Code><Message>sig for AKIAROUTERA</Message><AWSAccessKeyId>AKIAROUTERA</AWSAccessKeyId>` +
      `<StringToSign>AWS4-HMAC-SHA256\n20240101T000000Z</StringToSign><SignatureProvided>abc</SignatureProvided>` +
      `<CanonicalRequest>GET\n/minio-bucket/data/team2/k</CanonicalRequest><Endpoint>minio.internal:9000</Endpoint><HostId>x</HostId></Error>`;
    const out = rebuild(backend, 403);
    for (const secret of [
      "AKIAROUTERA",
      "CanonicalRequest",
      "StringToSign",
      "minio-bucket",
      "data/",
      "minio.internal",
      "HostId",
      "SignatureProvided",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(fields(out)["Code"]).toBe("SignatureDoesNotMatch");
  });

  it("replaces a message naming a physical bucket, prefix or backend address with S3's own", () => {
    const hidden = hiddenNames(objectScope, HOSTS);
    expect(publicMessage("NoSuchBucket", "bucket minio-bucket is gone", hidden)).toBe(
      "The specified bucket does not exist.",
    );
    expect(publicMessage("NoSuchKey", "no data/team2/k here", hidden)).toBe("The specified key does not exist.");
    expect(publicMessage("InternalError", "connect ECONNREFUSED 10.1.2.3:9000", hidden)).toBe(
      "We encountered an internal error. Please try again.",
    );
    expect(publicMessage("InternalError", "see http://elsewhere/", hidden)).toBe(
      "We encountered an internal error. Please try again.",
    );
    expect(publicMessage("InvalidArgument", "Part number must be an integer", hidden)).toBe(
      "Part number must be an integer",
    );
    // Ceph RGW leaves Message empty: the code's meaning is filled in, as clients expect text.
    expect(publicMessage("NoSuchUpload", "", hidden)).toBe("The specified multipart upload does not exist.");
  });

  it("drops names that are not this request's (another physical key)", () => {
    const out = fields(
      rebuild(`<Error><Code>NoSuchKey</Code><Key>data/other</Key><BucketName>other-physical</BucketName></Error>`, 404),
    );
    expect(out["Key"]).toBeUndefined();
    expect(out["BucketName"]).toBeUndefined();
  });

  it("answers a body that is not an S3 error (a proxy's page) with the status's S3 code", () => {
    for (const [body, status, code] of [
      ["<html><body>502 Bad Gateway at 10.1.2.3</body></html>", 502, "InternalError"],
      ["Service Unavailable", 503, "ServiceUnavailable"],
      ["", 403, "AccessDenied"],
      ["<Other/>", 404, "NoSuchKey"],
    ] as const) {
      const out = rebuild(body, status);
      expect(fields(out)["Code"]).toBe(code);
      expect(out).not.toContain("10.1.2.3");
    }
  });
});
