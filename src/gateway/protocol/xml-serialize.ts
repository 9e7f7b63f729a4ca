/**
 * @module gateway/protocol/xml-serialize — S3 XML bodies for the answers the gateway computes
 * itself: operations that span backends run through the library and return SDK output objects
 * (merged listings, ListBuckets, split DeleteObjects, cross-backend copies), which are written
 * here as S3 writes them, so any client (AWS SDKs, botocore, s3cmd, rclone) reads them.
 *
 * Element names are the S3 API reference's. Element order is the order S3 itself writes (the
 * API reference's examples: `Name` first, `Key` first in an entry, `Owner` as `ID` then
 * `DisplayName`): SDK parsers match by name, but hand-written and streaming clients have long
 * been tested against S3's own order. Absent fields are omitted; dates are ISO 8601 with
 * milliseconds (`2009-10-12T17:50:30.000Z`); text is escaped with {@link escapeXml} (an ETag's
 * quotes become `&quot;`, as S3 writes them).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
import type {
  Bucket,
  CommonPrefix,
  CopyObjectOutput,
  DeleteMarkerEntry,
  DeleteObjectsOutput,
  Initiator,
  ListBucketsOutput,
  ListMultipartUploadsOutput,
  ListObjectsOutput,
  ListObjectsV2Output,
  ListObjectVersionsOutput,
  MultipartUpload,
  ObjectVersion,
  Owner,
  RestoreStatus,
  UploadPartCopyOutput,
  _Object,
} from "@aws-sdk/client-s3";
import { compareUtf8 } from "../../spanning/utf8-order.js";
import { escapeXml } from "../s3-error.js";

/** The namespace of every S3 response document. */
export const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

/**
 * Checksum members of CopyObjectResult and CopyPartResult, in S3's order. Read by name, so
 * members that newer SDKs add are written when present and older SDKs' types still compile.
 */
const CHECKSUMS = [
  "ChecksumCRC32",
  "ChecksumCRC32C",
  "ChecksumCRC64NVME",
  "ChecksumSHA1",
  "ChecksumSHA256",
  "ChecksumSHA512",
  "ChecksumMD5",
  "ChecksumXXHASH64",
  "ChecksumXXHASH3",
  "ChecksumXXHASH128",
] as const;

type Scalar = string | number | boolean | Date | null | undefined;

/** Appends elements to a document; skips absent values, so callers can list every field. */
class XmlWriter {
  #out = '<?xml version="1.0" encoding="UTF-8"?>\n';

  constructor(readonly root: string) {
    this.#out += `<${root} xmlns="${S3_XMLNS}">`;
  }

  leaf(name: string, value: Scalar): this {
    const text = formatScalar(value);
    if (text !== undefined) this.#out += `<${name}>${escapeXml(text)}</${name}>`;
    return this;
  }

  /** `<name>…</name>` around what `body` writes, or nothing when `value` is absent. */
  group<T>(name: string, value: T | undefined, body: (value: T) => void): this {
    if (value === undefined || value === null) return this;
    this.#out += `<${name}>`;
    body(value);
    this.#out += `</${name}>`;
    return this;
  }

  /** One `<name>` element per item: S3's lists are flattened (no wrapper element). */
  each<T>(name: string, items: readonly T[] | undefined, body: (item: T) => void): this {
    for (const item of items ?? []) this.group(name, item, body);
    return this;
  }

  toString(): string {
    return `${this.#out}</${this.root}>`;
  }
}

function formatScalar(value: Scalar): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  return String(value);
}

/**
 * ListObjectsV2's `ListBucketResult`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
export function listObjectsV2Xml(output: ListObjectsV2Output): string {
  const w = new XmlWriter("ListBucketResult")
    .leaf("Name", output.Name)
    .leaf("Prefix", output.Prefix)
    .leaf("ContinuationToken", output.ContinuationToken)
    .leaf("NextContinuationToken", output.NextContinuationToken)
    .leaf("StartAfter", output.StartAfter)
    .leaf("KeyCount", output.KeyCount)
    .leaf("MaxKeys", output.MaxKeys)
    .leaf("Delimiter", output.Delimiter)
    .leaf("EncodingType", output.EncodingType)
    .leaf("IsTruncated", output.IsTruncated);
  writeContents(w, output.Contents);
  writeCommonPrefixes(w, output.CommonPrefixes);
  return w.toString();
}

/**
 * ListObjects' (version 1) `ListBucketResult`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html
 */
