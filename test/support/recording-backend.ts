/**
 * @module test/support/recording-backend — a stand-in S3 backend on 127.0.0.1 that records every
 * request exactly as it arrives (method, raw path, raw query, headers, a bounded copy of the
 * body) and answers the way S3 servers do, in its own (physical) names: listings whose keys carry
 * the physical prefix and whose `Name` is the physical bucket, error bodies naming the physical
 * bucket and key with the debugging elements backends add (`HostId`, `CanonicalRequest`,
 * `AWSAccessKeyId`, `Endpoint`), configuration documents with the physical bucket in ARNs,
 * multipart results with a `Location` on the backend's address, redirects.
 *
 * It exists for boundary tests: whatever a gateway sends here is evidence (what reached the
 * backend), and whatever it answers is bait (names a gateway must not pass on to its callers).
 * Nothing is stored: the objects it "holds" are a fixed list per bucket, so answers depend only
 * on the request and stay the same from run to run.
 */
import { createHash } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the backend received it. */
export interface RecordedRequest {
  /** The backend's name (as given to {@link startRecordingBackend}). */
  readonly backend: string;
  readonly method: string;
  /** The request target's path exactly as received: not decoded, not normalised. */
  readonly rawPath: string;
  /** The raw query string, without `?` ("" when none). */
  readonly rawQuery: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as UTF-8, at most {@link BODY_RECORD_LIMIT} bytes (a DeleteObjects document fits). */
  readonly body: string;
}

/** Bytes of a request body kept in the record. */
export const BODY_RECORD_LIMIT = 256 * 1024;

/**
 * Request header that picks the answer, for tests that want a given kind of answer (gateways
 * forward unknown headers; requests the library sends itself fall back to a hash of the request):
 * `ok`, `missing` (404), `denied` (403 naming names), `signature` (403 SignatureDoesNotMatch with
 * the canonical request), `redirect` (301 with Endpoint and Location), `internal` (500 whose
 * message names the backend), `html` (a proxy's HTML page naming everything).
 */
export const ANSWER_HEADER = "x-recorder-answer";
export const ANSWER_KINDS = ["ok", "missing", "denied", "signature", "redirect", "internal", "html"] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

export interface RecordingBackendOptions {
  readonly name: string;
  /** The access key id clients sign with; echoed in `SignatureDoesNotMatch` answers, as S3 does. */
  readonly accessKeyId: string;
  /** Keys of each bucket it pretends to hold (physical names). Other buckets are empty but exist. */
  readonly buckets: Readonly<Record<string, readonly string[]>>;
  /** A `HostId` for its errors (`x-amz-id-2`). */
  readonly hostId: string;
}

