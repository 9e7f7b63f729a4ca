/**
 * @module test/unit/glob — compileGlob: fields, tricky matches (expected values are CPython
 * 3.11's; glob-fnmatch.test.ts checks them against python3 itself), the prefix predicates, and
 * property tests of the prefix predicates against brute force over all short extensions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob } from "../../src/routing/glob.js";
import { propertyParameters } from "../support/property-seed.js";

const GRIN = "😀"; // U+1F600, two UTF-16 units, one character
const HIGH = GRIN.charAt(0); // lone high surrogate \ud83d
const LOW = GRIN.charAt(1); // lone low surrogate \ude00

describe("compileGlob fields", () => {
  it.each([
    // pattern, literal, prefix, prefixStar
    ["", "", "", false],
    ["abc", "abc", "abc", false],
    ["a[b", "a[b", "a[b", false], // unclosed "[" is literal
    ["[!]", "[!]", "[!]", false], // "]" right after "[!" is a member, so the set is unclosed
    ["a\\b", "a\\b", "a\\b", false], // backslash is literal
    ["a*", undefined, "a", true],
    ["team2/*", undefined, "team2/", true],
    ["a***", undefined, "a", true], // stars collapse
    ["*", undefined, "", true],
    ["a*b", undefined, "a", false],
    ["a*b*", undefined, "a", false],
    ["ab?", undefined, "ab", false],
    ["ab?*", undefined, "ab", false],
    ["a[b]c", undefined, "a", false], // a set, even a one-member one, ends the prefix
    ["a[b]*", undefined, "a", false],
    ["[]]", undefined, "", false],
    [`${GRIN}x*`, undefined, `${GRIN}x`, true],
    [`${HIGH}*`, undefined, HIGH, false], // prefix ends in a lone high surrogate: no fast path
  ] as const)("%j", (pattern, literal, prefix, prefixStar) => {
    const g = compileGlob(pattern);
    expect(g.source).toBe(pattern);
    expect(g.literal).toBe(literal);
    expect(g.prefix).toBe(prefix);
    expect(g.prefixStar).toBe(prefixStar);
  });

  it("returns methods that work detached", () => {
    // Detaching them is what this test is about: the Glob interface declares methods, but they
    // are closures that need no `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- see above
    const { matches, canMatchExtensionOf, matchesAllExtensionsOf } = compileGlob("a*b");
    expect(matches("axb")).toBe(true);
    expect(canMatchExtensionOf("ax")).toBe(true);
    expect(matchesAllExtensionsOf("ax")).toBe(false);
  });
});

describe("compileGlob(...).matches", () => {
  const yes = (pattern: string, ...names: string[]): void => {
    for (const name of names)
      expect(compileGlob(pattern).matches(name), `${JSON.stringify(pattern)} vs ${JSON.stringify(name)}`).toBe(true);
  };
  const no = (pattern: string, ...names: string[]): void => {
    for (const name of names)
      expect(compileGlob(pattern).matches(name), `${JSON.stringify(pattern)} vs ${JSON.stringify(name)}`).toBe(false);
  };

  it("matches whole strings, case-sensitively", () => {
    yes("abc", "abc");
    no("abc", "ABC", "abcd", "xabc", "ab");
    yes("", "");
    no("", "a");
  });

  it("lets * cross / and newlines, and match nothing", () => {
    yes("*", "", "a/b/c", "\n", "a\nb");
    yes("a*", "a", "a/", "a/b/c.txt", "a\n");
    yes("*/*", "/", "a/b", "a/b/c");
    no("*/*", "ab");
    yes("a*b*c", "abc", "a/x/b\n/c", "abbbcbc");
    no("a*b*c", "acb", "abcx");
  });

  it("counts code points: ? takes a whole astral character, and a lone surrogate alone", () => {
    yes("?", GRIN, "a", "\n", HIGH, LOW);
    no("??", GRIN);
    yes("??", "ab", `${HIGH}a`);
    yes(`[${GRIN}]`, GRIN);
    no(`[${GRIN}]`, HIGH);
    no(`${HIGH}*`, GRIN); // the pattern's lone surrogate is not the first half of 😀
    yes(`${HIGH}*`, HIGH, `${HIGH}x`);
    yes(`*${LOW}`, LOW, `x${LOW}`);
    no(`*${LOW}`, GRIN);
    yes(`[a-${GRIN}]`, "é", "z", GRIN);
    no(`[${GRIN}-a]`, "b", GRIN, "a"); // start above end: dropped, the set is empty
  });

  it("reads sets like fnmatch", () => {
    yes("[abc]", "a", "c");
    no("[abc]", "d", "", "ab");
    yes("[!abc]", "d", "]", "\n");
    no("[!abc]", "a");
    yes("[a-c]", "b");
    yes("[a-cx-z]", "b", "y");
    no("[a-cx-z]", "m");
    yes("[]]", "]");
    no("[]]", "[]]");
    yes("[!]]", "a");
    no("[!]]", "]");
    yes("[]a]", "]", "a");
    yes("[]-a]", "]", "^", "_", "a"); // "]" first, then a range ]..a
    yes("[-a]", "-", "a");
    yes("[a-]", "-", "a");
    yes("[--0]", "-", ".", "0");
    no("[--0]", "/x");
    yes("[a-c-e]", "a", "c", "-", "e");
    no("[a-c-e]", "d");
    yes("[---]", "-");
    yes("[!--]", "a");
    no("[!--]", "-");
    no("[a--]", "a", "-"); // the range a..- runs backwards: dropped, nothing left
    yes("[^a]", "^", "a"); // ^ is no negation
    no("[^a]", "b");
    yes("[&&]", "&");
    yes("[a|b]", "|");
    yes("a[\\]b", "a\\b"); // backslash is a literal, also in sets
    yes("[\\-a]", "\\", "]", "a"); // range \..a
  });

  it("reads unclosed brackets as literal", () => {
    yes("[", "[");
    yes("[!", "[!");
    yes("[!]", "[!]");
    yes("[a-", "[a-");
    yes("x[]y", "x[]y");
    no("x[]y", "xy", "x]y");
    yes("[*", "[", "[abc");
    yes("a[b*", "a[b", "a[bcd");
  });

  it("drops ranges whose start is above their end", () => {
    no("[z-a]", "a", "m", "z", "-", "");
    yes("[!z-a]", "a", "z", "-", GRIN, "\n");
    no("[!z-a]", "", "ab");
    yes("[z-ay]", "y");
    no("[z-ay]", "z", "a", "-");
    no("a[z-a]*", "a", "ab"); // an empty set blocks the whole pattern
  });

  it("reproduces CPython's reading of a set that starts with ! once an empty range is dropped", () => {
    yes("[z-a!]", "a", "!", "q"); // "[z-a!]" becomes "[!]": any character
    no("[z-a!]", "", "ab");
    yes("[z-a!b]", "a", "!"); // becomes "[!b]"
    no("[z-a!b]", "b");
    yes("[z-a!-~]", "!", "a"); // becomes "[!-~]": not "-" nor "~"
    no("[z-a!-~]", "-", "~");
    yes("[z-ay-b!]", "q");
    yes("[!z-a!]", "a"); // genuinely negated: not "!"
    no("[!z-a!]", "!");
  });

  it("answers patterns that make backtracking matchers explode", () => {
    // A plain /^.*a.*a.*a.*b$/ needs ~10 s for the first string below (and grows as n^4); each
    // star-run-star takes the run's first occurrence without backtracking, as CPython does. No
    // clock here: a matcher that backtracked would not finish within the test timeout, and
    // glob-fnmatch.test.ts checks these same inputs against CPython; bench/routing/glob-section.ts
    // measures how the time grows with the input.
    const g = compileGlob("*a*a*a*b");
    expect(g.matches("a".repeat(400))).toBe(false);
    expect(g.matches(`${"a".repeat(400)}b`)).toBe(true);
    const h = compileGlob("*?*?*?*x");
    expect(h.matches("y".repeat(400))).toBe(false);
    expect(h.matches(`${"y".repeat(400)}x`)).toBe(true);
    const long = compileGlob("*a*a*a*a*a*a*a*a*a*a*b");
    expect(long.matches("a".repeat(50_000))).toBe(false);
    expect(long.matches(`${"a".repeat(50_000)}b`)).toBe(true);
    expect(long.matches(`${"a".repeat(9)}b`)).toBe(false); // one "a" short
    expect(long.matches(`${"a".repeat(10)}b`)).toBe(true);
  });
});

