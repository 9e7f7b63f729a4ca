/**
 * @module test/unit/spanning-ops — DeleteObjects, ListBuckets, CopyObject and UploadPartCopy over
 * several backends, on fake backends: how requests are split, what each backend is asked, and how
 * the answers merge back in the caller's names. Real-server behaviour (streams, multipart, memory)
 * is proven in test/integration/spanning-ops.test.ts.
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  S3Client,
  UploadPartCopyCommand,
  type DeleteObjectsCommandInput,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createS3Router, CrossBackendError, type S3RouterOptions } from "../../src/index.js";
import { isInvalidTokenError } from "../../src/errors.js";
import { PreconditionFailed } from "../../src/errors.js";
import { compareUtf8 } from "../../src/spanning/list-buckets.js";
import { fakeBackend, type Recorded } from "../support/fake-backend.js";

const SEED_PROFILES = {
  minio: {
    source_bucket_pattern: "example-bucket",
    source_key_pattern: "team2/*",
    mapped_bucket_name: "minio-bucket",
    mapped_prefix: "data/",
  },
} as const;

function seedRouter(
  respondMinio?: (c: Recorded) => unknown,
  respondAws?: (c: Recorded) => unknown,
  extra: Partial<S3RouterOptions> = {},
) {
  const minio = fakeBackend(respondMinio);
  const aws = fakeBackend(respondAws);
  const router = createS3Router({ clients: { minio, default: aws }, profiles: SEED_PROFILES, ...extra });
  return { router, minio, aws };
}

/** A DeleteObjects answer that deletes every object it was asked to (non-quiet). */
const deleteAll = (call: Recorded) => {
  const del = call.input["Delete"] as { Objects: Array<{ Key: string; VersionId?: string }>; Quiet?: boolean };
  return del.Quiet ? {} : { Deleted: del.Objects.map((o) => ({ ...o })) };
};

const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

