/**
 * @module test/integration/gateway-cli — the AWS CLI v2 (/usr/bin/aws, Debian's awscli 2.9)
 * against the gateway: the seed's split bucket (X on rgwA; X's team2/* on rgwB in bucket M under
 * data/), with `s3 ls`, `s3 cp` (single and multipart), `s3 sync`, `s3 rm --recursive` and
 * `s3 presign`, checking bytes by SHA-256 and where objects physically landed with direct clients.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, type AwsCli } from "../support/aws-cli.js";
import { sendRaw, signedRequest } from "../support/chunked-body.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { GATEWAY_USER, backendConfig, startGateway, type RunningGateway } from "../support/gateway.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
/** The caller's bucket X: rgwA by default, its team2/* on rgwB. */
const X = uniqueBucket("gw-cli-x");
/** rgwB's bucket M, holding X's team2/* under data/. */
const M = uniqueBucket("gw-cli-m");

let gw: RunningGateway;
let cli: AwsCli;
let work: string;

const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

const physical = async (client: S3Client, Bucket: string, Prefix?: string) => {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys.sort();
};

const exists = async (client: S3Client, Bucket: string, Key: string) => {
  try {
    await client.send(new HeadObjectCommand({ Bucket, Key }));
    return true;
  } catch (error) {
    if (errorName(error) === "NotFound" || errorName(error) === "NoSuchKey") return false;
    throw error;
  }
};

/** The keys of `aws s3 ls --recursive` output ("date time size key" lines). */
const lsKeys = (stdout: string) =>
  stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => line.trim().split(/\s+/).slice(3).join(" "))
    .sort();

beforeAll(async () => {
  await Promise.all([createBuckets(a, [X]), createBuckets(b, [M])]);
  gw = await startGateway({
    clients: { default: backendConfig(rgwA), minio: backendConfig(rgwB) },
    profiles: {
      minio: { source_bucket_pattern: X, source_key_pattern: "team2/*", mapped_bucket_name: M, mapped_prefix: "data/" },
    },
    gateway: { users: [GATEWAY_USER] },
  });
  cli = await awsCli(gw.url, GATEWAY_USER);
  work = await mkdtemp(join(tmpdir(), "s3r-cli-work-"));
});

afterAll(async () => {
  await gw?.stop();
  await cli?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
  await Promise.all([emptyAndDeleteBucket(a, X), emptyAndDeleteBucket(b, M)]);
  a.destroy();
  b.destroy();
});

