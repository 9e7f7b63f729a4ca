/**
 * @module examples/demo — `npm run demo`: the routing scenario of boto-s3-router's README, played
 * against two in-process S3 servers (s3rver) that stand in for AWS S3 and MinIO. No network, no
 * root, a few seconds.
 *
 * It writes objects through the router, then lists each server *directly* to show where every
 * object physically landed; lists, reads, copies and batch-deletes through the router to show
 * that the caller only ever sees its own names; and lists across two backends as one merged,
 * ordered listing.
 */

// The SDK warns once per process that releases after January 2027 will need Node 22; the package
// supports Node 20.19, so here it is only noise. Read when the first client is built, below.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
// In your code: `from "s3-router"`.
import { createS3Router, type S3Router } from "../src/index.js";
// The tests' helper: s3rver on a free loopback port, in a temp directory, logs silenced.
import { startS3rver, type S3rverServer } from "../test/support/s3rver.js";

/** The objects the demo writes, by logical address. */
const OBJECTS: ReadonlyArray<readonly [bucket: string, key: string, body: string]> = [
  ["example-bucket", "team1/plan.txt", "team 1 plan"],
  ["example-bucket", "team2/plan.txt", "team 2 plan"],
  ["example-bucket", "team2/notes/june.txt", "team 2 notes"],
  ["example-bucket", "team3/plan.txt", "team 3 plan"],
  ["us-west-bucket", "logs/app.log", "west log"],
  ["us-east-bucket", "logs/app.log", "east log"],
];

const say = (text = "") => process.stdout.write(`${text}\n`);
const heading = (text: string) => say(`\n${text}`);

/** Left-aligned columns, two spaces apart, with a rule under the header. */
function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = "  "): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  say(line(header));
  say(line(widths.map((w) => "─".repeat(w))));
  for (const row of rows) say(line(row));
}

type ForwardPlan = Exclude<ReturnType<S3Router["plan"]>, { spanning: unknown }>;

/** Where the router sends `command`: one backend, with the input in physical names. */
function planOf(router: S3Router, command: Parameters<S3Router["plan"]>[0]): ForwardPlan {
  const plan = router.plan(command);
  if ("spanning" in plan) throw new Error(`${command.constructor.name} spans several backends`);
  return plan;
}

/** Every object on a server, read from the server itself (never through the router). */
async function physicalObjects(
  name: string,
  client: S3Client,
): Promise<Array<{ server: string; bucket: string; key: string }>> {
  const { Buckets = [] } = await client.send(new ListBucketsCommand({}));
  const found: Array<{ server: string; bucket: string; key: string }> = [];
  for (const { Name: bucket } of Buckets) {
    // Few objects: one page each (s3rver's continuation tokens need OpenSSL's legacy provider).
    const { Contents = [] } = await client.send(new ListObjectsV2Command({ Bucket: bucket! }));
    for (const { Key } of Contents) found.push({ server: name, bucket: bucket!, key: Key! });
  }
  return found;
}

