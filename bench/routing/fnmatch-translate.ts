/**
 * @module bench/routing/fnmatch-translate — glob → RegExp source the way CPython's
 * `fnmatch.translate` does it, for the "fresh translation per call" baseline only. It covers
 * what the generated profiles use (`*`, `?`, `[...]`, `[!...]`); CPython's rarer set quirks are
 * left to src/routing/glob.ts, and the benchmark verifies every answer against it anyway.
 */

const escapeOutside = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const escapeInSet = (s: string): string => s.replace(/[\\\][]/g, "\\$&");

/** An anchored RegExp source; compile with flags `su` (dot matches newlines, code points). */
export function translateFnmatch(pattern: string): string {
  const chars = [...pattern];
  const n = chars.length;
  let out = "";
  for (let i = 0; i < n;) {
    const c = chars[i++]!;
    if (c === "*") {
      while (chars[i] === "*") i++;
      out += ".*";
    } else if (c === "?") {
      out += ".";
    } else if (c === "[") {
      let j = i;
      if (chars[j] === "!") j++;
      if (chars[j] === "]") j++;
      while (j < n && chars[j] !== "]") j++;
      if (j >= n) {
        out += "\\[";
        continue;
      }
      const body = chars.slice(i, j).join("");
      out += body.startsWith("!") ? `[^${escapeInSet(body.slice(1))}]` : `[${escapeInSet(body)}]`;
      i = j + 1;
    } else {
      out += escapeOutside(c);
    }
  }
  return `^(?:${out})$`;
}
