/**
 * @module operations/registry — the one table of S3 operations: for each, how a request for it
 * looks on the wire (method, level, subresource), whether it reads or writes, how the router
 * routes it (its {@link CommandKind}), which query arguments it takes, which names its XML answer
 * carries and where (its {@link AnswerNames}), how a listing pages (its {@link ListingShape}),
 * which names its documents carry that the router cannot map, and how the migration modes treat it.
 *
 * The gateway classifies every request with this table and refuses what it does not find here
 * (deny by default); the library plans SDK commands with the same facts. A fact about an
 * operation lives here once, never in a list of names elsewhere. Operation names are typed: the
 * specs below define {@link OperationName}, so a name written anywhere else is checked against
 * them; names that arrive at run time (a caller's SDK command) are looked up with
 * {@link operationSpec} and may have no spec.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
 */

/**
 * How the router routes an operation:
 * - `object`: one key of one bucket (`Bucket` + `Key`): GetObject, PutObject, UploadPart, ListParts…
 * - `bucket`: the bucket itself (`Bucket`, no `Key`): HeadBucket, CreateBucket, Get/PutBucket*…
 * - `list`: keys under a `Prefix`: ListObjects(V2), ListObjectVersions, ListMultipartUploads.
 * - `copy`: a destination key plus a `CopySource`: CopyObject, UploadPartCopy.
 * - `delete-batch`: many keys of one bucket: DeleteObjects.
 * - `list-buckets`: ListBuckets, answered from every backend.
 * - `account`: no bucket at all (ListDirectoryBuckets, WriteGetObjectResponse…): the default client.
 */
export type CommandKind = "object" | "bucket" | "list" | "copy" | "delete-batch" | "list-buckets" | "account";

/** Where in the URL an operation is addressed: `/`, `/bucket` or `/bucket/key`. */
export type Level = "service" | "bucket" | "object";

/** The HTTP methods of S3's REST API. */
export type Method = "GET" | "PUT" | "POST" | "DELETE" | "HEAD" | "OPTIONS";

/**
 * Names an operation's documents carry that the router does not map:
 * - `document`: its request or answer document names buckets (ARNs) or key prefixes (filters,
 *   routing rules). Correct only on a route that keeps bucket and key names as they are; on a
 *   renaming route it would act on, or show, physical names.
 * - `foreign-bucket`: its request names *another* bucket the backend writes to (log, inventory,
 *   replication or export destinations, restore output): a way around bucket scopes, since the
 *   backend acts with the router's identity.
 */
export type DocumentNames = "document" | "foreign-bucket";

/** How the migration modes (fallback, mirror) treat an object operation. */
export type MigrationRole =
  /** Answered from the fallback when the primary misses the object. */
  | "fallback-read"
  /** After it, the mirror gets the object as the primary stores it. */
  | "mirrored-write"
  /** Sets what a copy does not carry: refused on a mirrored route rather than let stores differ. */
  | "unmirrored-write";

/** Output arrays a listing lists its entries in, besides `CommonPrefixes`. */
export type ListingArray = "Contents" | "Versions" | "DeleteMarkers" | "Uploads";

/**
 * The SDK fields a listing operation pages with, in its input and its output: what a listing
 * merged over several backends reads from the caller, asks each backend, and answers with.
 * `paging` says how a page tells where the next one starts:
 * - `token`: an opaque `ContinuationToken` (the caller's `StartAfter` only starts the first page);
 * - `marker`: the key to start after, `Marker` (`NextMarker` in the answer);
 * - `key-marker`: the key to start after, `KeyMarker`, and the version or upload id within it.
 */
export type ListingShape = ListingFields &
  (
    | { readonly paging: "token"; readonly marker: "StartAfter"; readonly idMarker: undefined }
    | { readonly paging: "marker"; readonly marker: "Marker"; readonly idMarker: undefined }
    | {
        readonly paging: "key-marker";
        readonly marker: "KeyMarker";
        /** The input field of the version or upload id to start after, within the marker's key. */
        readonly idMarker: "VersionIdMarker" | "UploadIdMarker";
      }
  );

/** What every listing shape says. */
interface ListingFields {
  /** The field bounding a page, in the input and in the output. */
  readonly limit: "MaxKeys" | "MaxUploads";
  /** The output arrays of its entries, besides `CommonPrefixes`. */
  readonly arrays: readonly ListingArray[];
  /** The output field naming the bucket. */
  readonly bucketField: "Name" | "Bucket";
}

