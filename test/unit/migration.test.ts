import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectAclCommand,
  PutObjectCommand,
  S3ServiceException,
  DeleteObjectsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { resolveRouterOptions } from "../../src/config/router-options.js";
import { ConfigError, createS3Router, isMirrorWriteError, MirrorWriteError, NoRouteError } from "../../src/index.js";
import { KeyLock } from "../../src/migration/key-lock.js";
import { isMiss } from "../../src/migration/s3-outcomes.js";
import { fakeBackend, type Recorded } from "../support/fake-backend.js";

const client = new S3Client({ region: "us-east-1" });

function issuesOf(options: unknown): Array<{ path: string; message: string }> {
  try {
    resolveRouterOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error("expected a ConfigError");
}

const missing = () =>
  new NoSuchKey({ message: "The specified key does not exist.", $metadata: { httpStatusCode: 404 } });
const denied = () =>
  new S3ServiceException({
    name: "AccessDenied",
    $fault: "client",
    message: "Access Denied",
    $metadata: { httpStatusCode: 403 },
  });

describe("fallback and mirror configuration", () => {
  it("accepts both spellings and normalises them", () => {
    const { routes } = resolveRouterOptions({
      clients: { old: client, new: client, copy: client, default: client },
      profiles: {
        team2: {
          client: "new",
          source_bucket_pattern: "example-bucket",
          source_key_pattern: "team2/*",
          fallback: { client: "old", mapped_bucket_name: "legacy", mapped_prefix: "archive/", copy_on_read: true },
          mirror: { client: "copy", mappedBucketName: "replica" },
        },
      },
    });
    expect(routes[0]).toMatchObject({
      fallback: { client: "old", mappedBucket: "legacy", mappedPrefix: "archive/", copyOnRead: true },
      mirror: { client: "copy", mappedBucket: "replica", mappedPrefix: "" },
    });
  });

  it("names the profile and field of every mistake", () => {
    const issues = issuesOf({
      clients: { old: client, default: client },
      profiles: {
        a: { client: "default", source_bucket_pattern: "b", fallback: { client: "nope" } },
        b: { client: "default", source_bucket_pattern: "b", fallback: { client: "old", mapped_prefx: "x/" } },
        c: { client: "default", source_bucket_pattern: "b", fallback: { client: "default" } },
        d: { client: "default", source_bucket_pattern: "b", mirror: "old" },
        e: { client: "default", source_bucket_pattern: "b", fallback: { client: "old", copy_on_read: "yes" } },
        f: { client: "default", source_bucket_pattern: "b", fallback: { client: "old" }, mirror: { client: "old" } },
      },
    });
    const at = (path: string) =>
      issues.find((i) => i.path === path)?.message ?? `(no issue at ${path}: ${JSON.stringify(issues)})`;
    expect(at("profiles.a.fallback.client")).toMatch(/unknown client "nope"/);
    expect(at("profiles.b.fallback.mapped_prefx")).toMatch(/did you mean "mapped_prefix"/);
    expect(at("profiles.c.fallback")).toMatch(/own client, bucket and prefix/);
    expect(at("profiles.d.mirror")).toMatch(/a mirror must be an object/);
    expect(at("profiles.e.fallback.copy_on_read")).toMatch(/true or false/);
    expect(at("profiles.f.mirror")).toMatch(/the mirror is the fallback itself/);
  });
});

describe("planning on migrating routes", () => {
  const router = createS3Router({
    clients: { old: fakeBackend(), new: fakeBackend(), copy: fakeBackend(), default: fakeBackend() },
    profiles: {
      moving: { client: "new", source_bucket_pattern: "b", source_key_pattern: "team2/*", fallback: { client: "old" } },
      mirrored: { client: "new", source_bucket_pattern: "m", mirror: { client: "copy" } },
    },
  });

  it("lists a route and its fallback as one merged listing, even alone", () => {
    expect(router.plan(new ListObjectsV2Command({ Bucket: "b", Prefix: "team2/" }))).toMatchObject({
      spanning: "list",
    });
  });

  it("runs a batch delete over every store of the route", () => {
    expect(
      router.plan(new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: [{ Key: "team2/a" }] } })),
    ).toMatchObject({ spanning: "delete-batch" });
    expect(router.plan(new DeleteObjectsCommand({ Bucket: "m", Delete: { Objects: [{ Key: "a" }] } }))).toMatchObject({
      spanning: "delete-batch",
    });
  });

  it("refuses object writes a mirror cannot follow", async () => {
    await expect(router.send(new PutObjectAclCommand({ Bucket: "m", Key: "a", ACL: "private" }))).rejects.toThrow(
      NoRouteError,
    );
    await expect(router.send(new PutObjectAclCommand({ Bucket: "m", Key: "a", ACL: "private" }))).rejects.toThrow(
      /mirrors its writes to client "copy"/,
    );
  });
});

