import * as sdk from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { commandKind } from "../../src/client/command-kind.js";
import { classifyOperation, isProtocolParameter, type HeaderBag } from "../../src/gateway/protocol/operation.js";
import { encodeRfc3986, parseQuery } from "../../src/gateway/protocol/query-params.js";
import { parseTarget } from "../../src/gateway/protocol/request-target.js";

const classify = (method: string, url: string, headers: HeaderBag = {}) => {
  const q = url.indexOf("?");
  const target = parseTarget(q < 0 ? url : url.slice(0, q), q < 0 ? "" : url.slice(q + 1), "localhost:9000", undefined);
  return classifyOperation(method, target.bucket, target.key, target.query, headers);
};

const COPY = { "x-amz-copy-source": "/src/dir/k" };

/** [method, url, headers?, expected name, expected kind] for every operation the gateway names. */
const TABLE: ReadonlyArray<readonly [string, string, HeaderBag, string, string]> = [
  ["GET", "/", {}, "ListBuckets", "list-buckets"],
  ["GET", "/?max-buckets=10&prefix=a&continuation-token=t", {}, "ListBuckets", "list-buckets"],
  ["GET", "/?x-id=ListDirectoryBuckets", {}, "ListDirectoryBuckets", "account"],
  ["GET", "/b?list-type=2&prefix=a%2Fb&delimiter=%2F", {}, "ListObjectsV2", "list"],
  ["GET", "/b?list-type=2&allow-unordered=true&metadata=true", {}, "ListObjectsV2", "list"],
  ["GET", "/b", {}, "ListObjects", "list"],
  ["GET", "/b/?prefix=x&marker=m&max-keys=5&encoding-type=url", {}, "ListObjects", "list"],
  ["GET", "/b?versions&prefix=p&key-marker=k&version-id-marker=v", {}, "ListObjectVersions", "list"],
  ["GET", "/b?uploads&prefix=p", {}, "ListMultipartUploads", "list"],
  ["HEAD", "/b", {}, "HeadBucket", "bucket"],
  ["PUT", "/b", {}, "CreateBucket", "bucket"],
  ["DELETE", "/b", {}, "DeleteBucket", "bucket"],
  ["POST", "/b?delete", {}, "DeleteObjects", "delete-batch"],
  ["POST", "/b?delete=", {}, "DeleteObjects", "delete-batch"],
  ["GET", "/b?location", {}, "GetBucketLocation", "bucket"],
  ["GET", "/b?tagging", {}, "GetBucketTagging", "bucket"],
  ["PUT", "/b?tagging", {}, "PutBucketTagging", "bucket"],
  ["DELETE", "/b?tagging", {}, "DeleteBucketTagging", "bucket"],
  ["GET", "/b?versioning", {}, "GetBucketVersioning", "bucket"],
  ["PUT", "/b?versioning", {}, "PutBucketVersioning", "bucket"],
  ["GET", "/b?policy", {}, "GetBucketPolicy", "bucket"],
  ["PUT", "/b?policy", {}, "PutBucketPolicy", "bucket"],
  ["DELETE", "/b?policy", {}, "DeleteBucketPolicy", "bucket"],
  ["GET", "/b?policyStatus", {}, "GetBucketPolicyStatus", "bucket"],
  ["GET", "/b?cors", {}, "GetBucketCors", "bucket"],
  ["PUT", "/b?cors", {}, "PutBucketCors", "bucket"],
  ["DELETE", "/b?cors", {}, "DeleteBucketCors", "bucket"],
  ["GET", "/b?lifecycle", {}, "GetBucketLifecycleConfiguration", "bucket"],
  ["PUT", "/b?lifecycle", {}, "PutBucketLifecycleConfiguration", "bucket"],
  ["DELETE", "/b?lifecycle", {}, "DeleteBucketLifecycle", "bucket"],
  ["GET", "/b?acl", {}, "GetBucketAcl", "bucket"],
  ["PUT", "/b?acl", {}, "PutBucketAcl", "bucket"],
  ["GET", "/b?encryption", {}, "GetBucketEncryption", "bucket"],
  ["PUT", "/b?encryption", {}, "PutBucketEncryption", "bucket"],
  ["DELETE", "/b?encryption", {}, "DeleteBucketEncryption", "bucket"],
  ["GET", "/b?website", {}, "GetBucketWebsite", "bucket"],
  ["GET", "/b?logging", {}, "GetBucketLogging", "bucket"],
  ["GET", "/b?notification", {}, "GetBucketNotificationConfiguration", "bucket"],
  ["GET", "/b?replication", {}, "GetBucketReplication", "bucket"],
  ["GET", "/b?requestPayment", {}, "GetBucketRequestPayment", "bucket"],
  ["GET", "/b?accelerate", {}, "GetBucketAccelerateConfiguration", "bucket"],
  ["GET", "/b?ownershipControls", {}, "GetBucketOwnershipControls", "bucket"],
  ["GET", "/b?publicAccessBlock", {}, "GetPublicAccessBlock", "bucket"],
  ["GET", "/b?object-lock", {}, "GetObjectLockConfiguration", "bucket"],
  ["PUT", "/b?object-lock", {}, "PutObjectLockConfiguration", "bucket"],
  ["GET", "/b?analytics&id=a1", {}, "GetBucketAnalyticsConfiguration", "bucket"],
  ["GET", "/b?analytics", {}, "ListBucketAnalyticsConfigurations", "bucket"],
  ["GET", "/b?inventory&continuation-token=t", {}, "ListBucketInventoryConfigurations", "bucket"],
  ["GET", "/b?metrics&id=m", {}, "GetBucketMetricsConfiguration", "bucket"],
  ["DELETE", "/b?intelligent-tiering&id=i", {}, "DeleteBucketIntelligentTieringConfiguration", "bucket"],
  ["POST", "/b?metadataTable", {}, "CreateBucketMetadataTableConfiguration", "bucket"],
  ["GET", "/b?session", {}, "CreateSession", "bucket"],
  ["POST", "/b", {}, "PostObject", "bucket"],
  ["GET", "/b/k", {}, "GetObject", "object"],
  ["GET", "/b/k?versionId=v&partNumber=2&response-content-type=text%2Fplain&x-id=GetObject", {}, "GetObject", "object"],
  ["HEAD", "/b/k", {}, "HeadObject", "object"],
  ["PUT", "/b/k", {}, "PutObject", "object"],
  ["PUT", "/b/k", COPY, "CopyObject", "copy"],
  ["PUT", "/b/k?x-id=CopyObject", COPY, "CopyObject", "copy"],
  ["PUT", "/b/k?partNumber=3&uploadId=u", {}, "UploadPart", "object"],
  ["PUT", "/b/k?partNumber=3&uploadId=u", COPY, "UploadPartCopy", "copy"],
  ["POST", "/b/k?uploads", {}, "CreateMultipartUpload", "object"],
  ["POST", "/b/k?uploadId=u", {}, "CompleteMultipartUpload", "object"],
  ["DELETE", "/b/k?uploadId=u", {}, "AbortMultipartUpload", "object"],
  ["GET", "/b/k?uploadId=u&max-parts=10&part-number-marker=2", {}, "ListParts", "object"],
  ["DELETE", "/b/k", {}, "DeleteObject", "object"],
  ["DELETE", "/b/k?versionId=v", {}, "DeleteObject", "object"],
  ["GET", "/b/k?tagging", {}, "GetObjectTagging", "object"],
  ["PUT", "/b/k?tagging", {}, "PutObjectTagging", "object"],
  ["DELETE", "/b/k?tagging", {}, "DeleteObjectTagging", "object"],
  ["GET", "/b/k?acl", {}, "GetObjectAcl", "object"],
  ["PUT", "/b/k?acl", {}, "PutObjectAcl", "object"],
  ["GET", "/b/k?retention", {}, "GetObjectRetention", "object"],
  ["PUT", "/b/k?retention", {}, "PutObjectRetention", "object"],
  ["GET", "/b/k?legal-hold", {}, "GetObjectLegalHold", "object"],
  ["PUT", "/b/k?legal-hold", {}, "PutObjectLegalHold", "object"],
  ["GET", "/b/k?attributes", {}, "GetObjectAttributes", "object"],
  ["GET", "/b/k?torrent", {}, "GetObjectTorrent", "object"],
  ["POST", "/b/k?restore", {}, "RestoreObject", "object"],
  ["POST", "/b/k?select&select-type=2", {}, "SelectObjectContent", "object"],
  ["PUT", "/b/k?renameObject", {}, "RenameObject", "object"],
];

