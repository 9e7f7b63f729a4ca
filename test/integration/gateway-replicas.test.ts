/**
 * @module test/integration/gateway-replicas — gateways as interchangeable replicas over the same
 * backends (the seed's split bucket: X on rgwA, X's team2/* on rgwB in M under data/): a merged
 * listing begun on one continues on another with the same `listingTokenSecret`, a multipart
 * upload moves between them, and a gateway run as its own process (`s3-router serve`) takes
 * part too, reloads its file on SIGHUP (keeping the old configuration when the new one is bad)
 * and drains and exits 0 on SIGTERM.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports.js";
import { stringify } from "yaml";
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
import { GATEWAY_USER, backendConfig, startGateway, type RunningGateway } from "../support/gateway.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
const X = uniqueBucket("gw-rep-x");
const M = uniqueBucket("gw-rep-m");
const SECRET = `listing-secret-${randomBytes(8).toString("hex")}`;

/** The configuration every replica shares (the file form, as a child process reads it). */
const config = (
  users: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }> = [GATEWAY_USER],
  listingTokenSecret = SECRET,
): RouterFileConfig => ({
  listingTokenSecret,
  clients: { default: backendConfig(rgwA), minio: backendConfig(rgwB) },
  profiles: {
    minio: { source_bucket_pattern: X, source_key_pattern: "team2/*", mapped_bucket_name: M, mapped_prefix: "data/" },
  },
  // Only the two fields: the SDK adds a `$source` to credentials objects it is given (as
  // GATEWAY_USER is, by RunningGateway.client), which the gateway section's strict schema refuses.
  gateway: {
    users: users.map(({ accessKeyId, secretAccessKey }) => ({ accessKeyId, secretAccessKey })),
    shutdownGraceMs: 5_000,
  },
});

/** The caller's keys the listing under "team" must yield, in order. */
const TEAM_KEYS = [
  ...["k0", "k1", "k2", "k3", "k4"].map((k) => `team1/${k}.txt`),
  ...["k0", "k1", "k2", "k3", "k4"].map((k) => `team2/${k}.txt`),
  "team3/x.txt",
];

let gw1: RunningGateway;
let gw2: RunningGateway;

const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

beforeAll(async () => {
  await Promise.all([createBuckets(a, [X]), createBuckets(b, [M])]);
  await Promise.all([
    ...TEAM_KEYS.filter((k) => !k.startsWith("team2/")).map((Key) =>
      a.send(new PutObjectCommand({ Bucket: X, Key, Body: Key })),
    ),
    ...TEAM_KEYS.filter((k) => k.startsWith("team2/")).map((Key) =>
      b.send(new PutObjectCommand({ Bucket: M, Key: `data/${Key}`, Body: Key })),
    ),
    // Shadowed (X's team2/* lives on rgwB) and foreign (outside data/) keys: never listed.
    a.send(new PutObjectCommand({ Bucket: X, Key: "team2/k2.5-shadowed.txt", Body: "ghost" })),
    b.send(new PutObjectCommand({ Bucket: M, Key: "other/team1-lookalike.txt", Body: "not X's" })),
    a.send(new PutObjectCommand({ Bucket: X, Key: "zzz-outside-prefix.txt", Body: "z" })),
  ]);
  [gw1, gw2] = await Promise.all([startGateway(config()), startGateway(config())]);
});

afterAll(async () => {
  await Promise.all([gw1?.stop(), gw2?.stop()]);
  await Promise.all([emptyAndDeleteBucket(a, X), emptyAndDeleteBucket(b, M)]);
  a.destroy();
  b.destroy();
});

/** Where the tests that write put their objects; the listings leave these keys out. */
const WRITES = "team2/replicas/";

/**
 * Lists X under "team" two keys a page, sending page i to `clients[i % clients.length]`, and
 * returns the keys in the order received, except those under {@link WRITES} (each page's size
 * checked, and no key seen twice).
 */
