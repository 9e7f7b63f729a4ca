/**
 * @module test/integration/sse — server-side encryption end to end, on two Ceph RGWs of this
 * file's own that speak HTTPS with a certificate of a test CA (RGW takes SSE-C and SSE-KMS only
 * over TLS) and hold the same test KMS key: the gateway reaching them through its clients' `ca`,
 * an SSE-C round trip through it, copy-on-read of an SSE-C object under the reader's key, a
 * mirror keeping SSE-KMS, and `migrate` refusing an SSE-C object it has no key for.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SseKeyRequiredError } from "../../src/errors.js";
import { errorName, readBody, rgwClient } from "../support/backends.js";
import { GATEWAY_USER, startGateway, type RunningGateway } from "../support/gateway.js";
import { freePort } from "../support/ports.js";
import { startRgw, type RgwServer } from "../support/rgw.js";
import { createTestCa } from "../support/test-certs.js";

const ca = createTestCa();
const pair = ca.issue(["localhost", "127.0.0.1"]);
const KMS_KEY = Buffer.alloc(32, 9).toString("base64");
const KEY = Buffer.alloc(32, 1).toString("base64");
const SSEC = { SSECustomerAlgorithm: "AES256", SSECustomerKey: KEY };
const KMS = { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: "testkey-1" };

let dir: string;
const servers: RgwServer[] = [];
/** Direct HTTPS clients of the two stores. */
let a: S3Client;
let b: S3Client;
let gw: RunningGateway;
let s3: S3Client;

async function startSecureRgw(name: string): Promise<{ server: RgwServer; https: string }> {
  const port = await freePort();
  const server = await startRgw({
    name,
    accessKeyId: `AKIA${name.toUpperCase()}`,
    secretAccessKey: `${name}-secret-0123456789abcdef`,
    memstoreBytes: 256 * 1024 * 1024,
    frontendOptions: `ssl_endpoint=127.0.0.1:${port} ssl_certificate=${join(dir, "cert.pem")} ssl_private_key=${join(dir, "key.pem")}`,
    extraConf: `rgw_crypt_s3_kms_backend = testing\nrgw_crypt_s3_kms_encryption_keys = testkey-1=${KMS_KEY}`,
  });
  servers.push(server);
  return { server, https: `https://127.0.0.1:${port}` };
}

const settings = (server: RgwServer, https: string) => ({
  endpoint: https,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  requestChecksumCalculation: "WHEN_REQUIRED" as const,
  responseChecksumValidation: "WHEN_REQUIRED" as const,
  ca: join(dir, "ca.pem"),
});
const md5 = (b64: string) => createHash("md5").update(Buffer.from(b64, "base64")).digest("base64");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3r-sse-"));
  await writeFile(join(dir, "cert.pem"), pair.cert);
  await writeFile(join(dir, "key.pem"), pair.key);
  await writeFile(join(dir, "ca.pem"), ca.cert);
  const [sa, sb] = await Promise.all([startSecureRgw("ssea"), startSecureRgw("sseb")]);
  const direct = (x: { server: RgwServer; https: string }) =>
    rgwClient({ ...x.server, endpoint: x.https }, { requestHandler: { httpsAgent: new Agent({ ca: ca.cert }) } });
  a = direct(sa);
  b = direct(sb);
  for (const bucket of ["plain", "old-store", "mirrored"]) await a.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const bucket of ["new-store", "mirror"]) await b.send(new CreateBucketCommand({ Bucket: bucket }));
  gw = await startGateway({
    clients: { default: settings(sa.server, sa.https), b: settings(sb.server, sb.https) },
    profiles: {
      // "moving" lives on b, and its keys not yet moved on a's old-store (copied on read).
      moving: {
        source_bucket_pattern: "moving",
        mapped_bucket_name: "new-store",
        client: "b",
        fallback: { client: "default", mapped_bucket_name: "old-store", copy_on_read: true },
      },
      // "mirrored" lives on a and every write reaches b's mirror bucket too.
      mirrored: {
        source_bucket_pattern: "mirrored",
        client: "default",
        mirror: { client: "b", mapped_bucket_name: "mirror" },
      },
    },
    gateway: { users: [GATEWAY_USER] },
  });
  // The gateway here is plain HTTP to keep this file about the backends; SSE-C from the caller
  // still reaches RGW over TLS, which is what RGW checks.
  s3 = gw.client({
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
}, 240_000);

