/**
 * @module spanning/cross-copy — CopyObject and UploadPartCopy between two backends: no backend can
 * read from the other, so the router streams the source (GetObject) into the destination
 * (PutObject, a multipart upload, or UploadPart), with memory bounded by the part size and queue,
 * never by the object's size, and answers like the copy operation itself.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
 */
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type GetObjectCommandOutput,
  type PutObjectCommandInput,
  type S3Client,
  type Tag,
  type UploadPartCommandInput,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { ResponseMetadata } from "@smithy/types";
import { pipeline, Readable, Transform } from "node:stream";
import type { SpanningPlan } from "../client/command-plan.js";
import { restoreError, type NameScope } from "../client/output-mapping.js";
import { CrossBackendError, PreconditionFailed, SseKeyRequiredError } from "../errors.js";
import { toPhysicalBucket, toPhysicalKey } from "../mapping/key-mapping.js";
import type { Route } from "../routing/route-table.js";
import type { SpanningContext } from "./spanning-context.js";
import { isSseKeyMissing } from "./sse-customer-key.js";

type CopyPlan = Extract<SpanningPlan, { spanning: "copy" }>;
type Input = Readonly<Record<string, unknown>>;
type Fields = Record<string, unknown>;

/**
 * Parts a multipart cross-backend copy uploads at once. With the part being filled, memory is
 * about `(COPY_QUEUE_SIZE + 1) × copyPartSize` whatever the object's size.
 */
export const COPY_QUEUE_SIZE = 4;
/** S3's smallest part (but the last) and most parts of a multipart upload. */
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

/** Fields a copy takes from the source (`MetadataDirective` COPY) or from the input (REPLACE). */
const METADATA_FIELDS = [
  "ContentType",
  "ContentEncoding",
  "ContentDisposition",
  "ContentLanguage",
  "CacheControl",
  "Expires",
  "Metadata",
  "WebsiteRedirectLocation",
] as const;

/** CopyObject fields that describe the destination object and mean the same on PutObject. */
const DESTINATION_FIELDS = [
  "ACL",
  "StorageClass",
  "ServerSideEncryption",
  "SSEKMSKeyId",
  "SSEKMSEncryptionContext",
  "SSECustomerAlgorithm",
  "SSECustomerKey",
  "SSECustomerKeyMD5",
  "BucketKeyEnabled",
  "ObjectLockMode",
  "ObjectLockRetainUntilDate",
  "ObjectLockLegalHoldStatus",
  "ObjectLockEventHold",
  "ObjectLockEventHoldDurationDays",
  "ObjectLockEventHoldDurationYears",
  "ChecksumAlgorithm",
  "ExpectedBucketOwner",
  "GrantFullControl",
  "GrantRead",
  "GrantReadACP",
  "GrantWriteACP",
  "RequestPayer",
  "IfMatch",
  "IfNoneMatch",
] as const;

/** Copy-source conditions and SSE-C key, as the GetObject of the source names them. */
const SOURCE_FIELDS = [
  ["CopySourceIfMatch", "IfMatch"],
  ["CopySourceIfNoneMatch", "IfNoneMatch"],
  ["CopySourceIfModifiedSince", "IfModifiedSince"],
  ["CopySourceIfUnmodifiedSince", "IfUnmodifiedSince"],
  ["CopySourceSSECustomerAlgorithm", "SSECustomerAlgorithm"],
  ["CopySourceSSECustomerKey", "SSECustomerKey"],
  ["CopySourceSSECustomerKeyMD5", "SSECustomerKeyMD5"],
  ["ExpectedSourceBucketOwner", "ExpectedBucketOwner"],
  ["RequestPayer", "RequestPayer"],
] as const;

/** UploadPartCopy fields that UploadPart takes as they are. */
const PART_FIELDS = [
  "UploadId",
  "PartNumber",
  "SSECustomerAlgorithm",
  "SSECustomerKey",
  "SSECustomerKeyMD5",
  "ExpectedBucketOwner",
  "RequestPayer",
] as const;

