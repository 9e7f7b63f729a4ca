/**
 * @module gateway/auth/sigv4-canonical — the SigV4 canonical request of an S3 request, built from
 * the request exactly as it arrived, so that it agrees byte for byte with what the AWS SDKs,
 * botocore (the aws cli) and other S3 clients computed before sending it.
 *
 * S3 specifics, and why:
 * - the path is used as received: S3 clients sign the already percent-encoded path once (they
 *   sign with "do not escape the path again"), so decoding and re-encoding it could only
 *   introduce differences (`%2B` vs `+`, lowercase hex, an encoded `~`);
 * - the query is parsed into pairs (`+` read as a space, as S3 reads it) and every name and value
 *   is re-encoded with the RFC 3986 unreserved set, because clients disagree on how they *send*
 *   a query (which characters they leave bare) but all sign that normal form;
 * - header values are trimmed with inner whitespace runs collapsed, and repeated headers are
 *   joined with `,`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
import type { IncomingHttpHeaders } from "node:http";
import { SIGV4_ALGORITHM, sha256Hex } from "./sigv4-crypto.js";

/** One query parameter, decoded and in its canonical form. */
export interface QueryParameter {
  /** The name, percent-decoded as UTF-8 (`+` is a space; invalid sequences become U+FFFD). */
  readonly name: string;
  /** The value, percent-decoded as UTF-8; `""` for a bare name such as `?uploads`. */
  readonly value: string;
  /** The name as the canonical query writes it (RFC 3986 unreserved characters left bare). */
  readonly canonicalName: string;
  /** The value as the canonical query writes it. */
  readonly canonicalValue: string;
}

const HEX = "0123456789ABCDEF";

const isHexDigit = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

const hexValue = (c: number): number => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);

/** RFC 3986 unreserved: A-Z a-z 0-9 - _ . ~ */
const isUnreserved = (b: number): boolean =>
  (b >= 0x41 && b <= 0x5a) ||
  (b >= 0x61 && b <= 0x7a) ||
  (b >= 0x30 && b <= 0x39) ||
  b === 0x2d ||
  b === 0x5f ||
  b === 0x2e ||
  b === 0x7e;

/**
 * The bytes a raw query component stands for: each valid `%XX` is one byte, a `+` is a space
 * (S3 reads query strings form-encoded, and so does the gateway's own query parser: what the
 * signature is checked against must be what the gateway then executes), any other character is
 * its UTF-8 encoding. SDKs never send a bare `+` (a plus goes as `%2B`, a space as `%20`), so for
 * them the choice is moot. A `%` not followed by two hex digits is a literal `%`, which keeps
 * this total: a malformed query cannot throw here, it just fails to match the signature.
 */
function componentBytes(raw: string): Buffer {
  // Node's HTTP parser refuses non-ASCII request targets, so in practice each character is a byte.
  const out = Buffer.allocUnsafe(raw.length * 3);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && i + 2 < raw.length && isHexDigit(raw.charCodeAt(i + 1)) && isHexDigit(raw.charCodeAt(i + 2))) {
      out[n++] = (hexValue(raw.charCodeAt(i + 1)) << 4) | hexValue(raw.charCodeAt(i + 2));
      i += 2;
    } else if (c === 0x2b) {
      out[n++] = 0x20;
    } else if (c < 0x80) {
      out[n++] = c;
    } else {
      const cp = raw.codePointAt(i)!;
      const char = String.fromCodePoint(cp);
      n += out.write(char, n, "utf8");
      i += char.length - 1;
    }
  }
  return out.subarray(0, n);
}