export function listObjectsV1Xml(output: ListObjectsOutput): string {
  const w = new XmlWriter("ListBucketResult")
    .leaf("Name", output.Name)
    .leaf("Prefix", output.Prefix)
    .leaf("Marker", output.Marker)
    .leaf("NextMarker", output.NextMarker)
    .leaf("MaxKeys", output.MaxKeys)
    .leaf("Delimiter", output.Delimiter)
    .leaf("EncodingType", output.EncodingType)
    .leaf("IsTruncated", output.IsTruncated);
  writeContents(w, output.Contents);
  writeCommonPrefixes(w, output.CommonPrefixes);
  return w.toString();
}

/**
 * ListObjectVersions' `ListVersionsResult`. The SDK splits versions and delete markers into two
 * arrays; S3 writes them as one sequence in key order, newest first within a key (clients that
 * read the document in order, like the Java SDK v1's version summaries, rely on it), so they
 * are merged back.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
 */
export function listObjectVersionsXml(output: ListObjectVersionsOutput): string {
  const w = new XmlWriter("ListVersionsResult")
    .leaf("Name", output.Name)
    .leaf("Prefix", output.Prefix)
    .leaf("KeyMarker", output.KeyMarker)
    .leaf("VersionIdMarker", output.VersionIdMarker)
    .leaf("NextKeyMarker", output.NextKeyMarker)
    .leaf("NextVersionIdMarker", output.NextVersionIdMarker)
    .leaf("MaxKeys", output.MaxKeys)
    .leaf("Delimiter", output.Delimiter)
    .leaf("EncodingType", output.EncodingType)
    .leaf("IsTruncated", output.IsTruncated);
  const encoded = output.EncodingType === "url";
  for (const entry of mergeVersions(output.Versions ?? [], output.DeleteMarkers ?? [], encoded)) {
    if (entry.marker) w.group("DeleteMarker", entry.marker, (m) => writeDeleteMarker(w, m));
    else w.group("Version", entry.version, (v) => writeVersion(w, v));
  }
  writeCommonPrefixes(w, output.CommonPrefixes);
  return w.toString();
}

/**
 * ListMultipartUploads' `ListMultipartUploadsResult`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html
 */
export function listMultipartUploadsXml(output: ListMultipartUploadsOutput): string {
  const w = new XmlWriter("ListMultipartUploadsResult")
    .leaf("Bucket", output.Bucket)
    .leaf("KeyMarker", output.KeyMarker)
    .leaf("UploadIdMarker", output.UploadIdMarker)
    .leaf("NextKeyMarker", output.NextKeyMarker)
    .leaf("NextUploadIdMarker", output.NextUploadIdMarker)
    .leaf("Delimiter", output.Delimiter)
    .leaf("Prefix", output.Prefix)
    .leaf("MaxUploads", output.MaxUploads)
    .leaf("EncodingType", output.EncodingType)
    .leaf("IsTruncated", output.IsTruncated);
  w.each("Upload", output.Uploads, (u: MultipartUpload) => {
    w.leaf("Key", u.Key).leaf("UploadId", u.UploadId);
    w.group("Initiator", u.Initiator, (i) => writeIdentity(w, i));
    w.group("Owner", u.Owner, (o) => writeIdentity(w, o));
    w.leaf("StorageClass", u.StorageClass)
      .leaf("Initiated", u.Initiated)
      .leaf("ChecksumAlgorithm", u.ChecksumAlgorithm)
      .leaf("ChecksumType", u.ChecksumType);
  });
  writeCommonPrefixes(w, output.CommonPrefixes);
  return w.toString();
}

/**
 * ListBuckets' `ListAllMyBucketsResult`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
 */
