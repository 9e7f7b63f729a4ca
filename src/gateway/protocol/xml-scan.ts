/**
 * @module gateway/protocol/xml-scan — a small XML reader for S3 bodies that records where every
 * element lies in the source, so names can be rewritten in place and every other byte kept.
 *
 * Why not a regex over `<Key>…</Key>`: the same element name means different things at
 * different depths (`<Key>` of an object vs. of a tag, `<ID>` of an Owner vs. an Initiator), so
 * rewriting must know each element's path from the root. Why not an XML library: parsers build
 * a value tree and serialise it again, which reorders, re-escapes and drops what the gateway
 * must pass through untouched (comments, whitespace, unknown elements, entity spelling); and the
 * SDK's bundled parser is not a public API of the packages this project depends on.
 *
 * Scope: elements, attributes (skipped), text, entity and character references, CDATA,
 * comments and processing instructions. A DOCTYPE is refused: S3 never sends one, and
 * declared entities are the door to entity-expansion attacks.
 *
 * Cost: every construct is found with one forward search that never looks past its own end, so
 * reading is linear in the input (test/unit/fuzz-xml-scan.test.ts feeds it 1 MiB runs of every
 * token). The tree is the one part that grows faster than the text (an element object per
 * 4-byte `<a/>`), so depth and element count are capped ({@link XmlLimits}). docs/xml-parsers.md
 * weighs this reader against saxes.
 */

/** One element of a document, with its source positions. */
export interface XmlElement {
  /** Local name, without a namespace prefix (`s3:Key` → `Key`). */
  readonly name: string;
  /** Name as written, prefix included: used to write the element back. */
  readonly qname: string;
  readonly children: XmlElement[];
  /** Decoded character data directly inside the element (text and CDATA), concatenated. */
  text: string;
  /** Offset of `<`. */
  readonly start: number;
  /** Offset just after the start tag's `>`. */
  readonly openEnd: number;
  /** Offset just after the end tag (or the `/>` of a self-closing element). */
  end: number;
  /** The content's range (between the tags); empty for a self-closing element. */
  readonly contentStart: number;
  contentEnd: number;
  readonly selfClosing: boolean;
}

/** A body that is not well-formed XML (as far as this reader checks). */
export class XmlSyntaxError extends Error {
  override name = "XmlSyntaxError" as const;
  /** Offset in the source where reading failed. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} (at offset ${offset})`);
    this.offset = offset;
  }
}

/** Caps on the tree {@link parseXml} builds, so that a hostile body cannot make it huge. */
export interface XmlLimits {
  /**
   * Deepest element nesting accepted. S3 answers nest five levels at most
   * (`ListVersionsResult › Version › Owner › ID`); nothing legitimate comes near the default.
   * @default 256
   */
  readonly maxDepth?: number | undefined;
  /**
   * Most elements accepted. A 1000-entry listing page (S3's largest) holds about 15 000; an
   * element costs ~100 bytes of heap, so the default bounds a tree to tens of MB.
   * @default 250000
   */
  readonly maxElements?: number | undefined;
}

const DEFAULT_MAX_DEPTH = 256;
const DEFAULT_MAX_ELEMENTS = 250_000;

/** XML's whitespace (S ::= #x20 | #x9 | #xD | #xA); JavaScript's `\s` also matches U+00A0, U+FEFF, U+2028… */
const isXmlSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const ONLY_XML_SPACE = /^[ \t\r\n]*$/;

/**
 * Reads a document and returns its root element.
 * @throws {@link XmlSyntaxError} for anything that is not one well-formed element (optionally
 *   preceded by an XML declaration, comments or whitespace), and for a document over `limits`.
 */
export function parseXml(xml: string, limits: XmlLimits = {}): XmlElement {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxElements = limits.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > i) {
      const top = stack[stack.length - 1];
      if (top) top.text += decodeText(xml, i, textEnd);
      else if (!ONLY_XML_SPACE.test(xml.slice(i, textEnd)))
        throw new XmlSyntaxError("text outside the root element", i);
    }
    if (lt < 0) break;
    if (xml.startsWith("<?", lt)) {
      i = skipPast(xml, "?>", lt, "processing instruction");
    } else if (xml.startsWith("<!--", lt)) {
      i = skipPast(xml, "-->", lt, "comment");
    } else if (xml.startsWith("<![CDATA[", lt)) {
      const top = stack[stack.length - 1];
      if (!top) throw new XmlSyntaxError("CDATA outside the root element", lt);
      const close = xml.indexOf("]]>", lt);
      if (close < 0) throw new XmlSyntaxError("unterminated CDATA section", lt);
      top.text += normalizeNewlines(xml.slice(lt + 9, close));
      i = close + 3;
    } else if (xml.startsWith("<!", lt)) {
      throw new XmlSyntaxError("DOCTYPE and declarations are not accepted", lt);
    } else if (xml.startsWith("</", lt)) {
      const gt = xml.indexOf(">", lt);
      if (gt < 0) throw new XmlSyntaxError("unterminated end tag", lt);
      const qname = trimXmlSpaceEnd(xml.slice(lt + 2, gt));
      const open = stack.pop();
      if (!open || open.qname !== qname)
        throw new XmlSyntaxError(
          `end tag </${qname}> does not match ${open ? `<${open.qname}>` : "any open element"}`,
          lt,
        );
      open.contentEnd = lt;
      open.end = gt + 1;
      i = gt + 1;
    } else {
      if (root && stack.length === 0) throw new XmlSyntaxError("a second root element", lt);
      if (++elements > maxElements) throw new XmlSyntaxError(`more than ${maxElements} elements`, lt);
      const element = readStartTag(xml, lt);
      if (!element.selfClosing && stack.length >= maxDepth)
        throw new XmlSyntaxError(`elements nested deeper than ${maxDepth} levels`, lt);
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else root = element;
      if (!element.selfClosing) stack.push(element);
      i = element.openEnd;
    }
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) throw new XmlSyntaxError(`element <${unclosed.qname}> is not closed`, unclosed.start);
  if (!root) throw new XmlSyntaxError("no root element", 0);
  return root;
}

