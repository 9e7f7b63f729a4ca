/**
 * @module test/unit/fuzz-xml-scan — xml-scan (the hand-written reader that lets the gateway rewrite
 * backend answers in place) under property-based fuzzing: any string either parses or fails with
 * an XmlSyntaxError, never another exception; generated well-formed documents read back exactly
 * (names, decoded text, offsets); every document saxes accepts reads the same through xml-scan;
 * and hostile shapes (1 MiB runs, 100k levels, 100k attributes, unterminated constructs) finish
 * in linear work, bounded by the depth and element limits.
 *
 * Hangs are caught by input size, not by timing: each hostile input is large enough that a
 * quadratic path would run for minutes, far past vitest's timeout.
 * Longer runs: `S3R_FUZZ_RUNS=20000 npx vitest run test/unit/fuzz-xml-scan.test.ts` (see test/support/fuzz.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyEdits,
  parseXml,
  replaceText,
  XmlSyntaxError,
  type XmlElement,
} from "../../src/gateway/protocol/xml-scan.js";
import { escapeXml } from "../../src/gateway/s3-error.js";
import { MIB, fuzzRuns, fuzzTimeout, run } from "../support/fuzz.js";
import { parseXmlWithSaxes } from "../support/saxes-tree.js";
import { xmlTextOnly } from "../support/xml-chars.js";

/** Parses, or returns the XmlSyntaxError; any other exception escapes and fails the property. */
function tryParse(xml: string): XmlElement | XmlSyntaxError {
  try {
    return parseXml(xml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) return error;
    throw error;
  }
}

/** Names, text and offsets of a tree, walked without recursion (trees here may be 100k deep). */
function flatten(root: XmlElement): unknown[] {
  const out: unknown[] = [];
  const todo: XmlElement[] = [root];
  while (todo.length > 0) {
    const e = todo.pop()!;
    out.push([
      e.qname,
      e.name,
      e.text,
      e.start,
      e.openEnd,
      e.contentStart,
      e.contentEnd,
      e.end,
      e.selfClosing,
      e.children.length,
    ]);
    for (let i = e.children.length - 1; i >= 0; i--) todo.push(e.children[i]!);
  }
  return out;
}

/** Pieces XML is made of, and the ones that break it: soup of these reaches every branch of the scanner. */
const TOKENS = [
  "<",
  ">",
  "</",
  "/>",
  "<a",
  "<a>",
  "</a>",
  "<b:c>",
  "</b:c>",
  "<a/>",
  "<a x='1'>",
  '<a x="&lt;>">',
  "<![CDATA[",
  "]]>",
  "<!--",
  "-->",
  "--",
  "<?",
  "?>",
  "<?xml version='1.0'?>",
  "<!DOCTYPE a>",
  "<!",
  "&",
  "&amp;",
  "&lt;",
  "&#",
  "&#x",
  "&#0;",
  "&#xD800;",
  "&#x110000;",
  "&#65;",
  "&#x1F600;",
  ";",
  '"',
  "'",
  "=",
  " ",
  "\t",
  "\r",
  "\n",
  "\r\n",
  "a",
  "Key",
  "\u00a0",
  "\ufeff",
  "\ud800",
  "\udc00",
  "\u{1F600}",
  "\u0000",
  "\u2028",
];
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Any UTF-16 string, lone surrogates included (fast-check's "binary" strings are slow to generate). */
const codeUnits = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.constantFrom(...[..."<>/&;#x![]-?='\" \r\n"].map((c) => c.charCodeAt(0))),
    ),
    { maxLength: 200 },
  )
  .map((units) => String.fromCharCode(...units));
const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(""));

/** A well-formed document, with the tree it stands for. */
interface Doc {
  readonly xml: string;
  /** Per element, depth first: qname and decoded direct text. */
  readonly model: Array<[string, string]>;
}

/** XML Char (minus the ones a model would have to normalise: CR) — what element text may hold. */
const xmlChar = fc.string({ unit: "grapheme", maxLength: 12 }).map(xmlTextOnly);
const names = fc.constantFrom("a", "Key", "Prefix", "s3:Key", "x-y.z", "_n", "\u00e9l\u00e9ment");
const ws = fc.constantFrom("", " ", "\n", "\t ");

