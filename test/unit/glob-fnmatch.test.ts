/**
 * @module test/unit/glob-fnmatch — differential test of compileGlob(...).matches against
 * CPython's own fnmatch.fnmatchcase (test/support/fnmatch-oracle.py): a fixed list of edge
 * cases plus a few thousand seeded random (pattern, string) pairs, sent to one python3 run.
 * python3 is required: without it the suite fails, it never passes silently.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob } from "../../src/routing/glob.js";
import { PROPERTY_SEED } from "../support/property-seed.js";

type Pair = readonly [pattern: string, name: string];

const ORACLE = fileURLToPath(new URL("../support/fnmatch-oracle.py", import.meta.url));

/** Runs the oracle once over all pairs; throws (failing the suite) if python3 is unavailable. */
function pythonFnmatch(pairs: readonly Pair[]): { version: string; results: boolean[] } {
  const run = spawnSync("python3", [ORACLE], {
    input: JSON.stringify(pairs),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  if (run.error) {
    throw new Error(
      `The fnmatch differential test needs python3 on PATH, but it could not be run (${run.error.message}). ` +
        "Install python3; this test must not be skipped.",
    );
  }
  if (run.status !== 0) throw new Error(`fnmatch-oracle.py exited with ${run.status}: ${run.stderr}`);
  const results: unknown = JSON.parse(run.stdout);
  if (!Array.isArray(results) || results.length !== pairs.length) {
    throw new Error(
      `fnmatch-oracle.py returned ${String(Array.isArray(results) ? results.length : results)} results for ${pairs.length} pairs`,
    );
  }
  results.forEach((r, k) => {
    if (typeof r !== "boolean") throw new Error(`fnmatch raised for pattern ${JSON.stringify(pairs[k]?.[0])}`);
  });
  return { version: run.stderr.trim(), results: results as boolean[] };
}

// ---------------------------------------------------------------------------------------------
// Fixed edge cases: every pattern against every probe string (and a few targeted strings).

const EDGE_PATTERNS = [
  "",
  "*",
  "**",
  "***",
  "?",
  "??",
  "*?",
  "?*",
  "*/*",
  "a*",
  "*a",
  "a*b",
  "*a*",
  "a**b",
  "*a*b*",
  "[]]",
  "[!]]",
  "[!]",
  "[",
  "[]",
  "[[]",
  "[!",
  "[a-",
  "[a-]",
  "[-a]",
  "[-]",
  "[--]",
  "[---]",
  "[--0]",
  "[!--]",
  "[a--]",
  "[!-]",
  "[z-a]",
  "[!z-a]",
  "[a-c-e]",
  "[a-cx-z]",
  "[z-ay-b]",
  "[z-a!]",
  "[z-a!b]",
  "[z-a!-~]",
  "[z-ay-b!]",
  "[!z-a-~]",
  "[z-a^]",
  "[z-a^b]",
  "[z-a[]",
  "[]-a]",
  "[!]-a]",
  "[]-!]",
  "[^a]",
  "[^]",
  "[!^]",
  "[&&]",
  "[a&&b]",
  "[~~]",
  "[||]",
  "[a|b]",
  "[\\]",
  "a[\\]b",
  "[\\-a]",
  "[a-\\]",
  "\\",
  "a\\b",
  "\\*",
  "\\?",
  "\\[a]",
  "[[:alpha:]]",
  "[!!]",
  "[!!-z]",
  "[a-a]",
  "[😀]",
  "[!😀]",
  "[a-😀]",
  "[😀-a]",
  "😀*",
  "*😀",
  "?😀",
  "[é-😀]",
  ".",
  ".*",
  "*.txt",
  "a/*",
  "a/**/b",
  "[/]",
  "[!/]",
  "[\n]",
  "*\n",
  "a?c",
  "[ab]*[!ab]",
  "[a-z]*[0-9]",
  "[]-]",
  "[!]-]",
  "[]a-]",
  "[a-b-c-d]",
  "[!a-b-]",
  "x[]y",
  "x[!]y",
  "[*]",
  "[?]",
  "[[]]",
  "[]]]",
  "[!]]]",
  "*[",
  "[*",
  "?[",
  "[?",
  "\ud83d*",
  "[\ud83d]",
  "\udc00",
  "?\ude00",
];

const PROBES = [
  "",
  "a",
  "b",
  "c",
  "z",
  "A",
  "]",
  "[",
  "!",
  "-",
  "^",
  "&",
  "~",
  "|",
  "\\",
  "/",
  ".",
  "0",
  "9",
  "*",
  "?",
  "\n",
  "é",
  "😀",
  "\ud83d",
  "\ude00",
  "ab",
  "ba",
  "aa",
  "a/b",
  "a\\b",
  "axc",
  "abc",
  "a.txt",
  "x]y",
  "x[]y",
  "[]",
  "[!]",
  "[a-",
  "a/x/b",
  "]]",
  "😀😀",
  "a😀",
  "😀a",
  "[a]",
  "x\n",
  "a\nb",
  "aXb",
  "ay",
  "za",
  "a0",
  "[[",
  "*[",
  "?[",
  "!!",
  "--",
  "-0",
  "a-",
];

function edgePairs(): Pair[] {
  const pairs: Pair[] = [];
  for (const pattern of EDGE_PATTERNS) {
    for (const name of PROBES) pairs.push([pattern, name]);
    pairs.push([pattern, pattern]); // a pattern against its own text
  }
  return pairs;
}

// ---------------------------------------------------------------------------------------------
// Seeded random pairs: nasty pattern alphabet, strings derived from the pattern so that a good
// share of them match.

const PATTERN_UNITS = [
  "*",
  "*",
  "?",
  "[",
  "[",
  "]",
  "]",
  "!",
  "-",
  "-",
  "/",
  "a",
  "a",
  "b",
  "z",
  ".",
  "\\",
  "^",
  "é",
  "😀",
  "&",
  "\n",
];
const NAME_CHARS = ["a", "b", "c", "z", "/", ".", "-", "]", "[", "!", "\\", "^", "é", "😀", "0", "\n", "&"];

/** mulberry32: a tiny seeded PRNG, so a (pattern, seed) sample always yields the same strings. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A string shaped by the pattern's text, not by any parse of it: `*` becomes 0–3 random
 * characters, `?` one, a `[` either stays or becomes a character from the next few pattern
 * characters, anything else mostly stays.
 */
function instantiate(pattern: string, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chars = Array.from(pattern);
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "*") {
      const k = Math.floor(rand() * 4);
      for (let j = 0; j < k; j++) out += pick(NAME_CHARS);
    } else if (c === "?") {
      out += pick(NAME_CHARS);
    } else if (c === "[" && rand() < 0.7) {
      // Guess a member: one of the next few characters, then skip past the next "]".
      const close = chars.indexOf("]", i + 2);
      const inside = chars.slice(i + 1, close < 0 ? i + 4 : close).filter((x) => x !== "!");
      out += inside.length > 0 && rand() < 0.8 ? pick(inside) : pick(NAME_CHARS);
      if (close >= 0) i = close;
    } else if (rand() < 0.05) {
      out += pick(NAME_CHARS); // mutate
    } else {
      out += c;
    }
  }
  return out;
}

