/**
 * @module test/support/xml-chars — the characters XML 1.0 cannot carry, for generators of keys and
 * texts that must survive an XML round trip (a listing, a DeleteObjects body).
 */

/** One character XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE; U+FFFF). */
// eslint-disable-next-line no-control-regex -- these control characters are exactly what the pattern names
export const XML_FORBIDDEN_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE\uFFFF]/;

/** Whether `s` can be the text of an XML 1.0 element (CR aside: a parser normalises it). */
export const isXmlText = (s: string): boolean => !XML_FORBIDDEN_CHAR.test(s);

/** `s` without the characters XML 1.0 forbids, and without CR (which a parser would normalise). */
export const xmlTextOnly = (s: string): string => s.replace(new RegExp(`${XML_FORBIDDEN_CHAR.source}|\r`, "g"), "");
