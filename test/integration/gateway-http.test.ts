/**
 * @module test/integration/gateway-http — what the gateway does over HTTP that is not S3
 * semantics (those are in the conformance suite, test/integration/conformance.test.ts):
 * virtual-hosted-style addressing (`bucket.<domain>`), the health endpoint, Prometheus metrics
 * and request logs.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { LookupFunction } from "node:net";
import { Agent } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouterFileConfig } from "../../src/index.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { backendConfig, GATEWAY_USER, startGateway, type RunningGateway } from "../support/gateway.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
const example = uniqueBucket("gwhttp-example");
const minioBucket = uniqueBucket("gwhttp-minio");

/** The seed's split bucket: team2/* on rgwB under another bucket and prefix, the rest on rgwA. */
const config = (gateway: Record<string, unknown>): RouterFileConfig => ({
  clients: { default: backendConfig(rgwA), minio: backendConfig(rgwB) },
  profiles: {
    minio: {
      source_bucket_pattern: example,
      source_key_pattern: "team2/*",
      mapped_bucket_name: minioBucket,
      mapped_prefix: "data/",
    },
  },
  gateway: { users: [GATEWAY_USER], ...gateway },
});

const physical = async (client: S3Client, Bucket: string) =>
  ((await client.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((c) => c.Key).sort();

beforeAll(async () => {
  await Promise.all([createBuckets(a, [example]), createBuckets(b, [minioBucket])]);
});

afterAll(async () => {
  await Promise.all([emptyAndDeleteBucket(a, example), emptyAndDeleteBucket(b, minioBucket)]);
  a.destroy();
  b.destroy();
});

describe("virtual-hosted-style requests", () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway(config({ domain: "s3.test" }));
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("serves bucket.<domain> requests, routed like path-style ones", async () => {
    // Every *.s3.test name resolves to the gateway on loopback, as DNS would in production.
    const hostsAsked: string[] = [];
    const lookup = ((host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      hostsAsked.push(host);
      if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
      else callback(null, "127.0.0.1", 4);
    }) as unknown as LookupFunction;
    const port = new URL(gw.url).port;
    const virtual = new S3Client({
      endpoint: `http://s3.test:${port}`,
      region: "us-east-1",
      forcePathStyle: false,
      credentials: { ...GATEWAY_USER },
      requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ lookup }) }),
    });
    try {
      await virtual.send(new PutObjectCommand({ Bucket: example, Key: "team2/virtual.txt", Body: "vhost" }));
      // The bucket travelled in the host name, not the path: the request really was virtual-hosted.
      expect(hostsAsked).toContain(`${example}.s3.test`);
      expect(await physical(b, minioBucket)).toContain("data/team2/virtual.txt");
      const got = await virtual.send(new GetObjectCommand({ Bucket: example, Key: "team2/virtual.txt" }));
      expect(await readBody(got, "utf8")).toBe("vhost");
      const listed = await virtual.send(new ListObjectsV2Command({ Bucket: example, Prefix: "team2/v" }));
      expect(listed.Name).toBe(example);
      expect((listed.Contents ?? []).map((c) => c.Key)).toEqual(["team2/virtual.txt"]);
    } finally {
      virtual.destroy();
    }
  });
});

describe("health, metrics and logs", () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway(config({}));
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("answers the health check", async () => {
    const response = await fetch(`${gw.url}/-/health`);
    expect(response.status).toBe(200);
  });

  it("counts requests by operation, route and backend, and logs each with its id", async () => {
    const s3 = gw.client();
    await s3.send(new PutObjectCommand({ Bucket: example, Key: "team2/metered.txt", Body: "m" }));
    await readBody(await s3.send(new GetObjectCommand({ Bucket: example, Key: "team2/metered.txt" })));
    const metrics = await (await fetch(`${gw.url}/-/metrics`)).text();
    expect(metrics).toMatch(
      /s3router_requests_total\{operation="PutObject",route="minio",backend="minio",status="200"\} [1-9]\d*/,
    );
    expect(metrics).toMatch(
      /s3router_requests_total\{operation="GetObject",route="minio",backend="minio",status="200"\} [1-9]\d*/,
    );
    expect(metrics).toMatch(/s3router_request_duration_seconds_bucket\{/);
    const logged = gw.logs.find((l) => l["operation"] === "GetObject");
    expect(logged).toBeDefined();
    expect(typeof logged?.["reqId"]).toBe("string");
  });
});
