/**
 * @module mapping/key-mapping — how a route renames buckets and prefixes keys, both ways.
 * The reverse direction is what keeps the router round-trip safe: a name the router returns,
 * passed back in, reaches the same object.
 */
import type { Route } from "../routing/route-table.js";

/** The bucket a route uses on its backend for the caller's `bucket`. */
export const toPhysicalBucket = (route: Route, bucket: string): string => route.mappedBucket ?? bucket;

/** The key a route uses on its backend for the caller's `key`. */
export const toPhysicalKey = (route: Route, key: string): string => route.mappedPrefix + key;

/**
 * The caller's key for a backend key, or undefined when the backend key lies outside the
 * route's prefix (so no caller key maps to it).
 */
export function toLogicalKey(route: Route, physicalKey: string): string | undefined {
  const prefix = route.mappedPrefix;
  if (prefix === "") return physicalKey;
  return physicalKey.startsWith(prefix) ? physicalKey.slice(prefix.length) : undefined;
}

/**
 * Like {@link toLogicalKey} for a key the backend returned URL-encoded (`EncodingType=url`):
 * strips the encoded form of the prefix and keeps the rest exactly as the backend encoded it.
 * Backends differ in what they escape, so the prefix is matched by decoding, not by encoding it.
 */
export function toLogicalEncodedKey(route: Route, encodedKey: string): string | undefined {
  const prefix = route.mappedPrefix;
  if (prefix === "") return encodedKey;
  const rest = stripEncodedPrefix(encodedKey, prefix);
  return rest;
}

const encoder = new TextEncoder();

/** `encoded` without its leading part that decodes to `prefix`, or undefined if it does not start so. */
export function stripEncodedPrefix(encoded: string, prefix: string): string | undefined {
  const want = encoder.encode(prefix);
  let matched = 0;
  let i = 0;
  while (matched < want.length) {
    if (i >= encoded.length) return undefined;
    let byteValues: Uint8Array;
    const ch = encoded[i]!;
    if (ch === "%" && /^[0-9A-Fa-f]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      byteValues = Uint8Array.of(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (ch === "+") {
      byteValues = Uint8Array.of(0x20); // form encoding: "+" is a space
      i += 1;
    } else {
      const cp = encoded.codePointAt(i)!;
      const text = String.fromCodePoint(cp);
      byteValues = encoder.encode(text);
      i += text.length;
    }
    for (const b of byteValues) {
      if (want[matched] !== b) return undefined;
      matched++;
      if (matched > want.length) return undefined;
    }
  }
  return encoded.slice(i);
}