type Node =
  | { kind: "text"; value: string; spelling: "escape" | "charref" }
  | { kind: "cdata"; value: string }
  | { kind: "comment" }
  | { kind: "pi" }
  | { kind: "el"; el: El };
interface El {
  qname: string;
  attrs: Array<[string, string]>;
  children: Node[];
  selfClose: boolean;
  wsOpen: string;
  wsClose: string;
}

const tree = fc.letrec<{ el: El; node: Node }>((tie) => ({
  el: fc.record({
    qname: names,
    attrs: fc.uniqueArray(fc.tuple(fc.constantFrom("id", "xmlns", "b:c", "q"), xmlChar), {
      maxLength: 3,
      selector: ([n]) => n,
    }),
    children: fc.array(tie("node"), { maxLength: 4, depthIdentifier: "xml" }),
    selfClose: fc.boolean(),
    wsOpen: ws,
    wsClose: ws,
  }),
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true, depthIdentifier: "xml" },
    fc.record({
      kind: fc.constant("text" as const),
      value: xmlChar,
      spelling: fc.constantFrom("escape" as const, "charref" as const),
    }),
    fc.record({ kind: fc.constant("cdata" as const), value: xmlChar.map((s) => s.replace(/]]>/g, "")) }),
    fc.constant({ kind: "comment" as const }),
    fc.constant({ kind: "pi" as const }),
    fc.record({ kind: fc.constant("el" as const), el: tie("el") }),
  ),
})).el;

const charRef = (text: string): string => [...text].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join("");

