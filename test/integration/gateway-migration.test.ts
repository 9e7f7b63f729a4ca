/**
 * @module test/integration/gateway-migration — the migration modes through the gateway, on two
 * real Ceph RGW servers, driven by the AWS SDK: reads that miss on the primary (rgwB) answered
 * from the fallback (rgwA) and copied over, deletes that reach every store, writes that land on
 * the mirror too — and a mirror that cannot be reached: a clear error, a count, a log line.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouterFileConfig } from "../../src/config/load-config.js";
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
import { backendConfig, GATEWAY_USER, startGateway, type RunningGateway } from "../support/gateway.js";
import { freePort } from "../support/ports.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
/** The caller's bucket: its default route is rgwA. */
const bucket = uniqueBucket("gw-mig");
/** The fallback store of team2/* (rgwA), where the keys come from. */
const oldBucket = uniqueBucket("gw-mig-old");
/** The primary store of every migrating profile (rgwB). */
const newBucket = uniqueBucket("gw-mig-new");
/** The mirror store of mirrored/* (rgwA). */
const mirrorBucket = uniqueBucket("gw-mig-mirror");

let gw: RunningGateway;
let s3: S3Client;
let config: RouterFileConfig;
/** A backend that fails every request with 503 SlowDown. */
let failing: Server;
/**
 * A slow mirror: takes each PUT whole, then answers after {@link SLOW_MIRROR_MS} — 200 with an
 * ETag, or 500 for keys under `fail/`. What a large object's copy to a distant mirror looks like.
 */
let slow: Server;
const SLOW_MIRROR_MS = 3500;

beforeAll(async () => {
  await Promise.all([createBuckets(a, [bucket, oldBucket, mirrorBucket]), createBuckets(b, [newBucket])]);
  const closed = await freePort();
  failing = createServer((req, res) => {
    req.resume();
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
    res
      .writeHead(503, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) })
      .end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
  const failingPort = (failing.address() as { port: number }).port;
  slow = createServer((req, res) => {
    const hash = createHash("md5");
    req.on("data", (chunk: Buffer) => hash.update(chunk));
    req.on("end", () =>
      setTimeout(() => {
        if (req.url?.includes("/fail/")) {
          const body =
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>mirror disk failed</Message></Error>';
          res
            .writeHead(500, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) })
            .end(body);
        } else {
          res.writeHead(200, { etag: `"${hash.digest("hex")}"`, "content-length": "0" }).end();
        }
      }, SLOW_MIRROR_MS),
    );
  });
  await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  const slowPort = (slow.address() as { port: number }).port;
  config = {
    clients: {
      default: backendConfig(rgwA),
      a: backendConfig(rgwA),
      b: backendConfig(rgwB),
      // rgwB with a wrong secret: every request is refused (403).
      refused: {
        ...backendConfig(rgwB),
        credentials: { accessKeyId: rgwB.accessKeyId, secretAccessKey: "not-the-secret" },
      },
      // Nothing listens there.
      dead: { ...backendConfig(rgwA), endpoint: `http://127.0.0.1:${closed}`, maxAttempts: 1 },
      failing: { ...backendConfig(rgwB), endpoint: `http://127.0.0.1:${failingPort}`, maxAttempts: 1 },
      slow: { ...backendConfig(rgwA), endpoint: `http://127.0.0.1:${slowPort}`, maxAttempts: 1 },
    },
    profiles: {
      team2: {
        client: "b",
        source_bucket_pattern: bucket,
        source_key_pattern: "team2/*",
        mapped_bucket_name: newBucket,
        mapped_prefix: "new/",
        fallback: { client: "a", mapped_bucket_name: oldBucket, mapped_prefix: "old/", copy_on_read: true },
      },
      refused: {
        client: "refused",
        source_bucket_pattern: bucket,
        source_key_pattern: "refused/*",
        mapped_bucket_name: newBucket,
        fallback: { client: "a", mapped_bucket_name: oldBucket },
      },
      failing: {
        client: "failing",
        source_bucket_pattern: bucket,
        source_key_pattern: "failing/*",
        fallback: { client: "a", mapped_bucket_name: oldBucket },
      },
      nobucket: {
        client: "b",
        source_bucket_pattern: bucket,
        source_key_pattern: "nobucket/*",
        mapped_bucket_name: uniqueBucket("gw-mig-absent"),
        fallback: { client: "a", mapped_bucket_name: oldBucket },
      },
      mirrored: {
        client: "b",
        source_bucket_pattern: bucket,
        source_key_pattern: "mirrored/*",
        mapped_bucket_name: newBucket,
        mapped_prefix: "primary/",
        mirror: { client: "a", mapped_bucket_name: mirrorBucket },
      },
      broken: {
        client: "b",
        source_bucket_pattern: bucket,
        source_key_pattern: "broken/*",
        mapped_bucket_name: newBucket,
        mirror: { client: "dead", mapped_bucket_name: mirrorBucket },
      },
      slow: {
        client: "b",
        source_bucket_pattern: bucket,
        source_key_pattern: "slow/*",
        mapped_bucket_name: newBucket,
        mirror: { client: "slow", mapped_bucket_name: "far-away" },
      },
    },
    gateway: { users: [{ ...GATEWAY_USER }] },
  };
  gw = await startGateway(config);
  s3 = gw.client(); // the SDK's defaults: aws-chunked bodies with CRC32 trailers
});