afterAll(async () => {
  await gw?.stop();
  a?.destroy();
  b?.destroy();
  await Promise.all(servers.map((s) => s.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("SSE through the gateway to HTTPS backends", () => {
  it("round-trips an SSE-C object; without the key it cannot be read, here or on the store", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "secret.txt", Body: "for your eyes", ...SSEC }));
    const got = await s3.send(new GetObjectCommand({ Bucket: "plain", Key: "secret.txt", ...SSEC }));
    expect(got.SSECustomerKeyMD5).toBe(md5(KEY));
    expect(await readBody(got, "utf8")).toBe("for your eyes");
    expect((await s3.send(new HeadObjectCommand({ Bucket: "plain", Key: "secret.txt", ...SSEC }))).ContentLength).toBe(
      13,
    );
    expect(
      (
        await s3
          .send(new GetObjectCommand({ Bucket: "plain", Key: "secret.txt" }))
          .catch((e: unknown) => e as { $metadata: { httpStatusCode: number } })
      ).$metadata.httpStatusCode,
    ).toBe(400);
    // Stored encrypted: the store itself wants the key.
    expect(
      errorName(await a.send(new GetObjectCommand({ Bucket: "plain", Key: "secret.txt" })).catch((e: unknown) => e)),
    ).toBe("InvalidArgument");
  });

  it("copies an SSE-C object on read under the reader's key: the primary's copy is encrypted too", async () => {
    await a.send(new PutObjectCommand({ Bucket: "old-store", Key: "c.txt", Body: "moved under key", ...SSEC }));
    expect(
      await readBody(await s3.send(new GetObjectCommand({ Bucket: "moving", Key: "c.txt", ...SSEC })), "utf8"),
    ).toBe("moved under key");
    await gw.gateway.state.router.migration.settled();
    expect(gw.gateway.state.router.migration.stats.copyOnRead.copied).toBe(1);
    expect(
      await readBody(await b.send(new GetObjectCommand({ Bucket: "new-store", Key: "c.txt", ...SSEC })), "utf8"),
    ).toBe("moved under key");
    expect(
      (
        await b
          .send(new GetObjectCommand({ Bucket: "new-store", Key: "c.txt" }))
          .catch((e: unknown) => e as { $metadata: { httpStatusCode: number } })
      ).$metadata.httpStatusCode,
    ).toBe(400);
  });

  it("refuses to migrate an SSE-C object without its key, with SseKeyRequiredError, writing nothing", async () => {
    await a.send(new PutObjectCommand({ Bucket: "old-store", Key: "locked.txt", Body: "x", ...SSEC }));
    const router = gw.gateway.state.router;
    const route = router.routeTable.resolveObject("moving", "locked.txt");
    const error = await router.migration.copyToPrimary(route, "moving", "locked.txt").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SseKeyRequiredError);
    expect(error).toMatchObject({ bucket: "moving", key: "locked.txt", client: "default" });
    expect(
      errorName(
        await b.send(new HeadObjectCommand({ Bucket: "new-store", Key: "locked.txt" })).catch((e: unknown) => e),
      ),
    ).toBe("NotFound");
    // With the key, the same copy goes through.
    expect(await router.migration.copyToPrimary(route, "moving", "locked.txt", undefined, SSEC)).toMatchObject({
      outcome: "copied",
    });
  });

  it("keeps SSE-KMS on the mirror, and mirrors an SSE-C write under its key", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "mirrored", Key: "kms.txt", Body: "kms", ...KMS }));
    const mirrored = await b.send(new HeadObjectCommand({ Bucket: "mirror", Key: "kms.txt" }));
    expect(mirrored).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: "testkey-1" });
    await s3.send(new PutObjectCommand({ Bucket: "mirrored", Key: "c.txt", Body: "both", ...SSEC }));
    expect(
      await readBody(await b.send(new GetObjectCommand({ Bucket: "mirror", Key: "c.txt", ...SSEC })), "utf8"),
    ).toBe("both");
  });
});