function serialize(root: El): Doc {
  const model: Array<[string, string]> = [];
  const write = (el: El): string => {
    const slot = model.length;
    model.push([el.qname, ""]);
    const attrs = el.attrs.map(([n, v]) => ` ${n}="${escapeXml(v)}"`).join("");
    const empty = el.children.length === 0;
    if (empty && el.selfClose) return `<${el.qname}${attrs}${el.wsOpen}/>`;
    let text = "";
    let body = "";
    for (const child of el.children) {
      if (child.kind === "text") {
        text += child.value;
        body += child.spelling === "escape" ? escapeXml(child.value) : charRef(child.value);
      } else if (child.kind === "cdata") {
        text += child.value;
        body += `<![CDATA[${child.value}]]>`;
      } else if (child.kind === "comment") body += "<!-- c <a> & -->";
      else if (child.kind === "pi") body += "<?pi a?>";
      else body += write(child.el);
    }
    model[slot] = [el.qname, text];
    return `<${el.qname}${attrs}${el.wsOpen}>${body}</${el.qname}${el.wsClose}>`;
  };
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- head -->${write(root)}\n`;
  return { xml, model };
}

const docs = tree.map(serialize);

describe("xml-scan fuzzing: any input ends in a tree or an XmlSyntaxError", () => {
  it("arbitrary strings", () => {
    fc.assert(
      fc.property(codeUnits, (text) => {
        tryParse(text);
        tryParse(`<r>${text}</r>`);
      }),
      fuzzRuns(1500),
    );
  });

  it("token soup around a root element", { timeout: fuzzTimeout(20_000) }, () => {
    fc.assert(
      fc.property(soup, soup, (a, b) => {
        tryParse(`${a}<r>${b}</r>`);
        tryParse(`<r>${a}${b}`);
        tryParse(a + b);
      }),
      fuzzRuns(3000),
    );
  });

  it("a document saxes accepts reads the same through xml-scan", { timeout: fuzzTimeout(20_000) }, () => {
    fc.assert(
      fc.property(soup, soup, (a, b) => {
        for (const xml of [`<r>${a}</r>`, `<r>${a}<a>${b}</a></r>`, a + b]) {
          // saxes 6 reads a lone high surrogate and whatever follows as one pair (`\ud800<` is
          // not a tag to it), so it is no oracle there. Neither parser meets one in the gateway:
          // bodies reach both through a UTF-8 decoder, which never yields a lone surrogate.
          if (LONE_SURROGATE.test(xml)) continue;
          let oracle: XmlElement;
          try {
            oracle = parseXmlWithSaxes(xml);
          } catch {
            continue; // saxes refuses it: xml-scan may be more lenient (it skips attributes unchecked)
          }
          expect(flatten(parseXml(xml))).toEqual(flatten(oracle));
        }
      }),
      fuzzRuns(3000),
    );
  });
});

describe("xml-scan fuzzing: well-formed documents read back exactly", () => {
  it("names, decoded text and offsets match the document's model and saxes", { timeout: fuzzTimeout(20_000) }, () => {
    fc.assert(
      fc.property(docs, ({ xml, model }) => {
        const root = parseXml(xml);
        const seen: Array<[string, string]> = [];
        const todo = [root];
        while (todo.length > 0) {
          const e = todo.pop()!;
          seen.push([e.qname, e.text]);
          expect(xml.slice(e.start, e.start + 1 + e.qname.length)).toBe(`<${e.qname}`);
          if (!e.selfClosing)
            expect(xml.slice(e.contentEnd, e.end)).toMatch(
              new RegExp(`^</${e.qname.replace(/[.]/g, "\\.")}[ \\t\\n]*>$`),
            );
          for (let i = e.children.length - 1; i >= 0; i--) todo.push(e.children[i]!);
        }
        expect(seen).toEqual(model);
        expect(flatten(root)).toEqual(flatten(parseXmlWithSaxes(xml)));
      }),
      fuzzRuns(500),
    );
  });

  it("rewriting every leaf's text keeps every other byte and reads back", { timeout: fuzzTimeout(20_000) }, () => {
    fc.assert(
      fc.property(docs, xmlChar, ({ xml }, replacement) => {
        const root = parseXml(xml);
        const leaves: XmlElement[] = [];
        const todo = [root];
        while (todo.length > 0) {
          const e = todo.pop()!;
          if (e.children.length === 0) leaves.push(e);
          else todo.push(...e.children);
        }
        const rewritten = applyEdits(
          xml,
          leaves.map((leaf) => replaceText(xml, leaf, escapeXml(replacement))),
        );
        const again = parseXml(rewritten);
        const texts: string[] = [];
        const walk = [again];
        while (walk.length > 0) {
          const e = walk.pop()!;
          if (e.children.length === 0) texts.push(e.text);
          else walk.push(...e.children);
        }
        expect(texts).toEqual(leaves.map(() => replacement));
        // Identity edits (the same text, as written) give back the very same bytes.
        const same = applyEdits(
          xml,
          leaves
            .filter((l) => !l.selfClosing)
            .map((l) => ({ start: l.contentStart, end: l.contentEnd, text: xml.slice(l.contentStart, l.contentEnd) })),
        );
        expect(same).toBe(xml);
      }),
      fuzzRuns(300),
    );
  });
});

/** Hostile inputs of a size where a quadratic path would take minutes: each must end, and in a typed way. */
const HOSTILE: ReadonlyArray<readonly [string, () => string]> = [
  ["1 MiB of '<'", () => run("<", MIB)],
  ["1 MiB of 'a'", () => run("a", MIB)],
  ["1 MiB of '&' in an element", () => `<r>${run("&", MIB)}</r>`],
  ["1 MiB of ']' in an unterminated CDATA", () => `<r><![CDATA[${run("]", MIB)}`],
  ["1 MiB of '<!--'", () => `<r>${run("<!--", MIB)}`],
  ["1 MiB of '-' in a comment", () => `<r><!--${run("-", MIB)}`],
  ["1 MiB of '<?'", () => `<r>${run("<?", MIB)}`],
  ["1 MiB of '</'", () => `<r>${run("</", MIB)}`],
  ["1 MiB of '<a'", () => `<r>${run("<a", MIB)}`],
  ["1 MiB of '<a '", () => `<r>${run("<a ", MIB)}`],
  ["1 MiB tag name", () => `<${run("n", MIB)}>`],
  ["1 MiB end tag name", () => `<r></${run("n", MIB)}>`],
  ["1 MiB of spaces in a start tag", () => `<r${run(" ", MIB)}`],
  ["1 MiB unterminated attribute value", () => `<r a="${run("x", MIB)}`],
  ["1 MiB attribute name without '='", () => `<r ${run("a", MIB)} />`],
  ["1 MiB of '&amp;'", () => `<r>${run("&amp;", MIB)}</r>`],
  ["1 MiB of '&#x10FFFF;'", () => `<r>${run("&#x10FFFF;", MIB - 2)}</r>`],
  ["1 MiB of '&#' (truncated references)", () => `<r>${run("&#", MIB)}</r>`],
  ["1 MiB of '\\r'", () => `<r>${run("\r", MIB)}</r>`],
  ["1 MiB of '<!DOCTYPE'", () => run("<!DOCTYPE", MIB)],
  ["1 MiB of '<![CDATA['", () => `<r>${run("<![CDATA[", MIB)}`],
  // Many text pieces, then one reference at the very end: a search for '&' that is not bounded
  // by the piece it decodes scans to the end of the document for every piece.
  ["200k text pieces before a late '&amp;'", () => `<r>${"<a/>x".repeat(200_000)}&amp;</r>`],
  ["100k attributes", () => `<r ${Array.from({ length: 100_000 }, (_, i) => `a${i}="v"`).join(" ")}/>`],
  ["100k levels", () => `${"<a>".repeat(100_000)}${"</a>".repeat(100_000)}`],
  ["100k unclosed levels", () => "<a>".repeat(100_000)],
  ["300k sibling elements", () => `<r>${"<a/>".repeat(300_000)}</r>`],
];

describe("xml-scan fuzzing: hostile shapes end, in linear work", () => {
  for (const [name, make] of HOSTILE) {
    it(name, { timeout: fuzzTimeout(10_000) }, () => {
      tryParse(make());
    });
  }

  it("random runs of one token, 64 KiB each", { timeout: fuzzTimeout(30_000) }, () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOKENS), fc.constantFrom("", "<r>", "<r a='"), (token, prefix) => {
        tryParse(prefix + run(token, 64 * 1024));
      }),
      fuzzRuns(60),
    );
  });

  it(
    "a self-closing element with 1 MiB of blanks in an attribute is rewritten in linear work",
    { timeout: fuzzTimeout(10_000) },
    () => {
      // The old rewrite stripped the `/>` with /\s*\/>$/, which backtracks from every blank: O(n²).
      const xml = `<r><Prefix a="${run(" ", MIB)}"  /></r>`;
      const root = parseXml(xml);
      const edit = replaceText(xml, root.children[0]!, "p");
      expect(edit.text.startsWith("<Prefix a=")).toBe(true);
      expect(edit.text.endsWith('"  >p</Prefix>') || edit.text.endsWith('">p</Prefix>')).toBe(true);
      expect(parseXml(applyEdits(xml, [edit])).children[0]!.text).toBe("p");
    },
  );
});

