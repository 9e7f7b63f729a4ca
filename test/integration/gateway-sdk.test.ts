/**
 * @module test/integration/gateway-sdk — the gateway driven by the AWS SDK for JavaScript v3 with
 * its default settings (CRC32 trailers, aws-chunked bodies), routing the seed's split bucket over
 * two real Ceph RGW servers with different credentials.
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createHash } from "node:crypto";
import { Agent } from "node:http";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBuckets,
  emptyAndDeleteBucket,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { backendConfig, startGateway, type RunningGateway } from "../support/gateway.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
const example = uniqueBucket("gw-example");
const minioBucket = uniqueBucket("gw-minio");
const east = uniqueBucket("gw-east");

let gw: RunningGateway;
let s3: S3Client;

beforeAll(async () => {
  await Promise.all([createBuckets(a, [example]), createBuckets(b, [minioBucket, east])]);
  gw = await startGateway({
    clients: { default: backendConfig(rgwA), minio: backendConfig(rgwB) },
    profiles: {
      minio: {
        source_bucket_pattern: example,
        source_key_pattern: "team2/*",
        mapped_bucket_name: minioBucket,
        mapped_prefix: "data/",
      },
      east: { client: "minio", source_bucket_pattern: east },
    },
    gateway: { users: [{ accessKeyId: "GWUSERKEY", secretAccessKey: "gw-user-secret-0123456789" }] },
  });
  s3 = gw.client(); // the SDK's defaults: WHEN_SUPPORTED checksums, aws-chunked trailers
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([
    emptyAndDeleteBucket(a, example),
    emptyAndDeleteBucket(b, minioBucket),
    emptyAndDeleteBucket(b, east),
  ]);
});

const physical = async (client: S3Client, Bucket: string) =>
  ((await client.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((c) => c.Key!).sort();
const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

describe("gateway with the AWS SDK's default settings", () => {
  it("routes puts and gets of the split bucket to the right backend", async () => {
    await s3.send(new PutObjectCommand({ Bucket: example, Key: "team1/a.txt", Body: "one" }));
    await s3.send(new PutObjectCommand({ Bucket: example, Key: "team2/a.txt", Body: "two" }));
    const stream = Readable.from([Buffer.from("streamed "), Buffer.from("body")]);
    await s3.send(new PutObjectCommand({ Bucket: example, Key: "team2/stream.txt", Body: stream, ContentLength: 13 }));
    expect(await physical(b, minioBucket)).toEqual(["data/team2/a.txt", "data/team2/stream.txt"]);
    expect(await physical(a, example)).toEqual(["team1/a.txt"]);
    expect(
      await readBody(await s3.send(new GetObjectCommand({ Bucket: example, Key: "team2/stream.txt" })), "utf8"),
    ).toBe("streamed body");
    const head = await s3.send(new HeadObjectCommand({ Bucket: example, Key: "team2/a.txt" }));
    expect(head.ContentLength).toBe(3);
    const range = await s3.send(
      new GetObjectCommand({ Bucket: example, Key: "team2/stream.txt", Range: "bytes=9-12" }),
    );
    expect(await readBody(range, "utf8")).toBe("body");
  });

  it("lists in the caller's names: one backend, and merged across both", async () => {
    const one = await s3.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team2/" }));
    expect(one.Name).toBe(example);
    expect(one.Contents!.map((c) => c.Key)).toEqual(["team2/a.txt", "team2/stream.txt"]);
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1 }, { Bucket: example }))
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    expect(keys).toEqual(["team1/a.txt", "team2/a.txt", "team2/stream.txt"]);
    const delimited = await s3.send(new ListObjectsV2Command({ Bucket: example, Delimiter: "/" }));
    expect(delimited.CommonPrefixes).toEqual([{ Prefix: "team1/" }, { Prefix: "team2/" }]);
  });

  it("lists buckets in the caller's names", async () => {
    const out = await s3.send(new ListBucketsCommand({}));
    const names = out.Buckets!.map((x) => x.Name);
    expect(names).toContain(example);
    expect(names).toContain(east);
    expect(names).not.toContain(minioBucket);
  });

  it("uploads multipart with lib-storage and reads the bytes back", async () => {
    const data = Buffer.alloc(12 * 1024 * 1024 + 7);
    for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
    const result = await new Upload({
      client: s3,
      params: { Bucket: example, Key: "team2/big.bin", Body: Readable.from([data]) },
      partSize: 5 * 1024 * 1024,
    }).done();
    expect(result).toMatchObject({ Bucket: example, Key: "team2/big.bin" });
    expect(result.Location).toBe(`${gw.url}/${example}/team2/big.bin`);
    const back = await readBody(await s3.send(new GetObjectCommand({ Bucket: example, Key: "team2/big.bin" })));
    expect(sha(back)).toBe(sha(data));
    expect(await physical(b, minioBucket)).toContain("data/team2/big.bin");
  });

  it("copies within a backend and across backends", async () => {
    await s3.send(
      new CopyObjectCommand({ Bucket: example, Key: "team2/copy.txt", CopySource: `${example}/team2/a.txt` }),
    );
    await s3.send(
      new CopyObjectCommand({ Bucket: example, Key: "team1/from-team2.txt", CopySource: `${example}/team2/a.txt` }),
    );
    expect(
      await readBody(await s3.send(new GetObjectCommand({ Bucket: example, Key: "team1/from-team2.txt" })), "utf8"),
    ).toBe("two");
    expect(await physical(a, example)).toContain("team1/from-team2.txt");
  });

  it("deletes a batch across backends, reporting the caller's keys", async () => {
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: example,
        Delete: { Objects: [{ Key: "team1/from-team2.txt" }, { Key: "team2/copy.txt" }] },
      }),
    );
    expect(out.Deleted!.map((d) => d.Key).sort()).toEqual(["team1/from-team2.txt", "team2/copy.txt"]);
    expect(await physical(b, minioBucket)).not.toContain("data/team2/copy.txt");
  });

  it("answers a missing key with NoSuchKey in the caller's names", async () => {
    const error = await s3
      .send(new GetObjectCommand({ Bucket: example, Key: "team2/missing" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchKey);
  });

  it("serves presigned URLs signed for the gateway", async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: example, Key: "team2/a.txt" }), {
      expiresIn: 60,
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("two");
  });

  it("serves virtual-hosted-style requests (bucket.<domain>)", async () => {
    const domainGw = await startGateway({
      clients: { default: backendConfig(rgwA), minio: backendConfig(rgwB) },
      profiles: {
        minio: {
          source_bucket_pattern: example,
          source_key_pattern: "team2/*",
          mapped_bucket_name: minioBucket,
          mapped_prefix: "data/",
        },
      },
      gateway: {
        domain: "s3.test",
        users: [{ accessKeyId: "GWUSERKEY", secretAccessKey: "gw-user-secret-0123456789" }],
      },
    });
    // Every *.s3.test name resolves to the gateway on loopback, as DNS would in production.
    const lookup = (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4);
    const port = new URL(domainGw.url).port;
    const virtual = new S3Client({
      endpoint: `http://s3.test:${port}`,
      region: "us-east-1",
      forcePathStyle: false,
      credentials: { accessKeyId: "GWUSERKEY", secretAccessKey: "gw-user-secret-0123456789" },
      requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ lookup: lookup as never }) }),
    });
    try {
      await virtual.send(new PutObjectCommand({ Bucket: example, Key: "team2/virtual.txt", Body: "vhost" }));
      expect(await physical(b, minioBucket)).toContain("data/team2/virtual.txt");
      expect(
        await readBody(await virtual.send(new GetObjectCommand({ Bucket: example, Key: "team2/virtual.txt" })), "utf8"),
      ).toBe("vhost");
      const listed = await virtual.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team2/v" }));
      expect(listed.Contents!.map((c) => c.Key)).toEqual(["team2/virtual.txt"]);
    } finally {
      virtual.destroy();
      await domainGw.stop();
    }
  });

  it("exposes health and Prometheus metrics", async () => {
    expect((await fetch(`${gw.url}/-/health`)).status).toBe(200);
    const metrics = await (await fetch(`${gw.url}/-/metrics`)).text();
    expect(metrics).toMatch(
      /s3router_requests_total\{operation="PutObject",route="minio",backend="minio",status="200"\} \d+/,
    );
    expect(metrics).toMatch(/s3router_request_duration_seconds_bucket/);
    expect(gw.logs.some((l) => l["operation"] === "GetObject" && typeof l["reqId"] === "string")).toBe(true);
  });
});
