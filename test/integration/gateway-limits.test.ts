/**
 * @module test/integration/gateway-limits — what one client may hold of the gateway: stalled
 * uploads end with S3's RequestTimeout and never take the backend connections the other users
 * need; a user's requests beyond its cap get 503 SlowDown; a request head that never ends is
 * cut; hostile DeleteObjects bodies cost bounded memory. On a real Ceph RGW.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { connect, type Socket } from "node:net";
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
import { measureLiveMemory } from "../support/live-memory.js";
import { sendSigned, signRaw } from "../support/raw-request.js";

const rgw = injectRgw("rgwA");
const backend = rgwClient(rgw);
const bucket = uniqueBucket("gw-limits");
const STALLER = { accessKeyId: "STALLERKEY", secretAccessKey: "staller-secret-0123456789" };
const OTHER = { accessKeyId: "OTHERKEY", secretAccessKey: "other-secret-0123456789" };
const PER_USER = 4;

let gw: RunningGateway;

beforeAll(async () => {
  await createBuckets(backend, [bucket]);
  gw = await startGateway({
    clients: { default: backendConfig(rgw) },
    profiles: {},
    gateway: {
      users: [STALLER, OTHER],
      limits: {
        maxRequestsPerUser: PER_USER,
        backendConnections: 6,
        bodyIdleTimeoutMs: 1_500,
        headersTimeoutMs: 1_500,
      },
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await emptyAndDeleteBucket(backend, bucket);
});

/** Opens a signed PUT announcing `length` bytes, sends one, and stalls; resolves with the status line's code and the body. */
function stalledUpload(
  key: string,
  length: number,
): { answer: Promise<{ status: number; text: string }>; socket: Socket } {
  const url = new URL(gw.url);
  const path = `/${bucket}/${key}`;
  const headers = signRaw({
    endpoint: gw.url,
    method: "PUT",
    path,
    user: STALLER,
    payloadHash: "UNSIGNED-PAYLOAD",
    headers: { "content-length": String(length) },
  });
  const socket = connect(Number(url.port), url.hostname);
  const head = [`PUT ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), "", ""].join("\r\n");
  socket.write(head + "x");
  const answer = new Promise<{ status: number; text: string }>((resolve) => {
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    const done = () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), text: received });
    socket.on("end", done);
    socket.on("close", done);
    socket.on("error", () => undefined);
  });
  return { answer, socket };
}

describe("gateway limits", () => {
  it("stalled uploads end with RequestTimeout, beyond the cap get SlowDown, and other users keep working meanwhile", async () => {
    const stalls = Array.from({ length: 10 }, (_, i) => stalledUpload(`stalled/${i}`, 1_000_000));
    const settled: boolean[] = stalls.map(() => false);
    stalls.forEach((s, i) => void s.answer.then(() => (settled[i] = true)));

    // The other user, while the staller holds its whole share: these must answer, through the
    // same backend pool (6 connections, of which the staller may hold 4).
    const s3 = gw.client({ user: OTHER, maxAttempts: 1 });
    for (let i = 0; i < 5; i++) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `other/${i}`, Body: `other ${i}` }));
      expect(await readBody(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `other/${i}` })), "utf8")).toBe(
        `other ${i}`,
      );
    }
    // …answered while the staller's in-cap uploads were still waiting (not by outlasting them).
    const pendingWhileOtherWorked = settled.filter((done) => !done).length;
    expect(pendingWhileOtherWorked).toBeGreaterThanOrEqual(PER_USER);

    const answers = await Promise.all(stalls.map((s) => s.answer));
    const byCode = (code: string) => answers.filter((a) => a.text.includes(`<Code>${code}</Code>`)).length;
    expect(byCode("SlowDown")).toBe(10 - PER_USER);
    expect(answers.filter((a) => a.text.includes("<Code>SlowDown</Code>")).every((a) => a.status === 503)).toBe(true);
    expect(byCode("RequestTimeout")).toBe(PER_USER);
    expect(answers.filter((a) => a.text.includes("<Code>RequestTimeout</Code>")).every((a) => a.status === 400)).toBe(
      true,
    );
    // Nothing half-written was stored.
    const listed = await sendSigned({
      endpoint: gw.url,
      method: "GET",
      path: `/${bucket}`,
      query: "list-type=2&prefix=stalled%2F",
      user: OTHER,
    });
    expect(listed.text).not.toContain("<Key>stalled/");
    // The staller's slots are free again.
    const after = await sendSigned({
      endpoint: gw.url,
      method: "PUT",
      path: `/${bucket}/stalled/ok`,
      user: STALLER,
      body: "fine",
    });
    expect(after.status).toBe(200);
  }, 30_000);

  it("cuts a request head that never ends", async () => {
    const url = new URL(gw.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.write(`GET /${bucket} HTTP/1.1\r\nhost: ${url.host}\r\nx-slow: `);
    const received = await new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
      socket.on("close", () => resolve(text));
      socket.on("error", () => undefined);
    });
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it("refuses an oversized request head with 431", async () => {
    const answer = await sendSigned({
      endpoint: gw.url,
      method: "GET",
      path: `/${bucket}/k`,
      user: OTHER,
      headers: { "x-amz-meta-big": "x".repeat(20_000) },
    }).catch((e: unknown) => e);
    expect((answer as { status?: number }).status).toBe(431);
  });

  it("reads hostile DeleteObjects bodies with bounded memory and refuses them", async () => {
    const nested = `<Delete><Object>${"<a>".repeat(700_000)}`; // 2.1 MB of nesting
    const wide = `<Delete>${"<Object><Key>k</Key></Object>".repeat(1_001)}</Delete>`;
    const deep = `<Delete><Object><Key>${"k".repeat(5_000)}</Key></Object></Delete>`;
    const answers: Array<{ status: number; code: string | undefined }> = [];
    const memory = await measureLiveMemory(() =>
      Promise.all(
        [nested, nested, nested, nested, nested, nested, wide, deep].map(async (body) => {
          const md5 = (await import("node:crypto")).createHash("md5").update(body).digest("base64");
          answers.push(
            await sendSigned({
              endpoint: gw.url,
              method: "POST",
              path: `/${bucket}`,
              query: "delete=",
              user: OTHER,
              body,
              headers: { "content-md5": md5 },
            }),
          );
        }),
      ),
    );
    expect(answers.map((a) => [a.status, a.code])).toEqual(answers.map(() => [400, "MalformedXML"]));
    expect(memory.samples).toBeGreaterThan(0);
    // The request bodies themselves (about 13 MB, sent from this process) are the floor; a
    // parse tree of the nested bodies took hundreds of MB.
    expect(memory.peakHeap).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);
});
