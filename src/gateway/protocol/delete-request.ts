/**
 * @module gateway/protocol/delete-request — the body of a DeleteObjects request
 * (`<Delete><Object><Key>…</Key></Object>…<Quiet>true</Quiet></Delete>`): read it to route each
 * key, and rewrite its keys in place for a backend when one backend serves them all.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
import { S3Error, escapeXml } from "../s3-error.js";
import { applyEdits, childrenNamed, parseXml, replaceText, XmlSyntaxError, type XmlEdit, type XmlElement } from "./xml-scan.js";

/** Most objects one DeleteObjects request may name (S3's limit). */
export const DELETE_REQUEST_LIMIT = 1000;

/** One object of a DeleteObjects request, decoded. Optional fields are set only when sent. */
export interface DeleteRequestObject {
  readonly key: string;
  readonly versionId?: string;
  /** Conditional delete: only if the object's ETag matches. */
  readonly etag?: string;
  /** Conditional delete: only if the object's last-modified time matches (as sent, ISO 8601). */
  readonly lastModifiedTime?: string;
  /** Conditional delete: only if the object's size matches. */
  readonly size?: number;
}

/** A parsed DeleteObjects request body. */
export interface DeleteRequest {
  /** Quiet mode: the result lists errors only. @default false */
  readonly quiet: boolean;
  readonly objects: readonly DeleteRequestObject[];
}

/** Elements an `<Object>` may hold, and the field each fills. */
const OBJECT_FIELDS = {
  Key: "key",
  VersionId: "versionId",
  ETag: "etag",
  LastModifiedTime: "lastModifiedTime",
  Size: "size",
} as const;

/**
 * Reads a DeleteObjects request body.
 *
 * Strict on purpose: an element it does not know is refused rather than dropped, because a
 * dropped condition (a future `If-…` field) would delete what the caller meant to protect.
 *
 * @throws {@link S3Error} `MalformedXML` for a body that is not well-formed, not a `<Delete>`,
 *   names no object or more than {@link DELETE_REQUEST_LIMIT}, holds an `<Object>` without a
 *   non-empty `<Key>`, or an unknown element or invalid value.
 */
export function parseDeleteRequest(xml: string): DeleteRequest {
  return readRequest(xml).request;
}

/**
 * The request body with each `Delete/Object/Key` replaced by `mapKey(key)` (decoded in,
 * escaped out); every other byte stays. The body is validated as by {@link parseDeleteRequest}
 * first, so a request the gateway could not read is never forwarded half-rewritten.
 *
 * A rewritten body no longer matches the caller's `Content-MD5` or `x-amz-checksum-*` header:
 * the sender must compute them again (S3 requires one of them on DeleteObjects).
 * @throws {@link S3Error} `MalformedXML` as {@link parseDeleteRequest}.
 */
export function rewriteDeleteRequestXml(xml: string, mapKey: (key: string) => string): string {
  const { root } = readRequest(xml);
  const edits: XmlEdit[] = [];
  for (const object of childrenNamed(root, "Object")) {
    for (const key of childrenNamed(object, "Key")) {
      const mapped = mapKey(key.text);
      if (mapped !== key.text) edits.push(replaceText(xml, key, escapeXml(mapped)));
    }
  }
  return applyEdits(xml, edits);
}

function readRequest(xml: string): { root: XmlElement; request: DeleteRequest } {
  const root = readDelete(xml);
  let quiet = false;
  const objects: DeleteRequestObject[] = [];
  const seen = new Set<string>();
  for (const child of root.children) {
    if (child.name === "Quiet") {
      if (seen.has("Quiet")) malformed("more than one <Quiet>");
      seen.add("Quiet");
      quiet = parseBoolean(leafText(child));
    } else if (child.name === "Object") {
      if (objects.length === DELETE_REQUEST_LIMIT) malformed(`more than ${DELETE_REQUEST_LIMIT} objects`);
      objects.push(parseObject(child));
    } else {
      malformed(`unexpected element <${child.qname}> in <Delete>`);
    }
  }
  if (objects.length === 0) malformed("no <Object> to delete");
  return { root, request: { quiet, objects } };
}

function parseObject(element: XmlElement): DeleteRequestObject {
  const out: { -readonly [K in keyof DeleteRequestObject]?: DeleteRequestObject[K] } = {};
  for (const child of element.children) {
    // hasOwn: the body is the caller's, and `<constructor>` must not reach Object.prototype.
    const field = Object.hasOwn(OBJECT_FIELDS, child.name) ? OBJECT_FIELDS[child.name as keyof typeof OBJECT_FIELDS] : undefined;
    if (field === undefined) malformed(`unexpected element <${child.qname}> in <Object>`);
    if (out[field] !== undefined) malformed(`more than one <${child.qname}> in <Object>`);
    const text = leafText(child);
    if (field === "size") {
      if (!/^\s*\d{1,16}\s*$/.test(text)) malformed("<Size> is not a non-negative integer");
      out.size = Number(text);
    } else if (field === "lastModifiedTime") {
      // A condition that cannot be read must fail the request, not vanish from it.
      if (!/^\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\s*$/.test(text) || Number.isNaN(Date.parse(text))) {
        malformed("<LastModifiedTime> is not an ISO 8601 timestamp");
      }
      out.lastModifiedTime = text.trim();
    } else {
      out[field] = text;
    }
  }
  if (out.key === undefined || out.key === "") malformed("an <Object> has no <Key>");
  return out as DeleteRequestObject;
}

function readDelete(xml: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) malformed(error.message, error);
    throw error;
  }
  if (root.name !== "Delete") malformed(`the root element is <${root.qname}>, not <Delete>`);
  return root;
}

function leafText(element: XmlElement): string {
  if (element.children.length > 0) malformed(`<${element.qname}> holds elements, not text`);
  return element.text;
}

/** An `xs:boolean`, as S3's schema types `Quiet`. */
function parseBoolean(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  return malformed(`<Quiet> is "${text}", not a boolean`);
}

function malformed(why: string, cause?: unknown): never {
  throw new S3Error(
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
    {},
    cause === undefined ? { cause: why } : { cause },
  );
}