export function listBucketsXml(output: ListBucketsOutput): string {
  const w = new XmlWriter("ListAllMyBucketsResult");
  w.group("Owner", output.Owner, (o) => writeIdentity(w, o));
  // Unlike the other lists, Buckets is wrapped: <Buckets><Bucket>…</Bucket></Buckets>.
  w.group("Buckets", output.Buckets ?? [], (buckets) => {
    w.each("Bucket", buckets, (b: Bucket) => {
      w.leaf("Name", b.Name).leaf("CreationDate", b.CreationDate).leaf("BucketRegion", b.BucketRegion);
      w.leaf("BucketArn", (b as Record<string, unknown>)["BucketArn"] as Scalar);
    });
  });
  w.leaf("ContinuationToken", output.ContinuationToken).leaf("Prefix", output.Prefix);
  return w.toString();
}

/**
 * DeleteObjects' `DeleteResult`: every `Deleted`, then every `Error`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
export function deleteResultXml(output: DeleteObjectsOutput): string {
  const w = new XmlWriter("DeleteResult");
  w.each("Deleted", output.Deleted, (d) => {
    w.leaf("Key", d.Key)
      .leaf("VersionId", d.VersionId)
      .leaf("DeleteMarker", d.DeleteMarker)
      .leaf("DeleteMarkerVersionId", d.DeleteMarkerVersionId);
  });
  w.each("Error", output.Errors, (e) => {
    w.leaf("Key", e.Key).leaf("VersionId", e.VersionId).leaf("Code", e.Code).leaf("Message", e.Message);
  });
  return w.toString();
}

/**
 * CopyObject's `CopyObjectResult` body. Its other outputs (`VersionId`, `CopySourceVersionId`,
 * `Expiration`, encryption) travel as `x-amz-*` headers, which the caller sets.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 */
export function copyObjectResultXml(output: CopyObjectOutput): string {
  const result = output.CopyObjectResult ?? {};
  const w = new XmlWriter("CopyObjectResult").leaf("LastModified", result.LastModified).leaf("ETag", result.ETag);
  w.leaf("ChecksumType", (result as Record<string, unknown>)["ChecksumType"] as Scalar);
  writeChecksums(w, result);
  return w.toString();
}

/**
 * UploadPartCopy's `CopyPartResult` body (its other outputs are headers, as for CopyObject).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
 */
export function copyPartResultXml(output: UploadPartCopyOutput): string {
  const result = output.CopyPartResult ?? {};
  const w = new XmlWriter("CopyPartResult").leaf("LastModified", result.LastModified).leaf("ETag", result.ETag);
  writeChecksums(w, result);
  return w.toString();
}

/** An object of a DeleteObjects request, SDK-shaped (`ObjectIdentifier`). */
export interface DeleteRequestIdentifier {
  readonly Key?: string | undefined;
  readonly VersionId?: string | undefined;
  readonly ETag?: string | undefined;
  readonly LastModifiedTime?: Date | undefined;
  readonly Size?: number | undefined;
}

