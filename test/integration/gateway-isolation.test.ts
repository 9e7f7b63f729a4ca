/**
 * @module test/integration/gateway-isolation — buckets that share one backend bucket under
 * different prefixes stay apart through the gateway: listings without a prefix, bucket settings,
 * and service-level requests never reach what belongs to another bucket.
 */
import {
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  injectRgw,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { sendRaw, signedRequest } from "../support/chunked-body.js";
import { backendConfig, startGateway, type RunningGateway } from "../support/gateway.js";

const rgwB = injectRgw("rgwB");
const b = rgwClient(rgwB);
const shared = uniqueBucket("shared");
const USER = { accessKeyId: "TENANTA", secretAccessKey: "tenant-a-secret-0123456789" };
let gw: RunningGateway;
let s3: S3Client;

beforeAll(async () => {
  await createBuckets(b, [shared]);
  await b.send(new PutObjectCommand({ Bucket: shared, Key: "a/mine.txt", Body: "a" }));
  await b.send(new PutObjectCommand({ Bucket: shared, Key: "b/theirs.txt", Body: "b" }));
  gw = await startGateway({
    clients: { default: backendConfig(rgwB) },
    profiles: {
      "tenant-a": {
        client: "default",
        source_bucket_pattern: "tenant-a",
        mapped_bucket_name: shared,
        mapped_prefix: "a/",
      },
      "tenant-b": {
        client: "default",
        source_bucket_pattern: "tenant-b",
        mapped_bucket_name: shared,
        mapped_prefix: "b/",
      },
    },
    gateway: { users: [{ ...USER, buckets: ["tenant-a"] }] },
  });
  s3 = gw.client({ user: USER, maxAttempts: 1 });
});

afterAll(async () => {
  await gw?.stop();
  await emptyAndDeleteBucket(b, shared);
});

describe("buckets sharing one backend bucket", () => {
  it("list only their own keys, with or without a Prefix", async () => {
    for (const input of [{ Bucket: "tenant-a" }, { Bucket: "tenant-a", Prefix: "" }]) {
      const out = await s3.send(new ListObjectsV2Command(input));
      expect(out.Contents!.map((c) => c.Key)).toEqual(["mine.txt"]);
    }
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: "tenant-a" }));
    expect(versions.Versions!.map((v) => v.Key)).toEqual(["mine.txt"]);
  });

  it("cannot change the shared backend bucket's settings", async () => {
    const error = await s3
      .send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: "tenant-a",
          LifecycleConfiguration: {
            Rules: [{ ID: "wipe", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 1 } }],
          },
        }),
      )
      .catch((e: unknown) => e);
    expect(errorName(error)).toBe("InvalidRequest");
    expect((error as Error).message).toMatch(/shares its store with other buckets or prefixes/);
    // Why, without naming the neighbour: one tenant does not learn another's profile.
    expect((error as Error).message).not.toContain("tenant-b");
  });

  it("do not show the backend's buckets through service-level requests", async () => {
    // A service-level write is refused; a service GET with unknown parameters is ListBuckets as
    // S3 reads it, answered by the gateway in the caller's scope, never proxied to a backend.
    const write = signedRequest({ endpoint: gw.url, method: "DELETE", ...USER });
    const refused = await sendRaw(write.url, { method: "DELETE", headers: write.headers });
    expect(refused.status).toBe(405);
    expect(refused.text).toContain("<Code>MethodNotAllowed</Code>");
    const unknown = signedRequest({ endpoint: gw.url, method: "GET", ...USER, query: "foo=1" });
    const answered = await sendRaw(unknown.url, { method: "GET", headers: unknown.headers });
    expect(answered.status).toBe(200);
    expect(answered.text).toContain("<Name>tenant-a</Name>");
    expect(answered.text).not.toContain(shared);
    const signed = signedRequest({ endpoint: gw.url, method: "GET", ...USER });
    const listing = await sendRaw(signed.url, { method: "GET", headers: signed.headers });
    expect(listing.status).toBe(200);
    expect(listing.text).toContain("<Name>tenant-a</Name>");
    expect(listing.text).not.toContain(shared);
  });
});
