/**
 * @module test/integration/gateway-migration — what only the gateway does in the migration
 * modes, on two real Ceph RGW servers (primary on rgwA, fallback and mirror on rgwB; the mirror
 * behind a fault proxy that refuses connections or throttles the link), driven by the AWS SDK:
 * the metric series of copy-on-read and mirror divergences, a copy-on-read finishing while the
 * gateway closes, deletes on a migrating route refused to callers who do not act with the
 * gateway's own identity, a multipart completion with a slow mirror answered as S3 answers a long
 * one, and divergences still reported after a reload.
 *
 * The modes themselves (read fallback, copy-on-read, deletes everywhere, mirrored writes, a
 * mirror down or slow) are checked on the gateway and the library alike by the migration suite
 * (test/conformance/migration-suite, run by migration-conformance.test.ts).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouterFileConfig } from "../../src/index.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  errorStatus,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { backendConfig, GATEWAY_USER, startGateway, type RunningGateway } from "../support/gateway.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
const MiB = 1024 * 1024;
/** The caller's bucket. */
const bucket = uniqueBucket("gw-mig");
/** The primary store of both profiles (rgwA, under `new/`). */
const primaryBucket = uniqueBucket("gw-mig-primary");
/** The fallback of copying/* (rgwB, under `old/`). */
const fallbackBucket = uniqueBucket("gw-mig-fallback");
/** The mirror of mirrored/* (rgwB, under `copy/`), reached through {@link mirrorProxy}. */
const mirrorBucket = uniqueBucket("gw-mig-mirror");
/** A user with its own backend identity on the primary's client. */
const OWN = { accessKeyId: "GWOWNIDENTITY", secretAccessKey: "gw-own-identity-secret-0123456789" };

let mirrorProxy: FaultProxy;
let config: RouterFileConfig;
let gw: RunningGateway;
let s3: S3Client;

beforeAll(async () => {
  await Promise.all([createBuckets(a, [bucket, primaryBucket]), createBuckets(b, [fallbackBucket, mirrorBucket])]);
  mirrorProxy = await startFaultProxy(rgwB.endpoint);
  config = {
    clients: {
      default: backendConfig(rgwA),
      primary: backendConfig(rgwA),
      fallback: backendConfig(rgwB),
      // No retries: a fault the test arms reaches the gateway, not an SDK retry.
      "mirror-faulty": { ...backendConfig(rgwB), endpoint: mirrorProxy.url, maxAttempts: 1 },
    },
    profiles: {
      copying: {
        client: "primary",
        source_bucket_pattern: bucket,
        source_key_pattern: "copying/*",
        mapped_bucket_name: primaryBucket,
        mapped_prefix: "new/",
        fallback: { client: "fallback", mapped_bucket_name: fallbackBucket, mapped_prefix: "old/", copy_on_read: true },
      },
      mirrored: {
        client: "primary",
        source_bucket_pattern: bucket,
        source_key_pattern: "mirrored/*",
        mapped_bucket_name: primaryBucket,
        mapped_prefix: "new/",
        mirror: { client: "mirror-faulty", mapped_bucket_name: mirrorBucket, mapped_prefix: "copy/" },
      },
    },
    gateway: {
      users: [
        { ...GATEWAY_USER },
        // Its own identity on the primary's client (the same RGW user here: what matters is that
        // the gateway would not act as itself for this caller).
        {
          ...OWN,
          backendCredentials: { primary: { accessKeyId: rgwA.accessKeyId, secretAccessKey: rgwA.secretAccessKey } },
        },
      ],
      anonymous: { buckets: [bucket] },
    },
  };
  gw = await startGateway(config);
  s3 = gw.client({ maxAttempts: 1 });
});