/** Operations that only read; everything else known is a write. */
const READS = new Set([
  "ListBuckets",
  "ListDirectoryBuckets",
  "ListObjectsV2",
  "ListObjects",
  "ListObjectVersions",
  "ListMultipartUploads",
  "HeadBucket",
  "GetBucketLocation",
  "GetBucketTagging",
  "GetBucketVersioning",
  "GetBucketPolicy",
  "GetBucketPolicyStatus",
  "GetBucketCors",
  "GetBucketLifecycleConfiguration",
  "GetBucketAcl",
  "GetBucketEncryption",
  "GetBucketWebsite",
  "GetBucketLogging",
  "GetBucketNotificationConfiguration",
  "GetBucketReplication",
  "GetBucketRequestPayment",
  "GetBucketAccelerateConfiguration",
  "GetBucketOwnershipControls",
  "GetPublicAccessBlock",
  "GetObjectLockConfiguration",
  "GetBucketAnalyticsConfiguration",
  "ListBucketAnalyticsConfigurations",
  "ListBucketInventoryConfigurations",
  "GetBucketMetricsConfiguration",
  "CreateSession",
  "GetObject",
  "HeadObject",
  "ListParts",
  "GetObjectTagging",
  "GetObjectAcl",
  "GetObjectRetention",
  "GetObjectLegalHold",
  "GetObjectAttributes",
  "GetObjectTorrent",
  "SelectObjectContent",
]);