describe("canMatchExtensionOf / matchesAllExtensionsOf", () => {
  it.each([
    // pattern, p, canMatchExtensionOf(p), matchesAllExtensionsOf(p)
    ["team2/*", "", true, false],
    ["team2/*", "team", true, false],
    ["team2/*", "team2/", true, true],
    ["team2/*", "team2/x/y", true, true],
    ["team2/*", "team3", false, false],
    ["abc", "ab", true, false],
    ["abc", "abc", true, false], // "abcd" starts with "abc" too
    ["abc", "abd", false, false],
    ["", "", true, false],
    ["*", "", true, true],
    ["*", "anything", true, true],
    ["?*", "", true, false],
    ["?*", "x", true, true],
    ["??*", "x", true, false],
    ["*.txt", "logs/", true, false],
    ["*.txt", "a.txt", true, false],
    ["a*b", "a", true, false],
    ["a*b", "b", false, false],
    ["a*b*", "axb", true, true],
    ["a*b*", "ax", true, false],
    ["*a*", "xxa", true, true],
    ["a*?", "a", true, false],
    ["a*?", "ab", true, true], // a non-empty tail after "a", without a trailing star
    ["*?", "", true, false],
    ["*?", "x", true, true],
    ["*??", "x", true, false],
    ["*??", "xy", true, true],
    ["*[!z-a]", "x", true, true], // [!z-a] is any character
    ["[ab]*", "a", true, true],
    ["[ab]*", "c", false, false],
    ["[!a]*", "a", false, false],
    ["[!a]*", "b", true, true],
    ["a[z-a]*", "", false, false], // empty set: nothing matches
    ["a[z-a]*", "a", false, false],
    ["[z-a!]*", "q", true, true], // CPython quirk: [z-a!] is any character
    ["a/*/c", "a/b/", true, false],
    ["a/*/c", "b", false, false],
    ["*a", "", true, false],
    ["*a?", "xa", true, false],
    [`${GRIN}*`, HIGH, true, false], // 😀 starts with the lone high half...
    [`${GRIN}*`, GRIN, true, true],
    [`${HIGH}*`, HIGH, true, false], // ...and an extension may pair it up: "😀" does not match
    [`${HIGH}?*`, HIGH, true, false],
    ["?*", HIGH, true, true], // HIGH alone, or paired: either way one character, then anything
    ["??*", HIGH, true, false],
    [`[\ud800-\udbff]`, HIGH, true, false],
    [`[\ud800-\udbff][\udc00-\udfff]`, HIGH, false, false], // a JS string cannot hold them apart
  ] as const)("%j with prefix %j", (pattern, p, can, all) => {
    const g = compileGlob(pattern);
    expect(g.canMatchExtensionOf(p)).toBe(can);
    expect(g.matchesAllExtensionsOf(p)).toBe(all);
  });

  it("answers on long prefixes", () => {
    // Correctness only; bench/routing/glob-section.ts measures the time on such prefixes.
    const g = compileGlob("logs/*/2024-??-*/*.gz");
    const p = `logs/${"x/".repeat(2000)}2024-01-`;
    expect(g.canMatchExtensionOf(p)).toBe(true);
    expect(g.matchesAllExtensionsOf(p)).toBe(false);
    expect(g.canMatchExtensionOf(`${p}02/`)).toBe(true);
    expect(g.matchesAllExtensionsOf(`${p}02/`)).toBe(false); // needs a final ".gz"
    expect(g.canMatchExtensionOf(`logs/${"x/".repeat(2000)}2023`)).toBe(true); // a later "/2024-" may come
    expect(g.canMatchExtensionOf(`other/${"x/".repeat(2000)}`)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests against brute force.

const PATTERN_CHARS = ["a", "b", "/", "*", "?", "[", "]", "!", "-", "z"];
const PREFIX_CHARS = ["a", "b", "/", "z", "-", "]", "!", "[", "c"];

/**
 * One character from each class of characters the pattern cannot tell apart: every class
 * starts at 0 or at a character c of the pattern or at c + 1 (sets and literals are built from
 * the pattern's characters; ranges end at them).
 */
function representatives(pattern: string): string[] {
  const starts = new Set<number>([0]);
  for (const ch of pattern) {
    const c = ch.codePointAt(0)!;
    starts.add(c);
    starts.add(c + 1);
  }
  return [...starts].map((c) => String.fromCodePoint(c));
}

/**
 * How many characters a match of the pattern takes besides what its stars take: one per `?`,
 * literal, or `[...]` set. Only needs fnmatch's rule for where a set ends (after `[`, an optional
 * `!`, an optional `]`, up to the next `]`; no `]` at all: the `[` is literal).
 */
function fixedWidth(pattern: string): number {
  const cs = [...pattern];
  let width = 0;
  for (let i = 0; i < cs.length; i++) {
    if (cs[i] === "*") continue;
    width++;
    if (cs[i] !== "[") continue;
    let j = i + 1;
    if (cs[j] === "!") j++;
    if (cs[j] === "]") j++;
    while (j < cs.length && cs[j] !== "]") j++;
    if (j < cs.length) i = j;
  }
  return width;
}

/** All strings over `alphabet` of length ≤ maxLength, shortest first. */
function* strings(alphabet: readonly string[], maxLength: number): Generator<string> {
  let level = [""];
  for (let len = 0; len <= maxLength; len++) {
    yield* level;
    if (len < maxLength) level = level.flatMap((s) => alphabet.map((c) => s + c));
  }
}

/** The longest length L ≤ cap such that enumerating all strings up to L stays within budget. */
function affordableLength(alphabetSize: number, cap: number, budget = 4000): number {
  let total = 1;
  let perLength = 1;
  let length = 0;
  while (length < cap) {
    perLength *= alphabetSize;
    if (total + perLength > budget) break;
    total += perLength;
    length++;
  }
  return length;
}

const patternArb = fc.string({ unit: fc.constantFrom(...PATTERN_CHARS), maxLength: 6 });
/** Prefixes: random, or the pattern's own text with wildcards stripped (likely to be viable). */
const caseArb = patternArb.chain((pattern) =>
  fc.tuple(
    fc.constant(pattern),
    fc.oneof(
      fc.string({ unit: fc.constantFrom(...PREFIX_CHARS), maxLength: 3 }),
      fc.nat({ max: 6 }).map((k) => pattern.replace(/[*?]/g, "").slice(0, k)),
    ),
  ),
);

/** Cases where "every extension matches" is often true: patterns ending in stars, viable prefixes. */
const universalishArb = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...PATTERN_CHARS), maxLength: 4 }),
    fc.constantFrom("*", "*", "?*", "*?", "*??", "[!a]*", "*[!z-a]"),
    fc.string({ unit: fc.constantFrom(...PREFIX_CHARS), maxLength: 2 }),
  )
  .map(([head, tail, extra]): [string, string] => [head + tail, head.replace(/\*/g, "").replace(/\?/g, "a") + extra]);

describe("prefix predicates vs brute force", () => {
  it("canMatchExtensionOf is exact", () => {
    let decided = 0;
    let runs = 0;
    fc.assert(
      fc.property(caseArb, ([pattern, p]) => {
        runs++;
        const g = compileGlob(pattern);
        const reps = representatives(pattern);
        // Stars can match nothing, so if any extension matches, one at most fixedWidth long does.
        const needed = fixedWidth(pattern);
        const length = affordableLength(reps.length, needed, 10_000);
        let witness: string | undefined;
        for (const ext of strings(reps, length)) {
          if (g.matches(p + ext)) {
            witness = ext;
            break;
          }
        }
        const answer = g.canMatchExtensionOf(p);
        if (witness !== undefined) {
          decided++;
          expect(answer, `witness ${JSON.stringify(witness)}`).toBe(true);
        } else if (length === needed) {
          decided++;
          expect(answer).toBe(false);
        }
      }),
      propertyParameters({ numRuns: 1000 }, 7),
    );
    // The brute force must have settled the question often enough for "exact" to mean something.
    expect(decided).toBeGreaterThan(runs * 0.75);
  });

  it("matchesAllExtensionsOf is sound, and exact on these patterns", () => {
    let claimedAll = 0;
    let exhaustive = 0;
    fc.assert(
      fc.property(fc.oneof(caseArb, universalishArb), ([pattern, p]) => {
        const g = compileGlob(pattern);
        const reps = representatives(pattern);
        const needed = fixedWidth(pattern);
        // Soundness: whenever it says "all", every enumerated extension matches.
        const length = affordableLength(reps.length, needed + 1);
        let counterexample: string | undefined;
        for (const ext of strings(reps, length)) {
          if (!g.matches(p + ext)) {
            counterexample = ext;
            break;
          }
        }
        const answer = g.matchesAllExtensionsOf(p);
        if (length === needed + 1) exhaustive++;
        if (answer) {
          claimedAll++;
          expect(counterexample, `pattern ${JSON.stringify(pattern)}, prefix ${JSON.stringify(p)}`).toBeUndefined();
        } else if (counterexample === undefined && length === needed + 1) {
          // No counterexample among all extensions one longer than the pattern needs: the
          // extensions all match (a shortest counterexample is never longer), so "all" it is.
          expect.fail(`missed: pattern ${JSON.stringify(pattern)}, prefix ${JSON.stringify(p)}`);
        }
      }),
      propertyParameters({ numRuns: 1000 }, 11),
    );
    expect(claimedAll).toBeGreaterThan(100);
    expect(exhaustive).toBeGreaterThan(150);
  });

  it("agree with brute force when surrogates can pair up across the prefix boundary", () => {
    // Lone surrogates in patterns, prefixes and extensions: "\ud83d" + "\ude00" is one
    // character. Extensions up to fixedWidth + 1 characters (one more than without surrogates:
    // a lone high surrogate at the end of p may need a spacer), from the pattern's classes plus
    // the surrogate block edges. A consistency check, not a proof of exactness.
    const units = ["a", "*", "*", "?", "[", "]", "!", "-", HIGH, LOW, GRIN, "\udc00"];
    const prefixUnits = ["a", HIGH, LOW, GRIN, "\udbff"];
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...units), maxLength: 5 }),
        fc.string({ unit: fc.constantFrom(...prefixUnits), maxLength: 3 }),
        (pattern, p) => {
          const g = compileGlob(pattern);
          // Also each UTF-16 unit of the pattern, so extensions can complete a split pair.
          const extra = [0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000];
          for (let i = 0; i < pattern.length; i++) extra.push(pattern.charCodeAt(i), pattern.charCodeAt(i) + 1);
          const reps = [...new Set([...representatives(pattern), ...extra.map((c) => String.fromCodePoint(c))])];
          const length = affordableLength(reps.length, fixedWidth(pattern) + 1, 20_000);
          fc.pre(length === fixedWidth(pattern) + 1);
          let witness = false;
          let counterexample = false;
          for (const ext of strings(reps, length)) {
            if (g.matches(p + ext)) witness = true;
            else counterexample = true;
            if (witness && counterexample) break;
          }
          expect(g.canMatchExtensionOf(p)).toBe(witness);
          expect(g.matchesAllExtensionsOf(p)).toBe(!counterexample);
        },
      ),
      propertyParameters({ numRuns: 300 }, 19),
    );
  });

  it("agree with matches on random strings", () => {
    fc.assert(
      fc.property(
        patternArb,
        fc.string({ unit: fc.constantFrom(...PREFIX_CHARS, "*", "?"), maxLength: 10 }),
        fc.nat({ max: 10 }),
        (pattern, s, cut) => {
          const g = compileGlob(pattern);
          const p = s.slice(0, cut);
          if (g.matches(s)) expect(g.canMatchExtensionOf(p)).toBe(true);
          if (g.matchesAllExtensionsOf(p)) expect(g.matches(s)).toBe(true);
          // Monotone along the prefix.
          if (g.canMatchExtensionOf(s)) expect(g.canMatchExtensionOf(p)).toBe(true);
          if (g.matchesAllExtensionsOf(p)) expect(g.matchesAllExtensionsOf(s)).toBe(true);
        },
      ),
      propertyParameters({ numRuns: 3000 }, 13),
    );
  });

  it("only matches strings that start with the prefix", () => {
    fc.assert(
      fc.property(patternArb, fc.string({ unit: fc.constantFrom(...PREFIX_CHARS), maxLength: 6 }), (pattern, s) => {
        const g = compileGlob(pattern);
        if (g.matches(s)) expect(s.startsWith(g.prefix)).toBe(true);
        if (g.matches(s) && g.literal !== undefined) expect(s).toBe(g.literal);
      }),
      propertyParameters({ numRuns: 2000 }, 17),
    );
  });
});
