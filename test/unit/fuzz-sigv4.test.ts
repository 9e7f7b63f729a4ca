/**
 * @module test/unit/fuzz-sigv4 — SigV4 authentication under property-based fuzzing: random and
 * malformed `Authorization` headers (schemes, credential scopes, SignedHeaders lists, dates,
 * content hashes) and presigned query fields (duplicated, missing, huge) end in an AuthContext or
 * in one of the S3Errors authenticate() documents, never another exception; a validly signed
 * request passes and any change to what it signed is refused; huge values end in linear work.
 *
 * Longer runs: `S3R_FUZZ_RUNS=20000 npx vitest run test/unit/fuzz-sigv4.test.ts` (see test/support/fuzz.ts).
 */
import fc from "fast-check";
import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { UserDirectory, authenticate, type SignedRequest } from "../../src/gateway/auth/index.js";
import { isS3Error } from "../../src/gateway/s3-error.js";
import { signedRequest } from "../support/chunked-body.js";
import { MIB, fuzzRuns, fuzzTimeout, run } from "../support/fuzz.js";

const USER = { accessKeyId: "AKIDFUZZ", secretAccessKey: "fuzz/secret+key=" };
const users = new UserDirectory([USER]);
const anonymousToo = new UserDirectory([USER], {});
const NOW = new Date(Date.UTC(2026, 0, 15, 12, 30, 0));
const DAY = "20260115";
const TIME = "20260115T123000Z";

/** The codes authenticate() documents; anything else thrown is a defect. */
const DOCUMENTED = new Set([
  "InvalidArgument",
  "InvalidRequest",
  "AuthorizationHeaderMalformed",
  "AuthorizationQueryParametersError",
  "InvalidAccessKeyId",
  "RequestTimeTooSkewed",
  "AccessDenied",
  "SignatureDoesNotMatch",
]);

function outcome(request: SignedRequest, directory = users): string {
  try {
    const auth = authenticate(request, directory, { now: NOW });
    return `ok:${auth.scheme}`;
  } catch (error) {
    if (isS3Error(error) && DOCUMENTED.has(error.code)) return error.code;
    throw error;
  }
}

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const junk = fc.string({ maxLength: 20 });
const hex64 = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
const credential = fc.oneof(
  fc
    .tuple(
      pick("AKIDFUZZ", "", "AK/ID", "unknown"),
      pick(DAY, "2026011", "20260116", "2026-01-15", ""),
      pick("us-east-1", "", "x"),
      pick("s3", "ec2", ""),
      pick("aws4_request", "aws4", ""),
    )
    .map((p) => p.join("/")),
  fc.array(junk, { maxLength: 7 }).map((p) => p.join("/")),
);
const signedHeaders = fc.oneof(
  fc
    .uniqueArray(
      pick(
        "host",
        "x-amz-date",
        "x-amz-content-sha256",
        "date",
        "content-type",
        "Host",
        "a b",
        "",
        "x-amz-meta-\u00e9",
      ),
      { maxLength: 5 },
    )
    .map((h) => h.join(";")),
  junk,
);
const field = fc.oneof(
  fc
    .tuple(
      pick("Credential", "SignedHeaders", "Signature", "credential", "Foo", ""),
      pick("=", " = ", "", "=="),
      fc.oneof(credential, signedHeaders, hex64, junk),
    )
    .map(([n, eq, v]) => `${n}${eq}${v}`),
  junk,
);
const authorization = fc
  .tuple(
    pick("AWS4-HMAC-SHA256", "AWS", "AWS4-ECDSA-P256-SHA256", "Bearer", "", "aws4-hmac-sha256"),
    pick(" ", "\t", "", "  "),
    fc.array(field, { maxLength: 5 }),
    pick(",", ", ", " ,", ",,"),
  )
  .map(([scheme, gap, fields, sep]) => `${scheme}${gap}${fields.join(sep)}`);