/** Encryption and charge fields of a write's answer that the copy's answer carries on. */
const WRITE_RESULT_FIELDS = [
  "ServerSideEncryption",
  "SSECustomerAlgorithm",
  "SSECustomerKeyMD5",
  "SSEKMSKeyId",
  "SSEKMSEncryptionContext",
  "BucketKeyEnabled",
  "RequestCharged",
] as const;
const CHECKSUM_FIELDS = [
  "ChecksumCRC32",
  "ChecksumCRC32C",
  "ChecksumCRC64NVME",
  "ChecksumSHA1",
  "ChecksumSHA256",
] as const;

/** What the router's own copies (migration modes) ask of {@link copyAcrossBackends}. */
export interface InternalCopyOptions {
  /** Called with the source's GetObject answer (its ETag, size…) before its body is copied. */
  readonly onSource?: (got: GetObjectCommandOutput) => void;
  /**
   * Whether the answer must carry the copy's real LastModified (read back from the destination,
   * as S3's CopyObject answers). Without it, the destination is read back only when its write
   * answered no ETag. @default true
   */
  readonly exactAnswer?: boolean;
  /** Parts of a multipart copy uploaded at once (memory: about (queueSize + 1) × part size). @default COPY_QUEUE_SIZE */
  readonly queueSize?: number;
  /**
   * Write the copy with the source's server-side encryption (SSE-S3 or SSE-KMS with its key id)
   * when the input names none, and refuse an SSE-C source read without a key with
   * {@link SseKeyRequiredError}: the router's own copies move an object, they do not re-encrypt
   * it. (A caller's CopyObject follows S3: the request says how the copy is encrypted.)
   * @default false
   */
  readonly keepEncryption?: boolean;
  /** What the copy is for, in errors (e.g. "copy-on-read"). @default the operation */
  readonly purpose?: string;
}

/** One side of a copy, in the caller's and the backend's names. */
interface Side {
  readonly route: Route;
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly physicalBucket: string;
  readonly physicalKey: string;
  /** For mapping a backend error back to the caller's names. */
  readonly scope: NameScope;
}

/**
 * Runs a CopyObject or UploadPartCopy whose source and destination live on different backends.
 *
 * CopyObject: GetObject on the source (its version, `CopySourceIf*` conditions and SSE-C key),
 * then PutObject of the stream when the object fits one part (`copyPartSize`), else a multipart
 * upload with lib-storage (also when the length is unknown). `MetadataDirective` and
 * `TaggingDirective` mean what they mean to S3 (COPY by default). The destination is read back
 * with HeadObject for the real LastModified.
 *
 * UploadPartCopy: GetObject of `CopySourceRange`, streamed into UploadPart of the caller's upload
 * (which lives on the destination's backend, where CreateMultipartUpload was routed).
 *
 * A failure at any point destroys the source stream and leaves no object behind: a PutObject whose
 * body stops short is aborted (never completed with missing bytes), and lib-storage aborts its
 * multipart upload.
 *
 * @throws {@link CrossBackendError} when the router was built with `crossBackendCopy: false`.
 * @throws {@link PreconditionFailed} when a copy-source condition does not hold.
 */