/**
 * Where an XML answer holds a name, as a path of elements below its root, and the SDK output
 * field that name fills: a scalar of the output, or a member of the items of an output array.
 */
export type AnswerName =
  | { readonly path: readonly string[]; readonly scalar: string }
  | { readonly path: readonly string[]; readonly array: string; readonly member: string };

/** Which of the gateway's rewrites brings an operation's XML answer back into the caller's names. */
export type AnswerKind = "listing" | "object-result" | "delete-result";

/** The names an operation's successful XML answer carries, which the gateway maps back. */
export interface AnswerNames {
  /** The answer's root element. */
  readonly root: string;
  readonly names: readonly AnswerName[];
}

/** A query parameter that must be present (with a value, when given) or absent. */
interface Condition {
  readonly param: string;
  readonly present: boolean;
  readonly value?: string;
}

/** Everything the router knows about one S3 operation. */
export interface OperationSpec<N extends string = OperationName> {
  /** The SDK's name (`GetObject`); `<name>Command` is its command class. */
  readonly name: N;
  readonly method: Method;
  readonly level: Level;
  /** The subresource parameter naming it (`tagging`), absent for a level's plain operations. */
  readonly sub: string | undefined;
  /** Tells apart operations with the same method, level and subresource. */
  readonly when: Condition | undefined;
  /** For PUT of an object: whether the request carries `x-amz-copy-source`. */
  readonly copy: boolean | undefined;
  readonly access: "read" | "write";
  readonly kind: CommandKind;
  /** Query arguments it takes besides its subresource; the gateway forwards these and no others. */
  readonly args: ReadonlySet<string>;
  /** Its successful XML answer names objects, rewritten into the caller's names. */
  readonly answer: AnswerKind | undefined;
  /** Where the names of that answer lie. */
  readonly answerNames: AnswerNames | undefined;
  /** For a listing: the fields it pages with. */
  readonly listing: ListingShape | undefined;
  /**
   * A browser's CORS preflight (`OPTIONS`): it reaches a store unsigned, so what the store answers
   * must not tell a caller nobody authenticated anything (see gateway/proxy).
   */
  readonly preflight: boolean;
  readonly names: DocumentNames | undefined;
  readonly migration: MigrationRole | undefined;
  /** Why the gateway refuses it outright (with `NotImplemented`), if it does. */
  readonly refused: string | undefined;
}

// Argument groups, as the S3 API reference lists them.
const LIST_V1 = ["prefix", "delimiter", "marker", "max-keys", "encoding-type", "allow-unordered"];
const LIST_V2 = [
  "list-type",
  "prefix",
  "delimiter",
  "continuation-token",
  "fetch-owner",
  "start-after",
  "max-keys",
  "encoding-type",
  "allow-unordered",
];
const LIST_VERSIONS = ["prefix", "delimiter", "key-marker", "version-id-marker", "max-keys", "encoding-type"];
const LIST_UPLOADS = ["prefix", "delimiter", "key-marker", "upload-id-marker", "max-uploads", "encoding-type"];
const RESPONSE_OVERRIDES = [
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
];
const VERSION = ["versionId"];
const CONFIG_ID = ["id"];

// Names in answers, as the S3 API reference places them.
/** A child of the root holding a name, filling the output field of the same name. */
const named = (field: string): AnswerName => ({ path: [field], scalar: field });
/** A name in each `element` child of the root, filling `member` of the items of output `array`. */
const itemName = (element: string, member: string, array: string): AnswerName => ({
  path: [element, member],
  array,
  member,
});
const COMMON_PREFIXES = itemName("CommonPrefixes", "Prefix", "CommonPrefixes");
const BUCKET_AND_KEY = [named("Bucket"), named("Key")];

interface Extra {
  readonly when?: Condition;
  readonly copy?: boolean;
  readonly args?: readonly string[];
  readonly kind?: CommandKind;
  readonly access?: "read" | "write";
  readonly answer?: AnswerKind;
  readonly answerNames?: AnswerNames;
  readonly listing?: ListingShape;
  readonly names?: DocumentNames;
  readonly migration?: MigrationRole;
  readonly refused?: string;
}

const KIND_OF_LEVEL: Readonly<Record<Level, CommandKind>> = { service: "account", bucket: "bucket", object: "object" };

/** A listing operation's spec: one that says how it pages. */
export type ListingSpec<N extends string = ListingOperation> = OperationSpec<N> & { readonly listing: ListingShape };

