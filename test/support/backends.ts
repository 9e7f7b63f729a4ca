/**
 * @module test/support/backends — S3 clients, unique bucket names, bucket set-up and clean-up
 * for tests that talk to the real (RGW) or fake (s3rver) backends.
 */
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  S3Client,
  type ObjectIdentifier,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { RgwEndpoint } from "./rgw.js";
import type { S3rverServer } from "./s3rver.js";

/** Enough to sign requests for one backend. */
export interface S3Connection {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** @default 'us-east-1' */
  region?: string;
}

/**
 * The RGW server provided by the integration project's global setup.
 * Throws when called outside that project, where nothing was provided.
 */
export function injectRgw(key: "rgwA" | "rgwB"): RgwEndpoint {
  const server = inject(key) as RgwEndpoint | undefined;
  if (server === undefined) {
    throw new Error(
      `no "${key}" provided: RGW servers exist only in the "integration" vitest project (test/integration/**)`,
    );
  }
  return server;
}

/**
 * An S3Client for an RGW server (or any real S3 on loopback). `extra` overrides the defaults.
 * WHEN_REQUIRED: Ceph 16 predates the SDK's default trailing checksums and rejects stream
 * bodies sent that way with 411 MissingContentLength.
 */
export function rgwClient(server: S3Connection, extra: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region ?? "us-east-1",
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...extra,
  });
}

/** An S3Client for an in-process s3rver. `extra` overrides the defaults. */
export function s3rverClient(server: Pick<S3rverServer, "clientConfig">, extra: S3ClientConfig = {}): S3Client {
  return new S3Client({ ...server.clientConfig, ...extra });
}

let bucketCounter = 0;

/**
 * A bucket name no other test (or earlier run against a reused server) uses: the prefix,
 * lowercased and reduced to valid characters, then time, a counter and random hex. Always a valid
 * S3 name: 3–63 characters of a–z, 0–9 and '-', starting and ending with a letter or digit.
 */
export function uniqueBucket(prefix = "test"): string {
  const cleaned = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 30)
    .replace(/-+$/g, "");
  const suffix = `${Date.now().toString(36)}-${(bucketCounter++).toString(36)}-${randomBytes(3).toString("hex")}`;
  return `${cleaned || "b"}-${suffix}`;
}

/** Creates the buckets in parallel. */
export async function createBuckets(client: S3Client, names: readonly string[]): Promise<void> {
  await Promise.all(names.map((Bucket) => client.send(new CreateBucketCommand({ Bucket }))));
}

/**
 * Aborts multipart uploads, deletes every object version and delete marker, then the bucket.
 * A bucket that does not exist is fine, so it is safe in `afterAll` after a failed set-up.
 * Operations s3rver lacks (ListMultipartUploads, ListObjectVersions) fall back or are skipped.
 */
export async function emptyAndDeleteBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await abortUploads(client, bucket);
    await deleteAllObjects(client, bucket);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (errorName(err) === "NoSuchBucket") return;
    throw err;
  }
}

async function abortUploads(client: S3Client, Bucket: string): Promise<void> {
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  for (;;) {
    let page;
    try {
      page = await client.send(new ListMultipartUploadsCommand({ Bucket, KeyMarker, UploadIdMarker }));
    } catch (err) {
      if (isNotImplemented(err)) return;
      throw err;
    }
    await Promise.all(
      (page.Uploads ?? []).map(({ Key, UploadId }) =>
        client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch((err: unknown) => {
          if (errorName(err) !== "NoSuchUpload") throw err;
        }),
      ),
    );
    if (!page.IsTruncated) return;
    KeyMarker = page.NextKeyMarker;
    UploadIdMarker = page.NextUploadIdMarker;
  }
}

async function deleteAllObjects(client: S3Client, Bucket: string): Promise<void> {
  let versionsSupported = true;
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  let ContinuationToken: string | undefined;
  for (;;) {
    let batch: ObjectIdentifier[];
    let more: boolean;
    if (versionsSupported) {
      try {
        const page = await client.send(new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker }));
        batch = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap(({ Key, VersionId }) =>
          Key === undefined ? [] : [VersionId === undefined ? { Key } : { Key, VersionId }],
        );
        more = page.IsTruncated === true;
        KeyMarker = page.NextKeyMarker;
        VersionIdMarker = page.NextVersionIdMarker;
      } catch (err) {
        if (!isNotImplemented(err)) throw err;
        versionsSupported = false;
        continue;
      }
    } else {
      const page = await client.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
      batch = (page.Contents ?? []).flatMap(({ Key }) => (Key === undefined ? [] : [{ Key }]));
      more = page.IsTruncated === true;
      ContinuationToken = page.NextContinuationToken;
    }
    if (batch.length > 0) {
      const result = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch, Quiet: true } }));
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        throw new Error(`could not empty ${Bucket}: ${failed.map((e) => `${e.Key}: ${e.Code}`).join(", ")}`);
      }
    }
    if (!more) return;
  }
}

/**
 * The whole body of a GetObject output. Pass an encoding to get a string.
 * @example const text = await readBody(await client.send(new GetObjectCommand({ Bucket, Key })), 'utf8');
 */
export async function readBody(output: BodyHolder): Promise<Buffer>;
export async function readBody(output: BodyHolder, encoding: BufferEncoding): Promise<string>;
export async function readBody(output: BodyHolder, encoding?: BufferEncoding): Promise<Buffer | string> {
  if (output.Body === undefined) throw new Error("response has no Body");
  const bytes = Buffer.from(await output.Body.transformToByteArray());
  return encoding === undefined ? bytes : bytes.toString(encoding);
}

/** Anything with an SDK streaming Body, e.g. GetObjectCommandOutput. */
export interface BodyHolder {
  Body?: { transformToByteArray(): Promise<Uint8Array> } | undefined;
}

/** The S3 error code of an SDK error (`NoSuchBucket`, `SignatureDoesNotMatch`, …). */
export function errorName(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { name, Code } = err as { name?: unknown; Code?: unknown };
  return typeof Code === "string" ? Code : typeof name === "string" ? name : undefined;
}

/** HTTP status of an SDK error, if it came from a response. */
export function errorStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

function isNotImplemented(err: unknown): boolean {
  const status = errorStatus(err);
  return errorName(err) === "NotImplemented" || status === 501 || status === 405;
}