afterAll(async () => {
  await gw?.gateway.state.router.migration.settled();
  await gw?.stop();
  await mirrorProxy?.stop();
  await Promise.all([
    emptyAndDeleteBucket(a, bucket),
    emptyAndDeleteBucket(a, primaryBucket),
    emptyAndDeleteBucket(b, fallbackBucket),
    emptyAndDeleteBucket(b, mirrorBucket),
  ]);
  a.destroy();
  b.destroy();
});

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } },
  );
const plant = (client: S3Client, Bucket: string, Key: string, Body: string | Buffer) =>
  client.send(new PutObjectCommand({ Bucket, Key, Body }));
/** Whether a store holds an object (asked directly, not through the gateway). */
const holds = (client: S3Client, Bucket: string, Key: string) =>
  client.send(new HeadObjectCommand({ Bucket, Key })).then(
    () => true,
    (error: unknown) => {
      if (errorStatus(error) === 404) return false;
      throw error;
    },
  );
const text = async (client: S3Client, Bucket: string, Key: string) =>
  readBody(await client.send(new GetObjectCommand({ Bucket, Key })), "utf8");
/** The value of one series of `/-/metrics` (0 when the series is not there yet). */
const metric = async (series: string): Promise<number> => {
  const page = await (await fetch(`${gw.url}/-/metrics`)).text();
  const line = page.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
};
const DIVERGENCES = 's3router_mirror_divergences_total{route="mirrored",mirror="mirror-faulty"}';
const divergenceLines = (key: string) => gw.logs.filter((l) => l["event"] === "mirror-divergence" && l["key"] === key);

describe("gateway: copy-on-read", () => {
  it("counts each copy in s3router_copy_on_read_total{route,outcome}", async () => {
    const series = 's3router_copy_on_read_total{route="copying",outcome="copied"}';
    const before = await metric(series);
    await plant(b, fallbackBucket, "old/copying/counted.txt", "counted");
    expect(await text(s3, bucket, "copying/counted.txt")).toBe("counted");
    await gw.gateway.state.router.migration.settled();
    expect(await text(a, primaryBucket, "new/copying/counted.txt")).toBe("counted");
    expect((await metric(series)) - before).toBe(1);
  });

  it("lets a copy-on-read finish when the gateway closes", async () => {
    await plant(b, fallbackBucket, "old/copying/at-close.txt", "copied while closing");
    const closing = await startGateway(config);
    try {
      expect(await text(closing.client(), bucket, "copying/at-close.txt")).toBe("copied while closing");
    } finally {
      await closing.stop();
    }
    expect(await text(a, primaryBucket, "new/copying/at-close.txt")).toBe("copied while closing");
  });
});

describe("gateway: deletes on a migrating route", () => {
  it("are refused (AccessDenied) to callers not acting with the gateway's own identity, and delete nothing", async () => {
    // The fallback's copy is deleted with the gateway's identity before the primary says whether
    // the caller may delete: a caller the backend would judge as someone else must not get that.
    const key = "copying/kept.txt";
    await Promise.all([plant(b, fallbackBucket, `old/${key}`, "old"), plant(a, primaryBucket, `new/${key}`, "new")]);
    const own = await failure(
      gw.client({ user: OWN, maxAttempts: 1 }).send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
    );
    expect([errorName(own), errorStatus(own)]).toEqual(["AccessDenied", 403]);
    expect(own?.message).toMatch(/only callers acting with the gateway's own identity may delete/);
    const anonymous = await fetch(`${gw.url}/${bucket}/${key}`, { method: "DELETE" });
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain("<Code>AccessDenied</Code>");
    expect([await holds(b, fallbackBucket, `old/${key}`), await holds(a, primaryBucket, `new/${key}`)]).toEqual([
      true,
      true,
    ]);
    // The gateway's own identity may.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    expect([await holds(b, fallbackBucket, `old/${key}`), await holds(a, primaryBucket, `new/${key}`)]).toEqual([
      false,
      false,
    ]);
  });
});