function randomPairs(): Pair[] {
  const unit = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...PATTERN_UNITS) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "[a-z]",
        "[!a]",
        "[]a]",
        "[!]a]",
        "[z-a]",
        "[a-]",
        "[-a]",
        "[!z-a]",
        "[z-a!]",
        "[a-c-e]",
      ),
    },
  );
  const sample = fc.sample(fc.tuple(fc.array(unit, { maxLength: 8 }), fc.nat()), {
    seed: PROPERTY_SEED,
    numRuns: 1500,
  });
  const pairs: Pair[] = [];
  for (const [units, seed] of sample) {
    const pattern = units.join("");
    const rand = prng(seed);
    pairs.push([pattern, instantiate(pattern, rand)]);
    pairs.push([pattern, instantiate(pattern, rand)]);
    let noise = "";
    for (let k = Math.floor(rand() * 6); k > 0; k--) noise += NAME_CHARS[Math.floor(rand() * NAME_CHARS.length)];
    pairs.push([pattern, noise]);
  }
  return pairs;
}

/** 150 of the random patterns against 30 of the strings generated for other patterns. */
function crossPairs(random: readonly Pair[]): Pair[] {
  const patterns = random.filter((_, k) => k % 30 === 0).map(([p]) => p);
  const names = random.filter((_, k) => k % 150 === 1).map(([, s]) => s);
  return patterns.flatMap((p) => names.map((s): Pair => [p, s]));
}

