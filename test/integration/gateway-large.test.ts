/**
 * @module test/integration/gateway-large — 1 GiB up and down through a gateway running as its own
 * process, bytes checked by SHA-256, and the gateway's peak memory read from the kernel
 * (VmHWM: the high-water mark of its resident set, exact, no sampling).
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../support/ports.js";
import { startRgw, type RgwServer } from "../support/rgw.js";

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
const USER = { accessKeyId: "LARGEKEY", secretAccessKey: "large-secret-0123456789" };

let rgw: RgwServer;
let gateway: ChildProcess;
let dir: string;
let url: string;

/** The gateway's resident memory now and at its peak, in bytes. */
async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]) * 1024;
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

/** 1 GiB of deterministic bytes, produced as it is read, hashed on the way. */
function source(size: number, hash: ReturnType<typeof createHash>): Readable {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff;
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const piece = block.subarray(0, Math.min(block.length, size - sent));
      piece[0] = (sent / MiB) & 0xff; // every MiB differs
      sent += piece.length;
      hash.update(piece);
      this.push(Buffer.from(piece));
    },
  });
}

beforeAll(async () => {
  rgw = await startRgw({
    name: "large",
    accessKeyId: "LARGERGW",
    secretAccessKey: "large-rgw-secret-0123456789",
    memstoreBytes: 2 * GiB,
  });
  dir = await mkdtemp(join(tmpdir(), "s3r-large-"));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  await writeFile(
    join(dir, "router.yaml"),
    JSON.stringify({
      clients: {
        default: {
          endpoint: rgw.endpoint,
          region: "us-east-1",
          forcePathStyle: true,
          credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
        },
      },
      profiles: {
        big: {
          client: "default",
          source_bucket_pattern: "big",
          mapped_bucket_name: "big-physical",
          mapped_prefix: "p/",
        },
      },
      gateway: { listen: `127.0.0.1:${port}`, users: [USER], logLevel: "warn" },
    }),
  );
  await new S3Client({ endpoint: rgw.endpoint, region: "us-east-1", forcePathStyle: true, credentials: rgw }).send(
    new CreateBucketCommand({ Bucket: "big-physical" }),
  );
  gateway = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/bin.ts", "serve", "--config", join(dir, "router.yaml")],
    {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    },
  );
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${url}/-/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("gateway did not start");
}, 120_000);

afterAll(async () => {
  gateway?.kill("SIGTERM");
  await rgw?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("streams 1 GiB up and down with bounded gateway memory", async () => {
  const s3 = new S3Client({ endpoint: url, region: "us-east-1", forcePathStyle: true, credentials: USER }); // SDK defaults: aws-chunked + CRC32 trailer
  const before = await memory(gateway.pid!);

  const up = createHash("sha256");
  await s3.send(new PutObjectCommand({ Bucket: "big", Key: "one-gib.bin", Body: source(GiB, up), ContentLength: GiB }));
  const afterUpload = await memory(gateway.pid!);

  const down = createHash("sha256");
  const object = await s3.send(new GetObjectCommand({ Bucket: "big", Key: "one-gib.bin" }));
  let received = 0;
  for await (const chunk of object.Body as Readable) {
    down.update(chunk as Buffer);
    received += (chunk as Buffer).length;
  }
  const afterDownload = await memory(gateway.pid!);
  s3.destroy();

  expect(received).toBe(GiB);
  expect(down.digest("hex")).toBe(up.digest("hex"));
  const growth = afterDownload.peak - before.rss;
  console.log(
    `gateway RSS: ${(before.rss / MiB).toFixed(0)} MiB at rest, peak ${(afterUpload.peak / MiB).toFixed(0)} MiB after 1 GiB up, ` +
      `${(afterDownload.peak / MiB).toFixed(0)} MiB after 1 GiB down (growth ${(growth / MiB).toFixed(0)} MiB)`,
  );
  // Holding the object would take 1024 MiB; streaming needs a few socket buffers.
  expect(growth).toBeLessThan(128 * MiB);
}, 600_000);
