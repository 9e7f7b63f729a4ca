import {
  CopyObjectCommand,
  DeleteBucketCommand,
  PutBucketPolicyCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  PutObjectCommand,
  S3,
  S3Client,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";
import { ConfigError, createS3Router, CrossBackendError, NoRouteError, RouterMisuseError } from "../../src/index.js";
import { fakeBackend, type Recorded } from "../support/fake-backend.js";

function seedRouter(respondMinio?: (c: Recorded) => unknown, respondAws?: (c: Recorded) => unknown) {
  const minio = fakeBackend(respondMinio);
  const aws = fakeBackend(respondAws);
  const router = createS3Router({
    clients: { minio, default: aws },
    profiles: {
      minio: {
        source_bucket_pattern: "example-bucket",
        source_key_pattern: "team2/*",
        mapped_bucket_name: "minio-bucket",
        mapped_prefix: "data/",
      },
    },
  });
  return { router, minio, aws };
}

describe("S3Router", () => {
  it("is an S3Client and has every method of the SDK's aggregated S3 class", () => {
    const { router } = seedRouter();
    expect(router).toBeInstanceOf(S3Client);
    const methods = Object.getOwnPropertyNames(S3.prototype).filter((n) => n !== "constructor");
    expect(methods.length).toBeGreaterThan(100);
    for (const method of methods)
      expect(typeof (router as unknown as Record<string, unknown>)[method], method).toBe("function");
  });

  it("routes by bucket and key, renames the bucket and prefixes the key", async () => {
    const { router, minio, aws } = seedRouter();
    await router.send(new PutObjectCommand({ Bucket: "example-bucket", Key: "team2/obj", Body: "x" }));
    await router.putObject({ Bucket: "example-bucket", Key: "team1/obj", Body: "y" });
    expect(minio.calls.map((c) => [c.command, c.input["Bucket"], c.input["Key"]])).toEqual([
      ["PutObjectCommand", "minio-bucket", "data/team2/obj"],
    ]);
    expect(aws.calls.map((c) => [c.command, c.input["Bucket"], c.input["Key"]])).toEqual([
      ["PutObjectCommand", "example-bucket", "team1/obj"],
    ]);
  });

  it("never mutates the caller's command or input (boto-s3-router defect 2)", async () => {
    const { router } = seedRouter();
    const input = { Bucket: "example-bucket", Key: "team2/obj" };
    const command = new GetObjectCommand(input);
    await router.send(command);
    expect(input).toEqual({ Bucket: "example-bucket", Key: "team2/obj" });
    expect(command.input).toBe(input);
  });

  it("sends bucket-level commands to the bucket's home, not to a key-pattern profile (defect 5)", async () => {
    const { router, minio, aws } = seedRouter();
    await router.send(new HeadBucketCommand({ Bucket: "example-bucket" }));
    expect(minio.calls).toHaveLength(0);
    expect(aws.calls[0]!.input).toMatchObject({ Bucket: "example-bucket" });
  });

  it("maps a listing's keys, prefixes and markers back (defect 1)", async () => {
    const { router, minio } = seedRouter((call) => ({
      Name: "minio-bucket",
      Prefix: call.input["Prefix"],
      StartAfter: call.input["StartAfter"],
      Contents: [{ Key: "data/team2/a" }, { Key: "data/team2/b" }],
      CommonPrefixes: [{ Prefix: "data/team2/dir/" }],
      KeyCount: 3,
    }));
    const out = await router.send(
      new ListObjectsV2Command({ Bucket: "example-bucket", Prefix: "team2/", StartAfter: "team2/0", Delimiter: "/" }),
    );
    expect(minio.calls[0]!.input).toMatchObject({
      Bucket: "minio-bucket",
      Prefix: "data/team2/",
      StartAfter: "data/team2/0",
    });
    expect(out).toMatchObject({
      Name: "example-bucket",
      Prefix: "team2/",
      StartAfter: "team2/0",
      Contents: [{ Key: "team2/a" }, { Key: "team2/b" }],
      CommonPrefixes: [{ Prefix: "team2/dir/" }],
    });
  });

  it("maps URL-encoded listing keys in their encoded form", async () => {
    const { router } = seedRouter(() => ({
      Contents: [{ Key: "data/team2/a%20b" }],
      Prefix: "data/team2/",
      EncodingType: "url",
    }));
    const out = await router.send(
      new ListObjectsV2Command({ Bucket: "example-bucket", Prefix: "team2/", EncodingType: "url" }),
    );
    expect(out.Contents![0]!.Key).toBe("team2/a%20b");
  });

  it("merges a listing that spans backends, dropping keys the router would read elsewhere", async () => {
    const { router, minio, aws } = seedRouter(
      () => ({ Contents: [{ Key: "data/team2/b" }], IsTruncated: false }),
      () => ({ Contents: [{ Key: "team1/a" }, { Key: "team2/shadowed" }, { Key: "team3/c" }], IsTruncated: false }),
    );
    const out = await router.send(new ListObjectsV2Command({ Bucket: "example-bucket", Prefix: "team" }));
    expect(minio.calls[0]!.input).toMatchObject({ Bucket: "minio-bucket", Prefix: "data/team" });
    expect(aws.calls[0]!.input).toMatchObject({ Bucket: "example-bucket", Prefix: "team" });
    expect(out.Contents!.map((c) => c.Key)).toEqual(["team1/a", "team2/b", "team3/c"]);
    expect(out).toMatchObject({ KeyCount: 3, IsTruncated: false, Name: "example-bucket", Prefix: "team" });
  });

  it("keeps backend errors intact while mapping their names back", async () => {
    const { router } = seedRouter(() =>
      Object.assign(new NoSuchKey({ message: "gone", $metadata: {} }), {
        Key: "data/team2/x",
        BucketName: "minio-bucket",
        Resource: "/minio-bucket/data/team2/x",
      }),
    );
    const error = await router
      .send(new GetObjectCommand({ Bucket: "example-bucket", Key: "team2/x" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchKey);
    expect(error).toMatchObject({
      name: "NoSuchKey",
      Key: "team2/x",
      BucketName: "example-bucket",
      Resource: "/example-bucket/team2/x",
    });
  });

  it("rewrites CopySource within one backend; refuses copies across backends when told to", async () => {
    const { router, aws } = seedRouter();
    await router.send(
      new CopyObjectCommand({
        Bucket: "example-bucket",
        Key: "team1/b",
        CopySource: "example-bucket/team3/a%20b?versionId=7",
      }),
    );
    expect(aws.calls[0]!.input).toMatchObject({
      Bucket: "example-bucket",
      Key: "team1/b",
      CopySource: "example-bucket/team3/a%20b?versionId=7",
    });
    const strict = createS3Router({
      clients: { minio: fakeBackend(), default: fakeBackend() },
      crossBackendCopy: false,
      profiles: { minio: { source_bucket_pattern: "example-bucket", source_key_pattern: "team2/*" } },
    });
    await expect(
      strict.send(
        new CopyObjectCommand({ Bucket: "example-bucket", Key: "team1/b", CopySource: "example-bucket/team2/a" }),
      ),
    ).rejects.toThrow(CrossBackendError);
  });

  it("maps DeleteObjects keys both ways", async () => {
    const { router, minio } = seedRouter((call) => ({
      Deleted: [{ Key: "data/team2/a" }],
      Errors: [{ Key: "data/team2/b", Code: "AccessDenied" }],
      _echo: call.input,
    }));
    const out = await router.send(
      new DeleteObjectsCommand({
        Bucket: "example-bucket",
        Delete: { Objects: [{ Key: "team2/a" }, { Key: "team2/b" }] },
      }),
    );
    expect(minio.calls[0]!.input).toMatchObject({
      Bucket: "minio-bucket",
      Delete: { Objects: [{ Key: "data/team2/a" }, { Key: "data/team2/b" }] },
    });
    expect(out.Deleted).toEqual([{ Key: "team2/a" }]);
    expect(out.Errors).toEqual([{ Key: "team2/b", Code: "AccessDenied" }]);
  });

  it("refuses bucket settings on a route that keeps only part of a backend bucket", async () => {
    const shared = fakeBackend();
    const router = createS3Router({
      clients: { default: shared },
      profiles: {
        a: { client: "default", source_bucket_pattern: "tenant-a", mapped_bucket_name: "shared", mapped_prefix: "a/" },
      },
    });
    // The default route keeps bucket names, so a caller's bucket "shared" reaches the same backend bucket.
    await expect(router.send(new PutBucketPolicyCommand({ Bucket: "tenant-a", Policy: "{}" }))).rejects.toThrow(
      /also reached by "default"/,
    );
    await expect(router.send(new DeleteBucketCommand({ Bucket: "tenant-a" }))).rejects.toThrow(NoRouteError);
    await router.send(new HeadBucketCommand({ Bucket: "tenant-a" }));
    expect(shared.calls.map((c) => c.command)).toEqual(["HeadBucketCommand"]);
  });

  it("lets a route that owns its backend bucket change it, prefix or not (#11: ownership from the whole table)", async () => {
    const store = fakeBackend();
    const router = createS3Router({
      clients: { default: store },
      profiles: { all: { client: "default", source_bucket_pattern: "*", mapped_prefix: "p/" } },
    });
    await router.send(new PutBucketPolicyCommand({ Bucket: "photos", Policy: "{}" }));
    await router.send(new DeleteBucketCommand({ Bucket: "photos" }));
    expect(store.calls.map((c) => [c.command, c.input["Bucket"]])).toEqual([
      ["PutBucketPolicyCommand", "photos"],
      ["DeleteBucketCommand", "photos"],
    ]);
    // Two tenants in one backend bucket: each names the other.
    const two = createS3Router({
      clients: { default: store, other: fakeBackend() },
      profiles: {
        a: { client: "other", source_bucket_pattern: "tenant-a", mapped_bucket_name: "shared", mapped_prefix: "a/" },
        b: { client: "other", source_bucket_pattern: "tenant-b", mapped_bucket_name: "shared", mapped_prefix: "b/" },
        c: { client: "other", source_bucket_pattern: "tenant-c", mapped_bucket_name: "own", mapped_prefix: "c/" },
      },
    });
    await expect(two.send(new DeleteBucketCommand({ Bucket: "tenant-a" }))).rejects.toThrow(/also reached by "b"/);
    await two.send(new DeleteBucketCommand({ Bucket: "tenant-c" }));
    // One caller bucket's keys split between two routes in its own backend bucket: still its own.
    const split = createS3Router({
      clients: { default: store },
      profiles: {
        o: { client: "default", source_bucket_pattern: "*", source_key_pattern: "o*", mapped_prefix: "o-split/" },
        all: { client: "default", source_bucket_pattern: "*" },
      },
    });
    await split.send(new DeleteBucketCommand({ Bucket: "photos" }));
  });

  it("refuses tenants whose prefixes in one backend bucket extend each other (their keys would mix)", () => {
    const make = (a: string, b: string) =>
      createS3Router({
        clients: { default: fakeBackend() },
        profiles: {
          t1: { client: "default", source_bucket_pattern: "tenant-1", mapped_bucket_name: "shared", mapped_prefix: a },
          t10: {
            client: "default",
            source_bucket_pattern: "tenant-10",
            mapped_bucket_name: "shared",
            mapped_prefix: b,
          },
        },
      });
    expect(() => make("tenant1", "tenant10")).toThrow(
      /profiles\.t10\.mapped_prefix: "tenant10" extends the mapped_prefix "tenant1" of profile "t1"/,
    );
    expect(() => make("", "b/")).toThrow(ConfigError);
    expect(() => make("a/", "b/")).not.toThrow();
    // The same prefix: two names for one key space (a renamed bucket), allowed.
    expect(() => make("p/", "p/")).not.toThrow();
  });

  it("routes by the command's class, not its (minifiable) name", async () => {
    const { router, minio } = seedRouter();
    const command = new ListObjectsV2Command({ Bucket: "example-bucket", Prefix: "team2/" });
    // What a minifier does to the class name.
    Object.defineProperty(ListObjectsV2Command, "name", { value: "a", configurable: true });
    try {
      await router.send(command);
      expect(minio.calls[0]!.input).toMatchObject({ Bucket: "minio-bucket", Prefix: "data/team2/" });
    } finally {
      Object.defineProperty(ListObjectsV2Command, "name", { value: "ListObjectsV2Command", configurable: true });
    }
  });

  it("pages merged versions in the backend's order when dates tie", async () => {
    const when = new Date("2024-01-01T00:00:00Z"); // whole seconds: the delete marker ties with its version
    const native = [
      { kind: "DeleteMarkers", Key: "data/team2/x", VersionId: "dm1", IsLatest: true, LastModified: when },
      { kind: "Versions", Key: "data/team2/x", VersionId: "v1", IsLatest: false, LastModified: when },
    ];
    const { router } = seedRouter(
      (call) => {
        const after = call.input["VersionIdMarker"];
        const rest = after ? native.slice(native.findIndex((e) => e.VersionId === after) + 1) : native;
        const page = rest.slice(0, call.input["MaxKeys"] as number);
        const truncated = page.length < rest.length;
        const last = page[page.length - 1];
        return {
          Versions: page.filter((e) => e.kind === "Versions").map(({ kind: _k, ...e }) => e),
          DeleteMarkers: page.filter((e) => e.kind === "DeleteMarkers").map(({ kind: _k, ...e }) => e),
          IsTruncated: truncated,
          ...(truncated && last && { NextKeyMarker: last.Key, NextVersionIdMarker: last.VersionId }),
        };
      },
      () => ({ IsTruncated: false }),
    );
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let page = 0; page < 5; page++) {
      const out = await router.send(
        new ListObjectVersionsCommand({ Bucket: "example-bucket", MaxKeys: 1, KeyMarker, VersionIdMarker }),
      );
      seen.push(
        ...(out.DeleteMarkers ?? []).map((d) => `marker ${d.VersionId}`),
        ...(out.Versions ?? []).map((v) => `version ${v.VersionId}`),
      );
      if (!out.IsTruncated) break;
      ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = out);
    }
    expect(seen).toEqual(["marker dm1", "version v1"]);
  });

  it("supports the callback form of send", async () => {
    const { router } = seedRouter(() => ({ ETag: '"e"' }));
    const output = await new Promise((resolve, reject) => {
      router.send(
        new PutObjectCommand({ Bucket: "example-bucket", Key: "team2/cb" }),
        (err: unknown, data?: unknown) => {
          if (err) reject(err instanceof Error ? err : new Error("send failed", { cause: err }));
          else resolve(data);
        },
      );
    });
    expect(output).toMatchObject({ ETag: '"e"' });
  });

  it("carries middleware added to the command and to the router", async () => {
    const { router } = seedRouter();
    const seen: string[] = [];
    router.middlewareStack.add((next) => (args) => (seen.push("router"), next(args)), {
      step: "initialize",
      name: "routerMw",
    });
    const command = new PutObjectCommand({ Bucket: "example-bucket", Key: "team2/m" });
    command.middlewareStack.add((next) => (args) => (seen.push("command"), next(args)), {
      step: "initialize",
      name: "commandMw",
    });
    await router.send(command);
    expect(seen.sort()).toEqual(["command", "router"]);
  });

  it("is accepted by the SDK's paginators", async () => {
    const { router } = seedRouter((call) =>
      call.input["ContinuationToken"]
        ? { Contents: [{ Key: "data/team2/2" }] }
        : { Contents: [{ Key: "data/team2/1" }], IsTruncated: true, NextContinuationToken: "t" },
    );
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: router },
      { Bucket: "example-bucket", Prefix: "team2/" },
    )) {
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    }
    expect(keys).toEqual(["team2/1", "team2/2"]);
  });

  it("refuses the SDK's getSignedUrl, which cannot route", async () => {
    const { router } = seedRouter();
    await expect(
      getSignedUrl(router, new GetObjectCommand({ Bucket: "example-bucket", Key: "team2/x" })),
    ).rejects.toThrow(RouterMisuseError);
  });
});