/**
 * The body of a DeleteObjects *request* from the SDK input's `Delete` (`Objects`, `Quiet`), for
 * sending a rewritten batch to a backend. Whoever sends it must compute its `Content-MD5` (or a
 * checksum header) again: S3 requires one on DeleteObjects.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
export function deleteRequestXml(del: {
  readonly Quiet?: boolean | undefined;
  readonly Objects?: readonly DeleteRequestIdentifier[] | undefined;
}): string {
  const w = new XmlWriter("Delete");
  w.each("Object", del.Objects, (o) => {
    w.leaf("Key", o.Key)
      .leaf("VersionId", o.VersionId)
      .leaf("ETag", o.ETag)
      .leaf("LastModifiedTime", o.LastModifiedTime)
      .leaf("Size", o.Size);
  });
  w.leaf("Quiet", del.Quiet);
  return w.toString();
}

function writeContents(w: XmlWriter, contents: readonly _Object[] | undefined): void {
  w.each("Contents", contents, (o) => {
    w.leaf("Key", o.Key).leaf("LastModified", o.LastModified).leaf("ETag", o.ETag);
    for (const algorithm of o.ChecksumAlgorithm ?? []) w.leaf("ChecksumAlgorithm", algorithm);
    w.leaf("ChecksumType", o.ChecksumType).leaf("Size", o.Size);
    w.group("Owner", o.Owner, (owner) => writeIdentity(w, owner));
    w.leaf("StorageClass", o.StorageClass);
    w.group("RestoreStatus", o.RestoreStatus, (r) => writeRestoreStatus(w, r));
  });
}

function writeVersion(w: XmlWriter, v: ObjectVersion): void {
  w.leaf("Key", v.Key)
    .leaf("VersionId", v.VersionId)
    .leaf("IsLatest", v.IsLatest)
    .leaf("LastModified", v.LastModified)
    .leaf("ETag", v.ETag);
  for (const algorithm of v.ChecksumAlgorithm ?? []) w.leaf("ChecksumAlgorithm", algorithm);
  w.leaf("ChecksumType", v.ChecksumType).leaf("Size", v.Size).leaf("StorageClass", v.StorageClass);
  w.group("Owner", v.Owner, (owner) => writeIdentity(w, owner));
  w.group("RestoreStatus", v.RestoreStatus, (r) => writeRestoreStatus(w, r));
}

function writeDeleteMarker(w: XmlWriter, m: DeleteMarkerEntry): void {
  w.leaf("Key", m.Key).leaf("VersionId", m.VersionId).leaf("IsLatest", m.IsLatest).leaf("LastModified", m.LastModified);
  w.group("Owner", m.Owner, (owner) => writeIdentity(w, owner));
}

function writeCommonPrefixes(w: XmlWriter, prefixes: readonly CommonPrefix[] | undefined): void {
  w.each("CommonPrefixes", prefixes, (p) => w.leaf("Prefix", p.Prefix));
}

/** An Owner or Initiator: `ID`, then `DisplayName`. */
function writeIdentity(w: XmlWriter, identity: Owner | Initiator): void {
  w.leaf("ID", identity.ID).leaf("DisplayName", identity.DisplayName);
}

function writeRestoreStatus(w: XmlWriter, r: RestoreStatus): void {
  w.leaf("IsRestoreInProgress", r.IsRestoreInProgress).leaf("RestoreExpiryDate", r.RestoreExpiryDate);
}

function writeChecksums(w: XmlWriter, result: object): void {
  for (const name of CHECKSUMS) w.leaf(name, (result as Record<string, unknown>)[name] as Scalar);
}

type VersionEntry =
  | { readonly version: ObjectVersion; readonly marker?: undefined }
  | { readonly marker: DeleteMarkerEntry; readonly version?: undefined };

/**
 * Versions and delete markers as one sequence: by key in S3 order (UTF-8 bytes of the decoded
 * key), then newest first. Each input array is already in that order, so this is a merge, and
 * on a tie the version comes first (a stable, predictable choice).
 */
function mergeVersions(
  versions: readonly ObjectVersion[],
  markers: readonly DeleteMarkerEntry[],
  encoded: boolean,
): VersionEntry[] {
  const keyOf = (key: string | undefined) => (encoded ? decodeListedKey(key ?? "") : (key ?? ""));
  const time = (date: Date | undefined) => (date instanceof Date && !Number.isNaN(date.getTime()) ? date.getTime() : 0);
  const out: VersionEntry[] = [];
  let v = 0;
  let m = 0;
  while (v < versions.length || m < markers.length) {
    const version = versions[v];
    const marker = markers[m];
    let takeMarker: boolean;
    if (version === undefined) takeMarker = true;
    else if (marker === undefined) takeMarker = false;
    else {
      const order = compareUtf8(keyOf(marker.Key), keyOf(version.Key));
      // Within a key the latest entry leads; dates (whole seconds on AWS) order the rest.
      const latest = Number(marker.IsLatest === true) - Number(version.IsLatest === true);
      takeMarker =
        order < 0 ||
        (order === 0 && (latest > 0 || (latest === 0 && time(marker.LastModified) > time(version.LastModified))));
    }
    if (takeMarker) out.push({ marker: markers[m++]! });
    else out.push({ version: versions[v++]! });
  }
  return out;
}

/** A key from a URL-encoded listing, decoded for ordering (`+` is a space, as S3 writes it). */
function decodeListedKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    return key;
  }
}