// Every CLI run starts a Python interpreter (~1 s, more on a busy machine): generous time per test.
describe("the AWS CLI v2 through the gateway", { timeout: 240_000 }, () => {
  it("is the CLI v2 at /usr/bin/aws", async () => {
    const version = await cli.ok(["--version"]);
    expect(version.stdout + version.stderr).toMatch(/^aws-cli\/2\./);
  });

  it("s3 ls lists buckets in the caller's names", async () => {
    const out = await cli.ok(["s3", "ls"]);
    const names = out.stdout.split("\n").map((line) => line.trim().split(/\s+/)[2]);
    expect(names).toContain(X);
    // M exists on rgwB, but only as the storage of X's team2/*: the gateway hides it.
    expect(names).not.toContain(M);
  });

  it("s3 ls --recursive lists X in the caller's names, merged from both backends", async () => {
    await Promise.all([
      a.send(new PutObjectCommand({ Bucket: X, Key: "team1/seed.txt", Body: "on A" })),
      a.send(new PutObjectCommand({ Bucket: X, Key: "top.txt", Body: "on A, top" })),
      // Physically in X on rgwA, but X's team2/* is routed to rgwB: shadowed, never listed.
      a.send(new PutObjectCommand({ Bucket: X, Key: "team2/shadowed.txt", Body: "ghost" })),
      b.send(new PutObjectCommand({ Bucket: M, Key: "data/team2/seed.txt", Body: "on B" })),
      // In M but outside data/team2/: not part of X.
      b.send(new PutObjectCommand({ Bucket: M, Key: "other/unrelated.txt", Body: "not X's" })),
    ]);
    // X as the router reads it: rgwA's keys outside team2/, and rgwB's data/team2/ keys renamed
    // (whatever other tests also wrote there, so that this test holds in any order).
    const team2 = (await physical(b, M, "data/team2/")).map((k) => k.slice("data/".length));
    const expected = [...(await physical(a, X)).filter((k) => !k.startsWith("team2/")), ...team2].sort();
    expect(expected).toEqual(expect.arrayContaining(["team1/seed.txt", "team2/seed.txt", "top.txt"]));

    const all = await cli.ok(["s3", "ls", "--recursive", `s3://${X}/`]);
    expect(lsKeys(all.stdout)).toEqual(expected);
    const sizes = Object.fromEntries(
      all.stdout
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/))
        .map((f): [string, number] => [String(f[3]), Number(f[2])]),
    );
    expect([sizes["team1/seed.txt"], sizes["team2/seed.txt"], sizes["top.txt"]]).toEqual([4, 4, 9]);

    const delimited = await cli.ok(["s3", "ls", `s3://${X}/`]);
    expect(delimited.stdout).toMatch(/^\s*PRE team1\/$/m);
    expect(delimited.stdout).toMatch(/^\s*PRE team2\/$/m);
    expect(delimited.stdout).toMatch(/ top\.txt$/m);

    // Two keys a page: the CLI follows the merged listing's continuation tokens.
    const paged = await cli.ok(["s3", "ls", "--recursive", "--page-size", "2", `s3://${X}/`]);
    expect(lsKeys(paged.stdout)).toEqual(expected);

    const team2Listed = await cli.ok(["s3", "ls", "--recursive", `s3://${X}/team2/`]);
    expect(lsKeys(team2Listed.stdout)).toEqual(team2);
    expect(team2).toContain("team2/seed.txt");
    expect(team2).not.toContain("team2/shadowed.txt");
  });

  it("s3 cp copies small files to team1/ and team2/ and back, byte for byte", async () => {
    const one = randomBytes(10_000);
    const two = randomBytes(33_333);
    await writeFile(join(work, "one.bin"), one);
    await writeFile(join(work, "two.bin"), two);
    await cli.ok(["s3", "cp", "--no-progress", join(work, "one.bin"), `s3://${X}/team1/small.bin`]);
    await cli.ok(["s3", "cp", "--no-progress", join(work, "two.bin"), `s3://${X}/team2/small.bin`]);

    await cli.ok(["s3", "cp", "--no-progress", `s3://${X}/team1/small.bin`, join(work, "one.back")]);
    await cli.ok(["s3", "cp", "--no-progress", `s3://${X}/team2/small.bin`, join(work, "two.back")]);
    expect(sha(await readFile(join(work, "one.back")))).toBe(sha(one));
    expect(sha(await readFile(join(work, "two.back")))).toBe(sha(two));

    // Physically: team1 on rgwA under its own name, team2 on rgwB renamed.
    expect(sha(await readBody(await a.send(new GetObjectCommand({ Bucket: X, Key: "team1/small.bin" }))))).toBe(
      sha(one),
    );
    expect(sha(await readBody(await b.send(new GetObjectCommand({ Bucket: M, Key: "data/team2/small.bin" }))))).toBe(
      sha(two),
    );
    expect(await exists(a, X, "team2/small.bin")).toBe(false);
    expect(await exists(b, M, "data/team1/small.bin")).toBe(false);
  });

  it("s3 cp uploads a 16 MiB+ file multipart to team2/ and downloads it intact", async () => {
    const big = randomBytes(16 * 1024 * 1024 + 1234);
    await writeFile(join(work, "big.bin"), big);
    await cli.ok(["s3", "cp", "--no-progress", join(work, "big.bin"), `s3://${X}/team2/big/big.bin`], {
      timeoutMs: 300_000,
    });

    // Where it landed, straight from rgwB: renamed, whole, and made of 3 parts (8 + 8 MiB + rest).
    const head = await b.send(new HeadObjectCommand({ Bucket: M, Key: "data/team2/big/big.bin" }));
    expect(head.ContentLength).toBe(big.length);
    expect(head.ETag).toMatch(/-3"$/);
    expect(await exists(a, X, "team2/big/big.bin")).toBe(false);
    expect(await physical(a, X, "team2/big/")).toEqual([]);

    await cli.ok(["s3", "cp", "--no-progress", `s3://${X}/team2/big/big.bin`, join(work, "big.back")], {
      timeoutMs: 300_000,
    });
    expect(sha(await readFile(join(work, "big.back")))).toBe(sha(big));
  });

  it("s3 cp copies between the backends, the big file as a multipart copy", async () => {
    // Its own sources, written straight to the backends: no other test's uploads are read here.
    const one = randomBytes(10_000);
    const big = randomBytes(9 * 1024 * 1024 + 77);
    await Promise.all([
      a.send(new PutObjectCommand({ Bucket: X, Key: "team1/copy-src/small.bin", Body: one })),
      b.send(new PutObjectCommand({ Bucket: M, Key: "data/team2/copy-src/big.bin", Body: big })),
    ]);
    await cli.ok([
      "s3",
      "cp",
      "--no-progress",
      `s3://${X}/team1/copy-src/small.bin`,
      `s3://${X}/team2/copied/from-team1.bin`,
    ]);
    // Above the CLI's 8 MiB threshold: CreateMultipartUpload on rgwA, UploadPartCopy from rgwB.
    await cli.ok(["s3", "cp", "--no-progress", `s3://${X}/team2/copy-src/big.bin`, `s3://${X}/team1/copied/big.bin`], {
      timeoutMs: 300_000,
    });

    expect(
      sha(await readBody(await b.send(new GetObjectCommand({ Bucket: M, Key: "data/team2/copied/from-team1.bin" })))),
    ).toBe(sha(one));
    const copied = await readBody(await a.send(new GetObjectCommand({ Bucket: X, Key: "team1/copied/big.bin" })));
    expect(copied.length).toBe(big.length);
    expect(sha(copied)).toBe(sha(big));
  });

  it("s3 presign makes a URL that plain HTTP can fetch", async () => {
    const one = randomBytes(3000);
    const two = randomBytes(4000);
    await Promise.all([
      a.send(new PutObjectCommand({ Bucket: X, Key: "team1/presign.bin", Body: one })),
      b.send(new PutObjectCommand({ Bucket: M, Key: "data/team2/presign.bin", Body: two })),
    ]);
    const out = await cli.ok(["s3", "presign", `s3://${X}/team2/presign.bin`, "--expires-in", "300"]);
    const url = out.stdout.trim();
    expect(url.startsWith(`${gw.url}/${X}/team2/presign.bin?`)).toBe(true);
    expect(url).toContain("X-Amz-Signature=");
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(sha(Buffer.from(await response.arrayBuffer()))).toBe(sha(two));

    const team1 = await fetch((await cli.ok(["s3", "presign", `s3://${X}/team1/presign.bin`])).stdout.trim());
    expect(team1.status).toBe(200);
    expect(sha(Buffer.from(await team1.arrayBuffer()))).toBe(sha(one));

    // The signature covers the key: the same query on another key is refused.
    const forged = await fetch(url.replace("/team2/presign.bin?", "/team1/presign.bin?"));
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
  });

  it("s3 sync uploads a directory over both backends, and a second sync uploads nothing", async () => {
    const local = join(work, "sync");
    const files: Record<string, Buffer> = {
      "team1/sync/a.txt": Buffer.from("team1 a"),
      "team1/sync/sub/b.bin": randomBytes(4096),
      "team2/sync/c.txt": Buffer.from("team2 c"),
      "team2/sync/sub/d.bin": randomBytes(5000),
      "team2/sync/sub/deeper/e.txt": Buffer.from(""),
    };
    // Local mtimes an hour back: sync compares them with LastModified, and must find the uploads newer.
    const past = new Date(Date.now() - 3600_000);
    for (const [key, data] of Object.entries(files)) {
      await mkdir(dirname(join(local, key)), { recursive: true });
      await writeFile(join(local, key), data);
      await utimes(join(local, key), past, past);
    }
    const first = await cli.ok(["s3", "sync", "--no-progress", local, `s3://${X}/`]);
    const uploaded = first.stdout
      .split("\n")
      .filter((l) => l.startsWith("upload:"))
      .map((l) => l.slice(l.lastIndexOf(`s3://${X}/`) + `s3://${X}/`.length))
      .sort();
    expect(uploaded).toEqual(Object.keys(files).sort());

    expect(await physical(a, X, "team1/sync/")).toEqual(["team1/sync/a.txt", "team1/sync/sub/b.bin"]);
    expect(await physical(b, M, "data/team2/sync/")).toEqual([
      "data/team2/sync/c.txt",
      "data/team2/sync/sub/d.bin",
      "data/team2/sync/sub/deeper/e.txt",
    ]);
    expect(await physical(a, X, "team2/sync/")).toEqual([]); // nothing of team2 on rgwA
    const d = await readBody(await b.send(new GetObjectCommand({ Bucket: M, Key: "data/team2/sync/sub/d.bin" })));
    expect(sha(d)).toBe(sha(files["team2/sync/sub/d.bin"]!));

    const second = await cli.ok(["s3", "sync", "--no-progress", local, `s3://${X}/`]);
    expect(second.stdout.trim()).toBe("");

    // And back: a sync down yields the same tree.
    const down = join(work, "sync-down");
    await cli.ok(["s3", "sync", "--no-progress", `s3://${X}/team2/sync/`, down]);
    for (const [key, data] of Object.entries(files).filter(([k]) => k.startsWith("team2/sync/"))) {
      expect(sha(await readFile(join(down, key.slice("team2/sync/".length))))).toBe(sha(data));
    }
  });

  it("s3api delete-objects removes a batch of team2 keys on rgwB (POST ?delete has a body)", async () => {
    await writeFile(join(work, "batch.bin"), randomBytes(1000));
    for (const name of ["x", "y", "z"])
      await cli.ok(["s3", "cp", "--no-progress", join(work, "batch.bin"), `s3://${X}/team2/batch/${name}.bin`]);
    expect(await physical(b, M, "data/team2/batch/")).toEqual([
      "data/team2/batch/x.bin",
      "data/team2/batch/y.bin",
      "data/team2/batch/z.bin",
    ]);
    const listed = JSON.parse(
      (await cli.ok(["s3api", "list-objects-v2", "--bucket", X, "--prefix", "team2/batch/"])).stdout,
    ) as { Contents: Array<{ Key: string }> };
    const keys = listed.Contents.map((c) => c.Key);
    expect(keys).toEqual(["team2/batch/x.bin", "team2/batch/y.bin", "team2/batch/z.bin"]);
    const deleted = JSON.parse(
      (
        await cli.ok([
          "s3api",
          "delete-objects",
          "--bucket",
          X,
          "--delete",
          JSON.stringify({ Objects: keys.map((Key) => ({ Key })) }),
        ])
      ).stdout,
    ) as { Deleted: Array<{ Key: string }> };
    expect(deleted.Deleted.map((d) => d.Key).sort()).toEqual(keys);
    expect(await physical(b, M, "data/team2/batch/")).toEqual([]);
  });

  describe("the CLI's DELETE, reduced to one raw request", () => {
    const put = (Key: string) => gw.client().send(new PutObjectCommand({ Bucket: X, Key, Body: "to delete" }));
    const rawDelete = (Key: string, headers: Record<string, string>) => {
      const req = signedRequest({ endpoint: gw.url, method: "DELETE", bucket: X, key: Key, ...GATEWAY_USER, headers });
      return sendRaw(req.url, { method: req.method, headers: req.headers });
    };

    it("works without a Content-Length header", async () => {
      for (const Key of ["team1/raw-delete.txt", "team2/raw-delete.txt"]) {
        await put(Key);
        const res = await rawDelete(Key, {});
        expect([res.status, res.code], res.text).toEqual([204, undefined]);
      }
      expect(await exists(a, X, "team1/raw-delete.txt")).toBe(false);
      expect(await exists(b, M, "data/team2/raw-delete.txt")).toBe(false);
    });

    // A signed `Content-Length: 0` on DELETE (or GET/HEAD) must not be re-signed for the backend:
    // the HTTP client drops it on methods without a body.
    it("works with a signed Content-Length: 0, as botocore sends it", async () => {
      for (const Key of ["team1/raw-delete-cl0.txt", "team2/raw-delete-cl0.txt"]) {
        await put(Key);
        const res = await rawDelete(Key, { "content-length": "0" });
        expect([res.status, res.code], res.text).toEqual([204, undefined]);
      }
    });

    it("GET works with a signed Content-Length: 0", async () => {
      const req = signedRequest({
        endpoint: gw.url,
        method: "GET",
        bucket: X,
        key: "team1/seed.txt",
        ...GATEWAY_USER,
        headers: { "content-length": "0" },
      });
      const res = await sendRaw(req.url, { method: req.method, headers: req.headers });
      expect([res.status, res.text]).toEqual([200, "on A"]);
    });
  });

  // botocore sends `Content-Length: 0` on every DELETE: see the raw tests above.
  it("s3 rm --recursive s3://X/team2/ removes only team2 keys, on rgwB", async () => {
    // Its own keys, written straight to the backends; whatever other tests left is compared
    // before and after, never assumed.
    await Promise.all([
      ...["a", "b", "c", "d/e"].map((k) =>
        b.send(new PutObjectCommand({ Bucket: M, Key: `data/team2/rm/${k}.txt`, Body: k })),
      ),
      b.send(new PutObjectCommand({ Bucket: M, Key: "other/rm-unrelated.txt", Body: "not X's" })),
      a.send(new PutObjectCommand({ Bucket: X, Key: "team1/rm-keep.txt", Body: "stays" })),
      // Physically in X on rgwA, but X's team2/* is routed to rgwB: shadowed, and not the gateway's to delete.
      a.send(new PutObjectCommand({ Bucket: X, Key: "team2/rm-shadowed.txt", Body: "ghost" })),
    ]);
    const beforeA = await physical(a, X);
    const beforeB = await physical(b, M);
    const team2OnB = beforeB.filter((k) => k.startsWith("data/team2/"));
    expect(team2OnB).toEqual(expect.arrayContaining(["data/team2/rm/a.txt", "data/team2/rm/d/e.txt"]));

    const out = await cli.ok(["s3", "rm", "--recursive", `s3://${X}/team2/`]);
    const deleted = out.stdout
      .split("\n")
      .filter((l) => l.startsWith("delete:"))
      .map((l) => l.slice(`delete: s3://${X}/`.length))
      .sort();
    expect(deleted).toEqual(team2OnB.map((k) => k.slice("data/".length)));

    // rgwB keeps only what is not X's team2/*; rgwA is untouched (even its shadowed team2 key).
    const afterB = await physical(b, M);
    expect(afterB).toEqual(beforeB.filter((k) => !k.startsWith("data/team2/")));
    expect(afterB).toContain("other/rm-unrelated.txt");
    expect(await physical(a, X)).toEqual(beforeA);
    expect(beforeA).toContain("team2/rm-shadowed.txt");

    // Through the gateway: X is what rgwA holds outside team2/ (team2/ lives on rgwB, now empty).
    const left = await cli.ok(["s3", "ls", "--recursive", `s3://${X}/`]);
    expect(lsKeys(left.stdout)).toEqual(beforeA.filter((k) => !k.startsWith("team2/")));
    expect(lsKeys(left.stdout)).toContain("team1/rm-keep.txt");
    const none = await cli.run(["s3", "ls", "--recursive", `s3://${X}/team2/`]);
    // `aws s3 ls` exits 1 when nothing matches.
    expect(none.stdout.trim()).toBe("");
  });
});
