/**
 * @module spanning/utf8-order — S3's key order: UTF-8 bytes, which is code point order.
 * JavaScript's `<` compares UTF-16 code units and disagrees for characters above U+FFFF
 * (surrogates sort before U+E000–U+FFFF), so merges compare with this instead.
 */

/** Negative, zero or positive as `a` sorts before, with, or after `b` in S3 (UTF-8 byte) order. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only when a surrogate meets a unit at or above U+E000 does UTF-16 order differ.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && (xs ? y : x) >= 0xe000) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * A string that sorts after every key starting with `prefix` (S3 keys are at most 1024 bytes,
 * and U+10FFFF is the largest code point), so `StartAfter` it skips that whole prefix.
 */
export const afterAllUnder = (prefix: string): string => `${prefix}\u{10FFFF}`;