describe("classifyOperation", () => {
  it.each(TABLE)("%s %s → %s", (method, url, headers, name, kind) => {
    const op = classify(method, url, headers);
    expect(op).toMatchObject({ name, kind, write: !READS.has(name) });
  });

  it("agrees with the library's commandKind for every operation in the table", () => {
    for (const [method, url, headers] of TABLE) {
      const op = classify(method, url, headers);
      const target = parseTarget(url.split("?")[0]!, "", undefined, undefined);
      const input: Record<string, unknown> = {};
      if (target.bucket !== undefined) input["Bucket"] = target.bucket;
      if (target.key !== undefined) input["Key"] = target.key;
      expect(op.kind).toBe(commandKind(`${op.name}Command`, input));
    }
  });

  it("is case-insensitive in the method", () => {
    expect(classify("get", "/b?list-type=2").name).toBe("ListObjectsV2");
  });

  it("never trusts x-id to turn a write into a read", () => {
    const op = classify("PUT", "/b/k?x-id=GetObject");
    expect(op).toMatchObject({ name: "PutObject", write: true });
    expect(classify("DELETE", "/b?x-id=ListObjects")).toMatchObject({ name: "DeleteBucket", write: true });
  });

  it("classifies presigned requests by their operation, not their signature parameters", () => {
    const presign =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
    expect(classify("GET", `/b/k?${presign}`).name).toBe("GetObject");
    expect(classify("GET", `/b?${presign}`).name).toBe("ListObjects");
    expect(classify("PUT", `/b/k?${presign}&partNumber=1&uploadId=u`).name).toBe("UploadPart");
  });

  it("refuses what no operation matches, with S3's own errors (deny by default)", () => {
    const refusal = (method: string, url: string) => {
      try {
        classify(method, url);
      } catch (error) {
        return (error as { code?: string }).code;
      }
      return "classified";
    };
    expect(refusal("PATCH", "/b/k")).toBe("MethodNotAllowed");
    expect(refusal("OPTIONS", "/")).toBe("MethodNotAllowed");
    expect(refusal("DELETE", "/")).toBe("MethodNotAllowed");
    expect(refusal("PUT", "/")).toBe("MethodNotAllowed");
    // A subresource known at one level but not for this method.
    expect(refusal("POST", "/b/k?tagging")).toBe("MethodNotAllowed");
    expect(refusal("PUT", "/b?location")).toBe("MethodNotAllowed");
    expect(refusal("PUT", "/b/k?uploadId=u")).toBe("InvalidRequest");
    // Writes carrying what the operation does not take: a backend could read it as a subresource.
    expect(refusal("PUT", "/b?newsubresource")).toBe("NotImplemented");
    expect(refusal("PUT", "/b/k?append&position=0")).toBe("NotImplemented");
    expect(refusal("POST", "/b/k?delete")).toBe("MethodNotAllowed");
    expect(refusal("DELETE", "/b?tagging&cors")).toBe("NotImplemented");
  });

  it("refuses control characters in response-* overrides (they become answer headers)", () => {
    expect(() => classify("GET", "/b/k?response-content-disposition=a%0D%0ASet-Cookie%3A%20x")).toThrow(
      expect.objectContaining({ code: "InvalidArgument" }),
    );
    expect(
      classify("GET", "/b/k?response-content-disposition=attachment%3B%20filename%3D%22a.txt%22").args,
    ).toHaveLength(1);
  });

  it("knows CORS preflights (unsigned OPTIONS) at bucket and object level", () => {
    expect(classify("OPTIONS", "/b/k")).toMatchObject({ name: "PreflightObject", write: false });
    expect(classify("OPTIONS", "/b")).toMatchObject({ name: "PreflightBucket", write: false });
  });

  it("reads a bucket GET with unknown parameters as a listing, as S3 does, and drops them", () => {
    const op = classify("GET", "/b?foo=1&prefix=team-b%2F&usage");
    expect(op.name).toBe("ListObjects");
    expect(op.args).toEqual([["prefix", "team-b/"]]);
    expect(classify("GET", "/b?list-type=2&admin&start-after=x").args).toEqual([
      ["list-type", "2"],
      ["start-after", "x"],
    ]);
  });

  it("forwards only the operation's own arguments, never presign fields or the x-id hint", () => {
    const presign = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00&x-id=GetObject";
    expect(classify("GET", `/b/k?${presign}&versionId=v&response-content-type=a%2Fb`).args).toEqual([
      ["versionId", "v"],
      ["response-content-type", "a/b"],
    ]);
    expect(classify("PUT", `/b/k?partNumber=2&uploadId=u&${presign}`).args).toEqual([
      ["partNumber", "2"],
      ["uploadId", "u"],
    ]);
  });

  it("drops unknown parameters of object reads, and a copy stays a copy", () => {
    expect(classify("PUT", "/b/k", COPY).name).toBe("CopyObject");
    expect(classify("GET", "/b/k?foo=bar")).toMatchObject({ name: "GetObject", args: [] });
  });

  it("tells the level from the path: bucket subresources vs object subresources", () => {
    expect(classify("GET", "/b/?tagging").name).toBe("GetBucketTagging");
    expect(classify("GET", "/b//?tagging").name).toBe("GetObjectTagging"); // key "/"
    expect(classify("GET", "/b/dir/?tagging").name).toBe("GetObjectTagging");
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check against the SDK itself: every command, serialized by @aws-sdk/client-s3, read back.

interface Captured {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string | string[] | null>;
  readonly headers: Record<string, string>;
  readonly hostname: string;
}

class Stop extends Error {}

/** Serializes `command` with a client whose handler records the request and stops. */
async function serialize(command: object, endpoint: string, forcePathStyle: boolean): Promise<Captured> {
  let captured: Captured | undefined;
  const client = new sdk.S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle,
    maxAttempts: 1,
    credentials: { accessKeyId: "AKID", secretAccessKey: "SECRET" },
    requestHandler: {
      handle: (request: Captured) => {
        captured = request;
        return Promise.reject(new Stop());
      },
    } as never,
  });
  await expect(client.send(command as never)).rejects.toBeInstanceOf(Stop);
  return captured!;
}

const rawQueryOf = (query: Captured["query"]): string =>
  Object.entries(query)
    .flatMap(([k, v]) =>
      v === null
        ? [encodeRfc3986(k)]
        : (Array.isArray(v) ? v : [v]).map((x) => `${encodeRfc3986(k)}=${encodeRfc3986(x)}`),
    )
    .join("&");

/** An input with every member any command needs to serialize (members a command lacks are ignored). */
const INPUT = {
  Bucket: "bucket",
  Key: "dir/a b+c/ü.txt",
  UploadId: "upload-1",
  PartNumber: 2,
  CopySource: "src-bucket/src%20key",
  Id: "config-1",
  AnnotationName: "note",
  RenameSource: "dir/old",
  Delete: { Objects: [{ Key: "a" }] },
  Body: "x",
  ContentMD5: "1B2M2Y8AsgTpgRsEGcbkUg==",
};

/** Commands the gateway does not classify: WriteGetObjectResponse is sent to Object Lambda's host. */
const NOT_GATEWAY = new Set(["WriteGetObjectResponseCommand"]);

const commandNames = Object.keys(sdk).filter(
  (name) => name.endsWith("Command") && name !== "$Command" && !NOT_GATEWAY.has(name),
);

describe("classifyOperation against the SDK's own serialization", () => {
  it("covers the SDK's commands", () => {
    expect(commandNames.length).toBeGreaterThan(100);
  });

  for (const style of ["path", "virtual-hosted"] as const) {
    it.each(commandNames)(`%s (${style}-style)`, async (commandName) => {
      const Command = (sdk as unknown as Record<string, new (input: object) => object>)[commandName]!;
      const endpoint = style === "path" ? "http://localhost:9000" : "http://s3.gw.example";
      // Service-level commands get no Bucket: the SDK's endpoint rules would read one as a directory bucket.
      const input = commandName === "ListDirectoryBucketsCommand" || commandName === "ListBucketsCommand" ? {} : INPUT;
      const request = await serialize(new Command(input), endpoint, style === "path");
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const target = parseTarget(
        request.path,
        rawQueryOf(request.query),
        request.hostname,
        style === "path" ? undefined : "s3.gw.example",
      );
      const op = classifyOperation(request.method, target.bucket, target.key, target.query, headers);
      const name = commandName.replace(/Command$/, "");
      expect(op.name).toBe(name);
      // Everything the SDK sends is an argument the gateway forwards, or a protocol field: no
      // parameter of a real client is dropped or refused.
      for (const [param] of target.query)
        expect(op.args.some(([n]) => n === param) || isProtocolParameter(param), param).toBe(true);
      if (name !== "ListBuckets" && name !== "ListDirectoryBuckets") {
        expect(target.bucket).toBe("bucket");
        expect(target.key === undefined || target.key === INPUT.Key).toBe(true);
      }
      expect(op.kind).toBe(
        commandKind(commandName, {
          ...(target.bucket !== undefined && { Bucket: target.bucket }),
          ...(target.key !== undefined && { Key: target.key }),
        }),
      );
      expect(op.write).toBe(
        !/^(Get|List|Head)/.test(name) && name !== "CreateSession" && name !== "SelectObjectContent",
      );
    });
  }
});

describe("parseQuery inside classification", () => {
  it("treats a repeated subresource like one", () => {
    expect(classifyOperation("GET", "b", undefined, parseQuery("versions&versions")).name).toBe("ListObjectVersions");
  });
});