export async function copyAcrossBackends(
  ctx: SpanningContext,
  operation: string,
  input: Record<string, unknown>,
  plan: CopyPlan,
  internal: InternalCopyOptions = {},
): Promise<unknown> {
  if (!ctx.crossBackendCopy) {
    throw new CrossBackendError(
      operation,
      plan.bucket,
      [`${plan.source.bucket}/${plan.source.key}`, `${plan.bucket}/${plan.key}`],
      [plan.from.name, plan.to.name],
      `the source is served by client "${plan.from.client}" and the destination by client "${plan.to.client}", and the router was built with crossBackendCopy: false`,
    );
  }
  const source = side(ctx, plan.from, plan.source.bucket, plan.source.key);
  const destination = side(ctx, plan.to, plan.bucket, plan.key);
  const part = operation === "UploadPartCopy";

  // One signal for every request of this copy: the caller's abort, or a broken source stream
  // (a PUT whose body stops would otherwise wait for the missing bytes forever).
  const abort = linkedAbort(ctx.sendOptions?.["abortSignal"]);
  const options = { ...ctx.sendOptions, abortSignal: abort.controller.signal };
  try {
    const got = await getSource(source, input, plan, part, options).catch((error: unknown) => {
      if (internal.keepEncryption && input["CopySourceSSECustomerKey"] === undefined && isSseKeyMissing(error)) {
        throw new SseKeyRequiredError(
          internal.purpose ?? operation,
          plan.source.bucket,
          plan.source.key,
          plan.from.client,
          error,
        );
      }
      throw error;
    });
    internal.onSource?.(got);
    const body = toReadable(got.Body);
    try {
      return part
        ? await copyPart(destination, input, got, body, abort.controller, options)
        : await copyObject(ctx, source, destination, input, plan, got, body, abort.controller, options, internal);
    } catch (error) {
      body.destroy();
      throw error;
    }
  } finally {
    abort.dispose();
  }
}

function side(ctx: SpanningContext, route: Route, bucket: string, key: string): Side {
  const physicalBucket = toPhysicalBucket(route, bucket);
  const physicalKey = toPhysicalKey(route, key);
  return {
    route,
    client: ctx.backend(route.client),
    bucket,
    key,
    physicalBucket,
    physicalKey,
    scope: { kind: "object", route, bucket, physicalBucket, key, physicalKey },
  };
}

/** GetObject of the copy source, with the copy's conditions, version and range. */
async function getSource(
  source: Side,
  input: Input,
  plan: CopyPlan,
  part: boolean,
  options: Fields,
): Promise<GetObjectCommandOutput> {
  const getInput: Fields = { Bucket: source.physicalBucket, Key: source.physicalKey };
  if (plan.source.versionId !== undefined) getInput["VersionId"] = plan.source.versionId;
  for (const [from, to] of SOURCE_FIELDS) if (input[from] !== undefined) getInput[to] = input[from];
  if (part && input["CopySourceRange"] !== undefined) getInput["Range"] = input["CopySourceRange"];
  try {
    return await source.client.send(new GetObjectCommand(getInput as never), options);
  } catch (error) {
    if (isNotModified(error)) {
      const condition =
        input["CopySourceIfNoneMatch"] !== undefined
          ? "x-amz-copy-source-If-None-Match"
          : "x-amz-copy-source-If-Modified-Since";
      throw new PreconditionFailed(
        "At least one of the pre-conditions you specified did not hold",
        metadataOf(error),
        condition,
        error,
      );
    }
    throw restoreError(source.scope, error);
  }
}