// ---------------------------------------------------------------------------------------------
// Patterns that make a backtracking matcher explode (n^stars steps), on long strings that match
// and that fail only at the very end. glob.test.ts asserts the answers; here CPython confirms
// them, and bench/routing/glob-section.ts measures how the time grows with the length.

function pathologicalPairs(): Pair[] {
  const pairs: Pair[] = [];
  for (const n of [10, 400, 20_000]) {
    const a = "a".repeat(n);
    for (const pattern of [
      "*a*a*a*b",
      "*a*a*a*a*a*a*a*a*a*a*b",
      "*?*?*?*x",
      "a*a*a*a*",
      "*a?*a?*a?*b",
      "*[ab]*[ab]*b",
    ]) {
      pairs.push([pattern, a], [pattern, `${a}b`], [pattern, `${a}x`], [pattern, `b${a}`]);
    }
    pairs.push(["*/*/*/*.gz", `${"x/".repeat(n)}y`], ["*/*/*/*.gz", `${"x/".repeat(n)}y.gz`]);
  }
  return pairs;
}

// ---------------------------------------------------------------------------------------------

interface Mismatch {
  pattern: string;
  name: string;
  python: boolean;
  ours: boolean;
}

function compare(pairs: readonly Pair[], results: readonly boolean[], offset: number): Mismatch[] {
  const found: Mismatch[] = [];
  pairs.forEach(([pattern, name], k) => {
    const python = results[offset + k]!;
    const ours = compileGlob(pattern).matches(name);
    if (ours !== python && found.length < 25) found.push({ pattern, name, python, ours });
  });
  return found;
}

describe("compileGlob(...).matches agrees with Python's fnmatch.fnmatchcase", () => {
  const edges = edgePairs();
  const random = randomPairs();
  const cross = crossPairs(random);
  const pathological = pathologicalPairs();
  // One python3 run for all pairs, on first use. Not in beforeAll: there a failure would only
  // mark the tests skipped; here each test fails with the reason.
  let python: { version: string; results: boolean[] } | Error | undefined;
  const oracle = (): { version: string; results: boolean[] } => {
    if (python === undefined) {
      try {
        python = pythonFnmatch([...edges, ...random, ...cross, ...pathological]);
      } catch (error) {
        python = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (python instanceof Error) throw python;
    return python;
  };

  it(`on ${edges.length} edge-case pairs`, () => {
    const { version, results } = oracle();
    expect(compare(edges, results, 0), `mismatches with ${version}`).toEqual([]);
  });

  it(`on ${random.length} seeded random pairs`, () => {
    const { version, results } = oracle();
    expect(compare(random, results, edges.length), `mismatches with ${version}`).toEqual([]);
  });

  it("with random pairs that exercise both outcomes", () => {
    const { results } = oracle();
    const matched = results.slice(edges.length, edges.length + random.length).filter(Boolean).length;
    expect(matched).toBeGreaterThan(random.length * 0.2);
    expect(matched).toBeLessThan(random.length * 0.8);
  });

  it(`on ${cross.length} cross pairs (random patterns × strings generated for other patterns)`, () => {
    const { version, results } = oracle();
    expect(compare(cross, results, edges.length + random.length), `mismatches with ${version}`).toEqual([]);
  });

  it(`on ${pathological.length} pairs that make backtracking matchers explode`, () => {
    const { version, results } = oracle();
    const offset = edges.length + random.length + cross.length;
    expect(compare(pathological, results, offset), `mismatches with ${version}`).toEqual([]);
    // Both outcomes, so that neither "always true" nor "always false" passes.
    const answers = results.slice(offset);
    expect(answers).toContain(true);
    expect(answers).toContain(false);
  });
});