/** Percent-encodes bytes, leaving only the RFC 3986 unreserved characters bare (uppercase hex). */
export function uriEncodeBytes(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += isUnreserved(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  return out;
}

/** Percent-encodes a string's UTF-8 bytes the way SigV4 wants every query name and value. */
export function uriEncode(text: string): string {
  return uriEncodeBytes(Buffer.from(text, "utf8"));
}

const utf8 = new TextDecoder("utf-8");

/**
 * Parses a raw query string (without `?`) into its parameters, in order. Empty pieces (`a=1&&b`)
 * are skipped, as every client skips them when signing.
 */
export function parseQuery(rawQuery: string): QueryParameter[] {
  const params: QueryParameter[] = [];
  if (rawQuery === "") return params;
  for (const piece of rawQuery.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const nameBytes = componentBytes(eq < 0 ? piece : piece.slice(0, eq));
    const valueBytes = componentBytes(eq < 0 ? "" : piece.slice(eq + 1));
    params.push({
      name: utf8.decode(nameBytes),
      value: utf8.decode(valueBytes),
      canonicalName: uriEncodeBytes(nameBytes),
      canonicalValue: uriEncodeBytes(valueBytes),
    });
  }
  return params;
}

/**
 * The canonical query string: every parameter (except `omit`, the presigned signature itself) as
 * `name=value`, sorted by encoded name and then encoded value (byte order: all ASCII by now).
 */
export function canonicalQueryString(params: readonly QueryParameter[], omit?: string): string {
  const pairs = params.filter((p) => p.name !== omit).map((p) => [p.canonicalName, p.canonicalValue] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/** A header value as SigV4 canonicalizes it: trimmed, inner whitespace runs collapsed to one space. */
export function trimAll(value: string): string {
  return value.trim().replace(/\s+/g, " ");
}

/**
 * The canonical value of one signed header. With `rawHeaders` (node's `req.rawHeaders`) every
 * occurrence is used as sent and joined with `,` — exactly what the spec asks for repeated
 * headers. Node's `headers` object joins repeats with `, ` (and keeps only the first of some), so
 * it is the fallback when raw headers are not available.
 */
function headerValue(name: string, headers: IncomingHttpHeaders, rawHeaders: readonly string[] | undefined): string {
  if (rawHeaders) {
    const values: string[] = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if (rawHeaders[i]!.toLowerCase() === name) values.push(trimAll(rawHeaders[i + 1]!));
    }
    return values.join(",");
  }
  const value = headers[name];
  if (value === undefined) return "";
  return Array.isArray(value) ? value.map(trimAll).join(",") : trimAll(value);
}

/**
 * The canonical header lines of `signed` from raw headers, in one pass over them (a pass per
 * signed header lowercased every raw name again for each): every occurrence as sent, trimmed,
 * joined with `,`, as {@link headerValue} does.
 */
function rawHeaderLines(signed: readonly string[], rawHeaders: readonly string[]): string {
  const values = new Map<string, string[]>();
  for (const name of signed) values.set(name, []);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    values.get(rawHeaders[i]!.toLowerCase())?.push(trimAll(rawHeaders[i + 1]!));
  let lines = "";
  for (const name of signed) lines += `${name}:${values.get(name)!.join(",")}\n`;
  return lines;
}

/** What the canonical request of a request is made of. */
export interface CanonicalRequestParts {
  readonly method: string;
  /** The path exactly as received, still percent-encoded; `""` is read as `/`. */
  readonly rawPath: string;
  readonly query: readonly QueryParameter[];
  /** A query parameter left out of the canonical query (`X-Amz-Signature` of a presigned URL). */
  readonly omitParameter?: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders?: readonly string[] | undefined;
  /** Lowercase header names, in the order the client listed them in `SignedHeaders`. */
  readonly signedHeaders: readonly string[];
  /** The payload hash line: a hex SHA-256, `UNSIGNED-PAYLOAD` or a `STREAMING-…` literal. */
  readonly payloadHash: string;
}

/**
 * The canonical request:
 * `method \n path \n query \n name:value\n… \n signed;headers \n payloadHash`.
 */
export function canonicalRequest(parts: CanonicalRequestParts): string {
  const lines = parts.rawHeaders
    ? rawHeaderLines(parts.signedHeaders, parts.rawHeaders)
    : parts.signedHeaders.map((name) => `${name}:${headerValue(name, parts.headers, undefined)}\n`).join("");
  return (
    `${parts.method}\n${parts.rawPath === "" ? "/" : parts.rawPath}\n${canonicalQueryString(parts.query, parts.omitParameter)}\n` +
    `${lines}\n${parts.signedHeaders.join(";")}\n${parts.payloadHash}`
  );
}

/** The string to sign: algorithm, request time, credential scope and the canonical request's hash. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}
