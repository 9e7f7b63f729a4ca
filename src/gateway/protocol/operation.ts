/**
 * @module gateway/protocol/operation — which S3 operation an HTTP request is, named as the SDK
 * names it (`ListObjectsV2`, `UploadPartCopy`…), with the routing shape the library gives that
 * command ({@link CommandKind}) and whether it modifies anything (for read-only callers).
 *
 * Classification reads only the method, the level (service, bucket, object) and the query's
 * subresource names, and the `x-amz-copy-source` header — never the SDK's advisory `x-id`
 * parameter for anything that matters: a caller could set `x-id=GetObject` on a PUT, and a
 * read-only check that trusted it would let a write through.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
 */
import { commandKind, type CommandKind } from "../../client/command-kind.js";
import { queryGet, queryHas, queryNames, type Query } from "./query-params.js";

/** One classified request. */
export interface S3Operation {
  /**
   * The SDK operation name (`GetObject`, `PutBucketTagging`…). A request no S3 operation matches
   * is named `Unknown<Method><Service|Bucket|Object>` (`UnknownPatchObject`) and still routes.
   */
  readonly name: string;
  /** How the library routes the operation: see {@link CommandKind}. */
  readonly kind: CommandKind;
  /** Whether the operation can modify data or configuration (false only for known reads). */
  readonly write: boolean;
  /** False for a request classified generically from its method. */
  readonly known: boolean;
}

/** Request headers, lowercase names, as Node's `IncomingHttpHeaders` holds them. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

type Method = "GET" | "PUT" | "POST" | "DELETE" | "HEAD";
/** Operation names by method for one subresource; a function decides from the query. */
type ByMethod = Partial<Record<Method, string | ((query: Query) => string)>>;

/** `Get…Configuration` with an `id`, the `List…Configurations` without one. */
const byId = (get: string, list: string) => (query: Query) => (queryHas(query, "id") ? get : list);

/**
 * Bucket subresources (`?tagging`…) and the operation of each method. Checked in this order, so
 * a request naming two subresources is classified the same way every time.
 */
const BUCKET_SUBRESOURCES: ReadonlyArray<readonly [string, ByMethod]> = [
  ["delete", { POST: "DeleteObjects" }],
  ["versions", { GET: "ListObjectVersions" }],
  ["uploads", { GET: "ListMultipartUploads" }],
  ["location", { GET: "GetBucketLocation" }],
  ["abac", { GET: "GetBucketAbac", PUT: "PutBucketAbac" }],
  ["accelerate", { GET: "GetBucketAccelerateConfiguration", PUT: "PutBucketAccelerateConfiguration" }],
  ["acl", { GET: "GetBucketAcl", PUT: "PutBucketAcl" }],
  [
    "analytics",
    {
      GET: byId("GetBucketAnalyticsConfiguration", "ListBucketAnalyticsConfigurations"),
      PUT: "PutBucketAnalyticsConfiguration",
      DELETE: "DeleteBucketAnalyticsConfiguration",
    },
  ],
  ["cors", { GET: "GetBucketCors", PUT: "PutBucketCors", DELETE: "DeleteBucketCors" }],
  ["encryption", { GET: "GetBucketEncryption", PUT: "PutBucketEncryption", DELETE: "DeleteBucketEncryption" }],
  [
    "intelligent-tiering",
    {
      GET: byId("GetBucketIntelligentTieringConfiguration", "ListBucketIntelligentTieringConfigurations"),
      PUT: "PutBucketIntelligentTieringConfiguration",
      DELETE: "DeleteBucketIntelligentTieringConfiguration",
    },
  ],
  [
    "inventory",
    {
      GET: byId("GetBucketInventoryConfiguration", "ListBucketInventoryConfigurations"),
      PUT: "PutBucketInventoryConfiguration",
      DELETE: "DeleteBucketInventoryConfiguration",
    },
  ],
  ["lifecycle", { GET: "GetBucketLifecycleConfiguration", PUT: "PutBucketLifecycleConfiguration", DELETE: "DeleteBucketLifecycle" }],
  ["logging", { GET: "GetBucketLogging", PUT: "PutBucketLogging" }],
  [
    "metadataConfiguration",
    { GET: "GetBucketMetadataConfiguration", POST: "CreateBucketMetadataConfiguration", DELETE: "DeleteBucketMetadataConfiguration" },
  ],
  [
    "metadataTable",
    { GET: "GetBucketMetadataTableConfiguration", POST: "CreateBucketMetadataTableConfiguration", DELETE: "DeleteBucketMetadataTableConfiguration" },
  ],
  ["metadataAnnotationTable", { PUT: "UpdateBucketMetadataAnnotationTableConfiguration" }],
  ["metadataInventoryTable", { PUT: "UpdateBucketMetadataInventoryTableConfiguration" }],
  ["metadataJournalTable", { PUT: "UpdateBucketMetadataJournalTableConfiguration" }],
  [
    "metrics",
    {
      GET: byId("GetBucketMetricsConfiguration", "ListBucketMetricsConfigurations"),
      PUT: "PutBucketMetricsConfiguration",
      DELETE: "DeleteBucketMetricsConfiguration",
    },
  ],
  ["notification", { GET: "GetBucketNotificationConfiguration", PUT: "PutBucketNotificationConfiguration" }],
  ["object-lock", { GET: "GetObjectLockConfiguration", PUT: "PutObjectLockConfiguration" }],
  ["ownershipControls", { GET: "GetBucketOwnershipControls", PUT: "PutBucketOwnershipControls", DELETE: "DeleteBucketOwnershipControls" }],
  ["policyStatus", { GET: "GetBucketPolicyStatus" }],
  ["policy", { GET: "GetBucketPolicy", PUT: "PutBucketPolicy", DELETE: "DeleteBucketPolicy" }],
  ["publicAccessBlock", { GET: "GetPublicAccessBlock", PUT: "PutPublicAccessBlock", DELETE: "DeletePublicAccessBlock" }],
  ["replication", { GET: "GetBucketReplication", PUT: "PutBucketReplication", DELETE: "DeleteBucketReplication" }],
  ["requestPayment", { GET: "GetBucketRequestPayment", PUT: "PutBucketRequestPayment" }],
  ["session", { GET: "CreateSession" }],
  ["tagging", { GET: "GetBucketTagging", PUT: "PutBucketTagging", DELETE: "DeleteBucketTagging" }],
  ["versioning", { GET: "GetBucketVersioning", PUT: "PutBucketVersioning" }],
  ["website", { GET: "GetBucketWebsite", PUT: "PutBucketWebsite", DELETE: "DeleteBucketWebsite" }],
];

