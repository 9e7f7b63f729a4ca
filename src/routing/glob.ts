/**
 * @module routing/glob — shell-style glob patterns with exactly the semantics of Python's
 * `fnmatch.fnmatchcase` (3.11), plus the two prefix questions route resolution asks: can some
 * key under a prefix match, and does every key under it match.
 *
 * Semantics (all verified against CPython by test/unit/glob-fnmatch.test.ts):
 * - characters are Unicode code points, as in a Python `str` (a surrogate pair is one character,
 *   a lone surrogate is one character); matching is case-sensitive and covers the whole string;
 * - `*` matches any run of characters, `/` and newlines included; `?` matches one character;
 * - `[seq]` matches one character in seq, `[!seq]` one character not in it; `a-z` is a range;
 *   a `]` right after `[` or `[!` is a literal member; a `-` that cannot form a range (first or
 *   last in the set) is literal; a range whose start is above its end is dropped, so `[z-a]`
 *   never matches and `[!z-a]` matches any one character;
 * - a `[` with no closing `]` is a literal `[`; `\` is a literal character, never an escape;
 *   `^` is not negation.
 * - CPython quirk, reproduced: when dropping a leading empty range leaves a set that starts with
 *   `!`, Python reads that `!` as negation — `[z-a!]` matches any character, `[z-a!b]` matches
 *   any character but `b`, and `[z-a!-~]` any character but `-` and `~`.
 *
 * The pattern is parsed once into tokens (literal character, any character, star, set of code
 * point ranges). {@link Glob.matches} runs a RegExp built from them (with fast paths for literal
 * and `prefix*` patterns); the prefix predicates simulate the tokens as an NFA over the prefix.
 */

/** A pattern without wildcards or sets: it matches itself only. */
function literalGlob(literal: string): Glob {
  return Object.freeze({
    source: literal,
    literal,
    prefix: literal,
    prefixStar: false,
    matches: (s: string) => s === literal,
    canMatchExtensionOf: (p: string) => literal.startsWith(p),
    matchesAllExtensionsOf: () => false,
  });
}

/** A compiled fnmatch pattern. Obtain one with {@link compileGlob}. */
export interface Glob {
  /** The pattern as written. */
  readonly source: string;
  /**
   * The one string the pattern matches, when the pattern contains no wildcard (`*`, `?`) and no
   * set (`[...]`) at all; `undefined` otherwise. An unclosed `[` is a literal character here.
   */
  readonly literal: string | undefined;
  /**
   * The longest literal prefix before the first wildcard or set (the whole pattern when it is
   * literal). Every string the pattern matches starts with it.
   */
  readonly prefix: string;
  /**
   * True when the pattern is {@link Glob.prefix} followed only by one or more `*` (e.g.
   * `"team2/*"`), so that `matches(s)` ⇔ `s.startsWith(prefix)`.
   */
  readonly prefixStar: boolean;
  /** `fnmatch.fnmatchcase(s, pattern)`: whether the whole of `s` matches the pattern. */
  matches(s: string): boolean;
  /**
   * Whether some string starting with `p` matches: ∃ s, `s.startsWith(p) && matches(s)`. Exact.
   * (The one theoretical exception: a pattern that could only match by placing a lone high
   * surrogate right before a lone low surrogate, which no JavaScript string can hold apart.)
   */
  canMatchExtensionOf(p: string): boolean;
  /**
   * Whether every string starting with `p` matches: ∀ s, `s.startsWith(p) ⇒ matches(s)`. Sound:
   * never true when some such string does not match. Exact, except that for pathological
   * patterns whose decision would need a large automaton it answers `false`.
   */
  matchesAllExtensionsOf(p: string): boolean;
}

const MAX_CP = 0x10ffff;
const CH_STAR = 0x2a; // *
const CH_QMARK = 0x3f; // ?
const CH_LBRACKET = 0x5b; // [
const CH_RBRACKET = 0x5d; // ]
const CH_BANG = 0x21; // !
const CH_HYPHEN = 0x2d; // -