afterAll(async () => {
  await gw?.stop();
  failing?.close();
  slow?.close();
  await Promise.all([
    emptyAndDeleteBucket(a, bucket),
    emptyAndDeleteBucket(a, oldBucket),
    emptyAndDeleteBucket(a, mirrorBucket),
    emptyAndDeleteBucket(b, newBucket),
  ]);
});

const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const put = (client: S3Client, Bucket: string, Key: string, Body: string, extra: Record<string, unknown> = {}) =>
  client.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }));
const text = async (client: S3Client, Bucket: string, Key: string, Range?: string) =>
  readBody(await client.send(new GetObjectCommand({ Bucket, Key, ...(Range !== undefined && { Range }) })), "utf8");
/** Whether a store holds an object (asked directly, not through the gateway). */
const holds = (client: S3Client, Bucket: string, Key: string) =>
  client.send(new HeadObjectCommand({ Bucket, Key })).then(
    () => true,
    (error: unknown) => {
      if (errorStatus(error) === 404) return false;
      throw error;
    },
  );
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } },
  );
const metrics = async () => (await fetch(`${gw.url}/-/metrics`)).text();
/** Every background copy-on-read the gateway's router started has finished. */
const copiesDone = () => gw.gateway.state.router.migration.settled();

describe("gateway: reads fall back to the store keys move away from", () => {
  it("answers GET, HEAD and a ranged GET of a key only on the fallback with the fallback's bytes", async () => {
    await put(a, oldBucket, "old/team2/only-old.txt", "from the old store", {
      ContentType: "text/plain",
      Metadata: { origin: "rgw-a" },
    });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "team2/only-old.txt" }));
    expect(await readBody(got, "utf8")).toBe("from the old store");
    expect(got.ContentType).toBe("text/plain");
    expect(got.Metadata).toEqual({ origin: "rgw-a" });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "team2/only-old.txt" }));
    expect(head.ContentLength).toBe(18);
    expect(head.Metadata).toEqual({ origin: "rgw-a" });
    expect(await text(s3, bucket, "team2/only-old.txt", "bytes=9-17")).toBe("old store");
  });

  it("copies an object read by GET to the primary (copy-on-read), and serves it from there", async () => {
    await put(a, oldBucket, "old/team2/copied.txt", "copy me over", { Metadata: { kept: "yes" } });
    expect(await holds(b, newBucket, "new/team2/copied.txt")).toBe(false);
    expect(await text(s3, bucket, "team2/copied.txt")).toBe("copy me over");
    await copiesDone();
    expect(await text(b, newBucket, "new/team2/copied.txt")).toBe("copy me over");
    expect((await b.send(new HeadObjectCommand({ Bucket: newBucket, Key: "new/team2/copied.txt" }))).Metadata).toEqual({
      kept: "yes",
    });
    // The primary now answers: a change on the fallback no longer shows.
    await put(a, oldBucket, "old/team2/copied.txt", "stale");
    expect(await text(s3, bucket, "team2/copied.txt")).toBe("copy me over");
    expect(await metrics()).toMatch(/s3router_copy_on_read_total\{route="team2",outcome="copied"\} [1-9]/);
  });

  it("does not copy on a HEAD", async () => {
    await put(a, oldBucket, "old/team2/headed.txt", "only headed");
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "team2/headed.txt" }));
    await copiesDone();
    expect(await holds(b, newBucket, "new/team2/headed.txt")).toBe(false);
  });

  it("prefers the primary when both stores hold the key", async () => {
    await Promise.all([
      put(a, oldBucket, "old/team2/both.txt", "old bytes"),
      put(b, newBucket, "new/team2/both.txt", "new bytes"),
    ]);
    expect(await text(s3, bucket, "team2/both.txt")).toBe("new bytes");
  });

  it("answers a key missing from both stores with the primary's NoSuchKey, in the caller's names", async () => {
    const error = await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "team2/nowhere.txt" })));
    expect([errorName(error), errorStatus(error)]).toEqual(["NoSuchKey", 404]);
    expect(JSON.stringify(error)).not.toContain(newBucket);
    expect(JSON.stringify(error)).not.toContain(oldBucket);
    const head = await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "team2/nowhere.txt" })));
    expect(errorStatus(head)).toBe(404);
  });

  it("streams a large object from the fallback", async () => {
    const data = Buffer.alloc(9 * 1024 * 1024 + 3);
    for (let i = 0; i < data.length; i += 512) data[i] = (i >> 9) & 0xff;
    await a.send(new PutObjectCommand({ Bucket: oldBucket, Key: "old/team2/large.bin", Body: data }));
    expect(sha(await readBody(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "team2/large.bin" }))))).toBe(
      sha(data),
    );
    await copiesDone();
    expect(
      sha(await readBody(await b.send(new GetObjectCommand({ Bucket: newBucket, Key: "new/team2/large.bin" })))),
    ).toBe(sha(data));
  });

  it("never falls back on a refusal (403), a failing primary (5xx) or a missing primary bucket", async () => {
    await Promise.all(
      ["refused/k.txt", "nobucket/k.txt", "failing/k.txt"].map((key) => put(a, oldBucket, key, "must not be served")),
    );
    const client = gw.client({ maxAttempts: 1 });
    const refused = await failure(client.send(new GetObjectCommand({ Bucket: bucket, Key: "refused/k.txt" })));
    expect(errorStatus(refused)).toBe(403);
    const refusedHead = await failure(client.send(new HeadObjectCommand({ Bucket: bucket, Key: "refused/k.txt" })));
    expect(errorStatus(refusedHead)).toBe(403);
    const noBucket = await failure(client.send(new GetObjectCommand({ Bucket: bucket, Key: "nobucket/k.txt" })));
    expect([errorName(noBucket), errorStatus(noBucket)]).toEqual(["NoSuchBucket", 404]);
    const slow = await failure(client.send(new GetObjectCommand({ Bucket: bucket, Key: "failing/k.txt" })));
    expect([errorName(slow), errorStatus(slow)]).toEqual(["SlowDown", 503]);
    const slowHead = await failure(client.send(new HeadObjectCommand({ Bucket: bucket, Key: "failing/k.txt" })));
    expect(errorStatus(slowHead)).toBe(503);
  });

  it("lets a copy-on-read finish when the gateway closes", async () => {
    await put(a, oldBucket, "old/team2/at-close.txt", "copied while closing");
    const closing = await startGateway(config);
    try {
      expect(await text(closing.client(), bucket, "team2/at-close.txt")).toBe("copied while closing");
    } finally {
      await closing.stop();
    }
    expect(await text(b, newBucket, "new/team2/at-close.txt")).toBe("copied while closing");
  });

  it("copies from a key only on the fallback (CopyObject through the library)", async () => {
    await put(a, oldBucket, "old/team2/copy-source.txt", "source on the fallback");
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "team1/copy.txt", CopySource: `${bucket}/team2/copy-source.txt` }),
    );
    expect(await text(a, bucket, "team1/copy.txt")).toBe("source on the fallback");
  });

  it("lists the keys of both stores as one listing", async () => {
    await Promise.all([put(a, oldBucket, "old/team2/list/a.txt", "a"), put(b, newBucket, "new/team2/list/b.txt", "b")]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "team2/list/" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["team2/list/a.txt", "team2/list/b.txt"]);
  });
});