describe("DeleteObjects across backends", () => {
  it("sends one request per backend bucket with physical keys, and merges in the caller's order and names", async () => {
    const { router, minio, aws } = seedRouter(deleteAll, deleteAll);
    const input = deepFreeze({
      Bucket: "example-bucket",
      MFA: "serial 123456",
      ExpectedBucketOwner: "111122223333",
      BypassGovernanceRetention: true,
      Delete: {
        Objects: [{ Key: "team1/a" }, { Key: "team2/b", VersionId: "v1" }, { Key: "team3/c" }, { Key: "team2/d" }],
      },
    }) satisfies DeleteObjectsCommandInput;
    const out = await router.send(new DeleteObjectsCommand(input));

    expect(minio.calls).toHaveLength(1);
    expect(minio.calls[0]!.input).toMatchObject({
      Bucket: "minio-bucket",
      MFA: "serial 123456",
      ExpectedBucketOwner: "111122223333",
      BypassGovernanceRetention: true,
      Delete: { Objects: [{ Key: "data/team2/b", VersionId: "v1" }, { Key: "data/team2/d" }] },
    });
    expect(aws.calls).toHaveLength(1);
    expect(aws.calls[0]!.input).toMatchObject({
      Bucket: "example-bucket",
      MFA: "serial 123456",
      Delete: { Objects: [{ Key: "team1/a" }, { Key: "team3/c" }] },
    });
    expect(out.Deleted).toEqual([
      { Key: "team1/a" },
      { Key: "team2/b", VersionId: "v1" },
      { Key: "team3/c" },
      { Key: "team2/d" },
    ]);
    expect(out.Errors).toBeUndefined();
    expect(out.$metadata.httpStatusCode).toBe(200);
  });

  it("takes S3's 1000 keys across backends, one request each, and refuses 1001 before sending any", async () => {
    const { router, minio, aws } = seedRouter(deleteAll, deleteAll);
    const team2 = Array.from({ length: 998 }, (_, i) => ({ Key: `team2/${String(i).padStart(4, "0")}` }));
    const objects = [{ Key: "team1/x" }, ...team2, { Key: "team3/y" }];
    const out = await router.send(new DeleteObjectsCommand({ Bucket: "example-bucket", Delete: { Objects: objects } }));
    const sizes = minio.calls.map((c) => (c.input["Delete"] as { Objects: unknown[] }).Objects.length);
    expect(sizes).toEqual([998]);
    expect(aws.calls).toHaveLength(1);
    expect(out.Deleted!.map((d) => d.Key)).toEqual(objects.map((o) => o.Key));

    const tooMany = [...objects, { Key: "team2/one-more" }];
    await expect(
      router.send(new DeleteObjectsCommand({ Bucket: "example-bucket", Delete: { Objects: tooMany } })),
    ).rejects.toMatchObject({ name: "MalformedXML", $metadata: { httpStatusCode: 400 } });
    expect(minio.calls).toHaveLength(1);
    expect(aws.calls).toHaveLength(1);
  });

  it("reports every key of a failing backend in Errors while the others are deleted", async () => {
    const denied = Object.assign(new Error("connect ECONNREFUSED"), { name: "AccessDenied" });
    const { router } = seedRouter(() => denied, deleteAll);
    const out = await router.send(
      new DeleteObjectsCommand({
        Bucket: "example-bucket",
        Delete: { Objects: [{ Key: "team2/a", VersionId: "v9" }, { Key: "team1/b" }, { Key: "team2/c" }] },
      }),
    );
    expect(out.Deleted).toEqual([{ Key: "team1/b" }]);
    expect(out.Errors).toEqual([
      { Key: "team2/a", VersionId: "v9", Code: "AccessDenied", Message: "connect ECONNREFUSED" },
      { Key: "team2/c", Code: "AccessDenied", Message: "connect ECONNREFUSED" },
    ]);
  });

  it("calls an error without a name of its own InternalError", async () => {
    const { router } = seedRouter(() => new Error("socket hang up"), deleteAll);
    const out = await router.send(
      new DeleteObjectsCommand({
        Bucket: "example-bucket",
        Delete: { Objects: [{ Key: "team2/a" }, { Key: "team1/b" }] },
      }),
    );
    expect(out.Errors).toEqual([{ Key: "team2/a", Code: "InternalError", Message: "socket hang up" }]);
  });

  it("maps per-key Errors of a backend back to the caller's keys", async () => {
    const { router } = seedRouter(
      () => ({
        Deleted: [{ Key: "data/team2/ok" }],
        Errors: [{ Key: "data/team2/locked", Code: "AccessDenied", Message: "locked" }],
      }),
      deleteAll,
    );
    const out = await router.send(
      new DeleteObjectsCommand({
        Bucket: "example-bucket",
        Delete: { Objects: [{ Key: "team2/locked" }, { Key: "team1/x" }, { Key: "team2/ok" }] },
      }),
    );
    expect(out.Deleted).toEqual([{ Key: "team1/x" }, { Key: "team2/ok" }]);
    expect(out.Errors).toEqual([{ Key: "team2/locked", Code: "AccessDenied", Message: "locked" }]);
  });

  it("passes Quiet to every backend, which then reports errors only", async () => {
    const { router, minio, aws } = seedRouter(
      () => ({ Errors: [{ Key: "data/team2/b", Code: "AccessDenied" }] }),
      deleteAll,
    );
    const out = await router.send(
      new DeleteObjectsCommand({
        Bucket: "example-bucket",
        Delete: { Quiet: true, Objects: [{ Key: "team1/a" }, { Key: "team2/b" }] },
      }),
    );
    expect(minio.calls[0]!.input["Delete"]).toMatchObject({ Quiet: true });
    expect(aws.calls[0]!.input["Delete"]).toMatchObject({ Quiet: true });
    expect(out.Deleted).toBeUndefined();
    expect(out.Errors).toEqual([{ Key: "team2/b", Code: "AccessDenied" }]);
  });

  it("maps keys exactly when one backend bucket holds routes with different prefixes", async () => {
    const minio = fakeBackend(deleteAll);
    const aws = fakeBackend(deleteAll);
    const router = createS3Router({
      clients: { minio, other: minio, default: aws },
      routes: [
        {
          name: "minio",
          client: "minio",
          source_bucket_pattern: "b",
          source_key_pattern: "team2/*",
          mapped_bucket_name: "m",
          mapped_prefix: "data/",
        },
        // Caller key "data/team2/x" of this route is the same backend object as "team2/x" above.
        {
          name: "other",
          client: "other",
          source_bucket_pattern: "b",
          source_key_pattern: "data/*",
          mapped_bucket_name: "m",
        },
      ],
    });
    const out = await router.send(
      new DeleteObjectsCommand({
        Bucket: "b",
        Delete: { Objects: [{ Key: "team2/x" }, { Key: "plain" }, { Key: "data/team2/x" }, { Key: "data/y" }] },
      }),
    );
    expect(minio.calls).toHaveLength(1);
    expect((minio.calls[0]!.input["Delete"] as { Objects: unknown[] }).Objects).toEqual([
      { Key: "data/team2/x" },
      { Key: "data/team2/x" },
      { Key: "data/y" },
    ]);
    expect(out.Deleted!.map((d) => d.Key)).toEqual(["team2/x", "plain", "data/team2/x", "data/y"]);
  });
});