/** Object subresources and the operation of each method, checked in this order. */
const OBJECT_SUBRESOURCES: ReadonlyArray<readonly [string, ByMethod]> = [
  ["uploads", { POST: "CreateMultipartUpload" }],
  [
    "uploadId",
    {
      GET: "ListParts",
      POST: "CompleteMultipartUpload",
      DELETE: "AbortMultipartUpload",
      // UploadPart/UploadPartCopy are decided below: they also need partNumber and the copy header.
    },
  ],
  ["acl", { GET: "GetObjectAcl", PUT: "PutObjectAcl" }],
  ["tagging", { GET: "GetObjectTagging", PUT: "PutObjectTagging", DELETE: "DeleteObjectTagging" }],
  ["retention", { GET: "GetObjectRetention", PUT: "PutObjectRetention" }],
  ["legal-hold", { GET: "GetObjectLegalHold", PUT: "PutObjectLegalHold" }],
  ["attributes", { GET: "GetObjectAttributes" }],
  ["torrent", { GET: "GetObjectTorrent" }],
  ["restore", { POST: "RestoreObject" }],
  ["select", { POST: "SelectObjectContent" }],
  [
    "annotation",
    {
      GET: (query) => (queryHas(query, "annotationName") ? "GetObjectAnnotation" : "ListObjectAnnotations"),
      PUT: "PutObjectAnnotation",
      DELETE: "DeleteObjectAnnotation",
    },
  ],
  ["renameObject", { PUT: "RenameObject" }],
  ["encryption", { PUT: "UpdateObjectEncryption" }],
];

/**
 * Query parameters that are arguments of an operation, not subresources: their presence does
 * not change what a plain bucket request is. Anything else on a plain `GET/PUT/DELETE/HEAD
 * /bucket` is a subresource this table does not know, and the request is classified
 * generically — a `GET /bucket?newthing` taken for ListObjects would be answered with a
 * (merged) listing instead of being passed to the bucket's backend.
 */
const ARGUMENTS = new Set([
  // listings (plus Ceph RGW's allow-unordered)
  "prefix",
  "delimiter",
  "marker",
  "max-keys",
  "encoding-type",
  "list-type",
  "continuation-token",
  "fetch-owner",
  "start-after",
  "key-marker",
  "version-id-marker",
  "upload-id-marker",
  "max-uploads",
  "allow-unordered",
  // ListBuckets / ListDirectoryBuckets
  "max-buckets",
  "bucket-region",
  "max-directory-buckets",
  // bucket configurations addressed by id
  "id",
  // object arguments
  "versionId",
  "partNumber",
  "max-parts",
  "part-number-marker",
  "select-type",
  "annotationName",
  "annotation-prefix",
  "max-annotation-results",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
  // the SDK's operation hint, and SigV2 presigning
  "x-id",
  "AWSAccessKeyId",
  "Signature",
  "Expires",
]);

/** Known operations that only read, though their name does not start with Get/List/Head. */
const READS = new Set(["CreateSession", "SelectObjectContent"]);

