/**
 * @module test/unit/fuzz-aws-chunked — the aws-chunked decoder under property-based fuzzing:
 * valid bodies (signed, signed with trailer, unsigned with checksum trailer) split anywhere decode
 * to the same bytes; mutated bodies (flipped bytes, truncated, extended, bad sizes, CRLFs,
 * signatures) end in the payload they carried or in one of the decoder's documented S3Errors —
 * never another exception, never a stream that neither ends nor fails; and endless hostile
 * streams (a chunk-size line of hex digits, a chunk extension, a trailer without end, a signed
 * chunk's data) fail after at most the decoder's documented limit of bytes, counted as pulled.
 *
 * Longer runs: `S3R_FUZZ_RUNS=5000 npx vitest run test/unit/fuzz-aws-chunked.test.ts` (see test/support/fuzz.ts).
 */
import fc from "fast-check";
import { createHash, createHmac } from "node:crypto";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { AwsChunkedDecoder, MAX_CHUNK_HEADER_LINE, MAX_TRAILER_BYTES } from "../../src/gateway/auth/aws-chunked.js";
import type { ChunkSigning, StreamingPayloadMode } from "../../src/gateway/auth/index.js";
import { isS3Error } from "../../src/gateway/s3-error.js";
import { fuzzRuns, fuzzTimeout } from "../support/fuzz.js";

const EMPTY = createHash("sha256").digest("hex");
const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");
const AMZ_DATE = "20260115T123000Z";
const SCOPE = "20260115/us-east-1/s3/aws4_request";
const SEED = "c".repeat(64);
const KEY = createHmac("sha256", "fuzz-key").update("k").digest();
const SIGNING: ChunkSigning = { signingKey: KEY, amzDate: AMZ_DATE, scope: SCOPE, seedSignature: SEED };
const sign = (text: string): string => createHmac("sha256", KEY).update(text).digest("hex");
const crc32Base64 = (data: Buffer): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data) >>> 0);
  return out.toString("base64");
};

/** The codes the decoder documents; anything else is a defect. */
const DOCUMENTED = new Set(["SignatureDoesNotMatch", "InvalidRequest", "IncompleteBody", "BadDigest"]);

type Kind = "signed" | "signed-trailer" | "unsigned-trailer";

/** An encoded body, the mode it needs, and what it carries. */
interface Body {
  readonly kind: Kind;
  readonly bytes: Buffer;
  readonly payload: Buffer;
  readonly mode: StreamingPayloadMode;
}

