/**
 * @module test/unit/gateway-backend-signer — the gateway's own SigV4 signer for backend requests
 * agrees with the SDK's (@smithy/signature-v4, as the gateway used it before: path not escaped
 * again, payload hash from the header) on every part a backend checks: the headers it signs,
 * the canonical query (repeated and bare parameters, characters RFC 3986 escapes), temporary
 * credentials, and the headers a hop may change (left unsigned).
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signBackendRequest } from "../../src/gateway/backend-signer.js";
import { encodeRfc3986 } from "../../src/gateway/protocol/index.js";

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === "string"
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

/** Node's crypto behind the SDK signer's hash interface (as the gateway gave it before). */
class Sha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
}

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly headers: Record<string, string>;
  readonly payloadHash: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const creds = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const cases: Case[] = [
  {
    name: "GET of a key",
    method: "GET",
    path: "/bucket/a%20key/with~tilde",
    query: [],
    headers: { host: "127.0.0.1:7480" },
    payloadHash: "UNSIGNED-PAYLOAD",
    credentials: creds,
  },
  {
    name: "listing with repeated, bare and escaped parameters",
    method: "GET",
    path: "/bucket",
    query: [
      ["list-type", "2"],
      ["prefix", "dir/sub dir/(x)*!'"],
      ["delimiter", "/"],
      ["uploads", ""],
      ["a", "2"],
      ["a", "1"],
      ["continuation-token", "abc+/=="],
    ],
    headers: { host: "s3.example.com", "x-amz-request-payer": "requester" },
    payloadHash: "UNSIGNED-PAYLOAD",
    credentials: creds,
  },
  {
    name: "PUT with a signed payload, metadata, spaces to collapse and unsignable headers",
    method: "PUT",
    path: "/bucket/k%C3%A9y",
    query: [],
    headers: {
      host: "bucket.s3.us-west-2.amazonaws.com",
      "content-length": "1024",
      "content-type": "application/octet-stream",
      "x-amz-meta-note": "  two   spaces  ",
      "user-agent": "aws-sdk-js/3",
      expect: "100-continue",
      "proxy-foo": "x",
      "sec-fetch-mode": "cors",
      "cache-control": "no-cache",
    },
    payloadHash: createHash("sha256").update("x").digest("hex"),
    credentials: { ...creds, sessionToken: "FwoGZXIvYXdzEJr//////////token" },
  },
];

describe("signBackendRequest", () => {
  it.each(cases)("signs as the SDK does: $name", async (c) => {
    const date = new Date("2026-12-03T15:04:05.678Z");
    const headers: Record<string, string> = { ...c.headers, "x-amz-content-sha256": c.payloadHash };
    const mine = signBackendRequest(
      {
        method: c.method,
        path: c.path,
        encodedQuery: c.query.map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const),
        headers: { ...headers },
        payloadHash: c.payloadHash,
        region: "us-west-2",
      },
      c.credentials,
      date,
    );

    const query: Record<string, string | string[]> = {};
    for (const [k, v] of c.query) {
      const prior = query[k];
      query[k] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
    }
    const sdk = new SignatureV4({
      credentials: c.credentials,
      region: "us-west-2",
      service: "s3",
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    const theirs = await sdk.sign(
      { method: c.method, protocol: "http:", hostname: headers["host"]!.split(":")[0]!, path: c.path, query, headers },
      { signingDate: date },
    );

    expect(mine["authorization"]).toBe(theirs.headers["authorization"]);
    expect(mine["x-amz-date"]).toBe(theirs.headers["x-amz-date"]);
    expect(mine["x-amz-security-token"]).toBe(theirs.headers["x-amz-security-token"]);
  });

  it("leaves hop headers and a browser's sec-* headers out of SignedHeaders", () => {
    const headers = signBackendRequest(
      {
        method: "GET",
        path: "/b/k",
        encodedQuery: [],
        headers: {
          host: "h",
          "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
          "user-agent": "u",
          "sec-fetch-site": "cross-site",
          "proxy-x": "1",
        },
        payloadHash: "UNSIGNED-PAYLOAD",
        region: "us-east-1",
      },
      creds,
    );
    expect(headers["authorization"]).toMatch(/SignedHeaders=host;x-amz-content-sha256;x-amz-date,/);
  });
});