describe("xml-scan limits", () => {
  it("refuses a document nested deeper than maxDepth, with an XmlSyntaxError", () => {
    expect(() => parseXml(`${"<a>".repeat(300)}${"</a>".repeat(300)}`)).toThrow(XmlSyntaxError);
    expect(() => parseXml(`${"<a>".repeat(8)}${"</a>".repeat(8)}`, { maxDepth: 7 })).toThrow(/deeper than 7/);
    expect(parseXml(`${"<a>".repeat(7)}${"</a>".repeat(7)}`, { maxDepth: 7 }).name).toBe("a");
  });

  it("refuses a document with more elements than maxElements, with an XmlSyntaxError", () => {
    expect(() => parseXml(`<r>${"<a/>".repeat(10)}</r>`, { maxElements: 10 })).toThrow(/more than 10 elements/);
    expect(parseXml(`<r>${"<a/>".repeat(9)}</r>`, { maxElements: 10 }).children).toHaveLength(9);
  });

  it("treats only XML's four blanks as whitespace in tags (U+00A0 is a name character, not a separator)", () => {
    // Read by \s, `<Key\u00a0>` would be a Key element here while every conforming parser reads
    // another name (or refuses it): two readers of one body disagreeing on which element is a name.
    expect(tryParse("<r><Key\u00a0>x</Key></r>")).toBeInstanceOf(XmlSyntaxError);
    expect(tryParse("<r><Key \t\r\n>x</Key\n></r>")).not.toBeInstanceOf(XmlSyntaxError);
  });
});