async function main(): Promise<void> {
  const started = Date.now();
  const servers: S3rverServer[] = [];
  let router: S3Router | undefined;
  const direct: S3Client[] = [];
  try {
    const [aws, minio] = [await startS3rver(), await startS3rver()];
    servers.push(aws, minio);

    say("s3-router demo: two in-process S3 servers (s3rver) play the parts of AWS S3 and MinIO");
    say(`  aws    ${aws.endpoint}`);
    say(`  minio  ${minio.endpoint}`);

    // The seed scenario, in boto-s3-router's own shape: clients by name ("default" serves what no
    // profile matches), and an ordered object of profiles, first match wins. A profile uses the
    // client of its own name unless it names one with `client`.
    const clients = {
      default: aws.clientConfig, // AWS S3 itself in real life
      minio: minio.clientConfig,
      "us-west-1": { ...aws.clientConfig, region: "us-west-1" },
      "us-east-1": { ...aws.clientConfig, region: "us-east-1" },
    };
    router = createS3Router({
      clients,
      profiles: {
        minio: {
          source_bucket_pattern: "example-bucket",
          source_key_pattern: "team2/*",
          mapped_bucket_name: "minio-bucket",
          mapped_prefix: "data/",
        },
        "us-west-1": { source_bucket_pattern: "us-west-bucket" },
        "us-east": { source_bucket_pattern: "us-east-bucket", client: "us-east-1" },
      },
    });
    const serverOf = (client: string) =>
      clients[client as keyof typeof clients].endpoint === aws.endpoint ? "aws" : "minio";
    const awsDirect = new S3Client(aws.clientConfig);
    const minioDirect = new S3Client(minio.clientConfig);
    direct.push(awsDirect, minioDirect);

    heading("Routes, first match wins:");
    table(
      ["profile", "bucket pattern", "key pattern", "client", "backend bucket", "key prefix"],
      router.routeTable.routes.map((r) => [
        r.name,
        r.bucketPattern?.source ?? "(anything else)",
        r.keyPattern?.source ?? "(any key)",
        r.client,
        r.mappedBucket ?? "(same)",
        r.mappedPrefix === "" ? "(none)" : r.mappedPrefix,
      ]),
    );

    // Bucket-level calls go to the bucket's home: the first profile matching the bucket with no key
    // pattern. example-bucket has none (minio only owns team2/*), so its home is default (aws).
    heading("CreateBucket through the router goes to each bucket's home:");
    for (const bucket of ["example-bucket", "us-west-bucket", "us-east-bucket"]) {
      const plan = planOf(router, new CreateBucketCommand({ Bucket: bucket }));
      await router.send(new CreateBucketCommand({ Bucket: bucket }));
      say(`  ${bucket.padEnd(15)} → profile ${plan.route.name}, client ${plan.client}`);
    }
    // minio-bucket is the backend's own bucket: the MinIO side creates it, not the router's caller.
    await minioDirect.send(new CreateBucketCommand({ Bucket: "minio-bucket" }));
    say(`  minio-bucket    created on the minio server directly (it is a backend name, not a caller's)`);

    heading("PutObject through the router; then each server is listed directly:");
    for (const [bucket, key, body] of OBJECTS)
      await router.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const landed = [...(await physicalObjects("aws", awsDirect)), ...(await physicalObjects("minio", minioDirect))];
    const rows = OBJECTS.map(([bucket, key]) => {
      const plan = planOf(router!, new PutObjectCommand({ Bucket: bucket, Key: key }));
      // Where the router said it would send it; the row shows only what the server listing found.
      const want = { server: serverOf(plan.client), bucket: plan.input["Bucket"], key: plan.input["Key"] };
      const found = landed.find((o) => o.server === want.server && o.bucket === want.bucket && o.key === want.key);
      if (!found) throw new Error(`${bucket}/${key} is not at ${JSON.stringify(want)}`);
      landed.splice(landed.indexOf(found), 1);
      return [`${bucket}/${key}`, plan.route.name, found.server, found.bucket, found.key];
    });
    table(["written as", "profile", "server", "bucket", "key"], rows);
    if (landed.length > 0) throw new Error(`objects nobody wrote: ${JSON.stringify(landed)}`);

    heading('ListObjectsV2 s3://example-bucket, Prefix "team2/", through the router:');
    const listCommand = new ListObjectsV2Command({ Bucket: "example-bucket", Prefix: "team2/" });
    const listPlan = planOf(router, listCommand);
    const listed = await router.send(listCommand);
    const { Bucket: sentBucket, Prefix: sentPrefix } = listPlan.input;
    say(`  sent to client ${listPlan.client} as Bucket "${String(sentBucket)}", Prefix "${String(sentPrefix)}"`);
    say(`  answer:  Name "${listed.Name}", Prefix "${listed.Prefix}", KeyCount ${listed.KeyCount}`);
    for (const { Key } of listed.Contents ?? []) say(`           ${Key}`);
    say("  (the caller's names: the backend bucket and the data/ prefix never show)");

    const got = await router.send(new GetObjectCommand({ Bucket: "example-bucket", Key: listed.Contents![0]!.Key! }));
    say(`  GetObject of the first key returned → "${await got.Body!.transformToString()}"`);

    heading("CopyObject team2/plan.txt → team2/plan-v2.txt (both keys live on minio: one server-side copy):");
    const copied = await router.send(
      new CopyObjectCommand({
        Bucket: "example-bucket",
        Key: "team2/plan-v2.txt",
        CopySource: "example-bucket/team2/plan.txt",
      }),
    );
    const minioKeys = (await physicalObjects("minio", minioDirect)).map((o) => `${o.bucket}/${o.key}`);
    say(`  ETag ${copied.CopyObjectResult?.ETag}; the minio server now holds:`);
    for (const key of minioKeys) say(`    ${key}`);

    heading("DeleteObjects in s3://example-bucket through the router:");
    const deleted = await router.send(
      new DeleteObjectsCommand({
        Bucket: "example-bucket",
        Delete: { Objects: [{ Key: "team2/plan.txt" }, { Key: "team2/plan-v2.txt" }] },
      }),
    );
    say(`  Deleted: ${(deleted.Deleted ?? []).map((d) => d.Key).join(", ")}   (caller's keys, not data/…)`);
    const left = (await physicalObjects("minio", minioDirect)).map((o) => `${o.bucket}/${o.key}`);
    say(`  the minio server now holds: ${left.join(", ")}`);

    heading('ListObjectsV2 s3://example-bucket, Prefix "team", spans two backends (minio and aws):');
    const merged = await router.send(new ListObjectsV2Command({ Bucket: "example-bucket", Prefix: "team" }));
    say(`  one merged listing: ${(merged.Contents ?? []).map((o) => o.Key).join(", ")}`);

    say(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    router?.destroy();
    for (const client of direct) client.destroy();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

await main();
