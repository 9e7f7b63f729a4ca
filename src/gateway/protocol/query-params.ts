/**
 * @module gateway/protocol/query-params — the query string of an S3 request: decoded names and
 * values, in the order the caller sent them, repeated names kept. A plain readonly array of
 * pairs (iterate it, `map` it for a backend) with `URLSearchParams`-like lookups beside it.
 */
import { S3Error } from "../s3-error.js";

/** One query parameter, decoded: `[name, value]`; a bare `?uploads` has the value `""`. */
export type QueryParam = readonly [name: string, value: string];

/** A request's query: decoded parameters in order. */
export type Query = readonly QueryParam[];

/**
 * Parses a raw query string (without the `?`). `+` decodes to a space, as S3 reads query
 * strings (form encoding): that is why SDKs send a literal plus as `%2B`.
 *
 * Not `URLSearchParams`: its parser is lenient (a stray `%` passes through undecoded), while S3
 * answers such a query with an error, and the gateway must not route a request whose names it
 * could have misread.
 * @throws {@link S3Error} `InvalidURI` for percent-encoding that is not valid UTF-8.
 */
export function parseQuery(rawQuery: string): Query {
  const params: QueryParam[] = [];
  for (const piece of rawQuery.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? "" : piece.slice(eq + 1);
    params.push([decodeQueryComponent(name, rawQuery), decodeQueryComponent(value, rawQuery)]);
  }
  return params;
}

/** Whether the query has a parameter `name`. */
export const queryHas = (query: Query, name: string): boolean => query.some(([n]) => n === name);

/** The first value of `name`, or undefined when absent. */
export const queryGet = (query: Query, name: string): string | undefined => query.find(([n]) => n === name)?.[1];

/** Distinct parameter names, in order of first appearance. */
export const queryNames = (query: Query): string[] => [...new Set(query.map(([n]) => n))];

/**
 * The query string (without `?`), in order, every name and value encoded like SigV4's canonical
 * query (RFC 3986: all but `A-Za-z0-9-_.~`), always `name=value` — the form AWS SDKs send.
 */
export const formatQuery = (query: Query): string =>
  query.map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`).join("&");

/**
 * Encodes every character but the RFC 3986 unreserved ones (`A-Za-z0-9-_.~`), as UTF-8.
 * `encodeURIComponent` alone leaves `!'()*` as they are, which SigV4 and S3 paths encode.
 * @throws {@link S3Error} `InvalidArgument` for a string with a lone surrogate (not Unicode text).
 */
export function encodeRfc3986(text: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch (cause) {
    throw new S3Error(
      "InvalidArgument",
      "A name is not valid Unicode text (it holds a lone surrogate).",
      {},
      { cause },
    );
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeQueryComponent(text: string, rawQuery: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch (cause) {
    throw new S3Error(
      "InvalidURI",
      "Couldn't parse the specified URI.",
      { URI: `?${rawQuery}` },
      { cause, status: 400 },
    );
  }
}