describe("ListBuckets across backends", () => {
  const d = (day: number) => new Date(Date.UTC(2024, 0, day));

  function bucketsRouter(minioBuckets: unknown, awsBuckets: unknown) {
    const minio = fakeBackend((c) => (c.command === "ListBucketsCommand" ? minioBuckets : {}));
    const aws = fakeBackend((c) => (c.command === "ListBucketsCommand" ? awsBuckets : {}));
    const router = createS3Router({
      clients: { minio, "us-east": minio, default: aws },
      profiles: { ...SEED_PROFILES, "us-east": { source_bucket_pattern: "us-east-bucket" } },
    });
    return { router, minio, aws };
  }

  const minioAnswer = {
    Buckets: [
      { Name: "minio-bucket", CreationDate: d(1) }, // is example-bucket's team2/*
      { Name: "us-east-bucket", CreationDate: d(5) },
      { Name: "example-bucket", CreationDate: d(6) }, // the router sends example-bucket elsewhere
      { Name: "stray", CreationDate: d(7) }, // unnamed "stray" goes to the default backend
    ],
    Owner: { ID: "minio-owner" },
  };
  const awsAnswer = {
    Buckets: [
      { Name: "zeta", CreationDate: d(9) },
      { Name: "example-bucket", CreationDate: d(3) },
      { Name: "us-east-bucket", CreationDate: d(4) }, // shadowed by the us-east profile
      { Name: "us-west-bucket", CreationDate: d(2), BucketRegion: "us-west-1" },
    ],
    Owner: { ID: "aws-owner", DisplayName: "aws" },
  };

  it("lists what the caller can address, in the caller's names, once each, sorted, with the default's Owner", async () => {
    const { router, minio, aws } = bucketsRouter(minioAnswer, awsAnswer);
    const out = await router.send(new ListBucketsCommand({}));
    expect(out.Buckets).toEqual([
      { Name: "example-bucket", CreationDate: d(1) },
      { Name: "us-east-bucket", CreationDate: d(5) },
      { Name: "us-west-bucket", CreationDate: d(2), BucketRegion: "us-west-1" },
      { Name: "zeta", CreationDate: d(9) },
    ]);
    expect(out.Owner).toEqual({ ID: "aws-owner", DisplayName: "aws" });
    expect(out.ContinuationToken).toBeUndefined();
    // "minio" and "us-east" share one client: asked once.
    expect(minio.calls).toHaveLength(1);
    expect(aws.calls).toHaveLength(1);
    expect(minio.calls[0]!.input).toEqual({});
  });

  it("applies Prefix, and pages with MaxBuckets and sealed continuation tokens", async () => {
    const { router } = bucketsRouter(minioAnswer, awsAnswer);
    expect((await router.send(new ListBucketsCommand({ Prefix: "us-" }))).Buckets!.map((b) => b.Name)).toEqual([
      "us-east-bucket",
      "us-west-bucket",
    ]);

    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await router.send(
        new ListBucketsCommand({ MaxBuckets: 1, Prefix: "", ...(token ? { ContinuationToken: token } : {}) }),
      );
      expect(page.Prefix).toBe("");
      names.push(...page.Buckets!.map((b) => b.Name!));
      token = page.ContinuationToken;
      pages++;
    } while (token);
    expect(names).toEqual(["example-bucket", "us-east-bucket", "us-west-bucket", "zeta"]);
    expect(pages).toBe(4);

    const first = await router.send(new ListBucketsCommand({ MaxBuckets: 3 }));
    expect(first.ContinuationToken).toBeTypeOf("string");
    const error = await router
      .send(new ListBucketsCommand({ Prefix: "z", ContinuationToken: first.ContinuationToken! }))
      .catch((e: unknown) => e);
    expect(isInvalidTokenError(error)).toBe(true);
    await expect(router.send(new ListBucketsCommand({ MaxBuckets: 0 }))).rejects.toMatchObject({
      name: "InvalidArgument",
    });
  });

  it("follows a backend's own continuation tokens", async () => {
    let calls = 0;
    const minio = fakeBackend((c) => {
      calls++;
      return c.input["ContinuationToken"] === undefined
        ? { Buckets: [{ Name: "minio-bucket", CreationDate: d(1) }], ContinuationToken: "next" }
        : { Buckets: [{ Name: "m2", CreationDate: d(1) }] };
    });
    const router = createS3Router({
      clients: { minio, default: fakeBackend(() => ({ Buckets: [] })) },
      profiles: { ...SEED_PROFILES, m2: { source_bucket_pattern: "m2", client: "minio" } },
    });
    const out = await router.send(new ListBucketsCommand({}));
    expect(calls).toBe(2);
    expect(out.Buckets!.map((b) => b.Name)).toEqual(["example-bucket", "m2"]);
  });

  it("fails rather than answer without a backend's buckets", async () => {
    const { router } = bucketsRouter(Object.assign(new Error("down"), { name: "ServiceUnavailable" }), awsAnswer);
    await expect(router.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: "ServiceUnavailable" });
  });

  it("orders names by UTF-8 bytes, like S3", () => {
    expect(["b", "\u{1F600}", "\uFFFD", "a"].sort(compareUtf8)).toEqual(["a", "b", "\uFFFD", "\u{1F600}"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Copies: the fake backend here also reads stream bodies (the shared one clones inputs, which a
// stream cannot be).

interface StreamCall {
  readonly command: string;
  readonly input: Record<string, unknown>;
  readonly body: Buffer | undefined;
}
type StreamClient = S3Client & { calls: StreamCall[] };

function streamFake(respond: (call: StreamCall) => unknown): StreamClient {
  const client = new S3Client({
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
  }) as StreamClient;
  client.calls = [];
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = { ...(args.input as Record<string, unknown>) };
      const body = input["Body"];
      delete input["Body"];
      const bytes =
        body === undefined
          ? undefined
          : body instanceof Readable
            ? await readAll(body)
            : Buffer.from(body as Uint8Array);
      const call = { command: String(context.commandName), input, body: bytes };
      client.calls.push(call);
      const output = respond(call);
      if (output instanceof Error) throw output;
      return { output: { $metadata: {}, ...(output as object) }, response: {} };
    },
    { step: "serialize", name: "streamFake", priority: "high" },
  );
  return client;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** A stream of `size` bytes (value i % 251) in 64 KiB chunks, failing after `failAt` bytes if set. */
function sourceStream(size: number, failAt?: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (failAt !== undefined && sent >= failAt) {
        this.destroy(new Error("source connection reset"));
        return;
      }
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(64 * 1024, size - sent);
      const chunk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) chunk[i] = (sent + i) % 251;
      sent += n;
      this.push(chunk);
    },
  });
}