describe("read fallback (fake backends)", () => {
  function setup(
    primary: (call: Recorded) => unknown,
    fallback: (call: Recorded) => unknown = () => ({ Body: Readable.from(["old"]), ETag: '"e"' }),
  ) {
    const calls: string[] = [];
    const log = (who: string, respond: (call: Recorded) => unknown) => (call: Recorded) => {
      calls.push(
        `${who} ${call.command.replace(/Command$/, "")} ${String(call.input["Bucket"])}/${String(call.input["Key"])}`,
      );
      return respond(call);
    };
    const router = createS3Router({
      clients: {
        old: fakeBackend(log("old", fallback)),
        new: fakeBackend(log("new", primary)),
        default: fakeBackend(),
      },
      profiles: {
        moving: {
          client: "new",
          source_bucket_pattern: "b",
          source_key_pattern: "team2/*",
          mapped_prefix: "n/",
          fallback: { client: "old", mapped_bucket_name: "legacy", mapped_prefix: "o/" },
        },
      },
    });
    return { router, calls };
  }

  it("answers a GetObject the primary misses from the fallback, in the fallback's names", async () => {
    const { router, calls } = setup(() => missing());
    const out = await router.send(new GetObjectCommand({ Bucket: "b", Key: "team2/x", Range: "bytes=0-1" }));
    expect(out.ETag).toBe('"e"');
    expect(calls).toEqual(["new GetObject b/n/team2/x", "old GetObject legacy/o/team2/x"]);
  });

  it("answers a HeadObject NotFound from the fallback", async () => {
    const { router, calls } = setup(
      () => new NotFound({ message: "", $metadata: { httpStatusCode: 404 } }),
      () => ({ ContentLength: 3 }),
    );
    expect((await router.send(new HeadObjectCommand({ Bucket: "b", Key: "team2/x" }))).ContentLength).toBe(3);
    expect(calls).toHaveLength(2);
  });

  it("never falls back on another error", async () => {
    const { router, calls } = setup(() => denied());
    await expect(router.send(new GetObjectCommand({ Bucket: "b", Key: "team2/x" }))).rejects.toMatchObject({
      name: "AccessDenied",
    });
    expect(calls).toEqual(["new GetObject b/n/team2/x"]);
  });

  it("answers the primary's NoSuchKey, in the caller's names, when both miss", async () => {
    const { router } = setup(
      () => missing(),
      () => missing(),
    );
    await expect(router.send(new GetObjectCommand({ Bucket: "b", Key: "team2/x" }))).rejects.toBeInstanceOf(NoSuchKey);
  });

  it("deletes from the fallback first, then the primary", async () => {
    const { router, calls } = setup(
      () => ({}),
      () => ({}),
    );
    await router.send(new DeleteObjectCommand({ Bucket: "b", Key: "team2/x" }));
    expect(calls).toEqual(["old DeleteObject legacy/o/team2/x", "new DeleteObject b/n/team2/x"]);
  });

  it("a versioned delete goes on when the fallback does not know the primary's version id", async () => {
    const invalid = () =>
      new S3ServiceException({
        name: "InvalidArgument",
        $fault: "client",
        message: "Invalid version id specified",
        $metadata: { httpStatusCode: 400 },
      });
    const { router, calls } = setup(
      () => ({}),
      () => invalid(),
    );
    await router.send(new DeleteObjectCommand({ Bucket: "b", Key: "team2/x", VersionId: "v-of-primary" }));
    expect(calls).toEqual(["old DeleteObject legacy/o/team2/x", "new DeleteObject b/n/team2/x"]);
    // Without a version id, the same answer is a real failure: the primary is not touched.
    const failing = setup(
      () => ({}),
      () => invalid(),
    );
    await expect(failing.router.send(new DeleteObjectCommand({ Bucket: "b", Key: "team2/x" }))).rejects.toMatchObject({
      name: "InvalidArgument",
    });
    expect(failing.calls).toEqual(["old DeleteObject legacy/o/team2/x"]);
  });

  it("writes go to the primary only", async () => {
    const { router, calls } = setup(
      () => ({ ETag: '"p"' }),
      () => ({}),
    );
    await router.send(new PutObjectCommand({ Bucket: "b", Key: "team2/x", Body: "new" }));
    expect(calls).toEqual(["new PutObject b/n/team2/x"]);
  });

  it("tells a miss from other 404s", () => {
    expect(isMiss(missing())).toBe(true);
    expect(
      isMiss(
        new S3ServiceException({
          name: "NoSuchBucket",
          $fault: "client",
          message: "",
          $metadata: { httpStatusCode: 404 },
        }),
      ),
    ).toBe(false);
    expect(isMiss(denied())).toBe(false);
  });
});