async function copyObject(
  ctx: SpanningContext,
  source: Side,
  destination: Side,
  input: Input,
  plan: CopyPlan,
  got: GetObjectCommandOutput,
  body: Readable,
  controller: AbortController,
  options: Fields,
  internal: InternalCopyOptions,
): Promise<unknown> {
  const put: Fields = {};
  for (const field of DESTINATION_FIELDS) if (input[field] !== undefined) put[field] = input[field];
  if (internal.keepEncryption) keepSourceEncryption(put, got);
  // S3 semantics: COPY (the default) keeps the source's metadata, REPLACE takes the request's.
  const metadataFrom: Fields = input["MetadataDirective"] === "REPLACE" ? input : (got as unknown as Fields);
  for (const field of METADATA_FIELDS) if (metadataFrom[field] !== undefined) put[field] = metadataFrom[field];
  const tagging =
    input["TaggingDirective"] === "REPLACE"
      ? (input["Tagging"] as string | undefined)
      : await sourceTagging(source, input, plan, got, options);
  if (tagging !== undefined && tagging !== "") put["Tagging"] = tagging;
  put["Bucket"] = destination.physicalBucket;
  put["Key"] = destination.physicalKey;

  const length = got.ContentLength;
  let written: Fields;
  try {
    written =
      length !== undefined && length <= ctx.copyPartSize
        ? await putStream(destination.client, put, body, length, controller, options)
        : await uploadMultipart(
            ctx,
            destination.client,
            put,
            body,
            length,
            controller,
            internal.queueSize ?? COPY_QUEUE_SIZE,
          );
  } catch (error) {
    throw restoreError(destination.scope, error);
  }

  const writtenETag = typeof written["ETag"] === "string" && written["ETag"] !== "" ? written["ETag"] : undefined;
  // The read-back costs a round trip: skipped when the caller needs neither the date nor (having it) the ETag.
  const stored =
    (internal.exactAnswer ?? true) || writtenETag === undefined
      ? await readBack(destination, input, written, options)
      : { lastModified: new Date(), etag: undefined };
  const etag = writtenETag ?? stored.etag;
  const result: Fields = { ETag: etag, LastModified: stored.lastModified };
  for (const field of CHECKSUM_FIELDS) if (written[field] !== undefined) result[field] = written[field];
  const out: Fields = { CopyObjectResult: result, $metadata: { httpStatusCode: 200 } };
  if (written["VersionId"] !== undefined) out["VersionId"] = written["VersionId"];
  if (got.VersionId !== undefined) out["CopySourceVersionId"] = got.VersionId;
  if (written["Expiration"] !== undefined) out["Expiration"] = written["Expiration"];
  for (const field of WRITE_RESULT_FIELDS) if (written[field] !== undefined) out[field] = written[field];
  return out;
}

/**
 * The source's SSE-S3/SSE-KMS encryption on the write, unless the input chose one. (SSE-C needs
 * the key, which only the input can carry.) A KMS key id names a key of the source's store: the
 * destination must know it too, or it refuses the write — which is then the copy's failure.
 */
function keepSourceEncryption(put: Fields, got: GetObjectCommandOutput): void {
  if (
    put["ServerSideEncryption"] !== undefined ||
    put["SSECustomerAlgorithm"] !== undefined ||
    got.ServerSideEncryption === undefined
  )
    return;
  put["ServerSideEncryption"] = got.ServerSideEncryption;
  if (got.SSEKMSKeyId !== undefined) put["SSEKMSKeyId"] = got.SSEKMSKeyId;
  if (got.BucketKeyEnabled !== undefined) put["BucketKeyEnabled"] = got.BucketKeyEnabled;
}

/** The source's tags as a `Tagging` value (URL query form), or undefined when it has none. */
async function sourceTagging(
  source: Side,
  input: Input,
  plan: CopyPlan,
  got: GetObjectCommandOutput,
  options: Fields,
): Promise<string | undefined> {
  // GetObject reports how many tags there are: no need to ask for none.
  if (!got.TagCount) return undefined;
  const tagInput: Fields = { Bucket: source.physicalBucket, Key: source.physicalKey };
  // The version just read, so the tags belong to the bytes being copied.
  const versionId = plan.source.versionId ?? got.VersionId;
  if (versionId !== undefined) tagInput["VersionId"] = versionId;
  if (input["ExpectedSourceBucketOwner"] !== undefined)
    tagInput["ExpectedBucketOwner"] = input["ExpectedSourceBucketOwner"];
  if (input["RequestPayer"] !== undefined) tagInput["RequestPayer"] = input["RequestPayer"];
  let tagSet: Tag[];
  try {
    tagSet = (await source.client.send(new GetObjectTaggingCommand(tagInput as never), options)).TagSet ?? [];
  } catch (error) {
    throw restoreError(source.scope, error);
  }
  return encodeTagging(tagSet);
}

