/**
 * @module test/support/raw-request — HTTP requests exactly as written: a path no URL parser
 * touched (dot segments, `%2E%2E`), SigV4-signed over that path for a gateway user, sent with
 * node:http on a fresh connection. For what SDKs never send.
 */
import { createHash, createHmac } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";

export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
export const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

export interface RawSigning {
  readonly endpoint: string;
  readonly method: string;
  /** The path as sent, encoded as the caller wants it. */
  readonly path: string;
  /** The canonical query (encoded, sorted), without `?`. @default "" */
  readonly query?: string;
  readonly user: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** More headers to sign (lowercase names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `x-amz-content-sha256`. @default the empty body's hash */
  readonly payloadHash?: string;
}

/** The headers of a SigV4 header-signed request (host, date, payload hash, authorization). */
export function signRaw(options: RawSigning): Record<string, string> {
  const url = new URL(options.endpoint);
  const time = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  const date = time.slice(0, 8);
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const payload = options.payloadHash ?? EMPTY_SHA256;
  const headers: Record<string, string> = {
    host: url.host,
    "x-amz-content-sha256": payload,
    "x-amz-date": time,
    ...options.headers,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    options.method,
    options.path,
    options.query ?? "",
    ...names.map((n) => `${n}:${headers[n]!.trim()}`),
    "",
    names.join(";"),
    payload,
  ].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", time, scope, sha256Hex(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${options.user.secretAccessKey}`, date), "us-east-1"), "s3"), "aws4_request");
  headers["authorization"] =
    `AWS4-HMAC-SHA256 Credential=${options.user.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${hmac(key, toSign).toString("hex")}`;
  return headers;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** `<Code>` of an S3 error body, if any. */
  readonly code: string | undefined;
}

/** Sends a signed request with `body`, the path exactly as given. */
export function sendSigned(options: RawSigning & { readonly body?: string | Buffer }): Promise<RawAnswer> {
  const body = options.body ?? "";
  const headers = signRaw({
    ...options,
    payloadHash: options.payloadHash ?? sha256Hex(body),
    headers: { ...(body.length > 0 && { "content-length": String(Buffer.byteLength(body)) }), ...options.headers },
  });
  const url = new URL(options.endpoint);
  const path = options.query ? `${options.path}?${options.query}` : options.path;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: options.method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            code: /<Error>[\s\S]*?<Code>([^<]*)<\/Code>/.exec(text)?.[1],
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
