/**
 * @module test/integration/gateway-failures — what the gateway does when things go wrong around
 * it: a backend that is down or never answers is a 503 naming it (never a hang), and a client
 * that disconnects mid-upload leaves nothing behind.
 */
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { request } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  errorStatus,
  injectRgw,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { signedRequest } from "../support/chunked-body.js";
import { backendConfig, GATEWAY_USER, startGateway, type RunningGateway } from "../support/gateway.js";

const rgwA = injectRgw("rgwA");
const a = rgwClient(rgwA);
const bucket = uniqueBucket("gw-fail");
let gw: RunningGateway;
let silent: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  await createBuckets(a, [bucket]);
  // Accepts connections and never answers: a backend that hangs.
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const silentPort = (silent.address() as { port: number }).port;
  gw = await startGateway({
    clients: {
      default: backendConfig(rgwA),
      down: { ...backendConfig(rgwA), endpoint: "http://127.0.0.1:1" },
      hung: { ...backendConfig(rgwA), endpoint: `http://127.0.0.1:${silentPort}` },
    },
    profiles: { down: { source_bucket_pattern: "down-bucket" }, hung: { source_bucket_pattern: "hung-bucket" } },
    gateway: { users: [{ ...GATEWAY_USER }], backendTimeoutMs: 1500 },
  });
});

afterAll(async () => {
  await gw?.stop();
  for (const s of sockets) s.destroy();
  silent?.close();
  await emptyAndDeleteBucket(a, bucket);
});

describe("gateway failure handling", () => {
  it("answers 503 for a backend that is down, naming it in the log only", async () => {
    const error = await gw
      .client({ maxAttempts: 1 })
      .send(new HeadObjectCommand({ Bucket: "down-bucket", Key: "k" }))
      .catch((e: unknown) => e);
    expect(errorStatus(error)).toBe(503);
    const put = await gw
      .client({ maxAttempts: 1 })
      .send(new PutObjectCommand({ Bucket: "down-bucket", Key: "k", Body: "x" }))
      .catch((e: unknown) => e);
    expect([errorName(put), errorStatus(put)]).toEqual(["ServiceUnavailable", 503]);
    expect((put as Error).message).toMatch(/unavailable/);
    // The client learns nothing of the backend: neither its name nor its address.
    expect((put as Error).message).not.toMatch(/down|127\.0\.0\.1|ECONNREFUSED/);
    const requestId = (put as { $metadata?: { requestId?: string } }).$metadata?.requestId;
    const logged = gw.logs.find((l) => l["reqId"] === requestId && l["msg"] === "request failed");
    expect(JSON.stringify(logged)).toMatch(/ECONNREFUSED/);
  });

  it("answers 503 when a backend does not answer in time, instead of hanging", async () => {
    const error = await gw
      .client({ maxAttempts: 1 })
      .send(new PutObjectCommand({ Bucket: "hung-bucket", Key: "k", Body: "x" }))
      .catch((e: unknown) => e);
    expect([errorName(error), errorStatus(error)]).toEqual(["ServiceUnavailable", 503]);
    expect((error as Error).message).toMatch(/did not answer within 1500 ms/);
    expect((error as Error).message).not.toMatch(/hung|127\.0\.0\.1/);
  });

  it("stores nothing when the client disconnects mid-upload", async () => {
    const size = 8 * 1024 * 1024;
    const body = Buffer.alloc(size, 1);
    const signed = signedRequest({
      endpoint: gw.url,
      method: "PUT",
      bucket,
      key: "half-written",
      ...GATEWAY_USER,
      body,
      headers: { "content-length": String(size) },
    });
    const url = new URL(signed.url);
    await new Promise<void>((resolve) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "PUT",
        headers: signed.headers,
      });
      req.on("error", () => resolve());
      req.write(body.subarray(0, 1024 * 1024), () => setTimeout(() => (req.destroy(), resolve()), 200));
    });
    // The gateway aborts its backend request: an incomplete PUT is never stored.
    await new Promise((r) => setTimeout(r, 500));
    const head = await a.send(new HeadObjectCommand({ Bucket: bucket, Key: "half-written" })).catch((e: unknown) => e);
    expect(errorStatus(head)).toBe(404);
    expect(gw.logs.find((l) => l["path"] === `/${bucket}/half-written`)).toMatchObject({
      operation: "PutObject",
      aborted: true,
    });
  });
});
