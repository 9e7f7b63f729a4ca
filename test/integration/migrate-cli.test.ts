/**
 * @module test/integration/migrate-cli — `s3-router migrate` as a user runs it (a child process),
 * on the two RGW servers: the caller's bucket X, whose team2/* moved to rgwB (bucket P, under
 * new/) from rgwA (bucket F, under old/), which still holds ~300 objects of varied sizes; and a
 * profile for team2/special/* in front of it, whose keys in F are not this migration's.
 * Each test migrates into a fresh primary bucket, so they do not depend on each other.
 */
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  type _Object,
} from "@aws-sdk/client-s3";
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MigrateReport } from "../../src/migration/bulk-migrate.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
  type S3Connection,
} from "../support/backends.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);

/** The caller's bucket: it exists only in the router's names. */
const X = uniqueBucket("mig-x");
/** rgwA's bucket holding X's team2/* under old/: the fallback. */
const F = uniqueBucket("mig-fallback");
/** Primaries on rgwB, one per test. */
const P = {
  dry: uniqueBucket("mig-p-dry"),
  tty: uniqueBucket("mig-p-tty"),
  plain: uniqueBucket("mig-p-plain"),
  resume: uniqueBucket("mig-p-resume"),
  stop: uniqueBucket("mig-p-stop"),
};
/** Never created: every copy into it fails. */
const MISSING = uniqueBucket("mig-p-missing");

const COUNT = 300;
const SPECIAL = 5;
const MiB = 1024 * 1024;
/** A few multi-MiB objects; 9 MiB is past the router's 8 MiB copy part size, so copied in parts. */
const BIG: Record<number, number> = { 7: 3 * MiB, 77: 4 * MiB, 177: 6 * MiB, 250: 9 * MiB };

interface Source {
  readonly key: string;
  readonly size: number;
  readonly sha: string;
  readonly n: string;
  readonly contentType: string;
  readonly tagging: string | undefined;
}
const sources: Source[] = [];
let work: string;

const keyOf = (i: number) => `team2/d${i % 10}/f${i.toString().padStart(3, "0")}.bin`;
const sizeOf = (i: number) => BIG[i] ?? (i % 50 === 0 ? 0 : (i * 7919) % (96 * 1024));
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

const connection = (server: S3Connection) => ({
  endpoint: server.endpoint,
  region: server.region ?? "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  // Ceph 16 rejects the SDK's default trailing checksums on streamed bodies.
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});

/** A configuration file whose team2/* migrates from F into `primary`; returns its path. */
async function configFor(primary: string): Promise<string> {
  const file = join(work, `${primary}.json`);
  const config = {
    clients: { default: connection(rgwA), b: connection(rgwB) },
    profiles: {
      special: {
        client: "default",
        source_bucket_pattern: X,
        source_key_pattern: "team2/special/*",
        mapped_bucket_name: uniqueBucket("mig-special"),
      },
      moved: {
        client: "b",
        source_bucket_pattern: X,
        source_key_pattern: "team2/*",
        mapped_bucket_name: primary,
        mapped_prefix: "new/",
        fallback: { client: "default", mapped_bucket_name: F, mapped_prefix: "old/" },
      },
    },
  };
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of the CLI: the test runner's, without what would change what the CLI prints. */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  delete env["NODE_OPTIONS"];
  return env;
}

/** `node --import tsx src/cli/bin.ts …`: one process (the tsx binary would fork a second one, which a SIGKILL would miss). */
const CLI = [process.execPath, "--import", "tsx", "src/cli/bin.ts"];

function cli(args: readonly string[]): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      CLI[0]!,
      [...CLI.slice(1), ...args],
      { cwd: ROOT, env: cliEnv(), timeout: 90_000, maxBuffer: 16 * MiB },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * The CLI under a pseudo-terminal (util-linux `script`): stdout and stderr are both a TTY, 200
 * columns wide (so the line keeps all its parts).
 */
