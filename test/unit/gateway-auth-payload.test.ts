/**
 * @module test/unit/gateway-auth-payload — the signed-payload check: a body whose SHA-256 differs
 * from the signed `x-amz-content-sha256` fails with XAmzContentSHA256Mismatch, and never gets all
 * its bytes through before that (so a backend cannot complete the upload).
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  EMPTY_SHA256,
  PayloadHashVerifier,
  decodeRequestBody,
  type AuthContext,
} from "../../src/gateway/auth/index.js";
import { isS3Error, type S3Error } from "../../src/gateway/s3-error.js";

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

function drain(stream: Readable): Promise<{ out: Buffer; error: S3Error | undefined }> {
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    stream.on("data", (d: Buffer) => parts.push(d));
    stream.on("end", () => resolve({ out: Buffer.concat(parts), error: undefined }));
    stream.on("error", (e) => (isS3Error(e) ? resolve({ out: Buffer.concat(parts), error: e }) : reject(e)));
  });
}

const body = Buffer.from("The quick brown fox jumps over the lazy dog. ".repeat(5000));
const pieces = (data: Buffer, size: number): Buffer[] =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size));

describe("PayloadHashVerifier", () => {
  it("passes a body whose hash matches through unchanged (either hex case)", async () => {
    for (const expected of [sha256(body), sha256(body).toUpperCase()]) {
      const { out, error } = await drain(Readable.from(pieces(body, 4096)).pipe(new PayloadHashVerifier(expected)));
      expect(error).toBeUndefined();
      expect(out.equals(body)).toBe(true);
    }
  });

  it("fails a body whose hash differs, before its last bytes are released", async () => {
    const tampered = Buffer.from(body);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    const { out, error } = await drain(
      Readable.from(pieces(tampered, 4096)).pipe(new PayloadHashVerifier(sha256(body))),
    );
    expect(error?.code).toBe("XAmzContentSHA256Mismatch");
    expect(error?.status).toBe(400);
    expect(error?.detail).toEqual({
      ClientComputedContentSHA256: sha256(body),
      S3ComputedContentSHA256: sha256(tampered),
    });
    expect(out.length).toBeLessThan(tampered.length);
  });

  it("handles an empty body", async () => {
    expect((await drain(Readable.from([]).pipe(new PayloadHashVerifier(EMPTY_SHA256)))).error).toBeUndefined();
    expect((await drain(Readable.from([]).pipe(new PayloadHashVerifier(sha256(body))))).error?.code).toBe(
      "XAmzContentSHA256Mismatch",
    );
  });
});

describe("decodeRequestBody with a signed payload", () => {
  const auth = (sha: string): AuthContext => ({
    user: undefined,
    scheme: "header",
    payload: { kind: "signed", sha256: sha },
    decodedLength: body.length,
  });
  const request = (data: Buffer[], headers: Record<string, string>) => Object.assign(Readable.from(data), { headers });

  it("verifies the body as it streams", async () => {
    const good = decodeRequestBody(
      auth(sha256(body)),
      request(pieces(body, 1000), { "content-length": String(body.length) }),
    )!;
    expect((await drain(good)).out.equals(body)).toBe(true);
    const bad = decodeRequestBody(
      auth(sha256(Buffer.from("other"))),
      request(pieces(body, 1000), { "content-length": String(body.length) }),
    )!;
    expect((await drain(bad)).error?.code).toBe("XAmzContentSHA256Mismatch");
  });

  it("refuses a request without body that signed a non-empty payload", () => {
    expect(decodeRequestBody(auth(EMPTY_SHA256), request([], {}))).toBeUndefined();
    expect(() => decodeRequestBody(auth(sha256(body)), request([], {}))).toThrow(
      expect.objectContaining({ code: "XAmzContentSHA256Mismatch" }),
    );
  });

  it("returns an unsigned body as is", () => {
    const req = request([body], { "content-length": String(body.length) });
    expect(
      decodeRequestBody(
        { user: undefined, scheme: "presigned", payload: { kind: "unsigned" }, decodedLength: body.length },
        req,
      ),
    ).toBe(req);
  });
});