const amzDate = fc.oneof(
  pick(
    TIME,
    "20260115T123000",
    "20261315T123000Z",
    "20260115T246000Z",
    "00000101T000000Z",
    "20260115T123061Z",
    "",
    "x",
  ),
  junk,
);
const contentSha = fc.oneof(
  pick(
    "UNSIGNED-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  ),
  junk,
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const headerSets = fc
  .record({
    authorization: optional(authorization),
    "x-amz-date": optional(amzDate),
    date: optional(
      pick(
        "Thu, 15 Jan 2026 12:30:00 GMT",
        "not a date",
        "Sat, 01 Jan 275760 00:00:00 GMT",
        "0",
        "-271821-04-20T00:00:00Z",
      ),
    ),
    "x-amz-content-sha256": optional(contentSha),
    "x-amz-decoded-content-length": optional(pick("0", "10", "-1", "1e3", "99999999999999999999", " 7 ")),
    "x-amz-trailer": optional(pick("x-amz-checksum-crc32", "x-amz-checksum-foo", ",,", "")),
    "x-amz-meta-a": optional(junk),
    "content-length": optional(pick("0", "5", "x")),
  })
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as IncomingHttpHeaders);

const Q = [
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Signature",
  "X-Amz-Content-Sha256",
  "x-amz-content-sha256",
  "AWSAccessKeyId",
  "x-id",
  "uploads",
];
const queryValue = fc.oneof(
  pick(
    "AWS4-HMAC-SHA256",
    "60",
    "604801",
    "9999999",
    "-1",
    "host",
    `AKIDFUZZ%2F${DAY}%2Fus-east-1%2Fs3%2Faws4_request`,
    TIME,
    "UNSIGNED-PAYLOAD",
    "%",
    "%ZZ",
    "+",
  ),
  credential,
  hex64,
  junk,
);
const rawQuery = fc
  .array(fc.tuple(pick(...Q), queryValue), { maxLength: 9 })
  .map((ps) => ps.map(([n, v]) => `${n}=${encodeURIComponent(v).replace(/%25/g, "%")}`).join("&"));

describe("sigv4 fuzzing: any request ends in an AuthContext or a documented S3Error", () => {
  it("random headers and queries", { timeout: fuzzTimeout(20_000) }, () => {
    fc.assert(
      fc.property(headerSets, rawQuery, fc.boolean(), (headers, query, anonymous) => {
        outcome(
          { method: "GET", rawPath: "/b/k", rawQuery: query, headers: { host: "gw", ...headers } },
          anonymous ? anonymousToo : users,
        );
      }),
      fuzzRuns(3000),
    );
  });

  it(
    "presigned queries with every field present, each fuzzed and possibly repeated",
    { timeout: fuzzTimeout(20_000) },
    () => {
      const base: Array<[string, string]> = [
        ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
        ["X-Amz-Credential", `AKIDFUZZ/${DAY}/us-east-1/s3/aws4_request`],
        ["X-Amz-Date", TIME],
        ["X-Amz-Expires", "300"],
        ["X-Amz-SignedHeaders", "host"],
        ["X-Amz-Signature", "0".repeat(64)],
      ];
      fc.assert(
        fc.property(fc.nat({ max: base.length - 1 }), queryValue, fc.boolean(), (index, value, repeat) => {
          const params = base.map(([n, v], i) => [n, i === index ? value : v] as [string, string]);
          if (repeat) params.push(params[index]!);
          const query = params.map(([n, v]) => `${n}=${encodeURIComponent(v)}`).join("&");
          expect(outcome({ method: "GET", rawPath: "/b/k", rawQuery: query, headers: { host: "gw" } })).not.toMatch(
            /^ok/,
          );
        }),
        fuzzRuns(1000),
      );
    },
  );

  it(
    "a validly signed request passes; any change to a signed part is refused",
    { timeout: fuzzTimeout(20_000) },
    () => {
      const printable = fc.string({ unit: fc.constantFrom(..."abcXYZ019 -_.~!*'()/:;,"), minLength: 1, maxLength: 16 });
      fc.assert(
        fc.property(printable, printable, fc.nat(), (meta, key, at) => {
          const signed = signedRequest({
            endpoint: "http://gw.local:8333",
            method: "GET",
            bucket: "b",
            key: key.replace(/^\/+/, "") || "k",
            accessKeyId: USER.accessKeyId,
            secretAccessKey: USER.secretAccessKey,
            date: NOW,
            // The support signer trims but does not collapse inner blanks (the spec does): give it none.
            headers: { "x-amz-meta-a": meta.trim().replace(/\s+/g, " ") || "m" },
          });
          const url = new URL(signed.url);
          const headers = Object.fromEntries(Object.entries(signed.headers).map(([n, v]) => [n.toLowerCase(), v]));
          // The path as the client sent it: URL normalises it, so take it from the raw string.
          const rawPath = signed.url.slice(url.origin.length);
          expect(outcome({ method: "GET", rawPath, rawQuery: "", headers })).toBe("ok:header");
          const value = headers["x-amz-meta-a"]!;
          const i = at % value.length;
          const changed = `${value.slice(0, i)}${value[i] === "Q" ? "R" : "Q"}${value.slice(i + 1)}`;
          expect(
            outcome({ method: "GET", rawPath, rawQuery: "", headers: { ...headers, "x-amz-meta-a": changed } }),
          ).toBe("SignatureDoesNotMatch");
          expect(outcome({ method: "PUT", rawPath, rawQuery: "", headers })).toBe("SignatureDoesNotMatch");
        }),
        fuzzRuns(300),
      );
    },
  );
});

/** A well-formed header request around one huge part. */
function headerRequest(parts: {
  credential?: string;
  signed?: string;
  signature?: string;
  date?: string;
  extra?: IncomingHttpHeaders;
  query?: string;
}): SignedRequest {
  const authorization = `AWS4-HMAC-SHA256 Credential=${parts.credential ?? `AKIDFUZZ/${DAY}/us-east-1/s3/aws4_request`}, SignedHeaders=${parts.signed ?? "host;x-amz-content-sha256;x-amz-date"}, Signature=${parts.signature ?? "0".repeat(64)}`;
  return {
    method: "GET",
    rawPath: "/b/k",
    rawQuery: parts.query ?? "",
    headers: {
      host: "gw",
      authorization,
      "x-amz-date": parts.date ?? TIME,
      "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
      ...parts.extra,
    },
  };
}

const names = (n: number): string => Array.from({ length: n }, (_, i) => `h${i}`).join(";");

const HOSTILE: ReadonlyArray<readonly [string, () => SignedRequest]> = [
  [
    "1 MiB Authorization of one character",
    () => ({
      method: "GET",
      rawPath: "/",
      rawQuery: "",
      headers: { authorization: `AWS4-HMAC-SHA256 ${run("a", MIB)}` },
    }),
  ],
  [
    "1 MiB Authorization of commas",
    () => ({
      method: "GET",
      rawPath: "/",
      rawQuery: "",
      headers: { authorization: `AWS4-HMAC-SHA256 ${run(",", MIB)}` },
    }),
  ],
  [
    "1 MiB Authorization of blanks",
    () => ({
      method: "GET",
      rawPath: "/",
      rawQuery: "",
      headers: { authorization: `AWS4-HMAC-SHA256${run(" \t", MIB)}x` },
    }),
  ],
  ["1 MiB credential of '/'", () => headerRequest({ credential: run("/", MIB) })],
  ["1 MiB access key", () => headerRequest({ credential: `${run("K", MIB)}/${DAY}/us-east-1/s3/aws4_request` })],
  ["1 MiB region", () => headerRequest({ credential: `AKIDFUZZ/${DAY}/${run("r", MIB)}/s3/aws4_request` })],
  ["100k SignedHeaders", () => headerRequest({ signed: `host;${names(100_000)}` })],
  ["1 MiB SignedHeaders of ';'", () => headerRequest({ signed: run(";", MIB) })],
  ["1 MiB signature", () => headerRequest({ signature: run("f", MIB) })],
  ["1 MiB x-amz-date", () => headerRequest({ date: run("2", MIB) })],
  [
    "1 MiB signed header value of blanks",
    () =>
      headerRequest({
        signed: "host;x-amz-content-sha256;x-amz-date;x-amz-meta-a",
        extra: { "x-amz-meta-a": `a${run(" \t", MIB)}b` },
      }),
  ],
  [
    "2000 signed headers, each sent (canonical request)",
    () => {
      const extra = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`h${i}`, "v"]));
      const rawHeaders = Object.entries(extra).flat();
      return { ...headerRequest({ signed: `host;x-amz-content-sha256;x-amz-date;${names(2000)}`, extra }), rawHeaders };
    },
  ],
  ["100k query parameters", () => headerRequest({ query: names(100_000).replace(/;/g, "=v&") })],
  [
    "presigned, 1 MiB X-Amz-Credential",
    () => ({
      method: "GET",
      rawPath: "/",
      rawQuery: `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${run("%2F", MIB)}`,
      headers: {},
    }),
  ],
  [
    "presigned, 100k repeated X-Amz-Signature",
    () => ({ method: "GET", rawPath: "/", rawQuery: run("X-Amz-Signature=0&", MIB), headers: {} }),
  ],
];

describe("sigv4 fuzzing: huge values end in linear work", () => {
  for (const [name, make] of HOSTILE) {
    it(name, { timeout: fuzzTimeout(10_000) }, () => {
      expect(outcome(make())).not.toMatch(/^ok/);
    });
  }
});