describe("gateway: deletes reach every store", () => {
  it("DeleteObject removes the key from the fallback and the primary; it never reappears", async () => {
    await Promise.all([put(a, oldBucket, "old/team2/gone.txt", "old"), put(b, newBucket, "new/team2/gone.txt", "new")]);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "team2/gone.txt" }));
    expect([await holds(a, oldBucket, "old/team2/gone.txt"), await holds(b, newBucket, "new/team2/gone.txt")]).toEqual([
      false,
      false,
    ]);
    expect(errorStatus(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "team2/gone.txt" }))))).toBe(
      404,
    );
  });

  it("a delete racing a copy-on-read leaves the key deleted", async () => {
    await put(a, oldBucket, "old/team2/raced.txt", "read, then deleted");
    expect(await text(s3, bucket, "team2/raced.txt")).toBe("read, then deleted"); // starts a copy
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "team2/raced.txt" }));
    await copiesDone();
    expect([
      await holds(a, oldBucket, "old/team2/raced.txt"),
      await holds(b, newBucket, "new/team2/raced.txt"),
    ]).toEqual([false, false]);
    expect(errorStatus(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "team2/raced.txt" }))))).toBe(
      404,
    );
  });

  it("DeleteObjects removes the keys from both stores", async () => {
    await Promise.all([
      put(a, oldBucket, "old/team2/batch-1.txt", "1"),
      put(a, oldBucket, "old/team2/batch-2.txt", "2"),
      put(b, newBucket, "new/team2/batch-2.txt", "2"),
    ]);
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: "team2/batch-1.txt" }, { Key: "team2/batch-2.txt" }] },
      }),
    );
    expect(out.Errors ?? []).toEqual([]);
    expect(out.Deleted?.map((d) => d.Key).sort()).toEqual(["team2/batch-1.txt", "team2/batch-2.txt"]);
    const left = await Promise.all([
      holds(a, oldBucket, "old/team2/batch-1.txt"),
      holds(a, oldBucket, "old/team2/batch-2.txt"),
      holds(b, newBucket, "new/team2/batch-2.txt"),
    ]);
    expect(left).toEqual([false, false, false]);
  });

  it("DeleteObject on a mirrored profile removes the key from the mirror too", async () => {
    await put(s3, bucket, "mirrored/delete-me.txt", "twice stored");
    expect(await holds(a, mirrorBucket, "mirrored/delete-me.txt")).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "mirrored/delete-me.txt" }));
    expect([
      await holds(b, newBucket, "primary/mirrored/delete-me.txt"),
      await holds(a, mirrorBucket, "mirrored/delete-me.txt"),
    ]).toEqual([false, false]);
  });
});

