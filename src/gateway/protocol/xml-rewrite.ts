/**
 * @module gateway/protocol/xml-rewrite — brings a backend's XML body back into the caller's names:
 * the gateway's counterpart of `client/output-mapping` for raw HTTP. Each function touches only
 * the elements that carry a bucket, key, prefix, marker or location, found by their path from
 * the root (so `<Tag><Key>` or `<Owner><ID>` are never mistaken for names), decodes and encodes
 * entities exactly, and keeps every other byte of the body as the backend wrote it.
 *
 * The mapping itself is not re-implemented here: each name is passed through the library's
 * `restoreOutput` / `restoreError` with the same {@link NameScope} the SDK router uses, so the
 * gateway and the library cannot drift apart on what a name maps back to. Nor is where the names
 * lie written here: each operation's answer root and name paths are facts of the operation
 * registry (`answerNames`), read once when this module loads.
 */
import { restoreOutput, type NameScope } from "../../client/output-mapping.js";
import { ALL_OPERATIONS, type AnswerKind, type AnswerName } from "../../operations/registry.js";
import { S3Error, escapeXml } from "../s3-error.js";
import { objectPath } from "./request-target.js";
import {
  applyEdits,
  childrenNamed,
  parseXml,
  replaceText,
  XmlSyntaxError,
  type XmlEdit,
  type XmlElement,
} from "./xml-scan.js";

export type { NameScope };

/** Where the names of one answer root lie (see {@link AnswerName}). */
type FieldMap = readonly AnswerName[];

/**
 * The name fields of each answer root the registry gives for answers of `kind`. Operations that
 * share a root (ListObjects and ListObjectsV2: `ListBucketResult`) share its fields: a body is
 * known by its root, not by the request that asked for it.
 */
function answerRoots(kind: AnswerKind): ReadonlyMap<string, FieldMap> {
  const roots = new Map<string, Map<string, AnswerName>>();
  for (const { answer, answerNames } of ALL_OPERATIONS) {
    if (answer !== kind || answerNames === undefined) continue;
    const fields = roots.get(answerNames.root) ?? new Map<string, AnswerName>();
    for (const name of answerNames.names) fields.set(name.path.join("/"), name);
    roots.set(answerNames.root, fields);
  }
  return new Map([...roots].map(([root, fields]) => [root, [...fields.values()]]));
}

const LISTINGS = answerRoots("listing");
/** `Location` is handled apart: it must point at the gateway. */
const OBJECT_RESULTS = answerRoots("object-result");
const DELETE_RESULTS = answerRoots("delete-result");

/**
 * A listing body (ListObjects, ListObjectsV2, ListObjectVersions, ListMultipartUploads) in the
 * caller's names: `Name`/`Bucket` become the caller's bucket; `Prefix`, markers, `StartAfter`,
 * every entry's `Key` and every `CommonPrefixes/Prefix` lose the route's key prefix.
 *
 * Keys are taken as URL-encoded when the body says `<EncodingType>url</EncodingType>` (what the
 * backend actually did wins over what was asked), else as `scope.encoded` says; encoded names
 * are mapped in encoded form, as the library does. A body with another root is returned as is.
 *
 * @param scope - a `list` scope (other kinds only restore `Bucket`), as `planCommand` builds it.
 * @throws {@link S3Error} `InternalError` when the body is not well-formed XML: it cannot be
 *   mapped, and passing it on could show the caller the backend's names.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
export function rewriteListingXml(xml: string, scope: NameScope, token?: ContinuationTokenMap): string {
  const root = readBackendXml(xml);
  const fields = LISTINGS.get(root.name);
  if (!fields) return xml;
  let effective = scope;
  if (scope.kind === "list") {
    const encodingType = childrenNamed(root, "EncodingType")[0];
    if (encodingType) effective = { ...scope, encoded: encodingType.text.trim().toLowerCase() === "url" };
  }
  const edits = mapFields(xml, root, fields, (value, field) => restoreField(effective, field, value));
  if (token) {
    for (const name of ["ContinuationToken", "NextContinuationToken"] as const) {
      for (const element of childrenNamed(root, name))
        if (isLeaf(element)) edits.push(replaceText(xml, element, escapeXml(token(element.text, name))));
    }
  }
  return applyEdits(xml, edits);
}

/**
 * A backend's continuation token (the one it echoes, or the next one) as the caller must hold
 * it: ListObjectsV2 tokens are the backend's own encoding of a physical position.
 */
export type ContinuationTokenMap = (
  backendToken: string,
  element: "ContinuationToken" | "NextContinuationToken",
) => string;

