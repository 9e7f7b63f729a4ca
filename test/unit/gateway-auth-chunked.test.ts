/**
 * @module test/unit/gateway-auth-chunked — the aws-chunked decoder: bodies built here with real
 * chunk and trailer signatures (a small independent encoder below), AWS's published trailer
 * example, every way to break one (a tampered, reordered or missing chunk, a bad trailer, a
 * checksum or length mismatch, bad framing), and the promise that bytes are released only once
 * verified.
 */
import { createHash, createHmac } from "node:crypto";
import { Readable, type Transform } from "node:stream";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  AwsChunkedDecoder,
  crc32c,
  decodeRequestBody,
  deriveSigningKey,
  type AuthContext,
  type ChunkSigning,
  type StreamingPayloadMode,
} from "../../src/gateway/auth/index.js";
import { isS3Error, type S3Error } from "../../src/gateway/s3-error.js";
import { Crc64Nvme } from "../../src/gateway/auth/crc64nvme.js";

const EMPTY = createHash("sha256").digest("hex");
const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmacHex = (key: Buffer, text: string): string => createHmac("sha256", key).update(text).digest("hex");

/** An independent SigV4 signing key (not the module's cached one). */
function signingKey(secret: string, date: string, region: string): Buffer {
  let key = createHmac("sha256", `AWS4${secret}`).update(date).digest();
  for (const part of [region, "s3", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return key;
}

const AMZ_DATE = "20260115T123000Z";
const SCOPE = "20260115/us-east-1/s3/aws4_request";
const SEED = "a".repeat(64);
const KEY = signingKey("chunk-secret", "20260115", "us-east-1");
const SIGNING: ChunkSigning = { signingKey: KEY, amzDate: AMZ_DATE, scope: SCOPE, seedSignature: SEED };

type Trailer = readonly [name: string, value: string];

/** Encodes a signed aws-chunked body: each chunk signed on the previous signature, then the final chunk and (optionally) signed trailers. */
function encodeSigned(chunks: readonly Buffer[], trailers?: readonly Trailer[]): Buffer {
  const parts: Buffer[] = [];
  let previous = SEED;
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const signature = hmacHex(
      KEY,
      `AWS4-HMAC-SHA256-PAYLOAD\n${AMZ_DATE}\n${SCOPE}\n${previous}\n${EMPTY}\n${sha256(data)}`,
    );
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${signature}\r\n`));
    if (data.length > 0) parts.push(data, Buffer.from("\r\n"));
    previous = signature;
  }
  if (trailers) {
    const canonical = trailers.map(([n, v]) => `${n}:${v}\n`).join("");
    const signature = hmacHex(
      KEY,
      `AWS4-HMAC-SHA256-TRAILER\n${AMZ_DATE}\n${SCOPE}\n${previous}\n${sha256(canonical)}`,
    );
    parts.push(
      Buffer.from(trailers.map(([n, v]) => `${n}:${v}\r\n`).join("") + `x-amz-trailer-signature:${signature}\r\n`),
    );
  }
  parts.push(Buffer.from("\r\n"));
  return Buffer.concat(parts);
}

/** Encodes an unsigned aws-chunked body as the SDKs do: `<hex>\r\n<data>\r\n` … `0\r\n`, trailers, `\r\n`. */
function encodeUnsigned(chunks: readonly Buffer[], trailers: readonly Trailer[]): Buffer {
  const parts = chunks.flatMap((data) => [Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from("\r\n")]);
  parts.push(Buffer.from(`0\r\n${trailers.map(([n, v]) => `${n}:${v}\r\n`).join("")}\r\n`));
  return Buffer.concat(parts);
}

const signedMode = (
  options: { trailer?: boolean; declared?: string[]; decodedLength?: number } = {},
): StreamingPayloadMode => ({
  kind: "streaming-signed",
  trailer: options.trailer ?? false,
  signing: SIGNING,
  declaredTrailers: options.declared ?? [],
  decodedLength: options.decodedLength,
});

const unsignedMode = (declared: string[], decodedLength?: number): StreamingPayloadMode => ({
  kind: "streaming-unsigned-trailer",
  declaredTrailers: declared,
  decodedLength,
});

/** Splits a body into pieces of the given sizes (cycled), as a socket might deliver it. */
function split(body: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0, k = 0; i < body.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(body.subarray(i, i + n));
    i += n;
  }
  return out;
}

interface Outcome {
  readonly out: Buffer;
  readonly error: S3Error | undefined;
}

/** Pipes the pieces into a decoder; resolves with what came out and the error, if any. */
function run(decoder: Transform, pieces: readonly Buffer[]): Promise<Outcome> {
  const out: Buffer[] = [];
  return new Promise((resolve, reject) => {
    decoder.on("data", (d: Buffer) => out.push(d));
    decoder.on("end", () => resolve({ out: Buffer.concat(out), error: undefined }));
    decoder.on("error", (e) => (isS3Error(e) ? resolve({ out: Buffer.concat(out), error: e }) : reject(e)));
    Readable.from(pieces, { objectMode: false }).pipe(decoder);
  });
}

const payload = (n: number, seed = 1): Buffer => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
};

const crc32Base64 = (data: Buffer): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(data));
  return b.toString("base64");
};

describe("AwsChunkedDecoder: STREAMING-AWS4-HMAC-SHA256-PAYLOAD", () => {
  const chunks = [payload(8192, 1), payload(8192, 2), payload(100, 3)];
  const all = Buffer.concat(chunks);

  it.each([[[1]], [[7, 3, 1000]], [[65536]], [[8283]]])("decodes whatever the piece sizes (%j)", async (sizes) => {
    const { out, error } = await run(
      new AwsChunkedDecoder(signedMode({ decodedLength: all.length })),
      split(encodeSigned(chunks), sizes),
    );
    expect(error).toBeUndefined();
    expect(out.equals(all)).toBe(true);
  });

  it("refuses a tampered middle chunk, releasing none of its bytes", async () => {
    const body = encodeSigned(chunks);
    const at = body.indexOf("\r\n", body.indexOf("\r\n") + 2 + 8192) + 2 + 90 + 100; // inside chunk 2's data
    body[at] = body[at]! ^ 1;
    const { out, error } = await run(new AwsChunkedDecoder(signedMode()), split(body, [4096]));
    expect(error?.code).toBe("SignatureDoesNotMatch");
    expect(out.length).toBeLessThanOrEqual(8192);
  });

  it("refuses a tampered chunk signature, swapped chunks and a forged final chunk", async () => {
    const body = encodeSigned(chunks).toString("latin1");
    const signatures = [...body.matchAll(/chunk-signature=([0-9a-f]{64})/g)].map((m) => m[1]!);
    const forged = body.replace(
      signatures[1]!,
      signatures[1]!.replace(/^./, (c) => (c === "0" ? "1" : "0")),
    );
    expect((await run(new AwsChunkedDecoder(signedMode()), [Buffer.from(forged, "latin1")])).error?.code).toBe(
      "SignatureDoesNotMatch",
    );
    // Chunks signed alone are not valid in another order: each signature chains on the previous one.
    const swapped = encodeSigned([chunks[1]!, chunks[0]!, chunks[2]!]).toString("latin1");
    const [first, second] = [...swapped.matchAll(/chunk-signature=([0-9a-f]{64})/g)].map((m) => m[1]!);
    const mixed = swapped.replace(first!, "X".repeat(64)).replace(second!, first!).replace("X".repeat(64), second!);
    expect((await run(new AwsChunkedDecoder(signedMode()), [Buffer.from(mixed, "latin1")])).error?.code).toBe(
      "SignatureDoesNotMatch",
    );
    const lastSig = signatures[3]!;
    expect(
      (await run(new AwsChunkedDecoder(signedMode()), [Buffer.from(body.replace(lastSig, "f".repeat(64)), "latin1")]))
        .error?.code,
    ).toBe("SignatureDoesNotMatch");
  });

  it("refuses a body cut short, a missing final chunk, and a wrong decoded length", async () => {
    const body = encodeSigned(chunks);
    expect((await run(new AwsChunkedDecoder(signedMode()), [body.subarray(0, 5000)])).error?.code).toBe(
      "IncompleteBody",
    );
    const noFinal = body.subarray(0, body.lastIndexOf("0;chunk-signature="));
    expect((await run(new AwsChunkedDecoder(signedMode()), [noFinal])).error?.code).toBe("IncompleteBody");
    expect((await run(new AwsChunkedDecoder(signedMode({ decodedLength: all.length + 1 })), [body])).error?.code).toBe(
      "IncompleteBody",
    );
    const longer = await run(new AwsChunkedDecoder(signedMode({ decodedLength: 8192 })), [body]);
    expect(longer.error?.code).toBe("IncompleteBody");
    expect(longer.out.length).toBeLessThan(8192);
  });

  it("refuses bad framing and data after the end, and tolerates a missing final CRLF", async () => {
    const body = encodeSigned(chunks);
    const text = body.toString("latin1");
    const cases = [
      text.replace(/^2000;/, "2g00;"),
      text.replace(/^2000;chunk-signature=/, "2000;chunk-sig="),
      text.replace(/^2000;/, "2001;"),
      `${text}extra`,
    ];
    for (const broken of cases) {
      expect((await run(new AwsChunkedDecoder(signedMode()), [Buffer.from(broken, "latin1")])).error?.code).toBe(
        "InvalidRequest",
      );
    }
    const { out, error } = await run(new AwsChunkedDecoder(signedMode()), [body.subarray(0, body.length - 2)]);
    expect(error).toBeUndefined();
    expect(out.equals(all)).toBe(true);
  });

  it("caps the size of a signed chunk (it is held in memory until verified)", async () => {
    const { error } = await run(new AwsChunkedDecoder(signedMode(), { maxChunkSize: 8191 }), [encodeSigned(chunks)]);
    expect(error?.code).toBe("InvalidRequest");
    expect(error?.message).toContain("exceeds the limit");
  });

  it("refuses trailers in a body whose mode announces none", async () => {
    const body = encodeSigned(chunks, [["x-amz-checksum-crc32", crc32Base64(all)]]);
    expect(
      (await run(new AwsChunkedDecoder(signedMode({ declared: ["x-amz-checksum-crc32"] })), [body])).error?.code,
    ).toBe("InvalidRequest");
  });
});

describe("AwsChunkedDecoder: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", () => {
  const chunks = [payload(10_000, 4), payload(3, 5)];
  const all = Buffer.concat(chunks);
  const crc = crc32Base64(all);

  it("verifies the trailer signature and the checksum, and exposes the trailers", async () => {
    const decoder = new AwsChunkedDecoder(
      signedMode({ trailer: true, declared: ["x-amz-checksum-crc32"], decodedLength: all.length }),
    );
    const events: unknown[] = [];
    decoder.on("trailers", (t) => events.push(t));
    const { out, error } = await run(decoder, split(encodeSigned(chunks, [["x-amz-checksum-crc32", crc]]), [333]));
    expect(error).toBeUndefined();
    expect(out.equals(all)).toBe(true);
    expect(await decoder.trailers).toEqual({ "x-amz-checksum-crc32": crc });
    expect(events).toEqual([{ "x-amz-checksum-crc32": crc }]);
  });

  it("refuses a tampered trailer, a missing trailer signature and a wrong (but signed) checksum", async () => {
    const mode = signedMode({ trailer: true, declared: ["x-amz-checksum-crc32"] });
    const good = encodeSigned(chunks, [["x-amz-checksum-crc32", crc]]).toString("latin1");
    const tampered = good.replace(`crc32:${crc}`, "crc32:AAAAAA==");
    const decoder = new AwsChunkedDecoder(mode);
    const outcome = await run(decoder, [Buffer.from(tampered, "latin1")]);
    expect(outcome.error?.code).toBe("SignatureDoesNotMatch");
    await expect(decoder.trailers).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
    // The last piece of the payload is never released before the end is verified.
    expect(outcome.out.length).toBeLessThan(all.length);
    const unsignedTrailer = good.replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, "");
    expect((await run(new AwsChunkedDecoder(mode), [Buffer.from(unsignedTrailer, "latin1")])).error?.message).toContain(
      "no x-amz-trailer-signature",
    );
    const wrongSum = encodeSigned(chunks, [["x-amz-checksum-crc32", "AAAAAA=="]]);
    const bad = await run(new AwsChunkedDecoder(mode), [wrongSum]);
    expect([bad.error?.code, bad.error?.message]).toEqual([
      "BadDigest",
      "The CRC32 you specified did not match the calculated checksum.",
    ]);
    expect(bad.out.length).toBeLessThan(all.length);
  });

  it("matches AWS's published example (sigv4-streaming-trailers)", async () => {
    const key = deriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1");
    const mode: StreamingPayloadMode = {
      kind: "streaming-signed",
      trailer: true,
      signing: {
        signingKey: key,
        amzDate: "20130524T000000Z",
        scope: "20130524/us-east-1/s3/aws4_request",
        seedSignature: "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
      },
      declaredTrailers: ["x-amz-checksum-crc32c"],
      decodedLength: 66560,
    };
    const body = Buffer.concat([
      Buffer.from("10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n"),
      Buffer.alloc(65536, "a"),
      Buffer.from("\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n"),
      Buffer.alloc(1024, "a"),
      Buffer.from("\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n"),
      Buffer.from(
        "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
      ),
    ]);
    const decoder = new AwsChunkedDecoder(mode);
    const { out, error } = await run(decoder, split(body, [1500]));
    expect(error).toBeUndefined();
    expect(out.equals(Buffer.alloc(66560, "a"))).toBe(true);
    expect(await decoder.trailers).toEqual({ "x-amz-checksum-crc32c": "sOO8/Q==" });
  });
});

describe("AwsChunkedDecoder: STREAMING-UNSIGNED-PAYLOAD-TRAILER", () => {
  const chunks = [payload(65_536, 6), payload(65_536, 7), payload(1, 8)];
  const all = Buffer.concat(chunks);
  const sums: Record<string, string> = {
    "x-amz-checksum-crc32": crc32Base64(all),
    "x-amz-checksum-crc32c": (() => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(crc32c(all));
      return b.toString("base64");
    })(),
    "x-amz-checksum-sha1": createHash("sha1").update(all).digest("base64"),
    "x-amz-checksum-sha256": createHash("sha256").update(all).digest("base64"),
  };

  it.each(Object.keys(sums))("verifies a %s trailer", async (name) => {
    const decoder = new AwsChunkedDecoder(unsignedMode([name], all.length));
    const { out, error } = await run(decoder, split(encodeUnsigned(chunks, [[name, sums[name]!]]), [1000, 17]));
    expect(error).toBeUndefined();
    expect(out.equals(all)).toBe(true);
    expect(await decoder.trailers).toEqual({ [name]: sums[name] });
  });

  it.each(Object.keys(sums))("refuses a wrong %s with BadDigest", async (name) => {
    const { error, out } = await run(new AwsChunkedDecoder(unsignedMode([name])), [
      encodeUnsigned(chunks, [
        [name, sums["x-amz-checksum-crc32"] === sums[name] ? "AAAAAA==" : sums["x-amz-checksum-crc32"]!],
      ]),
    ]);
    expect(error?.code).toBe("BadDigest");
    expect(out.length).toBeLessThan(all.length);
  });

  it("detects a corrupted middle chunk through the checksum", async () => {
    const body = encodeUnsigned(chunks, [["x-amz-checksum-crc32c", sums["x-amz-checksum-crc32c"]!]]);
    body[70_000] = body[70_000]! ^ 0x40;
    expect((await run(new AwsChunkedDecoder(unsignedMode(["x-amz-checksum-crc32c"])), [body])).error?.code).toBe(
      "BadDigest",
    );
  });

  it("checks a CRC-64/NVME trailer, and ignores chunk extensions", async () => {
    const crc = new Crc64Nvme();
    for (const chunk of chunks) crc.update(chunk);
    const right = crc.digest().toString("base64");
    const encode = (value: string) =>
      Buffer.from(
        encodeUnsigned(chunks, [["x-amz-checksum-crc64nvme", value]])
          .toString("latin1")
          .replace(/^10000\r\n/, "10000;ext=1\r\n"),
        "latin1",
      );
    const decoder = new AwsChunkedDecoder(unsignedMode(["x-amz-checksum-crc64nvme"]));
    expect((await run(decoder, [encode(right)])).error).toBeUndefined();
    expect(await decoder.trailers).toEqual({ "x-amz-checksum-crc64nvme": right });
    const wrong = await run(new AwsChunkedDecoder(unsignedMode(["x-amz-checksum-crc64nvme"])), [
      encode("AAAAAAAAAAA="),
    ]);
    expect(wrong.error?.code).toBe("BadDigest");
  });

  it("refuses a checksum trailer it cannot verify", () => {
    expect(() => new AwsChunkedDecoder(unsignedMode(["x-amz-checksum-md6"]))).toThrow(/not supported/);
  });

  it("computes CRC-64/NVME's check value", () => {
    const crc = new Crc64Nvme();
    crc.update(Buffer.from("123456789"));
    expect(crc.digest().toString("hex")).toBe("ae8b14860a799888");
  });

  it("holds chunks of any size without a limit (they stream through)", async () => {
    const big = payload(20 * 1024 * 1024, 9);
    const name = "x-amz-checksum-crc32";
    const { out, error } = await run(
      new AwsChunkedDecoder(unsignedMode([name]), { maxChunkSize: 1024 }),
      split(encodeUnsigned([big], [[name, crc32Base64(big)]]), [65536]),
    );
    expect(error).toBeUndefined();
    expect(out.equals(big)).toBe(true);
  });

  it("refuses undeclared, missing and duplicated trailers", async () => {
    const crc = sums["x-amz-checksum-crc32"]!;
    const undeclared = await run(new AwsChunkedDecoder(unsignedMode([])), [
      encodeUnsigned(chunks, [["x-amz-checksum-crc32", crc]]),
    ]);
    expect(undeclared.error?.message).toContain("not declared");
    const missing = await run(new AwsChunkedDecoder(unsignedMode(["x-amz-checksum-crc32"])), [
      encodeUnsigned(chunks, []),
    ]);
    expect(missing.error?.message).toContain("was not sent");
    const twice = await run(new AwsChunkedDecoder(unsignedMode(["x-amz-checksum-crc32"])), [
      encodeUnsigned(chunks, [
        ["x-amz-checksum-crc32", crc],
        ["x-amz-checksum-crc32", crc],
      ]),
    ]);
    expect(twice.error?.code).toBe("InvalidRequest");
  });

  it("releases the last bytes only once the end is verified", async () => {
    const name = "x-amz-checksum-sha256";
    const body = encodeUnsigned(chunks, [[name, sums[name]!]]);
    const decoder = new AwsChunkedDecoder(unsignedMode([name]));
    const out: Buffer[] = [];
    decoder.on("data", (d: Buffer) => out.push(d));
    const cut = body.length - 10;
    await new Promise<void>((resolve) => decoder.write(body.subarray(0, cut), () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(out).length).toBeLessThan(all.length);
    const ended = new Promise((resolve) => decoder.on("end", resolve));
    decoder.end(body.subarray(cut));
    await ended;
    expect(Buffer.concat(out).equals(all)).toBe(true);
  });
});

describe("crc32c", () => {
  it("matches the standard check value and AWS's example, incrementally", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    const a = Buffer.alloc(66560, "a");
    const value = crc32c(a);
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value);
    expect(bytes.toString("base64")).toBe("sOO8/Q==");
    expect(crc32c(a.subarray(13), crc32c(a.subarray(0, 13)))).toBe(value);
  });
});

describe("decodeRequestBody", () => {
  const context = (payload: AuthContext["payload"]): AuthContext => ({
    user: undefined,
    scheme: "anonymous",
    payload,
    decodedLength: undefined,
  });
  const source = (pieces: Buffer[], headers: Record<string, string>) =>
    Object.assign(Readable.from(pieces), { headers });

  it("decodes an aws-chunked body, counting the raw bytes", async () => {
    const chunks = [payload(5000)];
    const body = encodeSigned(chunks);
    let counted = 0;
    const out = decodeRequestBody(
      context(signedMode()),
      source([body], { "content-length": String(body.length) }),
      (n) => (counted += n),
    );
    const { out: decoded, error } = await new Promise<Outcome>((resolve) => {
      const parts: Buffer[] = [];
      out!.on("data", (d: Buffer) => parts.push(d));
      out!.on("end", () => resolve({ out: Buffer.concat(parts), error: undefined }));
      out!.on("error", (e) => resolve({ out: Buffer.concat(parts), error: e as S3Error }));
    });
    expect(error).toBeUndefined();
    expect(decoded.equals(chunks[0]!)).toBe(true);
    expect(counted).toBe(body.length);
  });

  it("fails the decoded stream with IncompleteBody when the client goes away", async () => {
    const req = Object.assign(new Readable({ read() {} }), { headers: { "transfer-encoding": "chunked" } });
    const out = decodeRequestBody(context(unsignedMode([])), req)!;
    const failed = new Promise<unknown>((resolve) => out.on("error", resolve));
    req.push(Buffer.from("5\r\nhel"));
    req.destroy();
    expect(await failed).toMatchObject({ code: "IncompleteBody" });
  });

  it("requires a body for aws-chunked modes and returns none for a request without one", () => {
    expect(() => decodeRequestBody(context(signedMode()), source([], {}))).toThrow(
      expect.objectContaining({ code: "IncompleteBody" }),
    );
    expect(decodeRequestBody(context({ kind: "unsigned" }), source([], { "content-length": "0" }))).toBeUndefined();
  });
});
