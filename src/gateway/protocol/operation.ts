/**
 * @module gateway/protocol/operation — which S3 operation an HTTP request is, read with the one
 * operation registry (operations/registry), and the query arguments that go on with it.
 *
 * Deny by default: a request no operation of the registry matches is refused with S3's own
 * error (`MethodNotAllowed`, `NotImplemented`), never forwarded. Arguments an operation does not
 * take are dropped from reads, as S3 ignores what it does not know (a bucket GET with unknown
 * parameters is a listing), and refused on writes, where a backend could read them as a
 * subresource the gateway never checked.
 *
 * Classification reads only the method, the level (service, bucket, object), the query's
 * parameter names and the `x-amz-copy-source` header — never the SDK's advisory `x-id` for
 * anything that matters: a caller could set `x-id=GetObject` on a PUT, and a read-only check
 * that trusted it would let a write through.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
 */
import {
  ALL_OPERATIONS,
  type CommandKind,
  type Level,
  type OperationName,
  type OperationSpec,
} from "../../operations/registry.js";
import { S3Error } from "../s3-error.js";
import { queryGet, type Query, type QueryParam } from "./query-params.js";

/** One classified request. */
export interface S3Operation {
  /** The SDK operation name (`GetObject`, `PutBucketTagging`…). */
  readonly name: OperationName;
  /** How the router routes the operation: see {@link CommandKind}. */
  readonly kind: CommandKind;
  /** Whether the operation can modify data or configuration. */
  readonly write: boolean;
  /** Everything the registry knows about it. */
  readonly spec: OperationSpec;
  /** The query parameters that go on to a backend: its subresource and its own arguments, in order. */
  readonly args: Query;
}

/** Request headers, lowercase names, as Node's `IncomingHttpHeaders` holds them. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Subresource names of each level with their rank in registry order: of the subresources a query
 * names, the lowest rank wins. A map, so that classifying costs one lookup per query parameter.
 */
const SUBRESOURCES: Readonly<Record<Level, ReadonlyMap<string, number>>> = {
  service: subresourcesOf("service"),
  bucket: subresourcesOf("bucket"),
  object: subresourcesOf("object"),
};

function subresourcesOf(level: Level): Map<string, number> {
  const names = [...new Set(ALL_OPERATIONS.filter((s) => s.level === level && s.sub !== undefined).map((s) => s.sub!))];
  return new Map(names.map((name, rank) => [name, rank]));
}

/** The subresource a query names at `level` (the first in registry order), if any. */
function subresourceOf(level: Level, query: Query): string | undefined {
  const ranks = SUBRESOURCES[level];
  let best: string | undefined;
  for (const [name] of query) {
    const rank = ranks.get(name);
    if (rank !== undefined && (best === undefined || rank < ranks.get(best)!)) best = name;
  }
  return best;
}

/** Operations by level, method and subresource (`""`: none), in registry order. */
const BY_SHAPE = new Map<string, OperationSpec[]>();
for (const spec of ALL_OPERATIONS) {
  const shape = `${spec.level} ${spec.method} ${spec.sub ?? ""}`;
  BY_SHAPE.set(shape, [...(BY_SHAPE.get(shape) ?? []), spec]);
}

/**
 * Parameters that authenticate a request or hint at its operation: read by the gateway's own
 * checks, never an argument of the operation, never forwarded (`X-Amz-*` presign fields, SigV2
 * presign fields, the SDK's `x-id`).
 */
export function isProtocolParameter(name: string): boolean {
  return (
    name === "x-id" ||
    name === "AWSAccessKeyId" ||
    name === "Signature" ||
    name === "Expires" ||
    name.toLowerCase().startsWith("x-amz-")
  );
}

/**
 * Classifies a request.
 *
 * @param method - HTTP method (any case).
 * @param bucket - the bucket the request names (as `parseTarget` reads it), undefined at service level.
 * @param key - the key it names, undefined at bucket level.
 * @param query - its decoded query.
 * @param headers - its headers (lowercase names); only `x-amz-copy-source` is read, to tell
 *   CopyObject from PutObject and UploadPartCopy from UploadPart.
 * @throws {@link S3Error} `MethodNotAllowed` for a method S3 does not define on that resource;
 *   `NotImplemented` for a write carrying a parameter the operation does not take;
 *   `InvalidRequest` for a subresource request missing what tells its operation (`partNumber`).
 *
 * @example
 * ```ts
 * classifyOperation("GET", "b", undefined, parseQuery("list-type=2&prefix=a&foo=1"));
 * // { name: "ListObjectsV2", kind: "list", write: false, args: [["list-type","2"], ["prefix","a"]], … }
 * classifyOperation("PATCH", "b", "k", []); // throws MethodNotAllowed
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
  const level: Level = bucket === undefined ? "service" : key === undefined ? "bucket" : "object";
  const sub = subresourceOf(level, query);
  const candidates = BY_SHAPE.get(`${level} ${verb} ${sub ?? ""}`);
  if (candidates === undefined) {
    throw new S3Error("MethodNotAllowed", "The specified method is not allowed against this resource.", {
      Method: verb,
      ResourceType: sub === undefined ? level.toUpperCase() : `${level.toUpperCase()} ?${sub}`,
    });
  }
  const copy = headers["x-amz-copy-source"] !== undefined;
  const spec = candidates.find((s) => (s.copy === undefined || s.copy === copy) && holds(s, query));
  if (spec === undefined) {
    // The only such shape: PUT ?uploadId without partNumber.
    throw new S3Error("InvalidRequest", `A ${verb} with ?${sub} must name a part (partNumber).`);
  }
  return { name: spec.name, kind: spec.kind, write: spec.access === "write", spec, args: argumentsOf(spec, query) };
}

const holds = (spec: OperationSpec, query: Query): boolean => {
  const when = spec.when;
  if (when === undefined) return true;
  const value = queryGet(query, when.param);
  return when.present ? value !== undefined && (when.value === undefined || value === when.value) : value === undefined;
};

// Control characters are what it looks for.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** The query parameters `spec` takes, in order; others are dropped (reads) or refused (writes). */
function argumentsOf(spec: OperationSpec, query: Query): QueryParam[] {
  const args: QueryParam[] = [];
  for (const param of query) {
    const [name] = param;
    if (name === spec.sub || spec.args.has(name)) {
      // response-* values become answer headers: a control character would split or corrupt them.
      if (name.startsWith("response-") && CONTROL_CHARACTER.test(param[1])) {
        throw new S3Error("InvalidArgument", `${name} holds a control character.`, { ArgumentName: name });
      }
      args.push(param);
    } else if (isProtocolParameter(name)) continue;
    else if (spec.access === "write") {
      throw new S3Error(
        "NotImplemented",
        `The gateway does not support the query parameter "${name}" on ${spec.name}.`,
        { ArgumentName: name },
      );
    }
  }
  return args;
}