async function listAcross(clients: readonly S3Client[]): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  for (let page = 0; page < 50; page++) {
    const out = await clients[page % clients.length]!.send(
      new ListObjectsV2Command({ Bucket: X, Prefix: "team", MaxKeys: 2, ContinuationToken }),
    );
    expect(out.Name).toBe(X);
    const got = (out.Contents ?? []).map((c) => c.Key!);
    expect(got.length).toBeLessThanOrEqual(2);
    keys.push(...got);
    if (!out.IsTruncated) {
      expect(new Set(keys).size, `a key listed twice: ${keys.join(", ")}`).toBe(keys.length);
      return keys.filter((k) => !k.startsWith(WRITES));
    }
    expect(out.NextContinuationToken).toBeTruthy();
    ContinuationToken = out.NextContinuationToken;
  }
  throw new Error(`listing did not end after 50 pages: ${keys.join(", ")}`);
}

describe("two gateways in this process, same listingTokenSecret", () => {
  it("continue each other's merged listing: every key exactly once, in order", async () => {
    const keys = await listAcross([gw1.client(), gw2.client()]);
    expect(keys).toEqual(TEAM_KEYS);
    expect(new Set(keys).size).toBe(keys.length);
    // Starting on the other one gives the same.
    expect(await listAcross([gw2.client(), gw1.client()])).toEqual(TEAM_KEYS);
  });

  it("refuse a token sealed with another secret", async () => {
    const stranger = await startGateway(config([GATEWAY_USER], "some-other-secret"));
    try {
      const first = await gw1.client().send(new ListObjectsV2Command({ Bucket: X, Prefix: "team", MaxKeys: 2 }));
      expect(first.IsTruncated).toBe(true);
      const error = await stranger
        .client({ maxAttempts: 1 })
        .send(
          new ListObjectsV2Command({
            Bucket: X,
            Prefix: "team",
            MaxKeys: 2,
            ContinuationToken: first.NextContinuationToken,
          }),
        )
        .catch((e: unknown) => e);
      expect(errorName(error)).toBe("InvalidArgument");
      expect(errorStatus(error)).toBe(400);
    } finally {
      await stranger.stop();
    }
  });

  it("move a multipart upload between them: created on 1, parts on 1 and 2, completed on 2, read on 1", async () => {
    const s1 = gw1.client();
    const s2 = gw2.client();
    const Key = `${WRITES}multipart.bin`;
    const MiB = 1024 * 1024;
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(MiB + 3)];
    const created = await s1.send(new CreateMultipartUploadCommand({ Bucket: X, Key }));
    expect(created).toMatchObject({ Bucket: X, Key });
    const UploadId = created.UploadId!;

    const completed: CompletedPart[] = [];
    for (const [i, Body] of parts.entries()) {
      const via = i % 2 === 0 ? s1 : s2;
      const out = await via.send(new UploadPartCommand({ Bucket: X, Key, UploadId, PartNumber: i + 1, Body }));
      completed.push({
        PartNumber: i + 1,
        ETag: out.ETag,
        ...(out.ChecksumCRC32 !== undefined && { ChecksumCRC32: out.ChecksumCRC32 }),
      });
    }
    // Either replica sees the upload and its parts, in the caller's names.
    const uploads = await s2.send(new ListMultipartUploadsCommand({ Bucket: X, Prefix: WRITES }));
    expect((uploads.Uploads ?? []).map((u) => [u.Key, u.UploadId])).toEqual([[Key, UploadId]]);
    const listed = await s1.send(new ListPartsCommand({ Bucket: X, Key, UploadId }));
    expect(listed.Key).toBe(Key);
    expect((listed.Parts ?? []).map((p) => [p.PartNumber, p.Size])).toEqual(parts.map((p, i) => [i + 1, p.length]));

    const done = await s2.send(
      new CompleteMultipartUploadCommand({ Bucket: X, Key, UploadId, MultipartUpload: { Parts: completed } }),
    );
    expect(done).toMatchObject({ Bucket: X, Key });

    const whole = Buffer.concat(parts);
    expect(sha(await readBody(await s1.send(new GetObjectCommand({ Bucket: X, Key }))))).toBe(sha(whole));
    // On rgwB, renamed; nothing on rgwA.
    const head = await b.send(new HeadObjectCommand({ Bucket: M, Key: `data/${Key}` }));
    expect(head.ContentLength).toBe(whole.length);
    // (Ceph's CompleteMultipartUpload answers an empty ETag, so the parts count is checked here.)
    expect(head.ETag).toMatch(/-4"$/);
    expect((await s1.send(new HeadObjectCommand({ Bucket: X, Key }))).ETag).toBe(head.ETag);
    expect(errorName(await a.send(new HeadObjectCommand({ Bucket: X, Key })).catch((e: unknown) => e))).toBe(
      "NotFound",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// A gateway in its own process

/** Parent pid of every process, from /proc. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      map.set(Number(entry), ppid);
    } catch {
      // Gone meanwhile.
    }
  }
  return map;
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
};

/**
 * The process actually running the gateway under `npx tsx`: npx → sh → tsx → node (the one with
 * tsx's loader). Neither npm nor tsx forwards SIGHUP, so signals go to it directly.
 */
function serverPid(root: number): number | undefined {
  const ppids = parents();
  const descendants: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = [...ppids].filter(([, ppid]) => frontier.includes(ppid)).map(([pid]) => pid);
    descendants.push(...next);
    frontier = next;
  }
  const running = [root, ...descendants].filter((pid) => cmdline(pid).includes("src/cli/bin.ts"));
  // The one with no descendant of its own running bin.ts.
  return running.find((pid) => !running.some((other) => ppids.get(other) === pid));
}

interface ChildGateway {
  readonly process: ChildProcess;
  readonly url: string;
  /** JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal to the gateway's own node process (not npx). */
  signal(name: NodeJS.Signals): void;
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
  describe?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `\n${describe()}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startChildGateway(configFile: string): Promise<ChildGateway> {
  const port = await freePort();
  const env = { ...process.env };
  delete env["NODE_OPTIONS"];
  const child = spawn(
    "npx",
    ["tsx", "src/cli/bin.ts", "serve", "--config", configFile, "--listen", `127.0.0.1:${port}`],
    {
      cwd: ROOT,
      env,
      // Its own process group, so afterAll can end npx, sh, tsx and node together by the group's id.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const logs = () =>
    out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(
    `the gateway process on ${url}`,
    async () => {
      if (gone) throw new Error(`the gateway process exited early:\n${out}`);
      const ok = await fetch(`${url}/-/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      return ok ? true : undefined;
    },
    90_000,
    () => out,
  );
  const pid = await waitFor("the gateway's node process", () => serverPid(child.pid!), 10_000);
  return {
    process: child,
    url,
    logs,
    output: () => out,
    exited,
    signal: (name) => process.kill(pid, name),
  };
}

describe("a gateway process (s3-router serve) among the replicas", { timeout: 120_000 }, () => {
  let dir: string;
  let file: string;
  let child: ChildGateway | undefined;
  const ADDED = { accessKeyId: "GWADDED", secretAccessKey: "added-secret-0123456789" };
  const clientFor = (url: string, user: { accessKeyId: string; secretAccessKey: string } = GATEWAY_USER) =>
    new S3Client({ endpoint: url, region: "us-east-1", forcePathStyle: true, credentials: user, maxAttempts: 1 });
  const clients: S3Client[] = [];
  const tracked = (c: S3Client) => (clients.push(c), c);
  const messages = (msg: string) => child!.logs().filter((l) => l["msg"] === msg).length;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "s3r-replica-"));
    file = join(dir, "router.yaml");
    await writeFile(file, stringify(config()));
    child = await startChildGateway(file);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    if (child && child.process.exitCode === null && child.process.signalCode === null) {
      try {
        process.kill(-child.process.pid!, "SIGKILL");
      } catch {
        // Already gone.
      }
      await child.exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("continues a listing begun in this process, and this process continues one begun there", async () => {
    const remote = tracked(clientFor(child!.url));
    expect(await listAcross([gw1.client(), remote])).toEqual(TEAM_KEYS);
    expect(await listAcross([remote, gw2.client(), gw1.client()])).toEqual(TEAM_KEYS);
  });

  it("reloads the file on SIGHUP: a user added to it can sign in", async () => {
    const added = tracked(clientFor(child!.url, ADDED));
    expect(errorName(await added.send(new ListBucketsCommand({})).catch((e: unknown) => e))).toBe("InvalidAccessKeyId");

    const before = messages("configuration reloaded");
    await writeFile(file, stringify(config([GATEWAY_USER, ADDED])));
    child!.signal("SIGHUP");
    await waitFor(
      "the reload",
      () => (messages("configuration reloaded") > before ? true : undefined),
      30_000,
      () => child!.output(),
    );

    const names = ((await added.send(new ListBucketsCommand({}))).Buckets ?? []).map((x) => x.Name);
    expect(names).toContain(X);
    expect(names).not.toContain(M);
    await added.send(new PutObjectCommand({ Bucket: X, Key: `${WRITES}by-added-user.txt`, Body: "added" }));
    expect(
      await readBody(await b.send(new GetObjectCommand({ Bucket: M, Key: `data/${WRITES}by-added-user.txt` })), "utf8"),
    ).toBe("added");
    // The first user still works too, and the listing still continues across processes.
    expect(await listAcross([tracked(clientFor(child!.url)), gw1.client()])).toEqual(TEAM_KEYS);
  });

  it("keeps the configuration in force when SIGHUP finds an invalid file", async () => {
    // Its own starting point, whatever the tests before did: a valid file with both users, in force.
    const reloads = messages("configuration reloaded");
    await writeFile(file, stringify(config([GATEWAY_USER, ADDED])));
    child!.signal("SIGHUP");
    await waitFor(
      "the reload",
      () => (messages("configuration reloaded") > reloads ? true : undefined),
      30_000,
      () => child!.output(),
    );

    const before = messages("reload failed: keeping the configuration in force");
    await writeFile(file, "clients: [this is: not\n  valid: {yaml\n");
    child!.signal("SIGHUP");
    await waitFor(
      "the failed reload",
      () => (messages("reload failed: keeping the configuration in force") > before ? true : undefined),
      30_000,
      () => child!.output(),
    );
    // A valid YAML that is an invalid configuration is refused the same way.
    await writeFile(file, stringify({ ...config(), gateway: { users: [{ accessKeyId: "" }] } }));
    child!.signal("SIGHUP");
    await waitFor(
      "the second failed reload",
      () => (messages("reload failed: keeping the configuration in force") > before + 1 ? true : undefined),
      30_000,
      () => child!.output(),
    );

    for (const user of [GATEWAY_USER, ADDED]) {
      const s3 = tracked(clientFor(child!.url, user));
      expect(await readBody(await s3.send(new GetObjectCommand({ Bucket: X, Key: "team2/k3.txt" })), "utf8")).toBe(
        "team2/k3.txt",
      );
    }
    expect((await fetch(`${child!.url}/-/health`)).status).toBe(200);
  });

  it("drains and exits 0 on SIGTERM", async () => {
    // A process of its own, from a file of its own: the shared one serves the other tests, in any
    // order, and its file may hold an invalid configuration by now.
    const drainFile = join(dir, "drain.yaml");
    await writeFile(drainFile, stringify(config()));
    const own = await startChildGateway(drainFile);
    try {
      own.signal("SIGTERM");
      const exit = await Promise.race([
        own.exited,
        new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000)),
      ]);
      expect(exit, own.output()).toEqual({ code: 0, signal: null });
      expect(own.logs().map((l) => l["msg"])).toEqual(
        expect.arrayContaining(["stopping: draining in-flight requests", "gateway stopped"]),
      );
      // Nobody answers there any more.
      expect(
        await fetch(`${own.url}/-/health`).then(
          () => "answered",
          () => "refused",
        ),
      ).toBe("refused");
    } finally {
      if (own.process.exitCode === null && own.process.signalCode === null) {
        process.kill(-own.process.pid!, "SIGKILL");
        await own.exited;
      }
    }
  });
});