/** A tag set as the `x-amz-tagging` query string: `k1=v1&k2=v2`, each part percent-encoded. */
export const encodeTagging = (tags: readonly Tag[]): string =>
  tags.map((t) => `${encodeURIComponent(t.Key ?? "")}=${encodeURIComponent(t.Value ?? "")}`).join("&");

/**
 * PutObject with the source stream as body. The stream passes through a byte counter: a source
 * that breaks or ends short aborts the PUT, which the backend then discards, instead of leaving the
 * request waiting for bytes that will never come. (The SDK never retries a stream body.)
 */
async function putStream(
  client: S3Client,
  put: Fields,
  body: Readable,
  length: number,
  controller: AbortController,
  options: Fields,
): Promise<Fields> {
  const counted = countingStream(body, length, controller);
  try {
    const command = new PutObjectCommand({
      ...put,
      Body: counted.stream,
      ContentLength: length,
    } as unknown as PutObjectCommandInput);
    return (await client.send(command, options)) as unknown as Fields;
  } catch (error) {
    counted.stream.destroy();
    throw counted.failure() ?? error;
  }
}

/**
 * A multipart upload with lib-storage: it cuts the stream into parts of `partSize`, uploads
 * {@link COPY_QUEUE_SIZE} at a time, and aborts the upload on any failure. Objects of unknown
 * length go this way too: lib-storage falls back to one PutObject when the stream ends within the
 * first part.
 */
async function uploadMultipart(
  ctx: SpanningContext,
  client: S3Client,
  put: Fields,
  body: Readable,
  length: number | undefined,
  controller: AbortController,
  queueSize: number,
): Promise<Fields> {
  // S3 wants parts of 5 MiB or more and at most 10 000 of them.
  const partSize = Math.max(ctx.copyPartSize, MIN_PART_SIZE, length === undefined ? 0 : Math.ceil(length / MAX_PARTS));
  const params = {
    ...put,
    Body: body,
    ...(length === undefined ? {} : { ContentLength: length }),
  } as unknown as PutObjectCommandInput;
  const upload = new Upload({
    client,
    params,
    partSize,
    queueSize,
    leavePartsOnError: false,
    abortController: controller,
  });
  return (await upload.done()) as unknown as Fields;
}

/** UploadPart of the source range into the caller's multipart upload on the destination. */
async function copyPart(
  destination: Side,
  input: Input,
  got: GetObjectCommandOutput,
  body: Readable,
  controller: AbortController,
  options: Fields,
): Promise<unknown> {
  const partInput: Fields = { Bucket: destination.physicalBucket, Key: destination.physicalKey };
  for (const field of PART_FIELDS) if (input[field] !== undefined) partInput[field] = input[field];
  const length = got.ContentLength;
  const counted = length === undefined ? undefined : countingStream(body, length, controller);
  partInput["Body"] = counted?.stream ?? body;
  if (length !== undefined) partInput["ContentLength"] = length;
  let written: Fields;
  try {
    written = (await destination.client.send(
      new UploadPartCommand(partInput as unknown as UploadPartCommandInput),
      options,
    )) as unknown as Fields;
  } catch (error) {
    counted?.stream.destroy();
    throw restoreError(destination.scope, counted?.failure() ?? error);
  }
  // UploadPart does not answer a date; the part was stored just now.
  const result: Fields = { ETag: written["ETag"], LastModified: new Date() };
  for (const field of CHECKSUM_FIELDS) if (written[field] !== undefined) result[field] = written[field];
  const out: Fields = { CopyPartResult: result, $metadata: { httpStatusCode: 200 } };
  if (got.VersionId !== undefined) out["CopySourceVersionId"] = got.VersionId;
  for (const field of WRITE_RESULT_FIELDS) if (written[field] !== undefined) out[field] = written[field];
  return out;
}