/**
 * Classifies a request.
 *
 * @param method - HTTP method (any case).
 * @param bucket - the bucket the request names (as `parseTarget` reads it), undefined at service level.
 * @param key - the key it names, undefined at bucket level.
 * @param query - its decoded query.
 * @param headers - its headers (lowercase names); only `x-amz-copy-source` is read, to tell
 *   CopyObject from PutObject and UploadPartCopy from UploadPart.
 *
 * @example
 * ```ts
 * classifyOperation("GET", "b", undefined, parseQuery("list-type=2&prefix=a"));
 * // { name: "ListObjectsV2", kind: "list", write: false, known: true }
 * classifyOperation("PUT", "b", "k", parseQuery(""), { "x-amz-copy-source": "/src/k" });
 * // { name: "CopyObject", kind: "copy", write: true, known: true }
 * ```
 */
export function classifyOperation(
  method: string,
  bucket: string | undefined,
  key: string | undefined,
  query: Query,
  headers: HeaderBag = {},
): S3Operation {
  const verb = method.toUpperCase();
  const name =
    bucket === undefined
      ? serviceOperation(verb, query)
      : key === undefined
        ? bucketOperation(verb, query)
        : objectOperation(verb, query, headers["x-amz-copy-source"] !== undefined);
  const known = name !== undefined;
  const resolved = name ?? `Unknown${verb.charAt(0)}${verb.slice(1).toLowerCase()}${bucket === undefined ? "Service" : key === undefined ? "Bucket" : "Object"}`;
  const input: Record<string, unknown> = {};
  if (bucket !== undefined) input["Bucket"] = bucket;
  if (key !== undefined) input["Key"] = key;
  return {
    name: resolved,
    // The library's own rule, so gateway and SDK router route every operation alike.
    kind: commandKind(`${resolved}Command`, input),
    write: known ? !/^(Get|List|Head)/.test(resolved) && !READS.has(resolved) : !["GET", "HEAD", "OPTIONS"].includes(verb),
    known,
  };
}

function serviceOperation(verb: string, query: Query): string | undefined {
  if (verb !== "GET" || hasUnknownParameter(query)) return undefined;
  // Both are reads of the service, so the hint may pick between them: nothing else depends on it.
  return queryGet(query, "x-id") === "ListDirectoryBuckets" ? "ListDirectoryBuckets" : "ListBuckets";
}

function bucketOperation(verb: string, query: Query): string | undefined {
  const sub = subresource(BUCKET_SUBRESOURCES, verb, query);
  if (sub !== null) return sub;
  // A listing's own parameter says it is a listing, whatever extensions ride along.
  if (verb === "GET" && queryGet(query, "list-type") === "2") return "ListObjectsV2";
  if (hasUnknownParameter(query)) return undefined;
  switch (verb) {
    case "GET":
      return "ListObjects";
    case "HEAD":
      return "HeadBucket";
    case "PUT":
      return "CreateBucket";
    case "DELETE":
      return "DeleteBucket";
    default:
      // POST /bucket without a subresource is a browser form upload (PostObject): its key is in
      // the form body, so it can only be routed as a bucket-level request.
      return verb === "POST" ? "PostObject" : undefined;
  }
}

function objectOperation(verb: string, query: Query, copy: boolean): string | undefined {
  const sub = subresource(OBJECT_SUBRESOURCES, verb, query);
  if (sub !== null) return sub;
  if (verb === "PUT" && queryHas(query, "uploadId")) {
    return queryHas(query, "partNumber") ? (copy ? "UploadPartCopy" : "UploadPart") : undefined;
  }
  // Unknown parameters on an object request do not change its route, and demoting a CopyObject
  // that carries one would skip the rewriting of its copy source: they are ignored, as S3 does.
  switch (verb) {
    case "GET":
      return "GetObject";
    case "HEAD":
      return "HeadObject";
    case "PUT":
      return copy ? "CopyObject" : "PutObject";
    case "DELETE":
      return "DeleteObject";
    default:
      return undefined;
  }
}

/**
 * The operation of the first subresource of `table` the query names: a name, `undefined` when
 * that subresource has no operation for this method (then the request is unknown), or `null`
 * when the query names none of them.
 */
function subresource(table: ReadonlyArray<readonly [string, ByMethod]>, verb: string, query: Query): string | undefined | null {
  for (const [name, methods] of table) {
    if (!queryHas(query, name)) continue;
    const op = Object.hasOwn(methods, verb) ? methods[verb as Method] : undefined;
    if (op === undefined) {
      // uploadId with PUT is UploadPart(Copy): not a subresource match, decided by the caller.
      if (name === "uploadId" && verb === "PUT") return null;
      return undefined;
    }
    return typeof op === "function" ? op(query) : op;
  }
  return null;
}

/** Whether the query names something that is neither a known argument nor a presign field. */
const hasUnknownParameter = (query: Query): boolean =>
  queryNames(query).some((name) => !ARGUMENTS.has(name) && !name.toLowerCase().startsWith("x-amz-"));