describe("mirrored writes (fake backends)", () => {
  function setup(mirror: (call: Recorded) => unknown) {
    const calls: string[] = [];
    const primary = fakeBackend((call) => {
      calls.push(`new ${call.command}`);
      if (call.command === "GetObjectCommand")
        return { Body: Readable.from(["bytes"]), ContentLength: 5, ContentType: "text/plain", Metadata: { a: "1" } };
      if (call.command === "HeadObjectCommand") return { ETag: '"p"', LastModified: new Date() };
      return { ETag: '"p"', VersionId: "v1" };
    });
    const copy = fakeBackend((call) => {
      calls.push(`copy ${call.command} ${String(call.input["Bucket"])}/${String(call.input["Key"])}`);
      return mirror(call);
    });
    const router = createS3Router({
      clients: { new: primary, copy, default: fakeBackend() },
      profiles: {
        mirrored: {
          client: "new",
          source_bucket_pattern: "m",
          mirror: { client: "copy", mapped_bucket_name: "replica" },
        },
      },
    });
    return { router, calls, copy };
  }

  it("puts on the primary, then streams the stored object to the mirror with its metadata", async () => {
    const { router, calls, copy } = setup(() => ({ ETag: '"m"' }));
    const out = await router.send(new PutObjectCommand({ Bucket: "m", Key: "k", Body: "bytes" }));
    expect(out.ETag).toBe('"p"');
    expect(calls.slice(0, 3)).toEqual([
      "new PutObjectCommand",
      "new GetObjectCommand",
      "copy PutObjectCommand replica/k",
    ]);
    expect(copy.calls.find((c) => c.command === "PutObjectCommand")?.input).toMatchObject({
      ContentType: "text/plain",
      Metadata: { a: "1" },
      ContentLength: 5,
    });
  });

  it("fails with a MirrorWriteError naming the mirror and each store's state, and counts the divergence", async () => {
    const { router } = setup(() => new Error("connect ECONNREFUSED 127.0.0.1:9"));
    const events: unknown[] = [];
    router.migration.on((event) => events.push(event));
    const error = await router
      .send(new PutObjectCommand({ Bucket: "m", Key: "k", Body: "bytes" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MirrorWriteError);
    expect(isMirrorWriteError(error)).toBe(true);
    const failure = error as MirrorWriteError;
    expect(failure.message).toMatch(/did not reach mirror "copy"/);
    expect(failure.message).toMatch(/ECONNREFUSED/);
    expect(failure.stores).toEqual([
      { role: "primary", client: "new", bucket: "m", key: "k", state: "written", etag: '"p"', versionId: "v1" },
      { role: "mirror", client: "copy", bucket: "replica", key: "k", state: "failed" },
    ]);
    expect(router.migration.stats.mirrorDivergences).toBe(1);
    expect(events).toMatchObject([{ type: "mirror-divergence", route: "mirrored", bucket: "m", key: "k" }]);
  });

  it("deletes from the primary, then the mirror", async () => {
    const { router, calls } = setup(() => ({}));
    await router.send(new DeleteObjectCommand({ Bucket: "m", Key: "k" }));
    expect(calls).toEqual(["new DeleteObjectCommand", "copy DeleteObjectCommand replica/k"]);
  });
});

describe("KeyLock", () => {
  it("runs sections of one key one at a time, other keys alongside, and survives failures", async () => {
    const lock = new KeyLock();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = lock.run("k", async () => {
      order.push("first start");
      await gate;
      order.push("first end");
      throw new Error("boom");
    });
    const second = lock.run("k", () => Promise.resolve(void order.push("second")));
    const other = lock.run("j", () => Promise.resolve(void order.push("other")));
    await other;
    expect(order).toEqual(["first start", "other"]);
    release();
    await expect(first).rejects.toThrow("boom");
    await second;
    expect(order).toEqual(["first start", "other", "first end", "second"]);
    expect(lock.size).toBe(0);
  });
});

describe("explain", () => {
  it("shows a route's fallback and mirror", async () => {
    const { explain, formatExplanation } = await import("../../src/cli/explain.js");
    const { RouteTable } = await import("../../src/routing/route-table.js");
    const { routes } = resolveRouterOptions({
      clients: { old: client, new: client, copy: client, default: client },
      profiles: {
        team2: {
          client: "new",
          source_bucket_pattern: "b",
          source_key_pattern: "team2/*",
          mapped_prefix: "n/",
          fallback: { client: "old", mapped_bucket_name: "legacy", copy_on_read: true },
          mirror: { client: "copy" },
        },
      },
    });
    const text = formatExplanation(explain(new RouteTable(routes), "b", "team2/x"));
    expect(text).toContain(
      "object:       profile team2 → client new → s3://b/n/team2/x; fallback client old → s3://legacy/team2/x (copy on read); mirror client copy → s3://b/team2/x",
    );
  });
});

describe("deletes under the key lock", () => {
  it("two batch deletes sharing keys in opposite orders both finish", async () => {
    const router = createS3Router({
      clients: { old: fakeBackend(() => ({})), new: fakeBackend(() => ({})), default: fakeBackend() },
      profiles: { moving: { client: "new", source_bucket_pattern: "b", fallback: { client: "old" } } },
    });
    const route = router.routeTable.routes[0]!;
    const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve("done"), 5));
    const results = await Promise.all([
      router.migration.deleting(
        "b",
        [
          [route, "k1"],
          [route, "k2"],
        ],
        slow,
      ),
      router.migration.deleting(
        "b",
        [
          [route, "k2"],
          [route, "k1"],
        ],
        slow,
      ),
    ]);
    expect(results).toEqual(["done", "done"]);
  });
});