/**
 * The destination as stored, read back: the copy's answer carries its real LastModified (S3's
 * copy answer does), and its ETag when the write's answer had none (RGW answers a multipart
 * completion with an empty one). The object is written by then: if the read fails, the copy still
 * succeeded, so the time of writing stands in rather than failing a completed copy.
 */
async function readBack(
  destination: Side,
  input: Input,
  written: Fields,
  options: Fields,
): Promise<{ lastModified: Date; etag: string | undefined }> {
  const head: Fields = { Bucket: destination.physicalBucket, Key: destination.physicalKey };
  if (written["VersionId"] !== undefined) head["VersionId"] = written["VersionId"];
  for (const field of [
    "SSECustomerAlgorithm",
    "SSECustomerKey",
    "SSECustomerKeyMD5",
    "ExpectedBucketOwner",
    "RequestPayer",
  ] as const) {
    if (input[field] !== undefined) head[field] = input[field];
  }
  try {
    const out = await destination.client.send(new HeadObjectCommand(head as never), options);
    return { lastModified: out.LastModified ?? new Date(), etag: out.ETag };
  } catch {
    return { lastModified: new Date(), etag: undefined };
  }
}

/**
 * `source` piped through a byte counter. When the source fails or ends with a byte count other
 * than `length`, the copy's controller is aborted (so the request carrying the stream fails at
 * once) and `failure()` tells why.
 */
function countingStream(
  source: Readable,
  length: number,
  controller: AbortController,
): { stream: Transform; failure: () => Error | undefined } {
  let received = 0;
  let failed: Error | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      callback(received === length ? null : new Error(`the copy source ended after ${received} of ${length} bytes`));
    },
  });
  pipeline(source, stream, (error) => {
    if (!error) return;
    failed = error;
    controller.abort(error);
  });
  return { stream, failure: () => failed };
}

/** An AbortController that follows the caller's signal (native or the SDK's own shape). */
function linkedAbort(outer: unknown): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const none = { controller, dispose: () => {} };
  const signal = outer as SignalLike | undefined;
  if (!signal) return none;
  if (signal.aborted) {
    controller.abort();
    return none;
  }
  const onAbort = () => controller.abort();
  if (typeof signal.addEventListener === "function") {
    signal.addEventListener("abort", onAbort, { once: true });
    return { controller, dispose: () => signal.removeEventListener?.("abort", onAbort) };
  }
  // The SDK's AbortSignal shape has only `onabort`: chain to the handler already there.
  const previous = signal.onabort;
  signal.onabort = (...args: unknown[]) => {
    onAbort();
    return previous?.(...args);
  };
  return { controller, dispose: () => void (signal.onabort = previous ?? null) };
}

/** What the SDK accepts as `abortSignal`: a native AbortSignal or its own `onabort`-only shape. */
interface SignalLike {
  readonly aborted?: boolean;
  addEventListener?(type: "abort", listener: () => void, options: { once: boolean }): void;
  removeEventListener?(type: "abort", listener: () => void): void;
  onabort?: ((...args: unknown[]) => unknown) | null;
}

/**
 * The GetObject body as a Node stream: the Node request handler answers one already; a fetch-based
 * handler answers a web stream; a body-less answer (a zero-byte object, a stub) is empty.
 */
function toReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body === undefined || body === null) return Readable.from([]);
  if (body instanceof Uint8Array || typeof body === "string") return Readable.from([Buffer.from(body)]);
  if (typeof (body as { getReader?: unknown }).getReader === "function") return Readable.fromWeb(body as never);
  throw new TypeError("GetObject answered a Body that is neither a Node stream, a web stream nor bytes");
}

const isNotModified = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 304 ||
    (error as { name?: unknown }).name === "NotModified");

const metadataOf = (error: unknown): ResponseMetadata => (error as { $metadata?: ResponseMetadata }).$metadata ?? {};
