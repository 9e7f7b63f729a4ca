/**
 * @module spanning/listing-names — names as a merged listing's caller and backends write them:
 * URL-encoded when the caller asks for `EncodingType=url` (so that keys XML cannot carry survive),
 * plain otherwise.
 */

/** A name for the output: URL-encoded segment by segment when the caller asked for `url`. */
export const outName = (name: string, encoded: boolean): string =>
  encoded ? name.split("/").map(encodeURIComponent).join("/") : name;

/** Decodes a name a backend returned URL-encoded ("+" is a space, as AWS writes it). */
export const decodeName = (name: string): string => decodeURIComponent(name.replace(/\+/g, " "));
