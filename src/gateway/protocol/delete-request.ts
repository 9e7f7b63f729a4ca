/**
 * @module gateway/protocol/delete-request — the body of a DeleteObjects request
 * (`<Delete><Object><Key>…</Key></Object>…<Quiet>true</Quiet></Delete>`), read as it streams in
 * to route each key.
 *
 * The body is the caller's, so it is read with a streaming XML parser (saxes) under limits on
 * size, depth and count, keeping only the values it extracts: a hostile body costs at most its
 * bounded size once, never an element tree the size of the input. Anything outside S3's schema
 * is refused with S3's `MalformedXML`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
import { SaxesParser } from "saxes";
import { DELETE_BATCH_LIMIT } from "../../spanning/delete-batch.js";
import { S3Error } from "../s3-error.js";

/** Most objects one DeleteObjects request may name (S3's limit, the library's too). */
export const DELETE_REQUEST_LIMIT = DELETE_BATCH_LIMIT;

/**
 * Largest body read: 1000 keys of S3's 1024-byte limit, with their version ids and conditions,
 * leave room for escaping.
 */
export const DELETE_BODY_LIMIT = 4 * 1024 * 1024;

/** Longest text of one element (S3 keys are at most 1024 bytes; escapes are decoded first). */
const TEXT_LIMIT = 4096;

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
const OBJECT_FIELDS: ReadonlyMap<string, keyof DeleteRequestObject> = new Map([
  ["Key", "key"],
  ["VersionId", "versionId"],
  ["ETag", "etag"],
  ["LastModifiedTime", "lastModifiedTime"],
  ["Size", "size"],
]);

type MutableObject = { -readonly [K in keyof DeleteRequestObject]?: DeleteRequestObject[K] };

/**
 * A DeleteObjects body being read: feed it text as it arrives, then {@link DeleteRequestReader.end}.
 * @throws {@link S3Error} `MalformedXML` (from `write`/`end`) for anything S3's schema does not allow.
 */
export class DeleteRequestReader {
  readonly #parser = new SaxesParser({ position: false });
  readonly #objects: DeleteRequestObject[] = [];
  #quiet: boolean | undefined;
  /** Open elements, by local name: at most `Delete` › `Object` › field. */
  readonly #path: string[] = [];
  #object: MutableObject | undefined;
  #text = "";
  #sawRoot = false;

  constructor() {
    const p = this.#parser;
    p.on("doctype", () => malformed("a DOCTYPE (declared entities are refused)"));
    p.on("opentag", (tag) => this.#open(localName(tag.name)));
    p.on("text", (text) => this.#addText(text));
    p.on("cdata", (text) => this.#addText(text));
    p.on("closetag", () => this.#close());
    p.on("error", (error) => malformed(error.message, error));
  }

  /** Reads the next piece of the body. */
  write(text: string): void {
    this.#parser.write(text);
  }

  /** Ends the body and returns what it asks for. */
  end(): DeleteRequest {
    this.#parser.close();
    if (!this.#sawRoot) malformed("no <Delete> element");
    if (this.#objects.length === 0) malformed("no <Object> to delete");
    return { quiet: this.#quiet ?? false, objects: this.#objects };
  }

  #open(name: string): void {
    const depth = this.#path.length;
    if (depth === 0) {
      if (this.#sawRoot) malformed("more than one root element");
      if (name !== "Delete") malformed(`the root element is <${name}>, not <Delete>`);
      this.#sawRoot = true;
    } else if (depth === 1) {
      if (name === "Object") {
        if (this.#objects.length === DELETE_REQUEST_LIMIT) malformed(`more than ${DELETE_REQUEST_LIMIT} objects`);
        this.#object = {};
      } else if (name === "Quiet") {
        if (this.#quiet !== undefined) malformed("more than one <Quiet>");
      } else {
        malformed(`unexpected element <${name}> in <Delete>`);
      }
    } else if (depth === 2 && this.#path[1] === "Object") {
      const field = OBJECT_FIELDS.get(name);
      if (field === undefined) malformed(`unexpected element <${name}> in <Object>`);
      if (this.#object![field] !== undefined) malformed(`more than one <${name}> in <Object>`);
    } else {
      malformed(`<${this.#path[depth - 1]}> holds elements, not text`);
    }
    this.#path.push(name);
    this.#text = "";
  }

  #addText(text: string): void {
    // Text between elements is whitespace to skip; only leaves keep theirs, and only so much.
    if (this.#path.length < 2 || (this.#path.length === 2 && this.#path[1] === "Object")) return;
    this.#text += text;
    if (this.#text.length > TEXT_LIMIT) malformed(`<${this.#path.at(-1)}> is longer than ${TEXT_LIMIT} characters`);
  }

  #close(): void {
    const name = this.#path.pop()!;
    const depth = this.#path.length;
    if (depth === 1 && name === "Quiet") this.#quiet = parseBoolean(this.#text);
    else if (depth === 1 && name === "Object") {
      const object = this.#object!;
      if (object.key === undefined || object.key === "") malformed("an <Object> has no <Key>");
      this.#objects.push(object as DeleteRequestObject);
      this.#object = undefined;
    } else if (depth === 2) setField(this.#object!, OBJECT_FIELDS.get(name)!, this.#text);
    this.#text = "";
  }
}

/**
 * Reads a whole DeleteObjects body given as text.
 * @throws {@link S3Error} `MalformedXML` for anything S3's schema does not allow.
 */
export function parseDeleteRequest(xml: string): DeleteRequest {
  const reader = new DeleteRequestReader();
  reader.write(xml);
  return reader.end();
}

/**
 * Reads a DeleteObjects body as it streams in, never more than `limit` bytes.
 * @throws {@link S3Error} `MalformedXML` for a body that is not a valid request or is too large.
 */
export async function readDeleteRequest(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  limit = DELETE_BODY_LIMIT,
): Promise<DeleteRequest> {
  const reader = new DeleteRequestReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > limit) malformed(`body larger than ${limit} bytes`);
      reader.write(decoder.decode(chunk, { stream: true }));
    }
    reader.write(decoder.decode());
  } catch (error) {
    if (error instanceof TypeError) malformed("body is not UTF-8", error);
    throw error;
  }
  return reader.end();
}

function setField(object: MutableObject, field: keyof DeleteRequestObject, text: string): void {
  if (field === "size") {
    if (!/^\s*\d{1,16}\s*$/.test(text)) malformed("<Size> is not a non-negative integer");
    object.size = Number(text);
  } else if (field === "lastModifiedTime") {
    // A condition that cannot be read must fail the request, not vanish from it.
    if (
      !/^\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\s*$/.test(text) ||
      Number.isNaN(Date.parse(text))
    ) {
      malformed("<LastModifiedTime> is not an ISO 8601 timestamp");
    }
    object.lastModifiedTime = text.trim();
  } else {
    object[field] = text;
  }
}

/** A name without its namespace prefix (`s3:Key` → `Key`). */
const localName = (name: string): string => name.slice(name.indexOf(":") + 1);

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