function op<N extends string>(
  name: N,
  method: Method,
  level: Level,
  sub: string | undefined,
  extra: Extra & { readonly listing: ListingShape },
): ListingSpec<N>;
function op<N extends string>(
  name: N,
  method: Method,
  level: Level,
  sub: string | undefined,
  extra?: Extra,
): OperationSpec<N>;
function op<N extends string>(
  name: N,
  method: Method,
  level: Level,
  sub: string | undefined,
  extra: Extra = {},
): OperationSpec<N> {
  return {
    name,
    method,
    level,
    sub,
    when: extra.when,
    copy: extra.copy,
    // Reads are named Get/List/Head, but for two that only read with another verb.
    access: extra.access ?? (/^(Get|List|Head)/.test(name) ? "read" : "write"),
    kind: extra.kind ?? KIND_OF_LEVEL[level],
    args: new Set(extra.args ?? []),
    answer: extra.answer,
    answerNames: extra.answerNames,
    listing: extra.listing,
    preflight: method === "OPTIONS",
    names: extra.names,
    migration: extra.migration,
    refused: extra.refused,
  };
}

/** `Get…Configuration` names one configuration by `id`; without one it is the `List…` form. */
const withId: Condition = { param: "id", present: true };
const withoutId: Condition = { param: "id", present: false };

/**
 * The four operations of a bucket configuration kept by `id` (analytics, inventory…): its
 * documents name key prefixes, and `put` says what the written one names.
 */
function idConfigurations<K extends string>(kind: K, sub: string, put: DocumentNames) {
  return [
    op(`GetBucket${kind}Configuration`, "GET", "bucket", sub, { when: withId, args: CONFIG_ID, names: "document" }),
    op(`ListBucket${kind}Configurations`, "GET", "bucket", sub, {
      when: withoutId,
      args: ["continuation-token"],
      names: "document",
    }),
    op(`PutBucket${kind}Configuration`, "PUT", "bucket", sub, { args: CONFIG_ID, names: put }),
    op(`DeleteBucket${kind}Configuration`, "DELETE", "bucket", sub, { args: CONFIG_ID }),
  ] as const;
}

/** Configurations that write into S3 Metadata tables, which the router cannot scope or map. */
const METADATA_TABLES = "S3 Metadata table configurations name destinations the gateway cannot scope";

/**
 * Every operation, in the order classification tries subresources: a request naming two
 * subresources is read as the first, every time.
 */