export interface RecordingBackend {
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>`: what no answer of a gateway may name. */
  readonly address: string;
  readonly requests: RecordedRequest[];
  /** Requests received (head read) and not yet answered. */
  readonly pending: number;
  close(): Promise<void>;
}

/** Starts a recording backend on a free port of 127.0.0.1. */
export async function startRecordingBackend(options: RecordingBackendOptions): Promise<RecordingBackend> {
  const requests: RecordedRequest[] = [];
  let address = "";
  let pending = 0;
  const server: Server = createServer((req, res) => {
    pending++;
    res.on("close", () => pending--);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size < BODY_RECORD_LIMIT) chunks.push(chunk.subarray(0, BODY_RECORD_LIMIT - size));
      size += chunk.length;
    });
    req.on("end", () => {
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const recorded: RecordedRequest = {
        backend: options.name,
        method: req.method ?? "GET",
        rawPath: q < 0 ? url : url.slice(0, q),
        rawQuery: q < 0 ? "" : url.slice(q + 1),
        headers: { ...req.headers },
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      try {
        respond(options, address, recorded, req, res);
      } catch (error) {
        res.writeHead(500, { "content-type": "text/plain" }).end(`recorder failed: ${String(error)}`);
      }
    });
  });
  // A gateway keeps connections alive; close() must not wait for them.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    name: options.name,
    url: `http://${address}`,
    address,
    requests,
    get pending() {
      return pending;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reading a request the way an S3 server does (path-style; the gateway's clients force it).

/** Percent-decoding that never throws: S3 servers refuse bad escapes, this one keeps them. */
export function lenientDecode(text: string, plusIsSpace = false): string {
  const source = plusIsSpace ? text.replace(/\+/g, " ") : text;
  try {
    return decodeURIComponent(source);
  } catch {
    return source;
  }
}

/** A raw query as pairs, decoded (`+` is a space, as S3 reads queries). */
export function parseRawQuery(rawQuery: string): Array<[string, string]> {
  return rawQuery
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      return [lenientDecode(eq < 0 ? p : p.slice(0, eq), true), lenientDecode(eq < 0 ? "" : p.slice(eq + 1), true)];
    });
}

/** Bucket and key a path-style raw path names, decoded; the key is undefined for `/bucket`. */
export function parsePathStyle(rawPath: string): { bucket: string | undefined; key: string | undefined } {
  const rest = rawPath.replace(/^\//, "");
  if (rest === "") return { bucket: undefined, key: undefined };
  const slash = rest.indexOf("/");
  if (slash < 0) return { bucket: lenientDecode(rest), key: undefined };
  const key = rest.slice(slash + 1);
  return { bucket: lenientDecode(rest.slice(0, slash)), key: key === "" ? undefined : lenientDecode(key) };
}

// ---------------------------------------------------------------------------------------------
// Answers.

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const esc = (s: string) =>
  s
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!)
    .replace(
      // XML 1.0 cannot carry most control characters; S3 escapes them as character references.
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g,
      (c) => `&#x${c.charCodeAt(0).toString(16)};`,
    );
const el = (name: string, value: string) => `<${name}>${esc(value)}</${name}>`;
const ETAG = '"9b2cf535f27731c974343645a3985328"';
const DATE = "2026-01-02T03:04:05.000Z";
const OWNER = "<Owner><ID>owner-canonical-id-1</ID><DisplayName>owner</DisplayName></Owner>";

/** S3's `encoding-type=url` form of a name. */
const urlEncode = (s: string) => encodeURIComponent(s).replace(/%2F/g, "/");

/** A stable small number for a request, to vary answers without randomness. */
function requestHash(r: RecordedRequest): number {
  return createHash("sha256").update(`${r.method} ${r.rawPath}?${r.rawQuery}`).digest().readUInt32BE(0);
}

function chooseAnswer(r: RecordedRequest): AnswerKind {
  const asked = r.headers[ANSWER_HEADER];
  if (typeof asked === "string" && (ANSWER_KINDS as readonly string[]).includes(asked)) return asked as AnswerKind;
  // Mostly successes, so that the gateway's handling of good answers (rewrites) is exercised too.
  const h = requestHash(r) % 20;
  return h < 13
    ? "ok"
    : (["missing", "denied", "signature", "redirect", "internal", "html", "missing"] as const)[h - 13]!;
}

function respond(
  options: RecordingBackendOptions,
  address: string,
  r: RecordedRequest,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const { bucket, key } = parsePathStyle(r.rawPath);
  const query = parseRawQuery(r.rawQuery);
  const has = (name: string) => query.some(([n]) => n === name);
  const get = (name: string) => query.find(([n]) => n === name)?.[1];
  const head = req.method === "HEAD";
  const common = { "x-amz-request-id": "RECORDERREQ1", "x-amz-id-2": options.hostId, server: "RecordingS3" };
  const send = (status: number, body: string, headers: Record<string, string> = {}) => {
    const bytes = Buffer.from(body);
    res.writeHead(status, {
      ...common,
      "content-type": "application/xml",
      "content-length": String(bytes.length),
      ...headers,
    });
    res.end(head ? undefined : bytes);
  };
  const stored = bucket === undefined ? [] : (options.buckets[bucket] ?? []);

  let kind = chooseAnswer(r);
  // A key the store does not hold is missing, for reads of it (but not always: some stores
  // answer from caches, and a 200 for an unknown key exercises the success path).
  if (
    kind === "ok" &&
    key !== undefined &&
    (r.method === "GET" || r.method === "HEAD") &&
    query.length === 0 &&
    !stored.includes(key) &&
    requestHash(r) % 3 === 0
  ) {
    kind = "missing";
  }
  if (kind !== "ok") {
    sendError(kind, options, address, r, bucket, key, send, res, head);
    return;
  }

  // --- service level: ListBuckets
  if (bucket === undefined) {
    const names = Object.keys(options.buckets);
    send(
      200,
      `${XML_HEAD}<ListAllMyBucketsResult${NS}>${OWNER}<Buckets>${names.map((n) => `<Bucket>${el("Name", n)}${el("CreationDate", DATE)}</Bucket>`).join("")}</Buckets></ListAllMyBucketsResult>`,
    );
    return;
  }

  // --- bucket level
  if (key === undefined) {
    if (r.method === "GET") {
      if (has("versions")) return send(200, listVersions(bucket, stored, query));
      if (has("uploads")) return send(200, listUploads(bucket, stored, query));
      if (has("location")) return send(200, `${XML_HEAD}<LocationConstraint${NS}>us-east-1</LocationConstraint>`);
      const sub = query.find(([n]) => CONFIG_DOCUMENTS[n] !== undefined)?.[0];
      if (sub !== undefined)
        return send(
          200,
          CONFIG_DOCUMENTS[sub]!(bucket, stored[0] ?? ""),
          sub === "policy" ? { "content-type": "application/json" } : {},
        );
      if (NEUTRAL_SUBRESOURCES.some(has))
        return send(200, `${XML_HEAD}<Configuration${NS}><Status>Enabled</Status></Configuration>`);
      return send(200, listObjects(bucket, stored, query));
    }
    if (r.method === "HEAD") return send(200, "", { "x-amz-bucket-region": "us-east-1" });
    if (r.method === "PUT") return send(200, "", query.length === 0 ? { location: `http://${address}/${bucket}` } : {});
    if (r.method === "DELETE") return send(204, "");
    if (r.method === "POST" && has("delete")) return send(200, deleteResult(bucket, r.body));
    return send(
      405,
      errorXml(
        "MethodNotAllowed",
        `method ${r.method} not allowed on bucket ${bucket}`,
        options,
        address,
        r,
        bucket,
        undefined,
      ),
    );
  }

  // --- object level
  const copySource = r.headers["x-amz-copy-source"];
  if (r.method === "GET") {
    if (has("uploadId")) {
      return send(
        200,
        `${XML_HEAD}<ListPartsResult${NS}>${el("Bucket", bucket)}${el("Key", key)}${el("UploadId", get("uploadId") ?? "")}<Part><PartNumber>1</PartNumber>${el("ETag", ETAG)}<Size>5</Size></Part></ListPartsResult>`,
      );
    }
    if (has("acl"))
      return send(200, `${XML_HEAD}<AccessControlPolicy${NS}>${OWNER}<AccessControlList/></AccessControlPolicy>`);
    if (has("tagging"))
      return send(200, `${XML_HEAD}<Tagging${NS}><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`);
    if (query.some(([n]) => ["attributes", "retention", "legal-hold", "torrent", "annotation"].includes(n))) {
      return send(
        200,
        `${XML_HEAD}<GetObjectAttributesResponse${NS}>${el("ETag", ETAG)}<ObjectSize>5</ObjectSize></GetObjectAttributesResponse>`,
      );
    }
    // An object's bytes are the caller's own data: neutral, so that only names are judged.
    const body = Buffer.from("object body\n");
    res.writeHead(200, {
      ...common,
      "content-type": "text/plain",
      "content-length": String(body.length),
      etag: ETAG,
      "last-modified": new Date(DATE).toUTCString(),
    });
    res.end(body);
    return;
  }
  if (r.method === "HEAD") {
    res.writeHead(200, { ...common, "content-type": "text/plain", "content-length": "12", etag: ETAG });
    res.end();
    return;
  }
  if (r.method === "PUT") {
    if (copySource !== undefined) {
      const root = has("partNumber") ? "CopyPartResult" : "CopyObjectResult";
      return send(200, `${XML_HEAD}<${root}${NS}>${el("LastModified", DATE)}${el("ETag", ETAG)}</${root}>`);
    }
    return send(200, "", { etag: ETAG });
  }
  if (r.method === "POST") {
    if (has("uploads")) {
      return send(
        200,
        `${XML_HEAD}<InitiateMultipartUploadResult${NS}>${el("Bucket", bucket)}${el("Key", key)}${el("UploadId", "upload-1")}</InitiateMultipartUploadResult>`,
      );
    }
    if (has("uploadId")) {
      return send(
        200,
        `${XML_HEAD}<CompleteMultipartUploadResult${NS}>${el("Location", `http://${address}/${bucket}/${urlEncode(key)}`)}${el("Bucket", bucket)}${el("Key", key)}${el("ETag", ETAG)}</CompleteMultipartUploadResult>`,
      );
    }
    if (has("restore")) return send(202, "");
    return send(200, "");
  }
  if (r.method === "DELETE") return send(204, "");
  send(
    405,
    errorXml(
      "MethodNotAllowed",
      `method ${r.method} not allowed on ${bucket}/${key}`,
      options,
      address,
      r,
      bucket,
      key,
    ),
  );
}

function sendError(
  kind: Exclude<AnswerKind, "ok">,
  options: RecordingBackendOptions,
  address: string,
  r: RecordedRequest,
  bucket: string | undefined,
  key: string | undefined,
  send: (status: number, body: string, headers?: Record<string, string>) => void,
  res: ServerResponse,
  head: boolean,
): void {
  const where = `${bucket ?? ""}${key === undefined ? "" : `/${key}`}`;
  switch (kind) {
    case "missing":
      send(
        404,
        errorXml(
          key === undefined ? "NoSuchBucket" : "NoSuchKey",
          `The specified ${key === undefined ? "bucket" : "key"} ${where} does not exist`,
          options,
          address,
          r,
          bucket,
          key,
        ),
      );
      return;
    case "denied":
      send(
        403,
        errorXml(
          "AccessDenied",
          `Access Denied to ${where} for ${options.accessKeyId}`,
          options,
          address,
          r,
          bucket,
          key,
        ),
      );
      return;
    case "signature":
      send(
        403,
        errorXml(
          "SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided.",
          options,
          address,
          r,
          bucket,
          key,
          true,
        ),
      );
      return;
    case "redirect":
      send(
        301,
        errorXml(
          "PermanentRedirect",
          `The bucket ${bucket ?? ""} must be addressed using the specified endpoint`,
          options,
          address,
          r,
          bucket,
          key,
        ),
        {
          location: `http://${address}/${where}`,
          "x-amz-bucket-region": "eu-west-1",
        },
      );
      return;
    case "internal":
      send(
        500,
        errorXml("InternalError", `backend http://${address} failed on ${where}`, options, address, r, bucket, key),
      );
      return;
    case "html": {
      // What a reverse proxy in front of a store answers: not S3 XML at all.
      const body = Buffer.from(
        `<html><body><h1>502 Bad Gateway</h1><p>upstream ${address} for /${where}, host id ${options.hostId}</p></body></html>`,
      );
      res.writeHead(502, {
        "content-type": "text/html",
        "content-length": String(body.length),
        "x-amz-id-2": options.hostId,
      });
      res.end(head ? undefined : body);
      return;
    }
  }
}

function errorXml(
  code: string,
  message: string,
  options: RecordingBackendOptions,
  address: string,
  r: RecordedRequest,
  bucket: string | undefined,
  key: string | undefined,
  signature = false,
): string {
  const canonical = `${r.method}\n${r.rawPath}\n${r.rawQuery}\nhost:${address}\n\nhost\nUNSIGNED-PAYLOAD`;
  return (
    `${XML_HEAD}<Error>${el("Code", code)}${el("Message", message)}` +
    (bucket !== undefined ? el("BucketName", bucket) : "") +
    (key !== undefined ? el("Key", key) : "") +
    el("Resource", `/${bucket ?? ""}${key === undefined ? "" : `/${key}`}`) +
    (code === "PermanentRedirect" ? el("Endpoint", `${bucket ?? ""}.${address}`) + el("Bucket", bucket ?? "") : "") +
    (signature
      ? el("AWSAccessKeyId", options.accessKeyId) +
        el(
          "StringToSign",
          `AWS4-HMAC-SHA256\n20260102T030405Z\n20260102/us-east-1/s3/aws4_request\n${createHash("sha256").update(canonical).digest("hex")}`,
        ) +
        el("SignatureProvided", "0".repeat(64)) +
        el("CanonicalRequest", canonical)
      : "") +
    el("RequestId", "RECORDERREQ1") +
    el("HostId", options.hostId) +
    "</Error>"
  );
}

/** Bucket subresources whose documents carry no names (S3's real ones say nothing of buckets). */
const NEUTRAL_SUBRESOURCES = [
  "acl",
  "tagging",
  "versioning",
  "cors",
  "encryption",
  "object-lock",
  "ownershipControls",
  "policyStatus",
  "publicAccessBlock",
  "requestPayment",
  "accelerate",
  "abac",
  "session",
  "metadataConfiguration",
  "metadataTable",
];

/**
 * Configuration documents that name buckets and key prefixes, as S3 writes them: ARNs of the
 * bucket itself or of destinations, and filters on key prefixes (here the first key's "directory",
 * which on a shared bucket is a tenant's prefix).
 */
const CONFIG_DOCUMENTS: Readonly<Record<string, (bucket: string, firstKey: string) => string>> = (() => {
  const dir = (key: string) => key.slice(0, key.indexOf("/") + 1);
  const filtered = (root: string, inner: (b: string, p: string) => string) => (bucket: string, key: string) =>
    `${XML_HEAD}<${root}${NS}>${inner(bucket, dir(key))}</${root}>`;
  const destination = (b: string) =>
    `<Destination><S3BucketDestination><Bucket>arn:aws:s3:::${esc(b)}</Bucket><Format>CSV</Format></S3BucketDestination></Destination>`;
  return {
    policy: (bucket, key) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/${dir(key)}*` },
        ],
      }),
    lifecycle: filtered(
      "LifecycleConfiguration",
      (_b, p) =>
        `<Rule><ID>r</ID><Filter>${el("Prefix", p)}</Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`,
    ),
    notification: filtered(
      "NotificationConfiguration",
      (b, p) =>
        `<TopicConfiguration><Topic>arn:aws:sns:us-east-1:1:${esc(b)}</Topic><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name>${el("Value", p)}</FilterRule></S3Key></Filter></TopicConfiguration>`,
    ),
    logging: filtered(
      "BucketLoggingStatus",
      (b, p) => `<LoggingEnabled>${el("TargetBucket", b)}${el("TargetPrefix", `${p}logs/`)}</LoggingEnabled>`,
    ),
    replication: filtered(
      "ReplicationConfiguration",
      (b, p) =>
        `<Rule><Status>Enabled</Status><Filter>${el("Prefix", p)}</Filter><Destination><Bucket>arn:aws:s3:::${esc(b)}-replica</Bucket></Destination></Rule>`,
    ),
    inventory: filtered(
      "InventoryConfiguration",
      (b, p) => `<Id>i</Id>${destination(b)}<Filter>${el("Prefix", p)}</Filter>`,
    ),
    analytics: filtered(
      "AnalyticsConfiguration",
      (b, p) =>
        `<Id>a</Id><Filter>${el("Prefix", p)}</Filter><StorageClassAnalysis><DataExport><Destination><S3BucketDestination><Bucket>arn:aws:s3:::${esc(b)}</Bucket></S3BucketDestination></Destination></DataExport></StorageClassAnalysis>`,
    ),
    metrics: filtered("MetricsConfiguration", (_b, p) => `<Id>m</Id><Filter>${el("Prefix", p)}</Filter>`),
    "intelligent-tiering": filtered(
      "IntelligentTieringConfiguration",
      (_b, p) => `<Id>t</Id><Filter>${el("Prefix", p)}</Filter><Status>Enabled</Status>`,
    ),
    website: filtered(
      "WebsiteConfiguration",
      (_b, p) =>
        `<IndexDocument><Suffix>index.html</Suffix></IndexDocument><RoutingRules><RoutingRule><Condition>${el("KeyPrefixEquals", p)}</Condition><Redirect>${el("ReplaceKeyPrefixWith", `${p}new/`)}</Redirect></RoutingRule></RoutingRules>`,
    ),
  };
})();

/** Keys of a listing: under `prefix`, after `after`, grouped by `delimiter`, at most `max`. */
function page(keys: readonly string[], prefix: string, after: string, delimiter: string, max: number) {
  const sorted = [...keys].sort().filter((k) => k.startsWith(prefix) && k > after);
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last = "";
  for (const k of sorted) {
    if (contents.length + prefixes.length >= max) return { contents, prefixes, truncated: true, last };
    const rest = k.slice(prefix.length);
    const d = delimiter === "" ? -1 : rest.indexOf(delimiter);
    if (d >= 0) {
      const p = prefix + rest.slice(0, d + delimiter.length);
      if (!prefixes.includes(p)) prefixes.push(p);
    } else contents.push(k);
    last = k;
  }
  return { contents, prefixes, truncated: false, last };
}

const maxOf = (value: string | undefined) => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : 1000;
};

function listObjects(bucket: string, keys: readonly string[], query: ReadonlyArray<[string, string]>): string {
  const get = (name: string) => query.find(([n]) => n === name)?.[1];
  const v2 = get("list-type") === "2";
  const prefix = get("prefix") ?? "";
  const delimiter = get("delimiter") ?? "";
  const encode = get("encoding-type") === "url";
  const name = (s: string) => (encode ? urlEncode(s) : s);
  // A continuation token is opaque to clients, and nothing stops a store from making it the key
  // to continue after, in plain text: this one does (so a gateway passing it on shows it).
  const after = v2 ? (get("continuation-token") ?? get("start-after") ?? "") : (get("marker") ?? "");
  const p = page(keys, prefix, after, delimiter, maxOf(get("max-keys")));
  const body =
    el("Name", bucket) +
    el("Prefix", name(prefix)) +
    (v2
      ? (get("start-after") !== undefined ? el("StartAfter", name(get("start-after")!)) : "") +
        (get("continuation-token") !== undefined ? el("ContinuationToken", get("continuation-token")!) : "")
      : el("Marker", name(after))) +
    el("MaxKeys", String(maxOf(get("max-keys")))) +
    (delimiter ? el("Delimiter", name(delimiter)) : "") +
    (encode ? el("EncodingType", "url") : "") +
    el("IsTruncated", String(p.truncated)) +
    (p.truncated ? (v2 ? el("NextContinuationToken", p.last) : delimiter ? el("NextMarker", name(p.last)) : "") : "") +
    (v2 ? el("KeyCount", String(p.contents.length + p.prefixes.length)) : "") +
    p.contents
      .map(
        (k) =>
          `<Contents>${el("Key", name(k))}${el("LastModified", DATE)}${el("ETag", ETAG)}<Size>12</Size><StorageClass>STANDARD</StorageClass>${OWNER}</Contents>`,
      )
      .join("") +
    p.prefixes.map((cp) => `<CommonPrefixes>${el("Prefix", name(cp))}</CommonPrefixes>`).join("");
  return `${XML_HEAD}<ListBucketResult${NS}>${body}</ListBucketResult>`;
}

function listVersions(bucket: string, keys: readonly string[], query: ReadonlyArray<[string, string]>): string {
  const get = (name: string) => query.find(([n]) => n === name)?.[1];
  const prefix = get("prefix") ?? "";
  const p = page(keys, prefix, get("key-marker") ?? "", get("delimiter") ?? "", maxOf(get("max-keys")));
  const entries = p.contents
    .map((k, i) =>
      i % 2 === 0
        ? `<Version>${el("Key", k)}<VersionId>v1</VersionId><IsLatest>true</IsLatest>${el("LastModified", DATE)}${el("ETag", ETAG)}<Size>12</Size>${OWNER}</Version>`
        : `<DeleteMarker>${el("Key", k)}<VersionId>v2</VersionId><IsLatest>true</IsLatest>${el("LastModified", DATE)}${OWNER}</DeleteMarker>`,
    )
    .join("");
  return (
    `${XML_HEAD}<ListVersionsResult${NS}>${el("Name", bucket)}${el("Prefix", prefix)}${el("KeyMarker", get("key-marker") ?? "")}` +
    `<VersionIdMarker/>${el("IsTruncated", String(p.truncated))}${p.truncated ? el("NextKeyMarker", p.last) + "<NextVersionIdMarker>v1</NextVersionIdMarker>" : ""}` +
    `${entries}${p.prefixes.map((cp) => `<CommonPrefixes>${el("Prefix", cp)}</CommonPrefixes>`).join("")}</ListVersionsResult>`
  );
}

function listUploads(bucket: string, keys: readonly string[], query: ReadonlyArray<[string, string]>): string {
  const get = (name: string) => query.find(([n]) => n === name)?.[1];
  const prefix = get("prefix") ?? "";
  const p = page(keys, prefix, get("key-marker") ?? "", get("delimiter") ?? "", maxOf(get("max-uploads")));
  return (
    `${XML_HEAD}<ListMultipartUploadsResult${NS}>${el("Bucket", bucket)}${el("Prefix", prefix)}${el("KeyMarker", get("key-marker") ?? "")}<UploadIdMarker/>` +
    `${el("IsTruncated", String(p.truncated))}${p.truncated ? el("NextKeyMarker", p.last) + "<NextUploadIdMarker>u1</NextUploadIdMarker>" : ""}` +
    p.contents
      .map((k) => `<Upload>${el("Key", k)}<UploadId>u1</UploadId>${el("Initiated", DATE)}${OWNER}</Upload>`)
      .join("") +
    `${p.prefixes.map((cp) => `<CommonPrefixes>${el("Prefix", cp)}</CommonPrefixes>`).join("")}</ListMultipartUploadsResult>`
  );
}

/** A DeleteObjects answer: every other key deleted, the others failing with a message naming bucket and key. */
function deleteResult(bucket: string, body: string): string {
  const keys = [...body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => m[1]!);
  const entries = keys
    .map((raw, i) =>
      i % 2 === 0
        ? `<Deleted><Key>${raw}</Key></Deleted>`
        : `<Error><Key>${raw}</Key><Code>AccessDenied</Code>${el("Message", `Access Denied to ${bucket}/${raw}`)}</Error>`,
    )
    .join("");
  return `${XML_HEAD}<DeleteResult${NS}>${entries}</DeleteResult>`;
}