/** Encodes `chunks` as the SDKs frame them (an independent encoder: signatures computed here). */
function encode(kind: Kind, chunks: readonly Buffer[], withLength: boolean): Body {
  const payload = Buffer.concat(chunks);
  const trailers: Array<[string, string]> = kind === "signed" ? [] : [["x-amz-checksum-crc32", crc32Base64(payload)]];
  const parts: Buffer[] = [];
  let previous = SEED;
  for (const data of [...chunks.filter((c) => c.length > 0), Buffer.alloc(0)]) {
    if (kind === "unsigned-trailer") {
      parts.push(Buffer.from(`${data.length.toString(16)}\r\n`));
    } else {
      previous = sign(`AWS4-HMAC-SHA256-PAYLOAD\n${AMZ_DATE}\n${SCOPE}\n${previous}\n${EMPTY}\n${sha256(data)}`);
      parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${previous}\r\n`));
    }
    if (data.length > 0) parts.push(data, Buffer.from("\r\n"));
  }
  if (kind !== "signed") {
    const lines = trailers.map(([n, v]) => `${n}:${v}\r\n`).join("");
    parts.push(Buffer.from(lines));
    if (kind === "signed-trailer") {
      const canonical = trailers.map(([n, v]) => `${n}:${v}\n`).join("");
      parts.push(
        Buffer.from(
          `x-amz-trailer-signature:${sign(`AWS4-HMAC-SHA256-TRAILER\n${AMZ_DATE}\n${SCOPE}\n${previous}\n${sha256(canonical)}`)}\r\n`,
        ),
      );
    }
  }
  parts.push(Buffer.from("\r\n"));
  const facts = { decodedLength: withLength ? payload.length : undefined, declaredTrailers: trailers.map(([n]) => n) };
  const mode: StreamingPayloadMode =
    kind === "unsigned-trailer"
      ? { kind: "streaming-unsigned-trailer", ...facts }
      : { kind: "streaming-signed", trailer: kind === "signed-trailer", signing: SIGNING, ...facts };
  return { kind, bytes: Buffer.concat(parts), payload, mode };
}

type Outcome = { ok: true; data: Buffer; trailers: Record<string, string> } | { ok: false; code: string };

/**
 * Streams `pieces` through a decoder and reports how it ended. A non-S3Error (from the stream or
 * the trailers promise) rejects, which fails the property.
 */
async function decode(mode: StreamingPayloadMode, pieces: readonly Buffer[], maxChunkSize?: number): Promise<Outcome> {
  const decoder = new AwsChunkedDecoder(mode, maxChunkSize === undefined ? {} : { maxChunkSize });
  const out: Buffer[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      decoder.on("data", (piece: Buffer) => out.push(piece));
      decoder.on("end", resolve);
      decoder.on("error", reject);
      Readable.from(pieces, { objectMode: false }).pipe(decoder);
    });
    const trailers: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [name, value] of Object.entries(await decoder.trailers)) trailers[name] = value;
    return { ok: true, data: Buffer.concat(out), trailers };
  } catch (error) {
    if (!isS3Error(error) || !DOCUMENTED.has(error.code)) throw error;
    // The trailers promise must fail with the very same error, not hang or reject differently.
    await expect(decoder.trailers).rejects.toBe(error);
    return { ok: false, code: error.code };
  }
}

/** Splits `bytes` at the given cut points (any numbers; taken modulo the length, sorted). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const cut of [...at, bytes.length]) {
    if (cut > from) pieces.push(bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
  return pieces;
}

const kinds = fc.constantFrom<Kind>("signed", "signed-trailer", "unsigned-trailer");
const chunkLists = fc.array(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  { maxLength: 5 },
);
const bodies = fc
  .record({ kind: kinds, chunks: chunkLists, withLength: fc.boolean() })
  .map(({ kind, chunks, withLength }) => encode(kind, chunks, withLength));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

/** Ways to break a body (each applied at a random place). */
const MUTATIONS = ["flip", "truncate", "extend", "insert", "delete", "crlf", "size", "signature"] as const;
type Mutation = (typeof MUTATIONS)[number];

function mutate(body: Buffer, how: Mutation, at: number, bytes: Uint8Array): Buffer {
  const i = body.length === 0 ? 0 : at % body.length;
  const copy = Buffer.from(body);
  switch (how) {
    case "flip":
      copy[i] = copy[i]! ^ ((bytes[0] ?? 0) || 0x01);
      return copy;
    case "truncate":
      return copy.subarray(0, i);
    case "extend":
      return Buffer.concat([copy, bytes]);
    case "insert":
      return Buffer.concat([copy.subarray(0, i), bytes, copy.subarray(i)]);
    case "delete":
      return Buffer.concat([copy.subarray(0, i), copy.subarray(i + 1 + ((bytes[0] ?? 0) % 8))]);
    case "crlf": {
      // Turn the CRLF nearest after `at` into LF CR, bare CR, or a bare LF.
      const crlf = copy.indexOf("\r\n", i);
      if (crlf < 0) return copy;
      const variants = [Buffer.from("\n\r"), Buffer.from("\r"), Buffer.from("\n"), Buffer.from("\r\r\n")];
      return Buffer.concat([
        copy.subarray(0, crlf),
        variants[(bytes[0] ?? 0) % variants.length]!,
        copy.subarray(crlf + 2),
      ]);
    }
    case "size": {
      // Replace the chunk size at the start of the line nearest before `at`.
      const line = copy.lastIndexOf("\n", i) + 1;
      let end = line;
      while (end < copy.length && /[0-9a-fA-F]/.test(String.fromCharCode(copy[end]!))) end++;
      const sizes = ["0", "1", "FFFFFFFFFFFFF", "fffffffffffffff", "-1", "", " 5", "0x10", "1".repeat(2000)];
      return Buffer.concat([
        copy.subarray(0, line),
        Buffer.from(sizes[(bytes[0] ?? 0) % sizes.length]!),
        copy.subarray(end),
      ]);
    }
    case "signature": {
      // Change one digit of a chunk or trailer signature (to another digit: it must still parse).
      const text = copy.toString("latin1");
      const starts = [...text.matchAll(/signature[=:]/g)].map((m) => m.index + m[0].length);
      const start = starts[at % Math.max(1, starts.length)];
      if (start === undefined) return copy;
      const digit = start + ((bytes[0] ?? 0) % 64);
      copy[digit] = copy[digit] === 0x30 ? 0x31 : 0x30;
      return copy;
    }
  }
}

describe("aws-chunked fuzzing: valid bodies decode the same however they are split", () => {
  it("random splits give the payload and the trailers", { timeout: fuzzTimeout(20_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(bodies, cuts, async (body, at) => {
        const outcome = await decode(body.mode, split(body.bytes, at));
        expect(outcome.ok && outcome.data.equals(body.payload)).toBe(true);
      }),
      fuzzRuns(300),
    );
  });

  it("every single split point, and one byte at a time", { timeout: fuzzTimeout(20_000) }, async () => {
    for (const kind of ["signed", "signed-trailer", "unsigned-trailer"] as const) {
      const body = encode(kind, [Buffer.from("hello, "), Buffer.from("chunked\r\nworld")], true);
      for (let cut = 0; cut <= body.bytes.length; cut++) {
        const outcome = await decode(
          body.mode,
          [body.bytes.subarray(0, cut), body.bytes.subarray(cut)].filter((p) => p.length > 0),
        );
        expect(outcome.ok && outcome.data.equals(body.payload), `${kind}, cut at ${cut}`).toBe(true);
      }
      const bytewise = await decode(
        body.mode,
        [...body.bytes].map((b) => Buffer.from([b])),
      );
      expect(bytewise.ok && bytewise.data.equals(body.payload)).toBe(true);
    }
  });
});

describe("aws-chunked regressions found by fuzzing", () => {
  it("bytes after a complete body fail it before its last piece is released, and the trailers reject", async () => {
    // Found by the "extend" mutation: the decoder used to release the last piece and resolve the
    // trailers at the final CRLF, then fail on the bytes after it — a backend had the whole
    // object while the caller was told the upload failed.
    const body = encode("unsigned-trailer", [Buffer.from("payload")], true);
    const decoder = new AwsChunkedDecoder(body.mode);
    const released: Buffer[] = [];
    decoder.on("data", (piece: Buffer) => released.push(piece));
    const failed = new Promise((resolve) => decoder.on("error", resolve));
    decoder.write(body.bytes);
    decoder.end(Buffer.from("trailing garbage"));
    expect(isS3Error(await failed) && ((await failed) as { code: string }).code).toBe("InvalidRequest");
    await expect(decoder.trailers).rejects.toMatchObject({ code: "InvalidRequest" });
    expect(Buffer.concat(released).length).toBeLessThan(body.payload.length);
  });

  it("a trailer named __proto__ is kept as a trailer", async () => {
    const mode: StreamingPayloadMode = {
      kind: "streaming-unsigned-trailer",
      decodedLength: undefined,
      declaredTrailers: ["__proto__"],
    };
    const outcome = await decode(mode, [Buffer.from("0\r\n__proto__:x\r\n\r\n")]);
    expect(outcome.ok && Object.entries(outcome.trailers)).toEqual([["__proto__", "x"]]);
  });
});

describe("aws-chunked fuzzing: mutated bodies end in their payload or a documented S3Error", () => {
  it("flipped, truncated, extended, resized, re-signed", { timeout: fuzzTimeout(30_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies,
        fc.constantFrom(...MUTATIONS),
        fc.nat(),
        fc.uint8Array({ minLength: 2, maxLength: 40 }),
        cuts,
        async (body, how, at, bytes, at2) => {
          const broken = mutate(body.bytes, how, at, bytes);
          const outcome = await decode(body.mode, split(broken, at2));
          // What decodes must be what was sent: signatures and the CRC-32 trailer both cover it.
          if (outcome.ok) expect(outcome.data.equals(body.payload)).toBe(true);
        },
      ),
      fuzzRuns(1500),
    );
  });

  it("random bytes after a valid chunk header", { timeout: fuzzTimeout(20_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(kinds, fc.uint8Array({ maxLength: 200 }), async (kind, tail) => {
        const body = encode(kind, [Buffer.from("abc")], false);
        const head = body.bytes.subarray(0, body.bytes.indexOf("\n") + 1);
        await decode(body.mode, [head, Buffer.from(tail)]);
      }),
      fuzzRuns(500),
    );
  });
});

/**
 * Feeds an endless stream into a decoder synchronously, piece by piece (the decoder's own
 * transform step, without stream buffering in between, so every byte counted was really
 * consumed), until it fails; returns how many bytes it took and how many it held back.
 */
function pullUntilFailure(
  decoder: AwsChunkedDecoder,
  source: Iterator<Buffer>,
  cap: number,
): { pulled: number; error: unknown; released: number } {
  let pulled = 0;
  let error: unknown;
  let released = 0;
  while (error === undefined && pulled <= cap) {
    const next = source.next();
    if (next.done) break;
    pulled += next.value.length;
    decoder._transform(next.value, "latin1", (e) => {
      if (e) error = e;
    });
    for (let piece: Buffer | null; (piece = decoder.read() as Buffer | null) !== null;) released += piece.length;
  }
  return { pulled, error, released };
}

function* endless(head: string, unit: string, pieceSize = 97): Generator<Buffer> {
  yield Buffer.from(head);
  const piece = Buffer.from(unit.repeat(Math.ceil(pieceSize / unit.length)));
  for (;;) yield piece;
}

const expectRefusal = (error: unknown, code: string): void => {
  expect(isS3Error(error) ? error.code : error).toBe(code);
};

describe("aws-chunked fuzzing: endless hostile streams fail within the documented limits", () => {
  const signed = (): StreamingPayloadMode => encode("signed", [], false).mode;
  const signedTrailer = (): StreamingPayloadMode => encode("signed-trailer", [], false).mode;
  const unsigned = (): StreamingPayloadMode => encode("unsigned-trailer", [], false).mode;
  const bare = (): StreamingPayloadMode => ({
    kind: "streaming-unsigned-trailer",
    decodedLength: undefined,
    declaredTrailers: [],
  });
  /** A validly signed final chunk: what comes after it is trailer. */
  const signedFinal = ((bytes) => bytes.subarray(0, bytes.indexOf("\n") + 1).toString("latin1"))(
    encode("signed-trailer", [], false).bytes,
  );
  const PIECE = 97;
  const HEADER_BOUND = MAX_CHUNK_HEADER_LINE + PIECE;
  const SIG = `;chunk-signature=${"0".repeat(64)}`;

  const cases: ReadonlyArray<readonly [string, () => StreamingPayloadMode, string, string, number]> = [
    ["a chunk-size line of hex digits (signed)", signed, "", "f", HEADER_BOUND],
    ["a chunk-size line of hex digits (unsigned)", unsigned, "", "0", HEADER_BOUND],
    ["a chunk extension without end (unsigned)", unsigned, "5;ext=", "x", HEADER_BOUND],
    ["a chunk signature without end", signed, "5;chunk-signature=", "a", HEADER_BOUND],
    ["a chunk-size line of CRs", unsigned, "", "\r", HEADER_BOUND],
    ["one trailer line without end", unsigned, "0\r\nx-amz-checksum-crc32:", "A", MAX_TRAILER_BYTES + PIECE],
    ["one trailer line without end (signed)", signedTrailer, signedFinal, "A", MAX_TRAILER_BYTES + 2 * PIECE],
    ["endless distinct-looking trailer lines", unsigned, "0\r\n", "x-amz-meta-a:b\r\n", MAX_TRAILER_BYTES + PIECE],
    ["endless blank-padded trailer lines", unsigned, "0\r\n", " :\r\n", MAX_TRAILER_BYTES + PIECE],
    ["bytes after the end", bare, "0\r\n\r\n", "z", PIECE + 8],
  ];

  for (const [name, mode, head, unit, bound] of cases) {
    it(name, () => {
      const { pulled, error } = pullUntilFailure(
        new AwsChunkedDecoder(mode()),
        endless(head, unit, PIECE),
        64 * MAX_TRAILER_BYTES,
      );
      expect(error, `no failure after ${pulled} bytes`).toBeDefined();
      expect(isS3Error(error) && DOCUMENTED.has(error.code)).toBe(true);
      expect(pulled).toBeLessThanOrEqual(bound);
    });
  }

  it("a signed chunk's data beyond its size is refused within maxChunkSize", () => {
    const maxChunkSize = 64 * 1024;
    const { pulled, error } = pullUntilFailure(
      new AwsChunkedDecoder(signed(), { maxChunkSize }),
      endless(`${maxChunkSize.toString(16)}${SIG}\r\n`, "d", 4096),
      16 * maxChunkSize,
    );
    expectRefusal(error, "InvalidRequest");
    expect(pulled).toBeLessThanOrEqual(maxChunkSize + 2 * 4096);
  });

  it("a signed chunk announced over maxChunkSize is refused at its header", () => {
    const { pulled, error } = pullUntilFailure(
      new AwsChunkedDecoder(signed(), { maxChunkSize: 1024 }),
      endless(`401${SIG}\r\n`, "d"),
      1 << 20,
    );
    expectRefusal(error, "InvalidRequest");
    expect(pulled).toBeLessThanOrEqual(200);
  });

  it("endless forged signed chunks fail at the first one", () => {
    const { pulled, error } = pullUntilFailure(
      new AwsChunkedDecoder(signed()),
      endless("", `1${SIG}\r\nx\r\n`),
      1 << 20,
    );
    expectRefusal(error, "SignatureDoesNotMatch");
    expect(pulled).toBeLessThanOrEqual(200);
  });

  it("endless unsigned chunks past x-amz-decoded-content-length fail at that length", () => {
    const mode: StreamingPayloadMode = { ...unsigned(), decodedLength: 10_000 };
    const { pulled, error } = pullUntilFailure(
      new AwsChunkedDecoder(mode),
      endless("", "10\r\n0123456789abcdef\r\n"),
      1 << 20,
    );
    expectRefusal(error, "IncompleteBody");
    expect(pulled).toBeLessThanOrEqual(10_000 * 2 + 200);
  });

  it("endless valid unsigned chunks stream through: memory stays at one piece", () => {
    // Without a declared length an unsigned body is as long as the connection says; what must
    // hold is that it is passed on, not collected.
    const unit = "10\r\n0123456789abcdef\r\n";
    const { pulled, error, released } = pullUntilFailure(
      new AwsChunkedDecoder(bare()),
      endless("", unit, 4096),
      4 << 20,
    );
    expect(error).toBeUndefined();
    expect(pulled).toBeGreaterThan(4 << 20);
    // Payload decoded so far minus what came out: the held last piece and a partial chunk.
    expect((pulled * 16) / unit.length - released).toBeLessThanOrEqual(4096);
  });
});
