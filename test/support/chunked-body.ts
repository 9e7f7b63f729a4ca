/**
 * @module test/support/chunked-body — builds SigV4 streaming uploads
 * (`x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, an `aws-chunked` body whose every
 * chunk carries a signature chained on the previous one) from first principles with node:crypto,
 * independent of the gateway's and the SDK's signers, and sends raw requests with node:http.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 */
import { createHash, createHmac } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";

export const STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** The SigV4 signing key: HMAC chain "AWS4"+secret → date → region → service → "aws4_request". */
export function signingKey(secretAccessKey: string, date: string, region: string, service = "s3"): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request");
}

/** RFC 3986 encoding as SigV4 wants it: everything but A–Z a–z 0–9 - _ . ~ */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `YYYYMMDDTHHMMSSZ` */
export const amzDate = (time: Date) =>
  time
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

export interface ChunkedUploadOptions {
  /** The endpoint, e.g. `http://127.0.0.1:1234` (path-style requests). */
  readonly endpoint: string;
  readonly bucket: string;
  readonly key: string;
  readonly data: Buffer;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** @default "us-east-1" */
  readonly region?: string;
  /** Payload bytes per chunk (the last data chunk may be shorter). @default 64 KiB */
  readonly chunkSize?: number;
  /** @default now */
  readonly date?: Date;
  /** More headers to send and sign (lowercase names). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A signed streaming upload, ready to send with {@link sendRaw}. */
export interface ChunkedUpload {
  readonly method: "PUT";
  readonly url: string;
  /** Every header to send (all of them signed). */
  readonly headers: Record<string, string>;
  /** The whole aws-chunked body. */
  readonly body: Buffer;
  /** Where each data chunk's payload lies in `body` (the final empty chunk excluded). */
  readonly chunks: ReadonlyArray<{ readonly start: number; readonly end: number; readonly signature: string }>;
  /** The request (seed) signature, from the Authorization header. */
  readonly seedSignature: string;
}

/**
 * A PUT of `data` as a signed aws-chunked body: request headers signed with a canonical request
 * whose payload line is `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, then each chunk signed over
 * `AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<previous signature>\n<sha256("")>\n<sha256(chunk)>`,
 * ending with a signed empty chunk.
 */
export function signedChunkedUpload(options: ChunkedUploadOptions): ChunkedUpload {
  const region = options.region ?? "us-east-1";
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const time = amzDate(options.date ?? new Date());
  const day = time.slice(0, 8);
  const scope = `${day}/${region}/s3/aws4_request`;
  const key = signingKey(options.secretAccessKey, day, region);
  const origin = new URL(options.endpoint);
  const path = `/${encode(options.bucket)}/${options.key.split("/").map(encode).join("/")}`;

  // The body's length depends only on the chunk sizes (signatures are always 64 hex digits).
  const sizes: number[] = [];
  for (let at = 0; at < options.data.length; at += chunkSize) sizes.push(Math.min(chunkSize, options.data.length - at));
  const frame = (size: number) => `${size.toString(16)};chunk-signature=`.length + 64 + 2 + size + 2;
  const bodyLength = sizes.reduce((sum, size) => sum + frame(size), 0) + frame(0);

  const headers: Record<string, string> = {
    host: origin.host,
    "content-encoding": "aws-chunked",
    "content-length": String(bodyLength),
    "x-amz-content-sha256": STREAMING_PAYLOAD,
    "x-amz-date": time,
    "x-amz-decoded-content-length": String(options.data.length),
    ...options.headers,
  };
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toLowerCase(), v]));
  const canonical = [
    "PUT",
    path,
    "",
    ...names.map((n) => `${n}:${lower[n]!.trim().replace(/\s+/g, " ")}`),
    "",
    names.join(";"),
    STREAMING_PAYLOAD,
  ].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", time, scope, sha256Hex(canonical)].join("\n");
  const seedSignature = createHmac("sha256", key).update(toSign).digest("hex");
  headers["authorization"] =
    `AWS4-HMAC-SHA256 Credential=${options.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${seedSignature}`;

  const parts: Buffer[] = [];
  const chunks: Array<{ start: number; end: number; signature: string }> = [];
  let previous = seedSignature;
  let offset = 0;
  let at = 0;
  for (const size of [...sizes, 0]) {
    const data = options.data.subarray(at, at + size);
    at += size;
    const chunkToSign = ["AWS4-HMAC-SHA256-PAYLOAD", time, scope, previous, EMPTY_SHA256, sha256Hex(data)].join("\n");
    const signature = createHmac("sha256", key).update(chunkToSign).digest("hex");
    previous = signature;
    const head = Buffer.from(`${size.toString(16)};chunk-signature=${signature}\r\n`, "latin1");
    parts.push(head, data, Buffer.from("\r\n"));
    if (size > 0) chunks.push({ start: offset + head.length, end: offset + head.length + size, signature });
    offset += head.length + size + 2;
  }
  const body = Buffer.concat(parts);
  if (body.length !== bodyLength) throw new Error(`aws-chunked body is ${body.length} bytes, expected ${bodyLength}`);
  return { method: "PUT", url: `${origin.origin}${path}`, headers, body, chunks, seedSignature };
}

