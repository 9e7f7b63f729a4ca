/**
 * @module bench/xml-parsers — xml-scan (the gateway's in-place reader of backend answers) against
 * saxes (the well-kept streaming parser it already uses for client bodies), both building the
 * same element tree with source offsets (saxes through test/support/saxes-tree.ts), on a realistic
 * 1000-key ListObjectsV2 page and on hostile shapes. Prints time (median) and heap; the findings
 * are written up in docs/xml-parsers.md.
 *
 *   node --expose-gc --import tsx bench/xml-parsers.ts
 */
import { listObjectsV2Xml } from "../src/gateway/protocol/xml-serialize.js";
import { parseXml, XmlSyntaxError } from "../src/gateway/protocol/xml-scan.js";
import { parseXmlWithSaxes } from "../test/support/saxes-tree.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc --import tsx bench/xml-parsers.ts");

function listing(): string {
  const contents = Array.from({ length: 1000 }, (_, i) => ({
    Key: `data/team2/${i % 7 === 0 ? "r&d/" : ""}photos/2026/01/${String(i).padStart(6, "0")}-\u00e9t\u00e9.jpg`,
    LastModified: new Date(Date.UTC(2026, 0, 15, 12, 0, i % 60)),
    ETag: `"${i.toString(16).padStart(32, "0")}"`,
    Size: 1000 + i,
    StorageClass: "STANDARD" as const,
    Owner: { ID: "7f3c", DisplayName: "owner" },
  }));
  return listObjectsV2Xml({
    Name: "minio-bucket",
    Prefix: "data/team2/",
    KeyCount: 1000,
    MaxKeys: 1000,
    IsTruncated: true,
    NextContinuationToken: "tok",
    Contents: contents,
  });
}

const CASES: ReadonlyArray<readonly [string, () => string]> = [
  ["ListObjectsV2, 1000 keys", listing],
  ["100k levels", () => `${"<a>".repeat(100_000)}${"</a>".repeat(100_000)}`],
  ["300k sibling <a/>", () => `<r>${"<a/>".repeat(300_000)}</r>`],
  ["100k attributes", () => `<r ${Array.from({ length: 100_000 }, (_, i) => `a${i}="v"`).join(" ")}/>`],
  ["1 MiB of &amp;", () => `<r>${"&amp;".repeat(209_715)}</r>`],
  ["200k text pieces, late &amp;", () => `<r>${"<a/>x".repeat(200_000)}&amp;</r>`],
  ["1 MiB unterminated comment", () => `<r><!--${"-".repeat(1 << 20)}`],
];

type Parser = (xml: string) => unknown;
const PARSERS: ReadonlyArray<readonly [string, Parser]> = [
  ["xml-scan", (xml) => parseXml(xml)],
  ["xml-scan, no limits", (xml) => parseXml(xml, { maxDepth: Infinity, maxElements: Infinity })],
  ["saxes", (xml) => parseXmlWithSaxes(xml)],
];

function attempt(parse: Parser, xml: string): { tree: unknown; outcome: string } {
  try {
    return { tree: parse(xml), outcome: "tree" };
  } catch (error) {
    return { tree: undefined, outcome: error instanceof XmlSyntaxError ? "refused" : `THREW ${(error as Error).name}` };
  }
}

/** Keeps a result reachable across a collection, where an unused local might not be. */
const sink: { tree?: unknown } = {};

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

console.log("| input | size | parser | outcome | median ms | heap kept MB | heap grown MB |");
console.log("|---|---|---|---|---|---|---|");
for (const [name, make] of CASES) {
  const xml = make();
  for (const [parserName, parse] of PARSERS) {
    const times: number[] = [];
    let outcome = "";
    for (let i = 0; i < 7; i++) {
      const start = performance.now();
      outcome = attempt(parse, xml).outcome;
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    // Heap: "kept" is what the result holds once garbage is collected (the tree); "grown" is the
    // heap right after the parse, garbage included, before any collection of our own.
    gc();
    const before = process.memoryUsage().heapUsed;
    sink.tree = attempt(parse, xml).tree;
    const grown = process.memoryUsage().heapUsed - before;
    gc();
    const kept = process.memoryUsage().heapUsed - before;
    delete sink.tree;
    console.log(
      `| ${name} | ${mb(xml.length)} MB | ${parserName} | ${outcome} | ${times[3]!.toFixed(1)} | ${mb(Math.max(0, kept))} | ${mb(Math.max(0, grown))} |`,
    );
  }
}