function cliOnTty(args: readonly string[]): Promise<Exit> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols 200; exec ${[...CLI, ...args].map(quote).join(" ")}`;
  return new Promise((resolve) => {
    execFile(
      "/usr/bin/script",
      ["-qfec", command, "/dev/null"],
      { cwd: ROOT, env: cliEnv(), timeout: 90_000, maxBuffer: 16 * MiB },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

async function listAll(client: S3Client, Bucket: string, Prefix?: string): Promise<_Object[]> {
  const all: _Object[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
    all.push(...(page.Contents ?? []));
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return all;
}

/** Runs `tasks` with at most `limit` at once. */
async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "s3r-migrate-"));
  await Promise.all([createBuckets(a, [F]), createBuckets(b, Object.values(P))]);
  const indexes = Array.from({ length: COUNT }, (_, i) => i);
  await inParallel(indexes, 16, async (i) => {
    const body = randomBytes(sizeOf(i));
    const source: Source = {
      key: keyOf(i),
      size: body.length,
      sha: sha(body),
      n: String(i),
      contentType: `application/x-test-${i % 3}`,
      tagging: i % 40 === 0 ? `batch=b${i}&kind=test` : undefined,
    };
    sources.push(source);
    await a.send(
      new PutObjectCommand({
        Bucket: F,
        Key: `old/${source.key}`,
        Body: body,
        ContentType: source.contentType,
        Metadata: { n: source.n },
        ...(source.tagging !== undefined && { Tagging: source.tagging }),
      }),
    );
  });
  // Keys of the fallback that the "special" profile serves: never migrated by "moved".
  for (let i = 0; i < SPECIAL; i++)
    await a.send(new PutObjectCommand({ Bucket: F, Key: `old/team2/special/s${i}`, Body: "special" }));
  sources.sort((x, y) => (x.key < y.key ? -1 : 1));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  await Promise.all([emptyAndDeleteBucket(a, F), ...Object.values(P).map((bucket) => emptyAndDeleteBucket(b, bucket))]);
  a.destroy();
  b.destroy();
}, 120_000);

const totalBytes = () => sources.reduce((sum, s) => sum + s.size, 0);

describe("s3-router migrate", () => {
  it("--dry-run lists and compares, writes nothing, and reports what it would copy", async () => {
    const config = await configFor(P.dry);
    const { code, stdout, stderr } = await cli(["migrate", config, `s3://${X}/team2/`, "--dry-run", "--json"]);
    expect(stderr).not.toContain("error");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as MigrateReport;
    expect(report).toMatchObject({ dryRun: true, bucket: X, prefix: "team2/", skipped: SPECIAL, interrupted: false });
    expect(report.listed).toEqual({ objects: COUNT, bytes: totalBytes() });
    expect(report.copied).toEqual({ objects: COUNT, bytes: totalBytes() });
    expect(report.present.objects + report.failed.objects).toBe(0);
    expect(report.routes).toEqual([
      {
        profile: "moved",
        from: { client: "default", bucket: F, prefix: "old/team2/" },
        to: { client: "b", bucket: P.dry, prefix: "new/team2/" },
      },
    ]);
    expect(await listAll(b, P.dry)).toEqual([]);

    const human = await cli(["migrate", config, `s3://${X}/team2/d3/`, "--dry-run", "--quiet"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`dry run of s3://${X}/team2/d3/: nothing written`));
    expect(human.stdout).toMatch(/to copy +30 objects/);
  });

  it("on a terminal, redraws one progress line in place; otherwise prints plain lines", async () => {
    const tty = await cliOnTty(["migrate", await configFor(P.tty), `s3://${X}/team2/`, "--concurrency", "2"]);
    expect(tty.code).toBe(0);
    // Redraws: a carriage return not followed by a newline, then the line (a TTY turns "\n" into "\r\n").
    const redraws = tty.stdout.match(/\r(?!\n)migrate: [^\r\n]*/g) ?? [];
    expect(redraws.length).toBeGreaterThanOrEqual(2);
    expect(tty.stdout).toContain("\x1b[K");
    const last = redraws[redraws.length - 1]!;
    expect(last).toMatch(new RegExp(`${COUNT}/${COUNT} objects \\(100%\\)`));
    expect(redraws.join("\n")).toMatch(
      / · \d+(\.\d)? (B|KiB|MiB|GiB)\/s · \d+(\.\d)? obj\/s · ETA (\d+s|\d+m\d\ds) · copied \d+, present 0/,
    );
    expect(redraws.join("\n")).toMatch(/\d+(\.\d)? (KiB|MiB)\/\d+(\.\d)? MiB/);
    expect(tty.stdout).toMatch(new RegExp(`migrated s3://${X}/team2/ in`));
    expect(tty.stdout).toMatch(new RegExp(`copied +${COUNT} objects`));

    const plain = await cli(["migrate", await configFor(P.plain), `s3://${X}/team2/d4/`, "--concurrency", "2"]);
    expect(plain.code).toBe(0);
    // No carriage return, no escape sequence (ESC, U+001B): plain lines when not on a terminal.
    for (const text of [plain.stderr, plain.stdout]) {
      expect(text).not.toContain("\r");
      expect(text).not.toContain("\u001b");
    }
    const lines = plain.stderr.split("\n").filter((line) => line.startsWith("migrate: "));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[lines.length - 1]).toMatch(
      /^migrate: 30\/30 objects \(100%\) · [\d.]+\/[\d.]+ (KiB|MiB) · [\d.]+ (B|KiB|MiB)\/s · [\d.]+ obj\/s · done in \d+\.\ds · copied 30, present 0$/,
    );
    expect(plain.stdout).toMatch(/copied +30 objects/);
  });

  it("resumes after a kill: objects copied before it are found present, not copied again; the primary ends equal to the fallback", async () => {
    const config = await configFor(P.resume);
    const address = `s3://${X}/team2/`;
    const child = spawn(CLI[0]!, [...CLI.slice(1), "migrate", config, address, "--concurrency", "2"], {
      cwd: ROOT,
      env: cliEnv(),
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let killed = false;
    for (const started = Date.now(); Date.now() - started < 60_000;) {
      const copied = (await b.send(new ListObjectsV2Command({ Bucket: P.resume }))).KeyCount ?? 0;
      if (copied >= 40) {
        killed = child.kill("SIGKILL");
        break;
      }
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await exited;
    expect(killed, "the first run was killed halfway").toBe(true);
    // Requests the server had fully received when the process died may still be committing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const firstRun = new Map((await listAll(b, P.resume)).map((o) => [o.Key!, o]));
    expect(firstRun.size).toBeGreaterThanOrEqual(40);
    expect(firstRun.size).toBeLessThan(COUNT);

    const second = await cli(["migrate", config, address, "--json", "--quiet"]);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout) as MigrateReport;
    expect(report.listed.objects).toBe(COUNT);
    expect(report.present.objects).toBe(firstRun.size);
    expect(report.copied.objects).toBe(COUNT - firstRun.size);
    expect(report.newer.objects + report.gone.objects + report.failed.objects).toBe(0);
    expect(report.skipped).toBe(SPECIAL);

    const final = await listAll(b, P.resume);
    expect(final.map((o) => o.Key)).toEqual(sources.map((s) => `new/${s.key}`));
    const source = new Map((await listAll(a, F, "old/team2/")).map((o) => [o.Key!.slice("old/".length), o]));
    for (const object of final) {
      const key = object.Key!.slice("new/".length);
      const expected = sources.find((s) => s.key === key)!;
      expect(object.Size, key).toBe(expected.size);
      // A copy in parts has a multipart ETag; the others keep the source's MD5.
      if (expected.size <= 8 * MiB) expect(object.ETag, key).toBe(source.get(key)!.ETag);
      const before = firstRun.get(object.Key!);
      if (before) expect(object.LastModified, `${key} was not written again`).toEqual(before.LastModified);
    }
    const sample = sources.filter((s, i) => s.size > MiB || s.tagging !== undefined || i % 37 === 0);
    await inParallel(sample, 8, async (s) => {
      const got = await b.send(new GetObjectCommand({ Bucket: P.resume, Key: `new/${s.key}` }));
      expect(got.Metadata, s.key).toEqual({ n: s.n });
      expect(got.ContentType, s.key).toBe(s.contentType);
      expect(sha(await readBody(got)), s.key).toBe(s.sha);
      if (s.tagging !== undefined) {
        const tags =
          (await b.send(new GetObjectTaggingCommand({ Bucket: P.resume, Key: `new/${s.key}` }))).TagSet ?? [];
        expect(
          tags
            .map((t) => `${t.Key}=${t.Value}`)
            .sort()
            .join("&"),
          s.key,
        ).toBe(s.tagging);
      }
    });
    expect(await listAll(b, P.resume, "new/team2/special/")).toEqual([]);

    // Nothing left: a third run copies nothing.
    const third = JSON.parse((await cli(["migrate", config, address, "--json", "--quiet"])).stdout) as MigrateReport;
    expect(third.copied.objects).toBe(0);
    expect(third.present.objects).toBe(COUNT);
  });

  it("on SIGINT, finishes the copies under way, reports what it did, and exits 130", async () => {
    const child = spawn(
      CLI[0]!,
      [...CLI.slice(1), "migrate", await configFor(P.stop), `s3://${X}/team2/`, "--concurrency", "2", "--json"],
      {
        cwd: ROOT,
        env: cliEnv(),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    for (const started = Date.now(); Date.now() - started < 60_000 && child.exitCode === null;) {
      if (((await b.send(new ListObjectsV2Command({ Bucket: P.stop }))).KeyCount ?? 0) >= 20) {
        child.kill("SIGINT");
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await exited).toBe(130);
    expect(stderr).toContain("SIGINT: stopping after the copies under way");
    const report = JSON.parse(stdout) as MigrateReport;
    expect(report.interrupted).toBe(true);
    expect(report.failed.objects).toBe(0);
    // Every copy that started was finished and counted: the primary holds exactly those.
    expect(report.copied.objects).toBeLessThan(COUNT);
    expect((await listAll(b, P.stop)).length).toBe(report.copied.objects);
  });

  it("exits 3 and lists the failed keys when copies fail; exits 2 naming an address nothing migrates", async () => {
    const config = await configFor(MISSING);
    const failed = await cli(["migrate", config, `s3://${X}/team2/d1/`, "--concurrency", "4"]);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain("error: 30 object(s) failed to copy; run the same command again to retry them");
    expect(failed.stdout).toMatch(/failed +30 objects/);
    expect(failed.stdout).toContain(
      `note: profile "moved": the primary (client "b", bucket "${MISSING}") could not be listed (NoSuchBucket`,
    );
    for (const s of sources.filter((s) => s.key.startsWith("team2/d1/")))
      expect(failed.stdout).toMatch(new RegExp(`\\n  ${s.key}  NoSuchBucket`));

    const json = await cli(["migrate", config, `s3://${X}/team2/d2/`, "--json", "--quiet"]);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as MigrateReport;
    expect(report.failed.objects).toBe(30);
    expect(report.failed.errors.map((e) => e.key).sort()).toEqual(
      sources.filter((s) => s.key.startsWith("team2/d2/")).map((s) => s.key),
    );

    const nothing = await cli(["migrate", config, `s3://${X}/team3/`]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toBe(
      `error: nothing to migrate under s3://${X}/team3/: no profile serving it has a fallback (it reaches "default")\n`,
    );

    const noBucket = await cli(["migrate", config, "s3:///team2/"]);
    expect(noBucket.code).toBe(2);
    expect(noBucket.stderr).toContain(`"s3:///team2/" names no bucket`);

    const badConcurrency = await cli(["migrate", config, `s3://${X}/team2/`, "--concurrency", "0"]);
    expect(badConcurrency.code).toBe(1);
    expect(badConcurrency.stderr).toContain("expected a whole number from 1 to 1000");
  });
});
