/**
 * @module gateway/sdk-input — an HTTP S3 request read as the SDK input of its operation, so the
 * gateway asks the same routing core as the library (`planCommand`) and, for operations over
 * several backends, runs the library's own implementation.
 */
import type { IncomingHttpHeaders } from "node:http";
import { S3Error } from "./s3-error.js";

type Query = ReadonlyArray<readonly [string, string]>;

/** Query parameters → SDK input fields, per the S3 REST API. */
const QUERY_FIELDS: Readonly<Record<string, string>> = {
  prefix: "Prefix",
  delimiter: "Delimiter",
  "start-after": "StartAfter",
  "continuation-token": "ContinuationToken",
  "encoding-type": "EncodingType",
  marker: "Marker",
  "key-marker": "KeyMarker",
  "version-id-marker": "VersionIdMarker",
  "upload-id-marker": "UploadIdMarker",
  uploadId: "UploadId",
  versionId: "VersionId",
  "max-buckets": "MaxBuckets",
  "bucket-region": "BucketRegion",
};
const NUMERIC_QUERY: Readonly<Record<string, string>> = {
  "max-keys": "MaxKeys",
  "max-uploads": "MaxUploads",
  partNumber: "PartNumber",
  "max-buckets": "MaxBuckets",
};

/** Headers → SDK input fields of the operations the gateway may run through the library (copies). */
const HEADER_FIELDS: Readonly<Record<string, string>> = {
  "x-amz-copy-source": "CopySource",
  "x-amz-rename-source": "RenameSource",
  "x-amz-copy-source-range": "CopySourceRange",
  "x-amz-copy-source-if-match": "CopySourceIfMatch",
  "x-amz-copy-source-if-none-match": "CopySourceIfNoneMatch",
  "x-amz-copy-source-if-modified-since": "CopySourceIfModifiedSince",
  "x-amz-copy-source-if-unmodified-since": "CopySourceIfUnmodifiedSince",
  "x-amz-metadata-directive": "MetadataDirective",
  "x-amz-tagging-directive": "TaggingDirective",
  "x-amz-tagging": "Tagging",
  "content-type": "ContentType",
  "cache-control": "CacheControl",
  "content-disposition": "ContentDisposition",
  "content-encoding": "ContentEncoding",
  "content-language": "ContentLanguage",
  expires: "Expires",
  "x-amz-storage-class": "StorageClass",
  "x-amz-acl": "ACL",
  "x-amz-server-side-encryption": "ServerSideEncryption",
  "x-amz-server-side-encryption-aws-kms-key-id": "SSEKMSKeyId",
  "x-amz-website-redirect-location": "WebsiteRedirectLocation",
  "x-amz-expected-bucket-owner": "ExpectedBucketOwner",
  "x-amz-source-expected-bucket-owner": "ExpectedSourceBucketOwner",
  "x-amz-request-payer": "RequestPayer",
  "x-amz-server-side-encryption-customer-algorithm": "SSECustomerAlgorithm",
  "x-amz-server-side-encryption-customer-key": "SSECustomerKey",
  "x-amz-server-side-encryption-customer-key-md5": "SSECustomerKeyMD5",
  "x-amz-copy-source-server-side-encryption-customer-algorithm": "CopySourceSSECustomerAlgorithm",
  "x-amz-copy-source-server-side-encryption-customer-key": "CopySourceSSECustomerKey",
  "x-amz-copy-source-server-side-encryption-customer-key-md5": "CopySourceSSECustomerKeyMD5",
  "x-amz-server-side-encryption-context": "SSEKMSEncryptionContext",
  "x-amz-server-side-encryption-bucket-key-enabled": "BucketKeyEnabled",
  "x-amz-object-lock-mode": "ObjectLockMode",
  "x-amz-object-lock-retain-until-date": "ObjectLockRetainUntilDate",
  "x-amz-object-lock-legal-hold": "ObjectLockLegalHoldStatus",
  "x-amz-checksum-algorithm": "ChecksumAlgorithm",
  "x-amz-grant-full-control": "GrantFullControl",
  "x-amz-grant-read": "GrantRead",
  "x-amz-grant-read-acp": "GrantReadACP",
  "x-amz-grant-write-acp": "GrantWriteACP",
  "if-match": "IfMatch",
  "if-none-match": "IfNoneMatch",
};
const DATE_FIELDS = new Set([
  "CopySourceIfModifiedSince",
  "CopySourceIfUnmodifiedSince",
  "Expires",
  "ObjectLockRetainUntilDate",
]);
const BOOLEAN_FIELDS = new Set(["BucketKeyEnabled"]);

/** The SDK input of a request: bucket, key, listing parameters, copy headers, metadata. */
export function sdkInput(
  bucket: string | undefined,
  key: string | undefined,
  query: Query,
  headers: IncomingHttpHeaders,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (bucket !== undefined) input["Bucket"] = bucket;
  if (key !== undefined) input["Key"] = key;
  for (const [name, value] of query) {
    const numeric = NUMERIC_QUERY[name];
    if (numeric) {
      // S3 refuses what is not a whole number; an empty or cut listing would look complete.
      if (!/^\d{1,10}$/.test(value))
        throw new S3Error("InvalidArgument", `${name} must be a non-negative whole number, got "${value}"`, {
          ArgumentName: name,
          ArgumentValue: value,
        });
      input[numeric] = Number(value);
    } else if (QUERY_FIELDS[name]) input[QUERY_FIELDS[name]] = value;
    else if (name === "fetch-owner") input["FetchOwner"] = value === "true";
  }
  const metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw.join(",") : raw;
    if (value === undefined) continue;
    if (name.startsWith("x-amz-meta-")) metadata[name.slice("x-amz-meta-".length)] = value;
    const field = HEADER_FIELDS[name];
    if (field)
      input[field] = DATE_FIELDS.has(field)
        ? new Date(value)
        : BOOLEAN_FIELDS.has(field)
          ? value.toLowerCase() === "true"
          : value;
  }
  if (Object.keys(metadata).length > 0) input["Metadata"] = metadata;
  return input;
}