const MiB = 1024 * 1024;
const lastModified = new Date(Date.UTC(2024, 4, 1));

function copyRouter(source: (call: StreamCall) => unknown, options: Partial<S3RouterOptions> = {}) {
  const minio = streamFake(source);
  const aws = streamFake((call) => {
    switch (call.command) {
      case "PutObjectCommand":
        return { ETag: '"put-etag"', VersionId: "dest-v1", ServerSideEncryption: "AES256" };
      case "CreateMultipartUploadCommand":
        return { UploadId: "up-1" };
      case "UploadPartCommand":
        return { ETag: `"part-${String(call.input["PartNumber"])}"` };
      case "CompleteMultipartUploadCommand":
        return { ETag: '"multi-etag-3"', VersionId: "dest-v2" };
      case "HeadObjectCommand":
        return { LastModified: lastModified };
      default:
        return {};
    }
  });
  const router = createS3Router({ clients: { minio, default: aws }, profiles: SEED_PROFILES, ...options });
  return { router, minio, aws };
}

const sourceObject =
  (size: number, extra: Record<string, unknown> = {}) =>
  (call: StreamCall) => {
    if (call.command === "GetObjectTaggingCommand")
      return {
        TagSet: [
          { Key: "team", Value: "two & more" },
          { Key: "k=", Value: "ü" },
        ],
      };
    return {
      Body: sourceStream(size),
      ContentLength: size,
      ContentType: "text/plain",
      CacheControl: "max-age=60",
      ContentDisposition: "inline",
      Metadata: { owner: "team2" },
      VersionId: "src-v7",
      TagCount: 2,
      ...extra,
    };
  };