const KIND_LIT = 0;
const KIND_ANY = 1;
const KIND_STAR = 2;
const KIND_SET = 3;
type Kind = typeof KIND_LIT | typeof KIND_ANY | typeof KIND_STAR | typeof KIND_SET;

/** One parsed pattern element. */
interface Token {
  readonly kind: Kind;
  /** The code point of a literal; -1 for other kinds. */
  readonly cp: number;
  /**
   * Accepted code points as sorted, disjoint, non-adjacent closed intervals `[lo0, hi0, lo1,
   * hi1, ...]`; empty for a star, and for a set that can never match.
   */
  readonly ranges: readonly number[];
}

const STAR_TOKEN: Token = { kind: KIND_STAR, cp: -1, ranges: [] };
const ANY_TOKEN: Token = { kind: KIND_ANY, cp: -1, ranges: [0, MAX_CP] };
const litToken = (cp: number): Token => ({ kind: KIND_LIT, cp, ranges: [cp, cp] });

/** Sorts and merges `[lo, hi]` pairs, complementing over all code points when `negated`. */
function setToken(negated: boolean, pairs: Array<[number, number]>): Token {
  pairs.sort((a, b) => a[0] - b[0]);
  const merged: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = merged.length - 1;
    if (last > 0 && lo <= merged[last]! + 1) {
      if (hi > merged[last]!) merged[last] = hi;
    } else merged.push(lo, hi);
  }
  if (!negated) return { kind: KIND_SET, cp: -1, ranges: merged };
  const ranges: number[] = [];
  let next = 0;
  for (let k = 0; k < merged.length; k += 2) {
    if (merged[k]! > next) ranges.push(next, merged[k]! - 1);
    next = merged[k + 1]! + 1;
  }
  if (next <= MAX_CP) ranges.push(next, MAX_CP);
  return { kind: KIND_SET, cp: -1, ranges };
}

/**
 * The set between `[` and `]` (exclusive), `content` never empty. Reproduces CPython's
 * `fnmatch.translate` followed by `re`'s reading of the character class it emits.
 */
function parseSet(content: number[]): Token {
  if (!content.includes(CH_HYPHEN)) {
    const negated = content[0] === CH_BANG;
    const members = negated ? content.slice(1) : content;
    if (members.length === 0) return negated ? ANY_TOKEN : setToken(false, []);
    return setToken(
      negated,
      members.map((c): [number, number] => [c, c]),
    );
  }
  // Split at the hyphens that separate range ends. The first character (after `!`) is never a
  // separator, and after a separator the search resumes two characters on, past the range end.
  const chunks: number[][] = [];
  let start = 0;
  let from = content[0] === CH_BANG ? 2 : 1;
  for (;;) {
    const at = from < content.length ? content.indexOf(CH_HYPHEN, from) : -1;
    if (at < 0) break;
    chunks.push(content.slice(start, at));
    start = at + 1;
    from = at + 3;
  }
  const tail = content.slice(start);
  if (tail.length > 0) chunks.push(tail);
  else chunks[chunks.length - 1]!.push(CH_HYPHEN); // a trailing hyphen is literal
  // Drop ranges whose start is above their end (right to left, as CPython does): both ends go.
  for (let k = chunks.length - 1; k > 0; k--) {
    const before = chunks[k - 1]!;
    const after = chunks[k]!;
    if (before[before.length - 1]! > after[0]!) {
      chunks[k - 1] = before.slice(0, -1).concat(after.slice(1));
      chunks.splice(k, 1);
    }
  }
  // CPython joins the chunks with unescaped "-" (escaping every other "-") and then looks at the
  // first character: "!" means negation even when it only got there by the removal above.
  // SEP marks an unescaped separator; everything else is a literal code point.
  const SEP = -1;
  const atoms: number[] = [];
  chunks.forEach((chunk, k) => {
    if (k > 0) atoms.push(SEP);
    atoms.push(...chunk);
  });
  if (atoms.length === 0) return setToken(false, []); // every range dropped: never matches
  const negated = atoms[0] === CH_BANG;
  if (negated) atoms.shift();
  if (negated && atoms.length === 0) return ANY_TOKEN;
  // Read the atoms the way `re` reads a class: an item, then "-" and an item makes a range.
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k < atoms.length;) {
    const a = atoms[k++]!;
    const lo = a === SEP ? CH_HYPHEN : a;
    if (k < atoms.length && atoms[k] === SEP && k + 1 < atoms.length) {
      const b = atoms[k + 1]!;
      const hi = b === SEP ? CH_HYPHEN : b;
      k += 2;
      if (lo <= hi) pairs.push([lo, hi]); // (lo > hi cannot happen: such ranges were dropped)
    } else pairs.push([lo, lo]);
  }
  return setToken(negated, pairs);
}