describe("gateway: writes reach the mirror", () => {
  it("a PUT lands on the primary and the mirror, bytes and metadata", async () => {
    await put(s3, bucket, "mirrored/doc.txt", "written once, stored twice", {
      ContentType: "text/x-note",
      Metadata: { author: "gw" },
    });
    for (const [client, Bucket, Key] of [
      [b, newBucket, "primary/mirrored/doc.txt"],
      [a, mirrorBucket, "mirrored/doc.txt"],
    ] as const) {
      const got = await client.send(new GetObjectCommand({ Bucket, Key }));
      expect(got.ContentType).toBe("text/x-note");
      expect(got.Metadata).toEqual({ author: "gw" });
      expect(await readBody(got, "utf8")).toBe("written once, stored twice");
    }
  });

  it("a multipart upload (lib-storage) lands on both stores", async () => {
    const data = Buffer.alloc(11 * 1024 * 1024 + 5);
    for (let i = 0; i < data.length; i += 1024) data[i] = (i >> 10) & 0xff;
    const result = await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: "mirrored/big.bin", Body: Readable.from([data]) },
      partSize: 5 * 1024 * 1024,
    }).done();
    expect(result).toMatchObject({ Bucket: bucket, Key: "mirrored/big.bin" });
    expect(
      sha(await readBody(await b.send(new GetObjectCommand({ Bucket: newBucket, Key: "primary/mirrored/big.bin" })))),
    ).toBe(sha(data));
    expect(
      sha(await readBody(await a.send(new GetObjectCommand({ Bucket: mirrorBucket, Key: "mirrored/big.bin" })))),
    ).toBe(sha(data));
  });

  it("a CopyObject into a mirrored profile lands on both stores", async () => {
    await put(s3, bucket, "team1/to-mirror.txt", "copied into the mirrored profile");
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "mirrored/copied.txt",
        CopySource: `${bucket}/team1/to-mirror.txt`,
      }),
    );
    expect(await text(b, newBucket, "primary/mirrored/copied.txt")).toBe("copied into the mirrored profile");
    expect(await text(a, mirrorBucket, "mirrored/copied.txt")).toBe("copied into the mirrored profile");
  });

  it("a mirror that cannot be reached fails the PUT, the client told what holds it, the log naming the stores", async () => {
    const error = await failure(
      gw
        .client({ maxAttempts: 1 })
        .send(new PutObjectCommand({ Bucket: bucket, Key: "broken/x.txt", Body: "primary only" })),
    );
    expect([errorName(error), errorStatus(error)]).toEqual(["MirrorWriteFailed", 502]);
    expect(error?.message).toMatch(/reached the primary store but not its mirror/);
    // Which stores, where and why is the log's: the client sees no backend or physical name.
    expect(error?.message).not.toMatch(/"dead"|"b"|primary\//);
    // The primary has it: the error says so, and it is true.
    expect(await text(b, newBucket, "broken/x.txt")).toBe("primary only");
    expect(await metrics()).toMatch(/s3router_mirror_divergences_total\{route="broken",mirror="dead"\} 1\b/);
    const lines = gw.logs.filter((l) => l["event"] === "mirror-divergence" && l["key"] === "broken/x.txt");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, route: "broken", bucket, mirror: "dead", operation: "PutObject" });
    expect(lines[0]!["stores"]).toEqual([
      expect.objectContaining({ role: "primary", client: "b", state: "written" }),
      expect.objectContaining({ role: "mirror", client: "dead", state: "failed" }),
    ]);
  });

  it("answers a completion whose mirror is slow as S3 answers a long one: 200 at once, then the result", async () => {
    const data = Buffer.alloc(5 * 1024 * 1024 + 5, 7);
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
    const result = await new Upload({
      client,
      params: { Bucket: bucket, Key: "slow/big.bin", Body: Readable.from([data]) },
      partSize: 5 * 1024 * 1024,
    }).done();
    expect(result).toMatchObject({ Bucket: bucket, Key: "slow/big.bin" });
    expect(transfer).toEqual(["chunked"]);

    // The mirror fails, slowly: the 200 is sent already, so the failure is an <Error> body, which the SDK raises.
    const error = await failure(
      new Upload({
        client,
        params: { Bucket: bucket, Key: "slow/fail/big.bin", Body: Readable.from([data]) },
        partSize: 5 * 1024 * 1024,
      }).done(),
    );
    expect(errorName(error)).toBe("MirrorWriteFailed");
    expect(error?.message).toMatch(/reached the primary store but not its mirror/);
    expect(error?.message).not.toMatch(/mirror disk failed|"slow"/);
    expect(gw.logs.find((l) => l["event"] === "mirror-divergence" && l["key"] === "slow/fail/big.bin")).toMatchObject({
      mirror: "slow",
    });
    expect(await holds(b, newBucket, "slow/fail/big.bin")).toBe(true);
    expect(await metrics()).toMatch(/s3router_mirror_divergences_total\{route="slow",mirror="slow"\} 1\b/);
  }, 60_000);

  it("keeps reporting divergences after a reload (the new router is watched)", async () => {
    gw.gateway.reload(config);
    const error = await failure(
      gw.client({ maxAttempts: 1 }).send(new PutObjectCommand({ Bucket: bucket, Key: "broken/y.txt", Body: "again" })),
    );
    expect(errorName(error)).toBe("MirrorWriteFailed");
    expect(await metrics()).toMatch(/s3router_mirror_divergences_total\{route="broken",mirror="dead"\} 2\b/);
    expect(gw.logs.filter((l) => l["event"] === "mirror-divergence" && l["key"] === "broken/y.txt")).toHaveLength(1);
  });
});