/**
 * A single-object result body in the caller's names: InitiateMultipartUploadResult,
 * CompleteMultipartUploadResult and ListPartsResult (`Bucket`, `Key`), and the `Location` of
 * CompleteMultipartUpload, which is made to point at the gateway: `${publicBase}/${bucket}/${key}`
 * (path-style, encoded like an S3 path) — a backend URL would send the caller around the gateway.
 * An `<Error>` body (CompleteMultipartUpload can fail after a 200 status) is handed to
 * `errorBody`, which rebuilds it for the caller. Other roots (CopyObjectResult…) carry no names
 * and are returned as is.
 *
 * @param scope - the `object` scope of the request.
 * @param publicBase - the gateway's base URL as callers reach it (`https://s3.example.com`).
 * @param errorBody - the caller's form of an `<Error>` body.
 * @throws {@link S3Error} `InternalError` when the body is not well-formed XML.
 */
export function rewriteObjectResultXml(
  xml: string,
  scope: NameScope,
  publicBase: string,
  errorBody: (xml: string) => string,
): string {
  const root = readBackendXml(xml);
  if (root.name === "Error") return errorBody(xml);
  const fields = OBJECT_RESULTS.get(root.name);
  if (!fields) return xml;
  const edits = mapFields(xml, root, fields, (value, field) => restoreField(scope, field, value));
  if (scope.kind === "object") {
    const location = `${publicBase.replace(/\/+$/, "")}${objectPath(scope.bucket, scope.key)}`;
    for (const element of childrenNamed(root, "Location")) {
      if (element.children.length === 0 && element.text !== location)
        edits.push(replaceText(xml, element, escapeXml(location)));
    }
  }
  return applyEdits(xml, edits);
}

/**
 * A DeleteObjects result body in the caller's names: each `Deleted/Key` and `Error/Key` through
 * the exact map of physical key as sent → caller key (two routes of one backend bucket may
 * prefix differently, so no prefix can be stripped blindly). Keys not in the map stay.
 *
 * @param keys - that map, or the request's scope: a `delete-batch` scope brings its
 *   `physicalKeys`; an `object` scope maps its one key.
 * @param message - each `Error/Message` as the caller may see it, from the entry's code and the
 *   backend's message (which may name the physical bucket and key); as is when not given.
 * @throws {@link S3Error} `InternalError` when the body is not well-formed XML.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
export function rewriteDeleteResultXml(
  xml: string,
  keys: ReadonlyMap<string, string> | NameScope,
  message?: (code: string, message: string) => string,
): string {
  const root = readBackendXml(xml);
  const fields = DELETE_RESULTS.get(root.name);
  if (!fields) return xml;
  const keyMap = toKeyMap(keys);
  const edits = mapFields(xml, root, fields, (value) => keyMap.get(value) ?? value);
  if (message) {
    for (const error of childrenNamed(root, "Error")) {
      const code = childrenNamed(error, "Code")[0]?.text.trim() ?? "";
      for (const element of childrenNamed(error, "Message")) {
        if (!isLeaf(element)) continue;
        const shown = message(code, element.text);
        if (shown !== element.text) edits.push(replaceText(xml, element, escapeXml(shown)));
      }
    }
  }
  return applyEdits(xml, edits);
}

function toKeyMap(keys: ReadonlyMap<string, string> | NameScope): ReadonlyMap<string, string> {
  if (!("kind" in keys)) return keys;
  const scope: NameScope = keys;
  if (scope.kind === "delete-batch") return scope.physicalKeys;
  if (scope.kind === "object") return new Map([[scope.physicalKey, scope.key]]);
  return new Map();
}

/**
 * The edits that replace every name element of `fields` by `map(value)`. Elements whose value
 * does not change are left alone, so the backend's own spelling (entities, `<Prefix/>`) stays.
 */
function mapFields(
  xml: string,
  root: XmlElement,
  fields: FieldMap,
  map: (value: string, field: AnswerName) => string,
): XmlEdit[] {
  const edits: XmlEdit[] = [];
  for (const field of fields) {
    for (const element of descendants(root, field.path)) {
      if (!isLeaf(element)) continue;
      const mapped = map(element.text, field);
      if (mapped !== element.text) edits.push(replaceText(xml, element, escapeXml(mapped)));
    }
  }
  return edits;
}

/** One name through `restoreOutput`, placed where an SDK output would hold it. */
function restoreField(scope: NameScope, field: AnswerName, value: string): string {
  if ("scalar" in field) {
    const out = restoreOutput(scope, { [field.scalar]: value }) as Record<string, unknown>;
    return out[field.scalar] as string;
  }
  const out = restoreOutput(scope, { [field.array]: [{ [field.member]: value }] }) as Record<
    string,
    Array<Record<string, unknown>>
  >;
  return out[field.array]![0]![field.member] as string;
}

/** The elements at `path` below `root` (one step per path entry). */
function descendants(root: XmlElement, path: readonly string[]): XmlElement[] {
  let level = [root];
  for (const step of path) level = level.flatMap((element) => childrenNamed(element, step));
  return level;
}

const isLeaf = (element: XmlElement): boolean => element.children.length === 0;

function readBackendXml(xml: string): XmlElement {
  try {
    return parseXml(xml);
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    throw new S3Error("InternalError", "We encountered an internal error. Please try again.", {}, { cause: error });
  }
}
