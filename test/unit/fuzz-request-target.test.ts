/**
 * @module test/unit/fuzz-request-target — request-target and query parsing under property-based
 * fuzzing: arbitrary raw paths, queries and hosts (invalid percent-encoding, lone surrogates,
 * absolute-form targets, huge inputs) end in a target or in the S3Error the module documents;
 * what the gateway writes (objectPath, formatQuery) reads back to the same names.
 *
 * Longer runs: `S3R_FUZZ_RUNS=20000 npx vitest run test/unit/fuzz-request-target.test.ts` (see test/support/fuzz.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseQuery as parseSignedQuery } from "../../src/gateway/auth/sigv4-canonical.js";
import { formatQuery, parseQuery } from "../../src/gateway/protocol/query-params.js";
import { objectPath, parseTarget, splitRequestUrl } from "../../src/gateway/protocol/request-target.js";
import { isS3Error } from "../../src/gateway/s3-error.js";
import { MIB, fuzzRuns, fuzzTimeout, run } from "../support/fuzz.js";

/** Runs `f`; an S3Error with one of `codes` is an answer, anything else thrown fails the test. */
function answer<T>(codes: readonly string[], f: () => T): T | string {
  try {
    return f();
  } catch (error) {
    if (isS3Error(error) && codes.includes(error.code)) return error.code;
    throw error;
  }
}

const TARGET_CODES = ["InvalidURI", "InvalidBucketName"];
const PIECES = [
  "/",
  "//",
  "%",
  "%2",
  "%2F",
  "%2f",
  "%E0%A4",
  "%ED%A0%80",
  "%F0%9F%98%80",
  "%C0%AF",
  "%00",
  "+",
  "?",
  "#",
  "&",
  "=",
  ";",
  ":",
  "http://h",
  "HTTP://",
  "a",
  "b.c",
  "..",
  ".",
  "\ud800",
  "\udc00",
  "\u{1F600}",
  "é",
  " ",
  "~",
  "*",
  "@",
  "[",
  "]",
];
const raw = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }).map((p) => p.join("")),
  fc.string({ maxLength: 40 }),
);
const hosts = fc.oneof(
  fc.constantFrom(
    undefined,
    "",
    "localhost:9000",
    "b.s3.example.com",
    "B.S3.EXAMPLE.COM.:80",
    "[::1]:9000",
    "[::1",
    "s3.example.com",
    ".s3.example.com",
  ),
  raw,
);
const domains = fc.constantFrom(undefined, "s3.example.com", "", ".", "S3.Example.com.");

describe("request-target fuzzing: any target ends in a parse or a documented S3Error", () => {
  it("raw paths, queries and hosts", () => {
    fc.assert(
      fc.property(raw, raw, hosts, domains, (path, query, host, domain) => {
        for (const p of [path, `/${path}`]) answer(TARGET_CODES, () => parseTarget(p, query, host, domain));
        const { rawPath, rawQuery } = splitRequestUrl(`/${path}?${query}`);
        answer(TARGET_CODES, () => parseTarget(rawPath, rawQuery, host, domain));
        // The signature's own reader of the query is total: it never throws.
        parseSignedQuery(query);
      }),
      fuzzRuns(3000),
    );
  });

  it("a parsed query is written back as the same parameters (lone surrogates refused as InvalidArgument)", () => {
    fc.assert(
      fc.property(raw, (query) => {
        const parsed = answer(["InvalidURI"], () => parseQuery(query));
        if (typeof parsed === "string") return;
        const written = answer(["InvalidArgument"], () => formatQuery(parsed));
        if (typeof written === "string") return;
        expect(parseQuery(written)).toEqual(parsed);
      }),
      fuzzRuns(2000),
    );
  });

  it("objectPath of any bucket and key reads back through parseTarget", () => {
    const text = fc.string({ unit: "grapheme", maxLength: 30 });
    fc.assert(
      fc.property(
        text.filter((b) => b !== "" && !b.includes("/")),
        text,
        (bucket, key) => {
          const target = parseTarget(objectPath(bucket, key), "", "localhost", undefined);
          expect(target.bucket).toBe(bucket);
          expect(target.key).toBe(key === "" ? undefined : key);
        },
      ),
      fuzzRuns(2000),
    );
  });
});

const HOSTILE: ReadonlyArray<readonly [string, string, string, string | undefined]> = [
  ["1 MiB of '%'", `/b/${run("%", MIB)}`, "", undefined],
  ["1 MiB of '%2'", `/b/${run("%2", MIB)}`, "", undefined],
  ["1 MiB of truncated UTF-8 sequences", `/b/${run("%E0%A4", MIB)}`, "", undefined],
  ["1 MiB of encoded surrogates", `/b/${run("%ED%A0%80", MIB)}`, "", undefined],
  ["1 MiB of '/'", run("/", MIB), "", undefined],
  ["1 MiB absolute-form scheme without '://'", run("h", MIB), "", undefined],
  ["1 MiB absolute-form authority", `http://${run("a", MIB)}`, "", undefined],
  ["1 MiB scheme of letters before '://'", `${run("a", MIB)}://h/b/k`, "", undefined],
  ["1 MiB query of '%'", "/b/k", run("%", MIB), undefined],
  ["1 MiB query of '+'", "/b/k", run("+", MIB), undefined],
  ["100k query parameters", "/b/k", Array.from({ length: 100_000 }, (_, i) => `p${i}=v`).join("&"), undefined],
  ["100k repeats of one parameter", "/b/k", run("a=1&", MIB), undefined],
  ["1 MiB host of ':1'", "/k", "", run(":1", MIB)],
  ["1 MiB host of '.'", "/k", "", run(".", MIB)],
  ["1 MiB host of digits after ':'", "/k", "", `:${run("1", MIB)}x`],
];

describe("request-target fuzzing: hostile sizes end in linear work", () => {
  for (const [name, path, query, host] of HOSTILE) {
    it(name, { timeout: fuzzTimeout(10_000) }, () => {
      answer(TARGET_CODES, () => parseTarget(path, query, host, "s3.example.com"));
      parseSignedQuery(query);
    });
  }
});