describe("CopyObject across backends", () => {
  it("streams a small object with PutObject, copying metadata and tags, and answers like CopyObject", async () => {
    const { router, minio, aws } = copyRouter(sourceObject(1000));
    const input = deepFreeze({
      Bucket: "example-bucket",
      Key: "team1/copy",
      CopySource: "example-bucket/team2/src?versionId=src-v7",
      CopySourceIfMatch: '"abc"',
      ACL: "private",
      StorageClass: "STANDARD_IA",
      ContentType: "ignored/with-copy",
    } as const);
    const out = await router.send(new CopyObjectCommand(input));

    expect(minio.calls.map((c) => c.command)).toEqual(["GetObjectCommand", "GetObjectTaggingCommand"]);
    expect(minio.calls[0]!.input).toMatchObject({
      Bucket: "minio-bucket",
      Key: "data/team2/src",
      VersionId: "src-v7",
      IfMatch: '"abc"',
    });
    expect(minio.calls[1]!.input).toMatchObject({ Bucket: "minio-bucket", Key: "data/team2/src", VersionId: "src-v7" });
    expect(aws.calls.map((c) => c.command)).toEqual(["PutObjectCommand", "HeadObjectCommand"]);
    const put = aws.calls[0]!;
    expect(put.input).toMatchObject({
      Bucket: "example-bucket",
      Key: "team1/copy",
      ContentLength: 1000,
      ContentType: "text/plain",
      CacheControl: "max-age=60",
      ContentDisposition: "inline",
      Metadata: { owner: "team2" },
      ACL: "private",
      StorageClass: "STANDARD_IA",
      Tagging: "team=two%20%26%20more&k%3D=%C3%BC",
    });
    expect(put.body).toEqual(await readAll(sourceStream(1000)));
    expect(aws.calls[1]!.input).toMatchObject({ Bucket: "example-bucket", Key: "team1/copy", VersionId: "dest-v1" });
    expect(out).toEqual({
      CopyObjectResult: { ETag: '"put-etag"', LastModified: lastModified },
      VersionId: "dest-v1",
      CopySourceVersionId: "src-v7",
      ServerSideEncryption: "AES256",
      $metadata: { httpStatusCode: 200 },
    });
  });

  it("takes metadata and tags from the request with the REPLACE directives, and skips GetObjectTagging", async () => {
    const { router, minio, aws } = copyRouter(sourceObject(10));
    await router.send(
      new CopyObjectCommand({
        Bucket: "example-bucket",
        Key: "team1/copy",
        CopySource: "example-bucket/team2/src",
        MetadataDirective: "REPLACE",
        ContentType: "application/json",
        Metadata: { fresh: "yes" },
        TaggingDirective: "REPLACE",
        Tagging: "a=b",
      }),
    );
    expect(minio.calls.map((c) => c.command)).toEqual(["GetObjectCommand"]);
    const put = aws.calls[0]!.input;
    expect(put).toMatchObject({ ContentType: "application/json", Metadata: { fresh: "yes" }, Tagging: "a=b" });
    expect(put["CacheControl"]).toBeUndefined();
  });

  it("does not ask for the tags of an object that has none", async () => {
    const { router, minio, aws } = copyRouter(sourceObject(10, { TagCount: undefined }));
    await router.send(
      new CopyObjectCommand({ Bucket: "example-bucket", Key: "team1/copy", CopySource: "example-bucket/team2/src" }),
    );
    expect(minio.calls.map((c) => c.command)).toEqual(["GetObjectCommand"]);
    expect(aws.calls[0]!.input["Tagging"]).toBeUndefined();
  });

  it("uses a multipart upload of copyPartSize parts above the part size, and for unknown lengths", async () => {
    const size = 11 * MiB + 5;
    const { router, aws } = copyRouter(sourceObject(size, { TagCount: 0 }), { copyPartSize: 5 * MiB });
    const out = await router.send(
      new CopyObjectCommand({ Bucket: "example-bucket", Key: "team3/big", CopySource: "example-bucket/team2/big" }),
    );
    expect(aws.calls.map((c) => c.command)).toEqual([
      "CreateMultipartUploadCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "CompleteMultipartUploadCommand",
      "HeadObjectCommand",
    ]);
    expect(aws.calls[0]!.input).toMatchObject({
      Bucket: "example-bucket",
      Key: "team3/big",
      ContentType: "text/plain",
      Metadata: { owner: "team2" },
    });
    const parts = aws.calls.filter((c) => c.command === "UploadPartCommand");
    expect(parts.map((p) => p.body!.length)).toEqual([5 * MiB, 5 * MiB, MiB + 5]);
    expect(Buffer.concat(parts.map((p) => p.body!)).equals(await readAll(sourceStream(size)))).toBe(true);
    expect(out).toMatchObject({
      CopyObjectResult: { ETag: '"multi-etag-3"', LastModified: lastModified },
      VersionId: "dest-v2",
    });

    const unknown = copyRouter(sourceObject(1234, { TagCount: 0, ContentLength: undefined }), {
      copyPartSize: 5 * MiB,
    });
    await unknown.router.send(
      new CopyObjectCommand({ Bucket: "example-bucket", Key: "team3/u", CopySource: "example-bucket/team2/u" }),
    );
    // lib-storage sends one PutObject when the stream ends within the first part.
    expect(unknown.aws.calls.map((c) => c.command)).toEqual(["PutObjectCommand", "HeadObjectCommand"]);
    expect(unknown.aws.calls[0]!.body!.length).toBe(1234);
  });

  it("aborts the multipart upload when the source breaks mid-way", async () => {
    const size = 12 * MiB;
    const { router, aws } = copyRouter(
      () => ({ Body: sourceStream(size, 7 * MiB), ContentLength: size, TagCount: 0 }),
      { copyPartSize: 5 * MiB },
    );
    await expect(
      router.send(
        new CopyObjectCommand({ Bucket: "example-bucket", Key: "team3/big", CopySource: "example-bucket/team2/big" }),
      ),
    ).rejects.toThrow(/source connection reset/);
    const commands = aws.calls.map((c) => c.command);
    expect(commands).toContain("AbortMultipartUploadCommand");
    expect(commands).not.toContain("CompleteMultipartUploadCommand");
  });

  it("fails the PutObject when the source breaks, and destroys the source", async () => {
    const body = sourceStream(4000, 64 * 1024 - 1);
    const { router, aws } = copyRouter(() => ({ Body: body, ContentLength: 200_000, TagCount: 0 }));
    await expect(
      router.send(
        new CopyObjectCommand({ Bucket: "example-bucket", Key: "team1/x", CopySource: "example-bucket/team2/x" }),
      ),
    ).rejects.toThrow();
    expect(body.destroyed).toBe(true);
    expect(aws.calls.map((c) => c.command)).not.toContain("HeadObjectCommand");
  });

  it("turns a 304 of the source's conditions into PreconditionFailed (412), like CopyObject", async () => {
    const notModified = Object.assign(new Error("Not Modified"), {
      name: "NotModified",
      $fault: "client",
      $metadata: { httpStatusCode: 304 },
    });
    const { router, aws } = copyRouter(() => notModified);
    const error = await router
      .send(
        new CopyObjectCommand({
          Bucket: "example-bucket",
          Key: "team1/x",
          CopySource: "example-bucket/team2/x",
          CopySourceIfNoneMatch: '"e"',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect(error).toMatchObject({
      name: "PreconditionFailed",
      $metadata: { httpStatusCode: 412 },
      Condition: "x-amz-copy-source-If-None-Match",
    });
    expect(aws.calls).toHaveLength(0);
  });

  it("maps a missing source's error back to the caller's names", async () => {
    const missing = Object.assign(new Error("no such key"), {
      name: "NoSuchKey",
      Key: "data/team2/gone",
      $metadata: { httpStatusCode: 404 },
    });
    const { router } = copyRouter(() => missing);
    await expect(
      router.send(
        new CopyObjectCommand({ Bucket: "example-bucket", Key: "team1/x", CopySource: "example-bucket/team2/gone" }),
      ),
    ).rejects.toMatchObject({
      name: "NoSuchKey",
      Key: "team2/gone",
    });
  });

  it("refuses with a CrossBackendError when the router forbids cross-backend copies", async () => {
    const { router, minio, aws } = copyRouter(sourceObject(10), { crossBackendCopy: false });
    const error = await router
      .send(new CopyObjectCommand({ Bucket: "example-bucket", Key: "team1/x", CopySource: "example-bucket/team2/x" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrossBackendError);
    expect((error as CrossBackendError).routes).toEqual(["minio", "default"]);
    expect(minio.calls).toHaveLength(0);
    expect(aws.calls).toHaveLength(0);
  });
});

describe("UploadPartCopy across backends", () => {
  it("reads the range from the source and uploads it as the caller's part", async () => {
    const { router, minio, aws } = copyRouter(sourceObject(100));
    const out = await router.send(
      new UploadPartCopyCommand({
        Bucket: "example-bucket",
        Key: "team1/mpu",
        UploadId: "u-42",
        PartNumber: 3,
        CopySource: "/example-bucket/team2/src",
        CopySourceRange: "bytes=0-99",
        CopySourceIfUnmodifiedSince: lastModified,
      }),
    );
    expect(minio.calls[0]!.input).toMatchObject({
      Bucket: "minio-bucket",
      Key: "data/team2/src",
      Range: "bytes=0-99",
      IfUnmodifiedSince: lastModified,
    });
    expect(aws.calls.map((c) => c.command)).toEqual(["UploadPartCommand"]);
    expect(aws.calls[0]!.input).toMatchObject({
      Bucket: "example-bucket",
      Key: "team1/mpu",
      UploadId: "u-42",
      PartNumber: 3,
      ContentLength: 100,
    });
    expect(aws.calls[0]!.body!.length).toBe(100);
    expect(out.CopyPartResult).toMatchObject({ ETag: '"part-3"' });
    expect(out.CopyPartResult!.LastModified).toBeInstanceOf(Date);
    expect(out.CopySourceVersionId).toBe("src-v7");
  });
});