export interface SignedRequestOptions {
  readonly endpoint: string;
  readonly method: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** @default "us-east-1" */
  readonly region?: string;
  /** @default now */
  readonly date?: Date;
  /** More headers to send and sign (lowercase names), e.g. `content-length: 0`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Signed by its SHA-256. @default empty */
  readonly body?: Buffer | string;
  /** A query string already in canonical form (encoded, sorted), e.g. `foo=1`. @default none */
  readonly query?: string;
}

/** A plain SigV4 header-signed request (signed payload hash), ready for {@link sendRaw}. */
export function signedRequest(options: SignedRequestOptions): {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
} {
  const region = options.region ?? "us-east-1";
  const time = amzDate(options.date ?? new Date());
  const scope = `${time.slice(0, 8)}/${region}/s3/aws4_request`;
  const origin = new URL(options.endpoint);
  const path =
    options.bucket === undefined
      ? "/"
      : `/${encode(options.bucket)}${options.key === undefined ? "" : `/${options.key.split("/").map(encode).join("/")}`}`;
  const body = Buffer.from(options.body ?? "");
  const payloadHash = sha256Hex(body);
  const headers: Record<string, string> = {
    host: origin.host,
    "x-amz-content-sha256": payloadHash,
    "x-amz-date": time,
    ...options.headers,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    options.method,
    path,
    options.query ?? "",
    ...names.map((n) => `${n}:${headers[n]!.trim()}`),
    "",
    names.join(";"),
    payloadHash,
  ].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", time, scope, sha256Hex(canonical)].join("\n");
  const signature = createHmac("sha256", signingKey(options.secretAccessKey, time.slice(0, 8), region))
    .update(toSign)
    .digest("hex");
  headers["authorization"] =
    `AWS4-HMAC-SHA256 Credential=${options.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return {
    url: `${origin.origin}${path}${options.query ? `?${options.query}` : ""}`,
    method: options.method,
    headers,
    body,
  };
}

/** A copy of the upload's body with one payload byte of data chunk `index` (0-based) flipped. */
export function flipChunkByte(upload: ChunkedUpload, index: number, byteInChunk = 0): Buffer {
  const chunk = upload.chunks[index];
  if (!chunk) throw new Error(`the body has no data chunk ${index}`);
  const body = Buffer.from(upload.body);
  const at = chunk.start + byteInChunk;
  if (at >= chunk.end) throw new Error(`chunk ${index} has fewer than ${byteInChunk + 1} bytes`);
  body[at] = body[at]! ^ 0xff;
  return body;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** `<Code>` of an S3 error body, if any. */
  readonly code: string | undefined;
}

/** Sends one request with node:http exactly as given (no header added but what node needs). */
export function sendRaw(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: Buffer | string },
  timeoutMs = 30_000,
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: init.method,
        headers: init.headers ?? {},
        // A fresh connection per request: no state shared with other tests.
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          const text = body.toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, code: s3ErrorCode(text) });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${init.method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(init.body);
  });
}

/** The `<Code>` of an S3 error document. */
export function s3ErrorCode(xml: string): string | undefined {
  return /<Error>[\s\S]*?<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}