/** Parses a pattern's code points into tokens; consecutive stars collapse into one. */
function parsePattern(cps: readonly number[]): Token[] {
  const tokens: Token[] = [];
  const n = cps.length;
  let i = 0;
  while (i < n) {
    const c = cps[i++]!;
    if (c === CH_STAR) {
      if (tokens[tokens.length - 1]?.kind !== KIND_STAR) tokens.push(STAR_TOKEN);
    } else if (c === CH_QMARK) {
      tokens.push(ANY_TOKEN);
    } else if (c === CH_LBRACKET) {
      let j = i;
      if (j < n && cps[j] === CH_BANG) j++;
      if (j < n && cps[j] === CH_RBRACKET) j++;
      while (j < n && cps[j] !== CH_RBRACKET) j++;
      if (j >= n) {
        tokens.push(litToken(c)); // unclosed: a literal "[", parsing resumes right after it
      } else {
        tokens.push(parseSet(cps.slice(i, j)));
        i = j + 1;
      }
    } else {
      tokens.push(litToken(c));
    }
  }
  return tokens;
}

const hex = (cp: number): string => `\\u{${cp.toString(16)}}`;

/** The RegExp source for a run of non-star tokens. */
function fixedSource(tokens: readonly Token[]): string {
  let out = "";
  for (const t of tokens) {
    if (t.kind === KIND_LIT) out += hex(t.cp);
    else if (t.kind === KIND_ANY) out += ".";
    else {
      out += "[";
      for (let k = 0; k < t.ranges.length; k += 2) {
        const lo = t.ranges[k]!;
        const hi = t.ranges[k + 1]!;
        out += lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`;
      }
      out += "]";
    }
  }
  return out;
}

/**
 * An anchored RegExp (flags `su`: `.` is any code point, newlines included). Like CPython, each
 * `*` followed by a fixed run and another `*` takes the first occurrence of the run without
 * backtracking — JS has no atomic groups, so `(?=(.*?RUN))\N` stands in — which keeps matching
 * linear-ish instead of exponential in the number of stars, and is equivalent (the next star
 * can absorb whatever a later occurrence would have skipped).
 */
function buildRegExp(tokens: readonly Token[]): RegExp {
  const runs: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === KIND_STAR) runs.push([]);
    else runs[runs.length - 1]!.push(t);
  }
  let src = "^" + fixedSource(runs[0]!);
  let group = 0;
  for (let k = 1; k < runs.length; k++) {
    const run = fixedSource(runs[k]!);
    if (k === runs.length - 1) src += ".*" + run;
    else src += `(?=(.*?${run}))\\${++group}`;
  }
  return new RegExp(src + "$", "su");
}

/** Whether the token accepts code point `c` (never called on a star). */
function accepts(t: Token, c: number): boolean {
  if (t.kind === KIND_LIT) return t.cp === c;
  if (t.kind === KIND_ANY) return true;
  const r = t.ranges;
  let lo = 0;
  let hi = (r.length >> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < r[2 * mid]!) hi = mid - 1;
    else if (c > r[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Whether the token accepts some code point outside `[a, b]`. */
function acceptsOutside(t: Token, a: number, b: number): boolean {
  const r = t.ranges;
  for (let k = 0; k < r.length; k += 2) if (r[k]! < a || r[k + 1]! > b) return true;
  return false;
}

/** Most subsets the universality check explores before giving up (answering false). */
const UNIVERSALITY_BUDGET = 1024;

const isHighSurrogate = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;

/**
 * The token NFA: state `i` means "tokens before i consumed"; state `n` accepts. A star state
 * loops on every character and also stands for the state after it (epsilon move). States from
 * which the rest of the pattern cannot match (an empty set lies ahead) are pruned. Holds scratch
 * buffers, so methods are not reentrant — fine for single-threaded JS.
 */
class Machine {
  readonly #tokens: readonly Token[];
  readonly #n: number;
  /** Highest index of a token that can never match, -1 if none: states ≤ it are dead. */
  readonly #lastDead: number;
  /** The last token is a star: a live set holding state n-1 accepts every continuation. */
  readonly #endsWithStar: boolean;
  /** A star exists and every token after the last one accepts every code point. */
  readonly #tailUniversal: boolean;
  #cur: Int32Array;
  #next: Int32Array;
  #len = 0;
  readonly #mark: Int32Array;
  #epoch = 0;
  #classes: Int32Array | undefined;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
    const n = tokens.length;
    this.#n = n;
    let lastDead = -1;
    let lastStar = -1;
    tokens.forEach((t, i) => {
      if (t.kind === KIND_STAR) lastStar = i;
      else if (t.ranges.length === 0) lastDead = i;
    });
    this.#lastDead = lastDead;
    this.#endsWithStar = n > 0 && tokens[n - 1]!.kind === KIND_STAR;
    this.#tailUniversal =
      lastStar >= 0 && tokens.slice(lastStar + 1).every((t) => t.ranges[0] === 0 && t.ranges[1] === MAX_CP);
    this.#cur = new Int32Array(n + 1);
    this.#next = new Int32Array(n + 1);
    this.#mark = new Int32Array(n + 1);
  }

  /** Starts a new (empty) target set in #next. */
  #begin(): void {
    if (++this.#epoch === 0x7fffffff) {
      this.#mark.fill(0);
      this.#epoch = 1;
    }
    this.#len = 0;
  }

  /** Adds state `i` (and the state after it, when `i` is a star) to the set in #next. */
  #add(i: number): void {
    for (;;) {
      if (i <= this.#lastDead) return;
      if (this.#mark[i] !== this.#epoch) {
        this.#mark[i] = this.#epoch;
        this.#next[this.#len++] = i;
      }
      if (i < this.#n && this.#tokens[i]!.kind === KIND_STAR) i++;
      else return;
    }
  }

  /** Makes #next the current set (#cur, #len). */
  #commit(): void {
    const t = this.#cur;
    this.#cur = this.#next;
    this.#next = t;
  }

  /** Current set := the start set. */
  start(): void {
    this.#begin();
    this.#add(0);
    this.#commit();
  }

  /** Current set := states after reading code point `c`. Returns the new size. */
  step(c: number): number {
    const cur = this.#cur;
    const size = this.#len;
    this.#begin();
    for (let k = 0; k < size; k++) {
      const i = cur[k]!;
      if (i === this.#n) continue;
      const t = this.#tokens[i]!;
      if (t.kind === KIND_STAR) this.#add(i);
      else if (accepts(t, c)) this.#add(i + 1);
    }
    this.#commit();
    return this.#len;
  }

  /**
   * Current set := states after reading the code points of `p` up to code unit `end`. Returns
   * 1 if the set became universal on the way (holds the final star, so stays universal), else
   * the set's size (0 when dead).
   */
  run(p: string, end: number, stopWhenUniversal: boolean): number {
    this.start();
    if (stopWhenUniversal && this.holdsFinalStar()) return 1;
    for (let i = 0; i < end;) {
      const c = p.codePointAt(i)!;
      i += c > 0xffff ? 2 : 1;
      if (this.step(c) === 0) return 0;
      if (stopWhenUniversal && this.holdsFinalStar()) return 1;
    }
    return this.#len;
  }

  /** A copy of the current set, sorted. */
  snapshot(): Int32Array {
    return this.#cur.slice(0, this.#len).sort();
  }

  /** Current set := `states`. */
  load(states: Int32Array): void {
    this.#begin();
    for (const i of states) this.#add(i);
    this.#commit();
  }

  /** Whether the current set holds the state after a trailing star (accepts everything). */
  holdsFinalStar(): boolean {
    return this.#endsWithStar && this.#has(this.#n - 1);
  }

  #has(i: number): boolean {
    // #mark was stamped when the current set was built, and no set was begun since.
    return this.#mark[i] === this.#epoch && this.#len > 0;
  }

  /** Whether the current set accepts the empty continuation. */
  accepting(): boolean {
    return this.#has(this.#n);
  }

  /** Some state of the current set can take a first character outside `[a, b]`, or accepts. */
  canContinueOutside(a: number, b: number): boolean {
    for (let k = 0; k < this.#len; k++) {
      const i = this.#cur[k]!;
      if (i === this.#n) return true;
      const t = this.#tokens[i]!;
      if (t.kind === KIND_STAR || acceptsOutside(t, a, b)) return true;
    }
    return false;
  }

  /**
   * One code point from each class of code points the tokens cannot tell apart, restricted to
   * `[a, b]`.
   */
  classesWithin(a: number, b: number): number[] {
    if (!this.#classes) {
      const bounds = new Set<number>([0]);
      for (const t of this.#tokens) {
        for (let k = 0; k < t.ranges.length; k += 2) {
          bounds.add(t.ranges[k]!);
          if (t.ranges[k + 1]! < MAX_CP) bounds.add(t.ranges[k + 1]! + 1);
        }
      }
      this.#classes = Int32Array.from(bounds).sort();
    }
    const reps = [a];
    for (const c of this.#classes) if (c > a && c <= b) reps.push(c);
    return reps;
  }

  /**
   * Whether the current set accepts every continuation. Decided on the subset automaton over
   * character classes (exact), after cheap necessary conditions; `false` if over budget.
   * Clobbers the current set.
   */
  universal(): boolean {
    if (this.holdsFinalStar()) return true;
    if (!this.accepting() || !this.#tailUniversal) return false;
    const reps = this.classesWithin(0, MAX_CP);
    const first = this.snapshot();
    const seen = new Set<string>([first.join()]);
    const queue = [first];
    let explored = 0;
    for (let set = queue.pop(); set; set = queue.pop()) {
      if (++explored > UNIVERSALITY_BUDGET) return false;
      for (const c of reps) {
        this.load(set);
        this.step(c);
        if (this.holdsFinalStar()) continue;
        if (!this.accepting()) return false;
        const next = this.snapshot();
        const key = next.join();
        if (!seen.has(key)) {
          seen.add(key);
          queue.push(next);
        }
      }
    }
    return true;
  }
}

/** Code points of a string, a surrogate pair counting as one and a lone surrogate as one. */
function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length;) {
    const c = s.codePointAt(i)!;
    out.push(c);
    i += c > 0xffff ? 2 : 1;
  }
  return out;
}

function fromCodePoints(cps: readonly number[]): string {
  let s = "";
  for (const c of cps) s += String.fromCodePoint(c);
  return s;
}

/** The range of code points a surrogate pair starting with high surrogate `h` can encode. */
const pairRange = (h: number): [number, number] => {
  const lo = 0x10000 + ((h - 0xd800) << 10);
  return [lo, lo + 0x3ff];
};

/**
 * Compiles an fnmatch pattern (Python `fnmatch.fnmatchcase` semantics; see the module
 * documentation). Compile once and reuse: all parsing happens here.
 */
export function compileGlob(pattern: string): Glob {
  // Most profiles name literal buckets: no parsing, no automaton, three small closures.
  if (!/[*?[]/.test(pattern)) return literalGlob(pattern);
  const tokens = parsePattern(codePoints(pattern));
  const n = tokens.length;

  let lead = 0;
  while (lead < n && tokens[lead]!.kind === KIND_LIT) lead++;
  const prefix = fromCodePoints(tokens.slice(0, lead).map((t) => t.cp));
  const literal = lead === n ? prefix : undefined;
  // With a prefix ending in a lone high surrogate, startsWith (code units) and matching (code
  // points) disagree on s = prefix + low surrogate, so no prefix-star fast path then.
  const prefixStar =
    lead === n - 1 &&
    tokens[lead]!.kind === KIND_STAR &&
    !(prefix.length > 0 && isHighSurrogate(prefix.charCodeAt(prefix.length - 1)));

  // Fast path for "*" + literal suffix, unless the suffix starts with a lone low surrogate
  // (which could pair up with a high surrogate before it in s).
  let suffix: string | undefined;
  if (n >= 2 && tokens[0]!.kind === KIND_STAR && tokens.slice(1).every((t) => t.kind === KIND_LIT)) {
    const s = fromCodePoints(tokens.slice(1).map((t) => t.cp));
    const u = s.charCodeAt(0);
    if (!(u >= 0xdc00 && u <= 0xdfff)) suffix = s;
  }

  const never = tokens.some((t) => t.kind !== KIND_STAR && t.ranges.length === 0);
  const re = literal === undefined && !prefixStar && suffix === undefined && !never ? buildRegExp(tokens) : undefined;
  // The prefix automaton serves only listings' route questions: built on first use, so that a
  // table of many literal or prefix patterns compiles fast and stays small.
  let lazyMachine: Machine | undefined;
  const machineOf = (): Machine => (lazyMachine ??= new Machine(tokens));

  const matches = (s: string): boolean => {
    if (literal !== undefined) return s === literal;
    if (prefixStar) return s.startsWith(prefix);
    if (suffix !== undefined) return s.endsWith(suffix);
    return re !== undefined && re.test(s);
  };

  const canMatchExtensionOf = (p: string): boolean => {
    if (literal !== undefined) return literal.startsWith(p);
    if (prefixStar) return prefix.startsWith(p) || p.startsWith(prefix);
    if (never) return false;
    const machine = machineOf();
    const last = p.length - 1;
    if (last < 0 || !isHighSurrogate(p.charCodeAt(last))) return machine.run(p, p.length, false) > 0;
    // p ends with a lone high surrogate h: a continuation either pairs it with a low surrogate
    // (one astral character) or leaves it alone and starts with anything but a low surrogate.
    const h = p.charCodeAt(last);
    if (machine.run(p, last, false) === 0) return false;
    const before = machine.snapshot();
    const [lo, hi] = pairRange(h);
    for (const c of machine.classesWithin(lo, hi)) {
      machine.load(before);
      if (machine.step(c) > 0) return true;
    }
    machine.load(before);
    return machine.step(h) > 0 && machine.canContinueOutside(0xdc00, 0xdfff);
  };

  const matchesAllExtensionsOf = (p: string): boolean => {
    if (literal !== undefined || never) return false;
    if (prefixStar) return p.startsWith(prefix);
    const machine = machineOf();
    const last = p.length - 1;
    if (last < 0 || !isHighSurrogate(p.charCodeAt(last))) {
      const r = machine.run(p, p.length, true);
      return r > 0 && machine.universal();
    }
    // p ends with a lone high surrogate h: both kinds of continuation must all match.
    const h = p.charCodeAt(last);
    if (machine.run(p, last, true) === 0) return false;
    if (machine.holdsFinalStar()) return true;
    const before = machine.snapshot();
    const [lo, hi] = pairRange(h);
    for (const c of machine.classesWithin(lo, hi)) {
      machine.load(before);
      machine.step(c);
      if (!machine.universal()) return false;
    }
    machine.load(before);
    machine.step(h);
    if (!machine.accepting()) return false;
    const lone = machine.snapshot();
    for (const c of [...machine.classesWithin(0, 0xdbff), ...machine.classesWithin(0xe000, MAX_CP)]) {
      machine.load(lone);
      machine.step(c);
      if (!machine.universal()) return false;
    }
    return true;
  };

  return Object.freeze({
    source: pattern,
    literal,
    prefix,
    prefixStar,
    matches,
    canMatchExtensionOf,
    matchesAllExtensionsOf,
  });
}
