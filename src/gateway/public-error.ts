/**
 * @module gateway/public-error — what a client may see of a failure. A backend's error body is
 * rebuilt, never relayed: its code, a message, and only the elements S3 defines for callers, with
 * names in the caller's terms. What a backend adds for its own debugging (its request and host
 * ids, the canonical request and string to sign of a signature it rejected, the access key the
 * gateway used, a redirect endpoint) and anything naming a physical bucket, a mapped prefix or a
 * backend address stays in the gateway's log, under the request id the client holds.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
import type { NameScope } from "../client/output-mapping.js";
import { restoreError } from "../client/output-mapping.js";
import type { Route } from "../routing/route-table.js";
import { s3ErrorCodeOfStatus, s3ErrorMessage } from "../errors.js";
import { S3Error } from "./s3-error.js";
import { XmlSyntaxError, childrenNamed, parseXml, type XmlElement } from "./protocol/xml-scan.js";

/** Elements of an S3 error body a caller may see, with no names in them, as the backend wrote them. */
const PLAIN_DETAIL = new Set([
  "ArgumentName",
  "ArgumentValue",
  "Condition",
  "Method",
  "ResourceType",
  "MaxSizeAllowed",
  "MinSizeAllowed",
  "ProposedSize",
  "ActualObjectSize",
  "RangeRequested",
  "PartNumber",
  "ETag",
  "UploadId",
  "VersionId",
  "HeaderName",
  "ExpectedDigest",
  "CalculatedDigest",
  "ClientComputedContentSHA256",
  "S3ComputedContentSHA256",
]);

/** What must not appear in anything shown to a caller: physical names and backend addresses. */
export interface Hidden {
  /** Strings that, anywhere in a text, make it unfit to show (physical bucket, mapped prefix, backend host, key id). */
  readonly needles: readonly string[];
}

/** The physical names of a request's scope that differ from the caller's, plus the backends' own (hosts, key ids). */
export function hiddenNames(scope: NameScope, internalNames: readonly string[]): Hidden {
  const needles = [...internalNames];
  if (scope.kind !== "account") {
    if (scope.physicalBucket !== scope.bucket) needles.push(scope.physicalBucket);
    if (scope.route.mappedPrefix !== "") needles.push(scope.route.mappedPrefix);
  }
  return { needles: needles.filter((n) => n !== "") };
}

/**
 * The physical names of every route (renamed buckets and mapped prefixes, of fallbacks and
 * mirrors too) plus the backends' own: what to hide in an answer the library assembled from
 * several routes, where no one request scope says which names are physical.
 */
export function routeTableHiddenNames(routes: readonly Route[], internalNames: readonly string[]): Hidden {
  const needles = new Set(internalNames);
  for (const route of routes) {
    for (const place of [route, route.fallback, route.mirror]) {
      if (place?.mappedBucket !== undefined) needles.add(place.mappedBucket);
      if (place !== undefined && place.mappedPrefix !== "") needles.add(place.mappedPrefix);
    }
  }
  return { needles: [...needles].filter((n) => n !== "") };
}

const shows = (text: string, hidden: Hidden): boolean => hidden.needles.some((n) => text.includes(n));

/** A message fit for a caller: the backend's own when it names nothing hidden, else S3's for the code. */
export function publicMessage(code: string, message: string | undefined, hidden: Hidden): string {
  if (
    message !== undefined &&
    message.trim() !== "" &&
    !shows(message, hidden) &&
    !/\b(?:\d{1,3}\.){3}\d{1,3}\b|:\/\//.test(message)
  ) {
    return message;
  }
  return s3ErrorMessage(code);
}

/**
 * A backend's error answer as the client sees it: S3's `<Error>` with the backend's code, a
 * public message, the caller's resource and names, the gateway's request id.
 *
 * @param text - the backend's body (may be empty or not XML).
 * @param status - the backend's HTTP status.
 */
export function publicErrorXml(
  text: string,
  status: number,
  scope: NameScope,
  hidden: Hidden,
  resource: string,
  requestId: string,
): string {
  const root = readError(text);
  const code = root ? leafText(root, "Code") : undefined;
  // A body that is not an S3 error (a proxy's HTML page) gets the code S3 uses for its status.
  const relayed = {
    code: code || (s3ErrorCodeOfStatus(status) ?? (status >= 500 ? "InternalError" : "InvalidRequest")),
    status,
  };
  const detail: Record<string, string> = {};
  if (root) {
    for (const element of root.children) {
      if (element.children.length > 0) continue;
      if (PLAIN_DETAIL.has(element.name) && !shows(element.text, hidden)) detail[element.name] = element.text;
    }
    // Names only when they are this request's, brought back to the caller's.
    const names: Record<string, unknown> = {};
    for (const name of ["Key", "BucketName"] as const) {
      const value = leafText(root, name);
      if (value !== undefined) names[name] = value;
    }
    restoreError(scope, names);
    for (const [name, value] of Object.entries(names)) {
      if (typeof value === "string" && value !== "" && !shows(value, hidden) && callerName(scope, name, value))
        detail[name] = value;
    }
  }
  const message = publicMessage(relayed.code, root ? leafText(root, "Message") : undefined, hidden);
  return new S3Error(relayed, message, detail).toXML(resource, requestId);
}

/** Whether `value` is the caller's own bucket or key of this request. */
function callerName(scope: NameScope, field: string, value: string): boolean {
  if (scope.kind === "account") return false;
  if (field === "BucketName") return value === scope.bucket;
  if (scope.kind === "object") return value === scope.key;
  if (scope.kind === "delete-batch") return [...scope.physicalKeys.values()].includes(value);
  return false;
}

function readError(text: string): XmlElement | undefined {
  if (text.trim() === "") return undefined;
  try {
    const root = parseXml(text);
    return root.name === "Error" ? root : undefined;
  } catch (error) {
    if (error instanceof XmlSyntaxError) return undefined;
    throw error;
  }
}

function leafText(root: XmlElement, name: string): string | undefined {
  const element = childrenNamed(root, name)[0];
  return element && element.children.length === 0 ? element.text.trim() : undefined;
}
