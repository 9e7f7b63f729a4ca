/**
 * @module test/integration/gateway-auth — requests the gateway must refuse, over the seed's split
 * bucket (X on rgwA, X's team2/* on rgwB in M under data/). Each asserts the S3 error code and
 * HTTP status, and that nothing reached any backend (checked with direct clients).
 */
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { flipChunkByte, s3ErrorCode, sendRaw, signedChunkedUpload } from "../support/chunked-body.js";
import { GATEWAY_USER, backendConfig, startGateway, type RunningGateway } from "../support/gateway.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
const X = uniqueBucket("gw-auth-x");
const M = uniqueBucket("gw-auth-m");
/** Buckets the scoped user may use: one per backend (M-side is a plain bucket on rgwB). */
const otherA = uniqueBucket("other-a");
const otherB = uniqueBucket("other-b");

const SCOPED = { accessKeyId: "GWSCOPED", secretAccessKey: "scoped-secret-0123456789", buckets: ["other-*"] };
const READER = { accessKeyId: "GWREADER", secretAccessKey: "reader-secret-0123456789", readOnly: true };

let gw: RunningGateway;

/** Objects every test may read: one per backend. */
const EXISTING = { team1: "team1/existing.txt", team2: "team2/existing.txt" } as const;

beforeAll(async () => {
  await Promise.all([createBuckets(a, [X, otherA]), createBuckets(b, [M, otherB])]);
  await Promise.all([
    a.send(new PutObjectCommand({ Bucket: X, Key: EXISTING.team1, Body: "existing on A" })),
    b.send(new PutObjectCommand({ Bucket: M, Key: `data/${EXISTING.team2}`, Body: "existing on B" })),
  ]);
  gw = await startGateway({
    clients: { default: backendConfig(rgwA), minio: backendConfig(rgwB) },
    profiles: {
      minio: { source_bucket_pattern: X, source_key_pattern: "team2/*", mapped_bucket_name: M, mapped_prefix: "data/" },
      otherb: { client: "minio", source_bucket_pattern: otherB },
    },
    gateway: { users: [GATEWAY_USER, SCOPED, READER] },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([
    emptyAndDeleteBucket(a, X),
    emptyAndDeleteBucket(a, otherA),
    emptyAndDeleteBucket(b, M),
    emptyAndDeleteBucket(b, otherB),
  ]);
  a.destroy();
  b.destroy();
});

/** Every key physically in the test's buckets on both backends. */
async function allPhysicalKeys(): Promise<string[]> {
  const list = async (client: S3Client, Bucket: string) => {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
      keys.push(...(page.Contents ?? []).map((c) => `${Bucket}/${c.Key!}`));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys;
  };
  return (await Promise.all([list(a, X), list(a, otherA), list(b, M), list(b, otherB)])).flat();
}

/**
 * Asserts that no backend holds an object whose key contains `name`: not where the route puts it,
 * nor anywhere else in the test's buckets on either backend.
 */
async function expectNowhere(name: string): Promise<void> {
  const found = (await allPhysicalKeys()).filter((k) => k.includes(name));
  expect(found).toEqual([]);
  // And by HEAD where routing would put each variant, which also catches an unlisted object.
  for (const [client, Bucket, Key] of [
    [a, X, `team1/${name}`],
    [a, X, `team2/${name}`],
    [b, M, `data/team2/${name}`],
  ] as const) {
    const error = await client.send(new HeadObjectCommand({ Bucket, Key })).catch((e: unknown) => e);
    expect(errorName(error)).toBe("NotFound");
  }
}

/** The S3 error of an SDK call that must fail. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string | undefined; status: number | undefined }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the request should have been refused").toBeDefined();
  return { code: errorName(error), status: errorStatus(error) };
}

const unique = (label: string) => `${label}-${randomBytes(4).toString("hex")}.bin`;

describe("gateway authentication", () => {
  it("refuses a wrong secret with SignatureDoesNotMatch (403), writing nothing", async () => {
    const s3 = gw.client({
      user: { accessKeyId: GATEWAY_USER.accessKeyId, secretAccessKey: "not-the-secret" },
      maxAttempts: 1,
    });
    for (const prefix of ["team1", "team2"]) {
      const name = unique(`wrong-secret-${prefix}`);
      expect(await refusal(s3.send(new PutObjectCommand({ Bucket: X, Key: `${prefix}/${name}`, Body: "x" })))).toEqual({
        code: "SignatureDoesNotMatch",
        status: 403,
      });
      await expectNowhere(name);
    }
    expect(await refusal(s3.send(new GetObjectCommand({ Bucket: X, Key: EXISTING.team2 })))).toEqual({
      code: "SignatureDoesNotMatch",
      status: 403,
    });
  });

  it("refuses an unknown access key with InvalidAccessKeyId (403), writing nothing", async () => {
    const s3 = gw.client({
      user: { accessKeyId: "NOSUCHKEY", secretAccessKey: GATEWAY_USER.secretAccessKey },
      maxAttempts: 1,
    });
    const name = unique("unknown-key");
    expect(await refusal(s3.send(new PutObjectCommand({ Bucket: X, Key: `team2/${name}`, Body: "x" })))).toEqual({
      code: "InvalidAccessKeyId",
      status: 403,
    });
    await expectNowhere(name);
    // The backends' own keys are not the gateway's.
    const backendKey = gw.client({
      user: { accessKeyId: rgwA.accessKeyId, secretAccessKey: rgwA.secretAccessKey },
      maxAttempts: 1,
    });
    expect(await refusal(backendKey.send(new ListBucketsCommand({})))).toEqual({
      code: "InvalidAccessKeyId",
      status: 403,
    });
  });

  describe("signed aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)", () => {
    const data = randomBytes(200 * 1024 + 17); // 4 chunks of 64 KiB and a short one
    const upload = (key: string, extra: { secretAccessKey?: string } = {}) =>
      signedChunkedUpload({ endpoint: gw.url, bucket: X, key, data, ...GATEWAY_USER, ...extra, chunkSize: 64 * 1024 });

    it("accepts a correctly signed one on both backends (the encoder is right)", async () => {
      const keys = { team1: `team1/${unique("chunked-ok")}`, team2: `team2/${unique("chunked-ok")}` };
      for (const key of Object.values(keys)) {
        const req = upload(key);
        expect(req.chunks.length).toBe(4);
        const res = await sendRaw(req.url, { method: "PUT", headers: req.headers, body: req.body });
        expect(res.status, res.text).toBe(200);
        const back = await readBody(await gw.client().send(new GetObjectCommand({ Bucket: X, Key: key })));
        expect(back.equals(data)).toBe(true);
      }
      // Decoded on the way: the backends hold the plain payload, each where its route puts it.
      expect((await readBody(await a.send(new GetObjectCommand({ Bucket: X, Key: keys.team1 })))).equals(data)).toBe(
        true,
      );
      expect(
        (await readBody(await b.send(new GetObjectCommand({ Bucket: M, Key: `data/${keys.team2}` })))).equals(data),
      ).toBe(true);
    });

    it("refuses a flipped byte in the 2nd chunk with SignatureDoesNotMatch (403), writing nothing", async () => {
      for (const prefix of ["team1", "team2"]) {
        const name = unique(`chunked-tampered-${prefix}`);
        const req = upload(`${prefix}/${name}`);
        const res = await sendRaw(req.url, { method: "PUT", headers: req.headers, body: flipChunkByte(req, 1, 100) });
        expect(res.status, res.text).toBe(403);
        expect(res.code).toBe("SignatureDoesNotMatch");
        await expectNowhere(name);
      }
    });

    it("refuses a flipped byte in the last data chunk, or a bad final (empty) chunk signature, writing nothing", async () => {
      // The last chunk is where a backend could get every byte of content-length before the
      // gateway knows the body is bad; the gateway must hold the last piece back.
      const name = unique("chunked-last");
      const req = upload(`team2/${name}`);
      const last = await sendRaw(req.url, {
        method: "PUT",
        headers: req.headers,
        body: flipChunkByte(req, req.chunks.length - 1, 5),
      });
      expect([last.status, last.code], last.text).toEqual([403, "SignatureDoesNotMatch"]);
      await expectNowhere(name);

      const body = Buffer.from(req.body);
      const finalSig = body.lastIndexOf(Buffer.from("0;chunk-signature=")) + "0;chunk-signature=".length;
      body[finalSig] = body[finalSig] === 0x61 ? 0x62 : 0x61; // another hex digit
      const final = await sendRaw(req.url, { method: "PUT", headers: req.headers, body });
      expect([final.status, final.code], final.text).toEqual([403, "SignatureDoesNotMatch"]);
      await expectNowhere(name);
    });

    it("refuses a body shorter than its signed x-amz-decoded-content-length, writing nothing", async () => {
      const name = unique("chunked-short");
      const req = signedChunkedUpload({
        endpoint: gw.url,
        bucket: X,
        key: `team2/${name}`,
        data,
        ...GATEWAY_USER,
        headers: { "x-amz-decoded-content-length": String(data.length + 10) },
      });
      const res = await sendRaw(req.url, { method: "PUT", headers: req.headers, body: req.body });
      expect([res.status, res.code], res.text).toEqual([400, "IncompleteBody"]);
      await expectNowhere(name);
    });

    it("refuses a wrong chunk signature, or chunks signed with another secret, writing nothing", async () => {
      const name = unique("chunked-badsig");
      const req = upload(`team2/${name}`);
      // The third chunk's signature replaced with the second's.
      const body = Buffer.from(req.body);
      const third = req.chunks[2]!;
      const sigAt = body.lastIndexOf(Buffer.from(third.signature), third.start);
      body.write(req.chunks[1]!.signature, sigAt, "latin1");
      const res = await sendRaw(req.url, { method: "PUT", headers: req.headers, body });
      expect([res.status, res.code]).toEqual([403, "SignatureDoesNotMatch"]);

      // Valid request headers, but chunks signed with another secret: the first chunk fails.
      const other = upload(`team2/${name}`, { secretAccessKey: "someone-else" });
      const mixed = await sendRaw(req.url, { method: "PUT", headers: req.headers, body: other.body });
      expect([mixed.status, mixed.code]).toEqual([403, "SignatureDoesNotMatch"]);
      await expectNowhere(name);
    });
  });

  describe("presigned URLs", () => {
    it("refuses an expired one with AccessDenied (403)", async () => {
      const s3 = gw.client();
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: X, Key: EXISTING.team2 }), { expiresIn: 1 });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(s3ErrorCode(await res.text())).toBe("AccessDenied");
    });

    it("refuses a PUT URL signed in the past, writing nothing; a fresh one works", async () => {
      const s3 = gw.client();
      const name = unique("presigned-put");
      const stale = await getSignedUrl(s3, new PutObjectCommand({ Bucket: X, Key: `team2/${name}` }), {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 3600_000),
      });
      const res = await fetch(stale, { method: "PUT", body: "stale" });
      expect(res.status).toBe(403);
      expect(s3ErrorCode(await res.text())).toBe("AccessDenied");
      await expectNowhere(name);

      const fresh = await getSignedUrl(s3, new PutObjectCommand({ Bucket: X, Key: `team2/${name}` }), {
        expiresIn: 60,
      });
      expect((await fetch(fresh, { method: "PUT", body: "fresh" })).status).toBe(200);
      expect(await readBody(await b.send(new GetObjectCommand({ Bucket: M, Key: `data/team2/${name}` })), "utf8")).toBe(
        "fresh",
      );
    });
  });

  it("refuses a client whose clock is 20 minutes behind with RequestTimeTooSkewed (403), writing nothing", async () => {
    const s3 = gw.client({ systemClockOffset: -20 * 60 * 1000, maxAttempts: 1 });
    const name = unique("skewed");
    expect(await refusal(s3.send(new PutObjectCommand({ Bucket: X, Key: `team1/${name}`, Body: "late" })))).toEqual({
      code: "RequestTimeTooSkewed",
      status: 403,
    });
    await expectNowhere(name);
  });

  describe("a user limited to other-* buckets", () => {
    const scoped = () => gw.client({ user: SCOPED, maxAttempts: 1 });

    it("is refused X with AccessDenied (403), for reads and writes, writing nothing", async () => {
      const s3 = scoped();
      const name = unique("scoped");
      expect(await refusal(s3.send(new PutObjectCommand({ Bucket: X, Key: `team2/${name}`, Body: "x" })))).toEqual({
        code: "AccessDenied",
        status: 403,
      });
      expect(await refusal(s3.send(new GetObjectCommand({ Bucket: X, Key: EXISTING.team1 })))).toEqual({
        code: "AccessDenied",
        status: 403,
      });
      expect(await refusal(s3.send(new ListObjectsV2Command({ Bucket: X })))).toEqual({
        code: "AccessDenied",
        status: 403,
      });
      // Nor may it read X as a copy source into a bucket of its own.
      expect(
        await refusal(
          s3.send(new CopyObjectCommand({ Bucket: otherA, Key: name, CopySource: `${X}/${EXISTING.team1}` })),
        ),
      ).toEqual({
        code: "AccessDenied",
        status: 403,
      });
      await expectNowhere(name);
    });

    it("works in its own buckets, and ListBuckets shows it only other-* buckets", async () => {
      const s3 = scoped();
      await s3.send(new PutObjectCommand({ Bucket: otherA, Key: "mine.txt", Body: "mine" }));
      await s3.send(new PutObjectCommand({ Bucket: otherB, Key: "mine.txt", Body: "mine too" }));
      expect(await readBody(await b.send(new GetObjectCommand({ Bucket: otherB, Key: "mine.txt" })), "utf8")).toBe(
        "mine too",
      );
      const names = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((x) => x.Name!);
      expect(names).toContain(otherA);
      expect(names).toContain(otherB);
      expect(names).not.toContain(X);
      expect(names.filter((n) => !n.startsWith("other-"))).toEqual([]);
      // The unrestricted user sees X (and the other-* buckets) in the same listing.
      const all = ((await gw.client().send(new ListBucketsCommand({}))).Buckets ?? []).map((x) => x.Name!);
      expect(all).toEqual(expect.arrayContaining([X, otherA, otherB]));
    });
  });

  describe("a read-only user", () => {
    const reader = () => gw.client({ user: READER, maxAttempts: 1 });

    it("reads, lists and HEADs on both backends", async () => {
      const s3 = reader();
      expect(await readBody(await s3.send(new GetObjectCommand({ Bucket: X, Key: EXISTING.team1 })), "utf8")).toBe(
        "existing on A",
      );
      expect(await readBody(await s3.send(new GetObjectCommand({ Bucket: X, Key: EXISTING.team2 })), "utf8")).toBe(
        "existing on B",
      );
      expect((await s3.send(new HeadObjectCommand({ Bucket: X, Key: EXISTING.team2 }))).ContentLength).toBe(13);
      const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: X, Prefix: "team" }))).Contents ?? []).map(
        (c) => c.Key,
      );
      expect(keys).toEqual(expect.arrayContaining([EXISTING.team1, EXISTING.team2]));
    });

    it("is refused PutObject, DeleteObject, CopyObject and CreateMultipartUpload with AccessDenied (403); nothing changes", async () => {
      const s3 = reader();
      const name = unique("reader");
      const denied = { code: "AccessDenied", status: 403 };
      expect(await refusal(s3.send(new PutObjectCommand({ Bucket: X, Key: `team2/${name}`, Body: "x" })))).toEqual(
        denied,
      );
      expect(await refusal(s3.send(new PutObjectCommand({ Bucket: X, Key: `team1/${name}`, Body: "x" })))).toEqual(
        denied,
      );
      expect(
        await refusal(
          s3.send(new CopyObjectCommand({ Bucket: X, Key: `team2/${name}`, CopySource: `${X}/${EXISTING.team2}` })),
        ),
      ).toEqual(denied);
      expect(
        await refusal(
          s3.send(new CopyObjectCommand({ Bucket: X, Key: `team1/${name}`, CopySource: `${X}/${EXISTING.team2}` })),
        ),
      ).toEqual(denied);
      expect(await refusal(s3.send(new CreateMultipartUploadCommand({ Bucket: X, Key: `team2/${name}` })))).toEqual(
        denied,
      );
      expect(await refusal(s3.send(new DeleteObjectCommand({ Bucket: X, Key: EXISTING.team2 })))).toEqual(denied);
      expect(await refusal(s3.send(new DeleteObjectCommand({ Bucket: X, Key: EXISTING.team1 })))).toEqual(denied);
      await expectNowhere(name);
      // The objects it tried to delete are still there, on their backends.
      expect(
        await readBody(await b.send(new GetObjectCommand({ Bucket: M, Key: `data/${EXISTING.team2}` })), "utf8"),
      ).toBe("existing on B");
      expect(await readBody(await a.send(new GetObjectCommand({ Bucket: X, Key: EXISTING.team1 })), "utf8")).toBe(
        "existing on A",
      );
    });
  });

  it("refuses anonymous requests with AccessDenied (403), writing nothing", async () => {
    const get = await fetch(`${gw.url}/${X}/${EXISTING.team2}`);
    expect(get.status).toBe(403);
    expect(s3ErrorCode(await get.text())).toBe("AccessDenied");

    const list = await fetch(`${gw.url}/`);
    expect(list.status).toBe(403);
    expect(s3ErrorCode(await list.text())).toBe("AccessDenied");

    for (const prefix of ["team1", "team2"]) {
      const name = unique(`anonymous-${prefix}`);
      const put = await sendRaw(`${gw.url}/${X}/${prefix}/${name}`, {
        method: "PUT",
        headers: { "content-type": "text/plain", "content-length": "9" },
        body: "anonymous",
      });
      expect([put.status, put.code]).toEqual([403, "AccessDenied"]);
      await expectNowhere(name);
    }
  });
});
