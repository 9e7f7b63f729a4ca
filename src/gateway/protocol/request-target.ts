/**
 * @module gateway/protocol/request-target — which bucket and key an S3 request names, read from
 * its path and `Host` exactly as S3 reads them (path-style and virtual-hosted-style), and the
 * reverse: the path under which a backend (or a caller) finds a bucket and key.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
 */
import { S3Error } from "../s3-error.js";
import { encodeRfc3986, parseQuery, type Query } from "./query-params.js";

/** What one request addresses. */
export interface RequestTarget {
  /** Bucket name, decoded; undefined for a service-level request (`GET /` is ListBuckets). */
  readonly bucket: string | undefined;
  /**
   * Object key, decoded and otherwise untouched: `//`, a trailing `/`, `.` and `..` segments are
   * all part of S3 keys. Undefined when the request names no key (a bucket-level request).
   */
  readonly key: string | undefined;
  /** The decoded query, in order. */
  readonly query: Query;
  /**
   * How the bucket was named: in the host (`virtual-hosted`) or in the path. The caller-facing
   * names the gateway writes back (Location, Resource) may follow the same style.
   */
  readonly style: "path" | "virtual-hosted";
}

/**
 * Reads the bucket, key and query of a request.
 *
 * - Path-style: `/bucket/key…`; `/` alone is service-level, `/bucket` and `/bucket/` are
 *   bucket-level.
 * - Virtual-hosted-style: when `domain` is set and `host` is `<bucket>.<domain>` (port ignored,
 *   case-insensitive; a bucket name may hold dots), the whole path is the key. A host equal to
 *   `domain`, or one that is not under it (an IP address, `localhost`), is path-style.
 *
 * Keys are percent-decoded from the raw path as S3 does: `%2F` is a slash, `+` is a literal
 * plus (only query strings use form encoding), and no segment is normalised.
 *
 * @param rawPath - the request target's path as received (Node's `req.url` before `?`); an
 *   absolute-form target (`http://host/path`, sent to proxies) is accepted too.
 * @param rawQuery - the raw query string, without `?`.
 * @param host - the `Host` header (or `:authority`).
 * @param domain - the gateway's base domain for virtual-hosted-style requests (`s3.example.com`),
 *   or undefined to accept path-style only.
 * @throws {@link S3Error} `InvalidURI` for a path or query whose percent-encoding is not valid
 *   UTF-8; `InvalidBucketName` for an empty bucket segment (`//key`) or a bucket with a `/`.
 *
 * @example
 * ```ts
 * parseTarget("/photos/2024//a%20b+c.jpg", "", "localhost:9000", undefined);
 * // { bucket: "photos", key: "2024//a b+c.jpg", style: "path", … }
 * parseTarget("/a%2Fb", "versionId=3", "my.bucket.s3.example.com", "s3.example.com");
 * // { bucket: "my.bucket", key: "a/b", style: "virtual-hosted", … }
 * ```
 */
export function parseTarget(
  rawPath: string,
  rawQuery: string,
  host: string | undefined,
  domain: string | undefined,
): RequestTarget {
  const path = originPath(rawPath);
  const query = parseQuery(rawQuery);
  const hostBucket = bucketFromHost(host, domain);
  if (hostBucket !== undefined) {
    return { bucket: hostBucket, key: optionalKey(decodePath(path.slice(1), rawPath)), query, style: "virtual-hosted" };
  }
  const rest = path.slice(1);
  if (rest === "") return { bucket: undefined, key: undefined, query, style: "path" };
  const slash = rest.indexOf("/");
  const bucket = decodePath(slash < 0 ? rest : rest.slice(0, slash), rawPath);
  if (bucket === "" || bucket.includes("/")) {
    throw new S3Error("InvalidBucketName", "The specified bucket is not valid.", { BucketName: bucket });
  }
  const key = slash < 0 ? undefined : optionalKey(decodePath(rest.slice(slash + 1), rawPath));
  return { bucket, key, query, style: "path" };
}

/** Splits a request target (`req.url`) into its raw path and raw query (without `?`). */
export function splitRequestUrl(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf("?");
  return q < 0 ? { rawPath: url, rawQuery: "" } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

/**
 * A key as a URL path: each `/`-separated segment RFC 3986-encoded (all but `A-Za-z0-9-_.~`),
 * the slashes kept — what the AWS SDKs send for S3's `{Key+}` label, so a backend reads the
 * same key, empty segments and all.
 * @throws {@link S3Error} `InvalidArgument` for a key that is not Unicode text (a lone surrogate).
 */
export const encodeKeyPath = (key: string): string => key.split("/").map(encodeRfc3986).join("/");

/** A bucket name as one URL path segment (a `/` would be encoded, never a separator). */
export const encodeBucketPath = (bucket: string): string => encodeRfc3986(bucket);

/** The path-style path of a bucket (`/bucket`) or of an object in it (`/bucket/key`), encoded. */
export function objectPath(bucket: string, key?: string): string {
  const base = `/${encodeBucketPath(bucket)}`;
  return key === undefined ? base : `${base}/${encodeKeyPath(key)}`;
}

/** The path of an origin-form or absolute-form request target. */
function originPath(rawPath: string): string {
  if (rawPath.startsWith("/")) return rawPath;
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(rawPath);
  if (absolute) return rawPath.slice(absolute[0].length) || "/";
  throw new S3Error("InvalidURI", "Couldn't parse the specified URI.", { URI: rawPath }, { status: 400 });
}

/** The bucket a virtual-hosted-style `host` names under `domain`, if it names one. */
function bucketFromHost(host: string | undefined, domain: string | undefined): string | undefined {
  if (host === undefined || domain === undefined) return undefined;
  const name = hostName(host);
  const base = hostName(domain);
  if (base === "" || !name.endsWith(`.${base}`)) return undefined;
  const bucket = name.slice(0, name.length - base.length - 1);
  return bucket === "" ? undefined : bucket;
}

/** A host without port and trailing dot, lowercased (DNS names are case-insensitive). */
function hostName(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith("[")) {
    const close = name.indexOf("]");
    name = close < 0 ? name : name.slice(0, close + 1);
  } else {
    name = name.replace(/:\d*$/, "");
  }
  return name.replace(/\.$/, "");
}

const optionalKey = (key: string): string | undefined => (key === "" ? undefined : key);

function decodePath(text: string, rawPath: string): string {
  try {
    return decodeURIComponent(text);
  } catch (cause) {
    throw new S3Error("InvalidURI", "Couldn't parse the specified URI.", { URI: rawPath }, { cause, status: 400 });
  }
}