/** The children of `element` named `name`. */
export const childrenNamed = (element: XmlElement, name: string): XmlElement[] =>
  element.children.filter((c) => c.name === name);

/** A text edit of the source: replace `[start, end)` with `text`. */
export interface XmlEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * The edit that makes a leaf element's text `escapedText` (already XML-escaped), keeping its
 * tags as written. A self-closing `<Prefix/>` becomes `<Prefix>text</Prefix>`.
 */
export function replaceText(xml: string, element: XmlElement, escapedText: string): XmlEdit {
  if (!element.selfClosing) return { start: element.contentStart, end: element.contentEnd, text: escapedText };
  // `end` is just past the `/>`. Not a regex such as /\s*\/>$/: it backtracks from every blank of
  // the tag (quoted attribute values included), quadratic in a tag of blanks.
  const openTag = `${xml.slice(element.start, element.end - 2)}>`;
  return { start: element.start, end: element.end, text: `${openTag}${escapedText}</${element.qname}>` };
}

/** `xml` with `edits` applied (non-overlapping, in any order); untouched bytes stay as they were. */
export function applyEdits(xml: string, edits: readonly XmlEdit[]): string {
  if (edits.length === 0) return xml;
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const edit of sorted) {
    out += xml.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + xml.slice(at);
}

function readStartTag(xml: string, lt: number): XmlElement {
  const nameMatch = /[^ \t\r\n/>]+/y;
  nameMatch.lastIndex = lt + 1;
  const qname = nameMatch.exec(xml)?.[0];
  if (qname === undefined || /^[\d.-]/.test(qname) || /["'=<&]/.test(qname))
    throw new XmlSyntaxError("invalid start tag", lt);
  let i = lt + 1 + qname.length;
  // Attributes are skipped, but read properly: a quoted value may hold `>` or `/`.
  for (;;) {
    while (i < xml.length && isXmlSpace(xml.charCodeAt(i))) i++;
    if (i >= xml.length) throw new XmlSyntaxError("unterminated start tag", lt);
    if (xml.startsWith("/>", i) || xml[i] === ">") break;
    const attr = /([^ \t\r\n=/>]+)[ \t\r\n]*=[ \t\r\n]*(["'])/y;
    attr.lastIndex = i;
    const m = attr.exec(xml);
    if (!m) throw new XmlSyntaxError("malformed attribute", i);
    const close = xml.indexOf(m[2]!, attr.lastIndex);
    if (close < 0) throw new XmlSyntaxError("unterminated attribute value", i);
    i = close + 1;
  }
  const selfClosing = xml[i] === "/";
  const openEnd = i + (selfClosing ? 2 : 1);
  const colon = qname.indexOf(":");
  return {
    name: colon < 0 ? qname : qname.slice(colon + 1),
    qname,
    children: [],
    text: "",
    start: lt,
    openEnd,
    end: openEnd,
    contentStart: openEnd,
    contentEnd: openEnd,
    selfClosing,
  };
}

function skipPast(xml: string, terminator: string, from: number, what: string): number {
  const at = xml.indexOf(terminator, from + 2);
  if (at < 0) throw new XmlSyntaxError(`unterminated ${what}`, from);
  return at + terminator.length;
}

/** The five predefined entities and character references; anything else after `&` is an error. */
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/y;

const PREDEFINED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * Decodes `xml[from, to)` as character data, in one pass: each reference is checked (a stray
 * `&`, an out-of-range code point or a surrogate, which would make a key that is not Unicode
 * text, is an error) and decoded where it stands. Literal CR LF / CR read as LF (XML's
 * end-of-line handling, as conforming parsers such as the SDKs' do); a CR written `&#13;` stays.
 */
function decodeText(xml: string, from: number, to: number): string {
  // Searched in the piece itself: a search of `xml` would run on to the next `&` of the document,
  // once per text piece — quadratic in a listing whose only `&` is near its end.
  const text = xml.slice(from, to);
  let amp = text.indexOf("&");
  if (amp < 0) return normalizeNewlines(text);
  let out = "";
  let at = 0;
  while (amp >= 0) {
    REFERENCE.lastIndex = amp;
    const m = REFERENCE.exec(text);
    if (!m) throw new XmlSyntaxError("invalid entity or character reference", from + amp);
    let decoded: string;
    if (m[1] !== undefined) decoded = PREDEFINED[m[1]]!;
    else {
      const code = m[2] !== undefined ? parseInt(m[2], 10) : parseInt(m[3]!, 16);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        throw new XmlSyntaxError("character reference to a non-character", from + amp);
      decoded = String.fromCodePoint(code);
    }
    out += normalizeNewlines(text.slice(at, amp)) + decoded;
    at = REFERENCE.lastIndex;
    amp = text.indexOf("&", at);
  }
  return out + normalizeNewlines(text.slice(at));
}

/** `text` without XML whitespace at its end. */
function trimXmlSpaceEnd(text: string): string {
  let end = text.length;
  while (end > 0 && isXmlSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end);
}

/**
 * XML's end-of-line handling: a literal CR LF or CR reads as LF (a CR that is data arrives as
 * `&#13;`, which stays a CR). Conforming parsers (the SDKs') do the same, so a name
 * means here what it means to them.
 */
const normalizeNewlines = (text: string): string => (text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text);