const SPECS = [
  // --- service level
  op("ListDirectoryBuckets", "GET", "service", undefined, {
    when: { param: "x-id", present: true, value: "ListDirectoryBuckets" },
    args: ["continuation-token", "max-directory-buckets"],
    refused: "directory buckets are an AWS S3 Express feature the gateway does not route",
  }),
  op("ListBuckets", "GET", "service", undefined, {
    kind: "list-buckets",
    args: ["max-buckets", "continuation-token", "prefix", "bucket-region"],
  }),

  // --- bucket level, by subresource
  op("DeleteObjects", "POST", "bucket", "delete", {
    kind: "delete-batch",
    answer: "delete-result",
    answerNames: {
      root: "DeleteResult",
      names: [itemName("Deleted", "Key", "Deleted"), itemName("Error", "Key", "Errors")],
    },
  }),
  op("ListObjectVersions", "GET", "bucket", "versions", {
    kind: "list",
    args: LIST_VERSIONS,
    answer: "listing",
    answerNames: {
      root: "ListVersionsResult",
      names: [
        named("Name"),
        named("Prefix"),
        named("KeyMarker"),
        named("NextKeyMarker"),
        itemName("Version", "Key", "Versions"),
        itemName("DeleteMarker", "Key", "DeleteMarkers"),
        COMMON_PREFIXES,
      ],
    },
    listing: {
      paging: "key-marker",
      limit: "MaxKeys",
      arrays: ["Versions", "DeleteMarkers"],
      marker: "KeyMarker",
      idMarker: "VersionIdMarker",
      bucketField: "Name",
    },
  }),
  op("ListMultipartUploads", "GET", "bucket", "uploads", {
    kind: "list",
    args: LIST_UPLOADS,
    answer: "listing",
    answerNames: {
      root: "ListMultipartUploadsResult",
      names: [
        named("Bucket"),
        named("Prefix"),
        named("KeyMarker"),
        named("NextKeyMarker"),
        itemName("Upload", "Key", "Uploads"),
        COMMON_PREFIXES,
      ],
    },
    listing: {
      paging: "key-marker",
      limit: "MaxUploads",
      arrays: ["Uploads"],
      marker: "KeyMarker",
      idMarker: "UploadIdMarker",
      bucketField: "Bucket",
    },
  }),
  op("GetBucketLocation", "GET", "bucket", "location"),
  op("GetBucketAbac", "GET", "bucket", "abac"),
  op("PutBucketAbac", "PUT", "bucket", "abac"),
  op("GetBucketAccelerateConfiguration", "GET", "bucket", "accelerate"),
  op("PutBucketAccelerateConfiguration", "PUT", "bucket", "accelerate"),
  op("GetBucketAcl", "GET", "bucket", "acl"),
  op("PutBucketAcl", "PUT", "bucket", "acl"),
  ...idConfigurations("Analytics", "analytics", "foreign-bucket"),
  op("GetBucketCors", "GET", "bucket", "cors"),
  op("PutBucketCors", "PUT", "bucket", "cors"),
  op("DeleteBucketCors", "DELETE", "bucket", "cors"),
  op("GetBucketEncryption", "GET", "bucket", "encryption"),
  op("PutBucketEncryption", "PUT", "bucket", "encryption"),
  op("DeleteBucketEncryption", "DELETE", "bucket", "encryption"),
  ...idConfigurations("IntelligentTiering", "intelligent-tiering", "document"),
  ...idConfigurations("Inventory", "inventory", "foreign-bucket"),
  op("GetBucketLifecycleConfiguration", "GET", "bucket", "lifecycle", { names: "document" }),
  op("PutBucketLifecycleConfiguration", "PUT", "bucket", "lifecycle", { names: "document" }),
  op("DeleteBucketLifecycle", "DELETE", "bucket", "lifecycle"),
  op("GetBucketLogging", "GET", "bucket", "logging", { names: "document" }),
  op("PutBucketLogging", "PUT", "bucket", "logging", { names: "foreign-bucket" }),
  op("GetBucketMetadataConfiguration", "GET", "bucket", "metadataConfiguration", { refused: METADATA_TABLES }),
  op("CreateBucketMetadataConfiguration", "POST", "bucket", "metadataConfiguration", { refused: METADATA_TABLES }),
  op("DeleteBucketMetadataConfiguration", "DELETE", "bucket", "metadataConfiguration", { refused: METADATA_TABLES }),
  op("GetBucketMetadataTableConfiguration", "GET", "bucket", "metadataTable", { refused: METADATA_TABLES }),
  op("CreateBucketMetadataTableConfiguration", "POST", "bucket", "metadataTable", { refused: METADATA_TABLES }),
  op("DeleteBucketMetadataTableConfiguration", "DELETE", "bucket", "metadataTable", { refused: METADATA_TABLES }),
  op("UpdateBucketMetadataAnnotationTableConfiguration", "PUT", "bucket", "metadataAnnotationTable", {
    refused: METADATA_TABLES,
  }),
  op("UpdateBucketMetadataInventoryTableConfiguration", "PUT", "bucket", "metadataInventoryTable", {
    refused: METADATA_TABLES,
  }),
  op("UpdateBucketMetadataJournalTableConfiguration", "PUT", "bucket", "metadataJournalTable", {
    refused: METADATA_TABLES,
  }),
  ...idConfigurations("Metrics", "metrics", "document"),
  op("GetBucketNotificationConfiguration", "GET", "bucket", "notification", { names: "document" }),
  op("PutBucketNotificationConfiguration", "PUT", "bucket", "notification", { names: "document" }),
  op("GetObjectLockConfiguration", "GET", "bucket", "object-lock"),
  op("PutObjectLockConfiguration", "PUT", "bucket", "object-lock"),
  op("GetBucketOwnershipControls", "GET", "bucket", "ownershipControls"),
  op("PutBucketOwnershipControls", "PUT", "bucket", "ownershipControls"),
  op("DeleteBucketOwnershipControls", "DELETE", "bucket", "ownershipControls"),
  op("GetBucketPolicyStatus", "GET", "bucket", "policyStatus"),
  op("GetBucketPolicy", "GET", "bucket", "policy", { names: "document" }),
  op("PutBucketPolicy", "PUT", "bucket", "policy", { names: "document" }),
  op("DeleteBucketPolicy", "DELETE", "bucket", "policy"),
  op("GetPublicAccessBlock", "GET", "bucket", "publicAccessBlock"),
  op("PutPublicAccessBlock", "PUT", "bucket", "publicAccessBlock"),
  op("DeletePublicAccessBlock", "DELETE", "bucket", "publicAccessBlock"),
  op("GetBucketReplication", "GET", "bucket", "replication", { names: "document" }),
  op("PutBucketReplication", "PUT", "bucket", "replication", { names: "foreign-bucket" }),
  op("DeleteBucketReplication", "DELETE", "bucket", "replication"),
  op("GetBucketRequestPayment", "GET", "bucket", "requestPayment"),
  op("PutBucketRequestPayment", "PUT", "bucket", "requestPayment"),
  op("CreateSession", "GET", "bucket", "session", {
    access: "read",
    // Its answer is the backend's own session credentials for the physical bucket.
    refused: "its answer would be the backend's own credentials, a way around the gateway's scopes",
  }),
  op("GetBucketTagging", "GET", "bucket", "tagging"),
  op("PutBucketTagging", "PUT", "bucket", "tagging"),
  op("DeleteBucketTagging", "DELETE", "bucket", "tagging"),
  op("GetBucketVersioning", "GET", "bucket", "versioning"),
  op("PutBucketVersioning", "PUT", "bucket", "versioning"),
  op("GetBucketWebsite", "GET", "bucket", "website", { names: "document" }),
  op("PutBucketWebsite", "PUT", "bucket", "website", { names: "document" }),
  op("DeleteBucketWebsite", "DELETE", "bucket", "website"),

  // --- bucket level, plain
  op("ListObjectsV2", "GET", "bucket", undefined, {
    when: { param: "list-type", present: true, value: "2" },
    kind: "list",
    args: LIST_V2,
    answer: "listing",
    answerNames: {
      root: "ListBucketResult",
      names: [
        named("Name"),
        named("Prefix"),
        named("StartAfter"),
        itemName("Contents", "Key", "Contents"),
        COMMON_PREFIXES,
      ],
    },
    listing: {
      paging: "token",
      limit: "MaxKeys",
      arrays: ["Contents"],
      marker: "StartAfter",
      idMarker: undefined,
      bucketField: "Name",
    },
  }),
  // A bucket GET is a listing whatever else it carries, as S3 reads it: unknown arguments are dropped.
  op("ListObjects", "GET", "bucket", undefined, {
    kind: "list",
    args: LIST_V1,
    answer: "listing",
    answerNames: {
      root: "ListBucketResult",
      names: [
        named("Name"),
        named("Prefix"),
        named("Marker"),
        named("NextMarker"),
        itemName("Contents", "Key", "Contents"),
        COMMON_PREFIXES,
      ],
    },
    listing: {
      paging: "marker",
      limit: "MaxKeys",
      arrays: ["Contents"],
      marker: "Marker",
      idMarker: undefined,
      bucketField: "Name",
    },
  }),
  op("HeadBucket", "HEAD", "bucket", undefined),
  op("CreateBucket", "PUT", "bucket", undefined),
  op("DeleteBucket", "DELETE", "bucket", undefined),
  // A browser's CORS preflight: unsigned by definition, answered by the store from the bucket's
  // CORS configuration (not an SDK operation).
  op("PreflightBucket", "OPTIONS", "bucket", undefined, { access: "read" }),
  // A browser form upload: its key, and its authentication (a signed policy), are in the body.
  op("PostObject", "POST", "bucket", undefined),

  // --- object level, by subresource
  op("CreateMultipartUpload", "POST", "object", "uploads", {
    answer: "object-result",
    answerNames: { root: "InitiateMultipartUploadResult", names: BUCKET_AND_KEY },
  }),
  op("ListParts", "GET", "object", "uploadId", {
    args: ["uploadId", "max-parts", "part-number-marker"],
    answer: "object-result",
    answerNames: { root: "ListPartsResult", names: BUCKET_AND_KEY },
  }),
  op("CompleteMultipartUpload", "POST", "object", "uploadId", {
    args: ["uploadId"],
    answer: "object-result",
    // Its `Location` names the object too: the gateway points it at itself (see gateway/protocol/xml-rewrite).
    answerNames: { root: "CompleteMultipartUploadResult", names: BUCKET_AND_KEY },
    migration: "mirrored-write",
  }),
  op("AbortMultipartUpload", "DELETE", "object", "uploadId", { args: ["uploadId"] }),
  op("UploadPartCopy", "PUT", "object", "uploadId", {
    when: { param: "partNumber", present: true },
    copy: true,
    kind: "copy",
    args: ["uploadId", "partNumber"],
  }),
  op("UploadPart", "PUT", "object", "uploadId", {
    when: { param: "partNumber", present: true },
    copy: false,
    args: ["uploadId", "partNumber"],
  }),
  op("GetObjectAcl", "GET", "object", "acl", { args: VERSION, migration: "fallback-read" }),
  op("PutObjectAcl", "PUT", "object", "acl", { args: VERSION, migration: "unmirrored-write" }),
  op("GetObjectTagging", "GET", "object", "tagging", { args: VERSION, migration: "fallback-read" }),
  op("PutObjectTagging", "PUT", "object", "tagging", { args: VERSION, migration: "mirrored-write" }),
  op("DeleteObjectTagging", "DELETE", "object", "tagging", { args: VERSION, migration: "mirrored-write" }),
  op("GetObjectRetention", "GET", "object", "retention", { args: VERSION, migration: "fallback-read" }),
  op("PutObjectRetention", "PUT", "object", "retention", { args: VERSION, migration: "unmirrored-write" }),
  op("GetObjectLegalHold", "GET", "object", "legal-hold", { args: VERSION, migration: "fallback-read" }),
  op("PutObjectLegalHold", "PUT", "object", "legal-hold", { args: VERSION, migration: "unmirrored-write" }),
  op("GetObjectAttributes", "GET", "object", "attributes", { args: VERSION, migration: "fallback-read" }),
  op("GetObjectTorrent", "GET", "object", "torrent", { args: VERSION }),
  op("RestoreObject", "POST", "object", "restore", {
    args: VERSION,
    names: "foreign-bucket",
    migration: "unmirrored-write",
  }),
  op("SelectObjectContent", "POST", "object", "select", { access: "read", args: ["select-type"] }),
  op("GetObjectAnnotation", "GET", "object", "annotation", {
    when: { param: "annotationName", present: true },
    args: ["annotationName", ...VERSION],
  }),
  op("ListObjectAnnotations", "GET", "object", "annotation", {
    args: ["annotation-prefix", "max-annotation-results", "continuation-token", ...VERSION],
  }),
  op("PutObjectAnnotation", "PUT", "object", "annotation", { args: ["annotationName", ...VERSION] }),
  op("DeleteObjectAnnotation", "DELETE", "object", "annotation", { args: ["annotationName", ...VERSION] }),
  op("RenameObject", "PUT", "object", "renameObject", { migration: "unmirrored-write" }),
  op("UpdateObjectEncryption", "PUT", "object", "encryption", { args: VERSION }),

  // --- object level, plain
  op("GetObject", "GET", "object", undefined, {
    args: ["partNumber", ...VERSION, ...RESPONSE_OVERRIDES],
    migration: "fallback-read",
  }),
  op("HeadObject", "HEAD", "object", undefined, {
    args: ["partNumber", ...VERSION, ...RESPONSE_OVERRIDES],
    migration: "fallback-read",
  }),
  op("CopyObject", "PUT", "object", undefined, { copy: true, kind: "copy", migration: "mirrored-write" }),
  op("PutObject", "PUT", "object", undefined, { copy: false, migration: "mirrored-write" }),
  op("DeleteObject", "DELETE", "object", undefined, { args: VERSION }),
  op("PreflightObject", "OPTIONS", "object", undefined, { access: "read" }),
];

/** The name of an operation the router knows: the registry's own, checked where it is written. */
export type OperationName = (typeof SPECS)[number]["name"];

/** The listing operations: those whose spec says how they page. */
export type ListingOperation = Extract<(typeof SPECS)[number], { readonly listing: ListingShape }>["name"];

/** Operations by name. */
export const OPERATIONS: ReadonlyMap<OperationName, OperationSpec> = new Map(SPECS.map((spec) => [spec.name, spec]));

/** Every operation, in classification order. */
export const ALL_OPERATIONS: readonly OperationSpec[] = SPECS;

/** Whether an operation is a listing, with the fields it pages with. */
export const isListing = (spec: OperationSpec): spec is ListingSpec => spec.listing !== undefined;

/**
 * The spec of an operation, by its name (`GetObject`) or its command's (`GetObjectCommand`). A
 * name the registry does not know (a newer SDK's command, a caller's typo) has none.
 */
export function operationSpec(name: OperationName): OperationSpec;
export function operationSpec(name: string): OperationSpec | undefined;
export function operationSpec(name: string): OperationSpec | undefined {
  const byName: ReadonlyMap<string, OperationSpec> = OPERATIONS;
  return byName.get(name.replace(/Command$/, ""));
}