describe("gateway: a mirror that fails or is slow", () => {
  it("counts a divergence in s3router_mirror_divergences_total{route,mirror}", async () => {
    const before = await metric(DIVERGENCES);
    await mirrorProxy.set({ refuse: true });
    try {
      const error = await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mirrored/x.txt", Body: "x" })));
      expect([errorName(error), errorStatus(error)]).toEqual(["MirrorWriteFailed", 502]);
    } finally {
      await mirrorProxy.clear();
    }
    expect((await metric(DIVERGENCES)) - before).toBe(1);
    expect(divergenceLines("mirrored/x.txt")).toMatchObject([
      { level: 50, route: "mirrored", mirror: "mirror-faulty" },
    ]);
  });

  it("answers a completion whose mirror is slow as S3 answers a long one: 200 at once, then the result or an <Error>", async () => {
    // 1.5 MiB/s to the mirror (a real RGW behind the fault proxy): copying 5 MiB there takes
    // over 3 s, past the 2 s after which the gateway starts a long answer.
    const data = Buffer.alloc(5 * MiB + 5, 7);
    const transfer: string[] = [];
    const client = gw.client({ maxAttempts: 1 });
    // How the completion's answer came: chunked (started early, body sent later) or with a length.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === "CompleteMultipartUploadCommand") {
          const headers = (out.response as { headers: Record<string, string> }).headers;
          transfer.push(headers["transfer-encoding"] ?? `length ${headers["content-length"]}`);
        }
        return out;
      },
      { step: "deserialize", name: "transferProbe" },
    );
    const upload = (Key: string) =>
      new Upload({ client, params: { Bucket: bucket, Key, Body: data }, partSize: 5 * MiB }).done();
    const before = await metric(DIVERGENCES);
    await mirrorProxy.set({ bytesPerSecond: 1.5 * MiB });
    try {
      expect(await upload("mirrored/slow.bin")).toMatchObject({ Bucket: bucket, Key: "mirrored/slow.bin" });
      expect(transfer).toEqual(["chunked"]);
      expect(
        sha(
          await readBody(await b.send(new GetObjectCommand({ Bucket: mirrorBucket, Key: "copy/mirrored/slow.bin" }))),
        ),
      ).toBe(sha(data));

      // The link breaks 3 s in: the 200 is sent already, so the failure is an <Error> body, which the SDK raises.
      await mirrorProxy.set({ bytesPerSecond: 1.5 * MiB, reset: { direction: "upstream", afterBytes: 4.5 * MiB } });
      const error = await failure(upload("mirrored/slow-fail.bin"));
      expect(transfer).toEqual(["chunked", "chunked"]);
      // (The SDK reports such an error with status 503, its mark of an error inside a 200: retryable.)
      expect(errorName(error)).toBe("MirrorWriteFailed");
      expect(error?.message).toMatch(/reached the primary store but not its mirror/);
      expect(error?.message).not.toMatch(/"mirror-faulty"|ECONNRESET|copy\//);
    } finally {
      await mirrorProxy.clear();
    }
    expect(divergenceLines("mirrored/slow-fail.bin")).toMatchObject([{ mirror: "mirror-faulty" }]);
    expect(await holds(a, primaryBucket, "new/mirrored/slow-fail.bin")).toBe(true);
    expect((await metric(DIVERGENCES)) - before).toBe(1);
  });

  it("keeps reporting divergences after a reload (the new router is watched)", async () => {
    const before = await metric(DIVERGENCES);
    gw.gateway.reload(config);
    await mirrorProxy.set({ refuse: true });
    try {
      const error = await failure(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mirrored/after-reload.txt", Body: "again" })),
      );
      expect(errorName(error)).toBe("MirrorWriteFailed");
    } finally {
      await mirrorProxy.clear();
    }
    expect((await metric(DIVERGENCES)) - before).toBe(1);
    expect(divergenceLines("mirrored/after-reload.txt")).toHaveLength(1);
  });
});
