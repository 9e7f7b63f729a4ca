/**
 * @module test/unit/gateway-boundary-property — the gateway's boundary as an invariant (issue #10):
 * a real gateway (createGateway, in this process) in front of five recording backends
 * (test/support/recording-backend), probed with generated SigV4-signed requests (header-signed
 * and presigned) from users with different scopes, and for every request:
 *
 *   1. every request a backend received stays inside the caller's routes: the physical bucket of
 *      a route of the bucket the caller named (or of its copy source) that the caller's scope
 *      reaches, and for object, listing and batch-delete requests a key / prefix / marker under
 *      that route's mapped prefix — judged on the raw path and query as the backend received
 *      them, so a path normalised on the way (`..`) or a listing without its prefix is caught;
 *   2. a read-only caller causes no backend write (only GET and HEAD reach a backend);
 *   3. no answer (status line, headers, body) names a physical bucket or prefix, another route's
 *      key, a backend's address, access key id or HostId, or a canonical request.
 *
 * Every physical name and backend secret contains "zqx", which the generators can never produce
 * (their alphabets have no `z` or `q` in either case, and no fixed string of theirs contains
 * "zqx"), so a caller's own input echoed back cannot raise a false alarm; backend addresses are
 * `127.0.0.1:<port>` strings the generators cannot form either.
 *
 * `npm test` runs 300 requests with a fixed seed. A longer search, with another seed:
 *
 *   S3R_PROPERTY_RUNS=20000 S3R_PROPERTY_SEED=$RANDOM npx vitest run test/unit/gateway-boundary-property.test.ts
 *
 * A failure prints the shrunk request (fast-check minimises it), what reached the backends and
 * what was answered.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { createHash, createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { Writable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import { amzDate, signingKey } from "../support/chunked-body.js";
import {
  ANSWER_HEADER,
  ANSWER_KINDS,
  lenientDecode,
  parseRawQuery,
  startRecordingBackend,
  type RecordedRequest,
  type RecordingBackend,
} from "../support/recording-backend.js";

// ---------------------------------------------------------------------------------------------
// The world: backends, routes, users.

const MARK = "zqx";
const BACKENDS = ["plain", "renamed", "shared", "keys", "default"] as const;
type BackendName = (typeof BACKENDS)[number];

/** Where a route keeps a caller bucket's keys. */
interface Place {
  readonly backend: BackendName;
  readonly bucket: string;
  readonly prefix: string;
}

/** What each backend pretends to hold (physical names). */
const HOLDINGS: Readonly<Record<BackendName, Readonly<Record<string, readonly string[]>>>> = {
  plain: { "plain-bucket": ["p1.txt", "dir/p2.txt"] },
  renamed: { "zqx-renamed": ["r1.txt", "dir/r2.txt"] },
  // Two tenants in one physical bucket, under different prefixes, and a key of neither.
  shared: {
    "zqx-shared": ["zqx-a/mine.txt", "zqx-a/dir/x", "zqx-b/theirs.txt", "zqx-b/top-secret.txt", "zqx-root-object"],
  },
  keys: { "zqx-keys": ["zqx-t2/team2/a.txt", "zqx-other/x.txt"] },
  default: {
    "example-bucket": ["e1.txt", "team2/shadow.txt"],
    "secret-bucket": ["top-secret.txt"],
    "other-bucket": ["o.txt"],
  },
};

/** The routes of a caller bucket, as the configuration below means them (written out, not computed by the code under test). */
function placesOf(bucket: string): Place[] {
  switch (bucket) {
    case "plain-bucket":
      return [{ backend: "plain", bucket, prefix: "" }];
    case "renamed-bucket":
      return [{ backend: "renamed", bucket: "zqx-renamed", prefix: "" }];
    case "team-a":
      return [{ backend: "shared", bucket: "zqx-shared", prefix: "zqx-a/" }];
    case "team-b":
      return [{ backend: "shared", bucket: "zqx-shared", prefix: "zqx-b/" }];
    case "example-bucket":
      // Keys team2/* on their own backend; the rest of the bucket on the default one.
      return [
        { backend: "keys", bucket: "zqx-keys", prefix: "zqx-t2/" },
        { backend: "default", bucket, prefix: "" },
      ];
    default:
      // Every other name is the default client's, unrenamed, except the names where S3 servers
      // answer their administration APIs: those must never be reached.
      if (
        bucket === "" ||
        bucket === "." ||
        bucket === ".." ||
        bucket.includes("/") ||
        RESERVED.has(bucket.toLowerCase())
      )
        return [];
      return [{ backend: "default", bucket, prefix: "" }];
  }
}
const RESERVED = new Set(["admin", "minio", "swift", "auth"]);

interface User {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly buckets?: readonly string[];
  readonly readOnly?: boolean;
}
const USERS = {
  admin: { accessKeyId: "AKADMIN0001", secretAccessKey: "admin-secret-0123456789" },
  tenantA: { accessKeyId: "AKTENANTA01", secretAccessKey: "tenant-a-secret-0123456789", buckets: ["team-a"] },
  reader: {
    accessKeyId: "AKREADER001",
    secretAccessKey: "reader-secret-0123456789",
    buckets: ["team-*", "plain-bucket", "renamed-bucket"],
    readOnly: true,
  },
  examples: { accessKeyId: "AKEXAMPLES1", secretAccessKey: "examples-secret-0123456789", buckets: ["example-bucket"] },
  roAll: { accessKeyId: "AKREADALL01", secretAccessKey: "read-all-secret-0123456789", readOnly: true },
} satisfies Record<string, User>;
type UserName = keyof typeof USERS;

/** The scope check as the configuration means it (literal names and `prefix*` globs only). */
const inScope = (user: User, bucket: string): boolean =>
  user.buckets === undefined ||
  user.buckets.some((g) => (g.endsWith("*") ? bucket.startsWith(g.slice(0, -1)) : bucket === g));

const DOMAIN = "s3.test";

let backends: Record<BackendName, RecordingBackend>;
let gateway: Gateway;
let gatewayAddress: string;
let gatewayPort: number;

beforeAll(async () => {
  const started = await Promise.all(
    BACKENDS.map((name) =>
      startRecordingBackend({
        name,
        accessKeyId: `ZQXKEY${name.toUpperCase()}`,
        buckets: HOLDINGS[name],
        hostId: `zqx-host-id-${name}+AbCd/EfGh=`,
      }),
    ),
  );
  backends = Object.fromEntries(started.map((b) => [b.name, b])) as Record<BackendName, RecordingBackend>;
  const client = (name: BackendName) => ({
    endpoint: backends[name].url,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: `ZQXKEY${name.toUpperCase()}`, secretAccessKey: `zqx-backend-secret-${name}` },
    // One attempt: a recorded request must be the only one its probe caused.
    maxAttempts: 1,
    requestChecksumCalculation: "WHEN_REQUIRED" as const,
    responseChecksumValidation: "WHEN_REQUIRED" as const,
  });
  gateway = createGateway(
    {
      listingTokenSecret: "listing-token-secret-for-tests",
      clients: Object.fromEntries(BACKENDS.map((name) => [name, client(name)])),
      profiles: {
        plain: { client: "plain", source_bucket_pattern: "plain-bucket" },
        renamed: { client: "renamed", source_bucket_pattern: "renamed-bucket", mapped_bucket_name: "zqx-renamed" },
        "team-a": {
          client: "shared",
          source_bucket_pattern: "team-a",
          mapped_bucket_name: "zqx-shared",
          mapped_prefix: "zqx-a/",
        },
        "team-b": {
          client: "shared",
          source_bucket_pattern: "team-b",
          mapped_bucket_name: "zqx-shared",
          mapped_prefix: "zqx-b/",
        },
        team2: {
          client: "keys",
          source_bucket_pattern: "example-bucket",
          source_key_pattern: "team2/*",
          mapped_bucket_name: "zqx-keys",
          mapped_prefix: "zqx-t2/",
        },
      },
      gateway: { domain: DOMAIN, users: Object.values(USERS), logLevel: "silent", backendTimeoutMs: 10_000 },
    },
    { port: 0, logDestination: new Writable({ write: (_c, _e, done) => done() }) },
  );
  const { url, port } = await gateway.listen();
  gatewayAddress = new URL(url).host;
  gatewayPort = port;
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all(Object.values(backends ?? {}).map((b) => b.close()));
});

// ---------------------------------------------------------------------------------------------
// Requests: a probe is what a caller sends, with what S3 would read it to mean beside it.

interface Probe {
  readonly user: UserName;
  readonly method: string;
  /** The request target as sent (origin-form or absolute-form), query excluded. */
  readonly rawPath: string;
  readonly host: string;
  /** The bucket S3 reads from this path and host (undefined: service level). */
  readonly bucket: string | undefined;
  /** Query parameters as meant (decoded) and as sent (raw), in order. */
  readonly query: ReadonlyArray<{ readonly name: string; readonly value: string; readonly raw: string }>;
  readonly headers: Readonly<Record<string, string>>;
  /** The bucket a copy (or rename) source names, as meant. */
  readonly sourceBucket: string | undefined;
  readonly presigned: boolean;
  readonly body: string;
}

/**
 * Characters of generated names. No `z`/`Z`/`q`/`Q` (so nothing generated can contain "zqx",
 * the mark of every secret), but `.`, `/`, `%`, `+`, spaces, sub-delims, unicode and control
 * characters S3 keys may hold.
 */
const NAME_CHARS = [
  ..."abcdefghijklmnoprstuvwxyABCDEFGHIJKLMNOPRSTUVWXY0123456789",
  ..."-_.~!$&'()*+,;=:@ /%?#",
  "é",
  "日",
  "\u{1F600}",
  "\u0001",
  "\u001f",
  "\u007f",
  "\u00a0",
];
const nameChar = fc.constantFrom(...NAME_CHARS);
const freeText = fc.string({ unit: nameChar, minLength: 0, maxLength: 8 });

/** Bucket names to address; the configured ones thrice, so that scoped users often get past their scope. */
const BUCKETS = [
  ...["plain-bucket", "renamed-bucket", "team-a", "team-b", "example-bucket"].flatMap((b) => [b, b, b]),
  "secret-bucket",
  "other-bucket",
  "admin",
  "minio",
  "Team-A",
  "team-a.",
  "..",
  ".",
] as const;
const KEY_SEGMENTS = [
  "..",
  ".",
  "",
  "team2",
  "team-b",
  "team-a",
  "secret-bucket",
  "top-secret.txt",
  "mine.txt",
  "theirs.txt",
  "admin",
  "minio",
  "a b",
  "a+b",
  "x",
];

type Encoding = "minimal" | "full" | "lower-hex";
const encoding = fc.constantFrom<Encoding>("minimal", "minimal", "full", "lower-hex");

/** Percent-encodes `text` for a path: `minimal` leaves what a path may hold bare; the others encode every byte. */
function encodePath(text: string, how: Encoding): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    if (how === "minimal" && /[A-Za-z0-9\-_.~!$&'()*+,;=:@]/.test(c)) out += c;
    else {
      const hex = byte.toString(16).padStart(2, "0");
      out += `%${how === "lower-hex" ? hex : hex.toUpperCase()}`;
    }
  }
  return out;
}

/** Encodes a query component; `minimal` may send a space as `+` (S3 reads it so). */
function encodeQuery(text: string, how: Encoding, plusForSpace: boolean): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    if (byte === 0x20 && plusForSpace) out += "+";
    else if (how === "minimal" && /[A-Za-z0-9\-_.~!$'()*,;:@/]/.test(c)) out += c;
    else {
      const hex = byte.toString(16).padStart(2, "0");
      out += `%${how === "lower-hex" ? hex : hex.toUpperCase()}`;
    }
  }
  return out;
}

const keySegment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KEY_SEGMENTS) },
  { weight: 2, arbitrary: freeText },
);
/** A key as segments, each encoded its own way, joined by `/` or `%2F`. */
const rawKey = fc
  .array(fc.record({ text: keySegment, how: encoding, slash: fc.constantFrom("/", "/", "/", "%2F", "%2f") }), {
    minLength: 1,
    maxLength: 5,
  })
  .map((segments) => segments.map((s, i) => (i === 0 ? "" : s.slash) + encodePath(s.text, s.how)).join(""));

/** A copy or rename source: `bucket/key`, in the forms clients send it. */
const copySource = fc
  .record({
    bucket: fc.constantFrom(...BUCKETS),
    key: fc.constantFrom("mine.txt", "theirs.txt", "team2/a.txt", "top-secret.txt", "../team-b/theirs.txt", "a b"),
    form: fc.constantFrom("plain", "slash", "version", "encoded-slash", "dots"),
  })
  .map(({ bucket, key, form }) => {
    const encodedKey = key
      .split("/")
      .map((s) => encodeURIComponent(s))
      .join("/");
    const value =
      form === "plain"
        ? `${bucket}/${encodedKey}`
        : form === "slash"
          ? `/${bucket}/${encodedKey}`
          : form === "version"
            ? `${bucket}/${encodedKey}?versionId=v1`
            : form === "encoded-slash"
              ? `${bucket}%2F${encodedKey}`
              : `${bucket}/%2E%2E/${encodedKey}`;
    return { bucket, value };
  });

const SUBRESOURCES = [
  "acl",
  "tagging",
  "versions",
  "uploads",
  "delete",
  "location",
  "policy",
  "lifecycle",
  "logging",
  "replication",
  "inventory",
  "analytics",
  "metrics",
  "intelligent-tiering",
  "website",
  "notification",
  "cors",
  "encryption",
  "versioning",
  "object-lock",
  "retention",
  "legal-hold",
  "attributes",
  "torrent",
  "restore",
  "select",
  "uploadId",
  "partNumber",
  "session",
  "metadataInventoryTable",
  "metadataTable",
  "renameObject",
  "annotation",
  "requestPayment",
  "publicAccessBlock",
  "ownershipControls",
  "policyStatus",
  "accelerate",
  "foo",
  "admin",
  "x-id",
  "list-type",
  "id",
  "versionId",
];
const LISTING_PARAMS = [
  "prefix",
  "marker",
  "start-after",
  "continuation-token",
  "delimiter",
  "key-marker",
  "upload-id-marker",
  "version-id-marker",
  "encoding-type",
  "max-keys",
  "fetch-owner",
];
const HOSTILE_VALUES = [
  "",
  "/",
  "../",
  "..",
  "%2E%2E/",
  "team-b/",
  "../team-b/",
  "team2/",
  "team2/../",
  "/team-b",
  "a b",
  "+",
  "1",
  "2",
  "url",
  "0",
  "1000",
  "\u0001",
  "é",
];
const HOISTED = [
  "x-amz-copy-source",
  "X-Amz-Copy-Source",
  "x-amz-rename-source",
  "x-amz-acl",
  "x-amz-metadata-directive",
  "x-amz-expected-bucket-owner",
  "x-amz-tagging",
];
const PRESIGN_FIELDS = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders"];

const queryParam = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      name: fc.constantFrom(...SUBRESOURCES),
      value: fc.oneof(
        { weight: 3, arbitrary: fc.constant("") },
        { weight: 1, arbitrary: fc.constantFrom("1", "2", "v1", "upload-1", "ListObjectsV2", "a b") },
      ),
      bare: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      name: fc.constantFrom(...LISTING_PARAMS),
      value: fc.oneof(fc.constantFrom(...HOSTILE_VALUES), freeText),
      bare: fc.constant(false),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      name: fc.constantFrom(...HOISTED),
      value: fc.oneof(
        copySource.map((c) => c.value),
        fc.constantFrom("public-read", "REPLACE", "k=v"),
      ),
      bare: fc.constant(false),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      name: fc.constantFrom(...PRESIGN_FIELDS),
      value: fc.constantFrom("AWS4-HMAC-SHA256", "junk", "60"),
      bare: fc.constant(false),
    }),
  },
  { weight: 1, arbitrary: fc.record({ name: freeText.filter((s) => s !== ""), value: freeText, bare: fc.boolean() }) },
);

const rawQuery = fc
  .array(fc.record({ param: queryParam, how: encoding, plus: fc.boolean() }), { maxLength: 4 })
  .map((params) =>
    params.map(({ param, how, plus }) => ({
      name: param.name,
      value: param.bare ? "" : param.value,
      raw:
        param.bare && param.value === ""
          ? encodeQuery(param.name, how, plus)
          : `${encodeQuery(param.name, how, plus)}=${encodeQuery(param.bare ? "" : param.value, how, plus)}`,
    })),
  );

/**
 * Where the bucket goes: the path (with various hosts, none under the domain; sometimes an
 * absolute-form target), or the host (virtual-hosted style). `key`: whether the target names a
 * key (`undefined`: either).
 */
const target = (key: boolean | undefined) => {
  const keyArb = key === undefined ? fc.option(rawKey, { freq: 3 }) : key ? rawKey : fc.constant(null);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({
          bucket:
            key === undefined ? fc.option(fc.constantFrom(...BUCKETS), { freq: 12 }) : fc.constantFrom(...BUCKETS),
          how: encoding,
          key: keyArb,
          trailing: fc.boolean(),
          host: fc.constantFrom(
            "gateway",
            "gateway",
            "gateway",
            DOMAIN,
            `S3.TEST:${0}`,
            "evil.example",
            `team-b.${DOMAIN}.evil`,
            "localhost",
          ),
          absolute: fc.oneof(
            { weight: 12, arbitrary: fc.constant(null) },
            {
              weight: 1,
              arbitrary: fc.constantFrom("http://evil.example", "http://team-b.s3.test", "http://127.0.0.1"),
            },
          ),
        })
        .map(({ bucket, how, key, trailing, host, absolute }) => {
          const path =
            bucket === null ? "/" : `/${encodePath(bucket, how)}${key !== null ? `/${key}` : trailing ? "/" : ""}`;
          return {
            rawPath: `${absolute ?? ""}${path}`,
            host: host === "gateway" ? "" : host,
            bucket: bucket === null ? undefined : bucket,
          };
        }),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({
          bucket: fc.constantFrom(...BUCKETS.filter((b) => b !== ".." && b !== ".")),
          hostForm: fc.constantFrom("lower", "upper", "dot", "port"),
          key: keyArb,
        })
        .map(({ bucket, hostForm, key }) => {
          const name = `${bucket}.${DOMAIN}`;
          const host =
            hostForm === "upper"
              ? name.toUpperCase()
              : hostForm === "dot"
                ? `${name}.`
                : hostForm === "port"
                  ? `${name}:${0}`
                  : name;
          // Virtual-hosted: DNS names are case-insensitive, so the bucket S3 reads is lowercase.
          return { rawPath: key === null ? "/" : `/${key}`, host, bucket: bucket.toLowerCase() };
        }),
    },
  );
};

/**
 * Operations as S3 defines them (method, level, subresource and its arguments), so that many
 * probes get past classification to routing and the backends; hostile arguments are added to
 * them. The rest of the probes are any method with any subresources.
 */
const SHAPES: ReadonlyArray<{ method: string; key: boolean; params: ReadonlyArray<readonly [string, string]> }> = [
  { method: "GET", key: false, params: [] },
  { method: "GET", key: false, params: [["list-type", "2"]] },
  { method: "GET", key: false, params: [["versions", ""]] },
  { method: "GET", key: false, params: [["uploads", ""]] },
  { method: "GET", key: false, params: [["location", ""]] },
  ...[
    "acl",
    "policy",
    "lifecycle",
    "logging",
    "replication",
    "website",
    "notification",
    "tagging",
    "versioning",
    "cors",
    "encryption",
    "publicAccessBlock",
  ].map((sub) => ({ method: "GET", key: false, params: [[sub, ""]] as const })),
  ...["inventory", "analytics", "metrics", "intelligent-tiering"].map((sub) => ({
    method: "GET",
    key: false,
    params: [
      [sub, ""],
      ["id", "c1"],
    ] as const,
  })),
  { method: "HEAD", key: false, params: [] },
  { method: "PUT", key: false, params: [] },
  { method: "PUT", key: false, params: [["tagging", ""]] },
  { method: "PUT", key: false, params: [["versioning", ""]] },
  { method: "DELETE", key: false, params: [] },
  { method: "DELETE", key: false, params: [["cors", ""]] },
  { method: "POST", key: false, params: [["delete", ""]] },
  { method: "GET", key: true, params: [] },
  { method: "GET", key: true, params: [["acl", ""]] },
  { method: "GET", key: true, params: [["tagging", ""]] },
  { method: "GET", key: true, params: [["uploadId", "upload-1"]] },
  { method: "GET", key: true, params: [["attributes", ""]] },
  { method: "HEAD", key: true, params: [] },
  { method: "PUT", key: true, params: [] },
  { method: "PUT", key: true, params: [["tagging", ""]] },
  {
    method: "PUT",
    key: true,
    params: [
      ["partNumber", "1"],
      ["uploadId", "upload-1"],
    ],
  },
  { method: "POST", key: true, params: [["uploads", ""]] },
  { method: "POST", key: true, params: [["uploadId", "upload-1"]] },
  { method: "DELETE", key: true, params: [] },
  { method: "DELETE", key: true, params: [["uploadId", "upload-1"]] },
];

const shaped = fc
  .record({
    shape: fc.constantFrom(...SHAPES),
    // Hostile listing arguments (reads drop what is not theirs; writes would refuse them).
    extra: fc.array(
      fc.record({
        name: fc.constantFrom(...LISTING_PARAMS),
        value: fc.oneof(fc.constantFrom(...HOSTILE_VALUES), freeText),
      }),
      { maxLength: 2 },
    ),
    how: encoding,
    plus: fc.boolean(),
  })
  .chain(({ shape, extra, how, plus }) =>
    target(shape.key).map((t) => ({
      method: shape.method,
      target: t,
      query: [...shape.params.map(([name, value]) => ({ name, value })), ...(shape.method === "GET" ? extra : [])].map(
        ({ name, value }) => ({
          name,
          value,
          raw:
            value === "" && shape.params.some(([n]) => n === name)
              ? encodeQuery(name, how, plus)
              : `${encodeQuery(name, how, plus)}=${encodeQuery(value, how, plus)}`,
        }),
      ),
    })),
  );

const METHODS = ["GET", "GET", "GET", "PUT", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"];
const anyShape = fc.record({ method: fc.constantFrom(...METHODS), target: target(undefined), query: rawQuery });

const probe: fc.Arbitrary<Probe> = fc
  .record({
    user: fc.constantFrom<UserName>("admin", "admin", "tenantA", "reader", "examples", "roAll"),
    request: fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 2, arbitrary: anyShape }),
    copy: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc.record({
          source: copySource,
          header: fc.constantFrom("x-amz-copy-source", "x-amz-copy-source", "x-amz-rename-source"),
        }),
      },
    ),
    answer: fc.option(fc.constantFrom(...ANSWER_KINDS), { freq: 2 }),
    // One request in four is a presigned URL.
    presigned: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    deleteKeys: fc.array(fc.constantFrom("mine.txt", "../team-b/theirs.txt", "team2/a.txt", "/x", "a b", ""), {
      minLength: 1,
      maxLength: 3,
    }),
  })
  .map(({ user, request: { method, target: t, query }, copy, answer, presigned, deleteKeys }) => {
    const headers: Record<string, string> = {};
    if (copy !== null) headers[copy.header] = copy.source.value;
    if (answer !== null) headers[ANSWER_HEADER] = answer;
    const hoisted = query.find(
      (q) => q.name.toLowerCase() === "x-amz-copy-source" || q.name.toLowerCase() === "x-amz-rename-source",
    );
    const sourceValue = copy?.source.value ?? hoisted?.value;
    const deleting = method === "POST" && query.some((q) => q.name === "delete");
    const body = deleting
      ? `<Delete>${deleteKeys.map((k) => `<Object><Key>${k}</Key></Object>`).join("")}</Delete>`
      : method === "PUT" || method === "POST"
        ? "payload"
        : "";
    return {
      user,
      method,
      rawPath: t.rawPath,
      host: t.host,
      bucket: t.bucket,
      query,
      headers,
      sourceBucket:
        sourceValue === undefined ? undefined : lenientDecode(sourceValue.replace(/^\//, "").split(/\/|%2F/i)[0]!),
      presigned,
      body,
    } satisfies Probe;
  });

// ---------------------------------------------------------------------------------------------
// Signing and sending.

type SourceData = string | ArrayBuffer | ArrayBufferView;
const toBytes = (d: SourceData): string | Uint8Array =>
  typeof d === "string"
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

/** Node's crypto behind the hash interface the SDK's signer takes. */
class NodeSha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
}

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

interface Sent {
  readonly method: string;
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Signs a probe for its user: SigV4 over the path exactly as sent, or a presigned URL. */
async function sign(p: Probe): Promise<Sent> {
  const user = USERS[p.user];
  if (!p.rawPath.startsWith("/")) return signAbsoluteForm(p, user);
  const signer = new SignatureV4({
    service: "s3",
    region: "us-east-1",
    credentials: user,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const host = p.host === "" ? gatewayAddress : p.host.replace(/:0$/, `:${gatewayPort}`);
  const query: Record<string, string | string[]> = {};
  for (const { name, value } of p.query) {
    const prior = query[name];
    query[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  const request = {
    method: p.method,
    protocol: "http:",
    hostname: "127.0.0.1",
    port: gatewayPort,
    path: p.rawPath,
    query,
    headers: {
      host,
      ...p.headers,
      "x-amz-content-sha256": p.presigned ? "UNSIGNED-PAYLOAD" : createHash("sha256").update(p.body).digest("hex"),
    },
  };
  if (p.presigned) {
    // As the SDK's presigner does: x-amz-* headers (the copy source too) are hoisted into the query.
    const out = await signer.presign(request, { expiresIn: 900 });
    const search = Object.entries(out.query ?? {})
      .flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((v) => `${rfc3986(name)}=${rfc3986(String(v ?? ""))}`),
      )
      .join("&");
    return {
      method: p.method,
      target: `${p.rawPath}?${search}`,
      headers: out.headers,
      body: p.body,
    };
  }
  const out = await signer.sign(request);
  const search = p.query.map((q) => q.raw).join("&");
  return {
    method: p.method,
    target: search === "" ? p.rawPath : `${p.rawPath}?${search}`,
    headers: out.headers,
    body: p.body,
  };
}

/**
 * Signs an absolute-form target (`GET http://host/bucket/key`, what clients send to proxies).
 * The SDK's signer cannot: it makes every path start with `/`. This gateway verifies the
 * signature over the target exactly as received, scheme and authority included, so that is
 * what is signed here: the probe is about routing, not about which canonical path is right.
 */
function signAbsoluteForm(p: Probe, user: User): Sent {
  const time = amzDate(new Date());
  const scope = `${time.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const payloadHash = createHash("sha256").update(p.body).digest("hex");
  const host = p.host === "" ? gatewayAddress : p.host.replace(/:0$/, `:${gatewayPort}`);
  const headers: Record<string, string> = {
    host,
    ...p.headers,
    "x-amz-content-sha256": payloadHash,
    "x-amz-date": time,
  };
  const names = Object.keys(headers).sort();
  const query = p.query
    .map((q) => `${rfc3986(q.name)}=${rfc3986(q.value)}`)
    .sort()
    .join("&");
  const canonical = [
    p.method,
    p.rawPath,
    query,
    ...names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, " ")}`),
    "",
    names.join(";"),
    payloadHash,
  ].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", time, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  const signature = createHmac("sha256", signingKey(user.secretAccessKey, time.slice(0, 8), "us-east-1"))
    .update(toSign)
    .digest("hex");
  headers["authorization"] =
    `AWS4-HMAC-SHA256 Credential=${user.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  const search = p.query.map((q) => q.raw).join("&");
  return { method: p.method, target: search === "" ? p.rawPath : `${p.rawPath}?${search}`, headers, body: p.body };
}

interface Answer {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

/** Sends a request as written (no URL parsing, no normalisation) on a fresh connection. */
function send(sent: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(sent.body);
    const headers = {
      ...sent.headers,
      ...(body.length > 0 || sent.method === "PUT" || sent.method === "POST"
        ? { "content-length": String(body.length) }
        : {}),
    };
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: gatewayPort,
        method: sent.method,
        path: sent.target,
        headers,
        agent: false,
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const pairs: Array<[string, string]> = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
            pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? "",
            headers: pairs,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body.length > 0 ? body : undefined);
  });
}

const allRecorded = (): RecordedRequest[] => BACKENDS.flatMap((name) => backends[name].requests);
const clearRecorded = () => {
  for (const name of BACKENDS) backends[name].requests.length = 0;
};

// ---------------------------------------------------------------------------------------------
// The invariants.

/** What about one backend request breaks the boundary, if anything. */
function backendViolations(p: Probe, r: RecordedRequest): string[] {
  const user: User = USERS[p.user];
  const problems: string[] = [];
  const where = `${r.backend} ${r.method} ${r.rawPath}${r.rawQuery ? `?${r.rawQuery}` : ""}`;
  // 2. read-only callers cause reads only.
  const query = parseRawQuery(r.rawQuery);
  // (SelectObjectContent reads with a POST; a CORS preflight, OPTIONS, reads the bucket's CORS rules.)
  const select = r.method === "POST" && query.some(([n]) => n === "select");
  if (user.readOnly && r.method !== "GET" && r.method !== "HEAD" && r.method !== "OPTIONS" && !select)
    problems.push(`read-only user caused a write: ${where}`);

  const first = r.rawPath.split("/")[1] ?? "";
  if (RESERVED.has(lenientDecode(first).toLowerCase()))
    problems.push(`an administration namespace was reached: ${where}`);

  const rest = r.rawPath.slice(1);
  if (rest === "") {
    // Service level: only ListBuckets, for a caller who asked for it (its answer is filtered).
    const listBucketArgs = new Set(["max-buckets", "continuation-token", "prefix", "bucket-region", "x-id"]);
    if (p.bucket !== undefined || r.method !== "GET" || query.some(([n]) => !listBucketArgs.has(n)))
      problems.push(`service-level request: ${where}`);
    return problems;
  }

  // 1. inside a route of the bucket the caller named (or its copy source), within its scope.
  // A CORS preflight carries no identity: it may reach any bucket some user's scope names.
  const mayName = (b: string) =>
    r.method === "OPTIONS" ? Object.values(USERS).some((u) => inScope(u, b)) : inScope(user, b);
  const named = [p.bucket, p.sourceBucket].filter((b): b is string => b !== undefined && mayName(b));
  const places = named.flatMap(placesOf).filter((place) => place.backend === r.backend);
  const place = places.find((pl) => r.rawPath === `/${pl.bucket}` || r.rawPath.startsWith(`/${pl.bucket}/`));
  if (place === undefined) {
    problems.push(`outside the caller's routes (${p.user}: ${named.join(", ") || "no bucket in scope"}): ${where}`);
    return problems;
  }
  const under = (name: string) => name.startsWith(place.prefix);
  const rawKey = r.rawPath.slice(place.bucket.length + 2);
  // `/bucket/` (what SDKs send for bucket requests) is the bucket itself, as `/bucket` is.
  const isObject = rawKey !== "";
  if (isObject) {
    // The raw key as received, not a decoded or normalised one: `zqx-a/../zqx-b/x` would pass
    // a decoded check too, but `%2E%2E` or a normalised path would not reach here unnoticed.
    if (!rawKey.startsWith(place.prefix) || !under(lenientDecode(rawKey)))
      problems.push(`object key outside the route's prefix "${place.prefix}": ${where}`);
  } else if (place.prefix !== "") {
    const has = (n: string) => query.some(([name]) => name === n);
    const listing =
      r.method === "GET" &&
      (query.every(([n]) => LISTING_PARAMS.includes(n) || n === "list-type" || n === "x-id") ||
        has("versions") ||
        has("uploads"));
    if (listing) {
      const prefix = query.find(([n]) => n === "prefix")?.[1];
      if (prefix === undefined || !under(prefix))
        problems.push(`listing without the route's prefix "${place.prefix}": ${where}`);
      for (const marker of ["marker", "start-after", "key-marker"]) {
        const value = query.find(([n]) => n === marker)?.[1];
        if (value !== undefined && value !== "" && !under(value))
          problems.push(`listing ${marker} outside the route's prefix: ${where}`);
      }
    } else if (r.method === "POST" && has("delete")) {
      const keys = [...r.body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => unescapeXml(m[1]!));
      for (const key of keys)
        if (!under(key))
          problems.push(`batch delete of a key outside the route's prefix: ${JSON.stringify(key)} in ${where}`);
    } else if (r.method !== "GET" && r.method !== "HEAD" && r.method !== "OPTIONS") {
      // The backend bucket is shared with other routes: changing it changes it for them.
      problems.push(`a change to a shared backend bucket: ${where}`);
    }
  }
  for (const name of ["x-amz-copy-source", "x-amz-rename-source"]) {
    const value = r.headers[name];
    if (typeof value !== "string") continue;
    const path = lenientDecode(value.split("?")[0]!.replace(/^\//, ""));
    const slash = path.indexOf("/");
    const [bucket, key] = slash < 0 ? [path, ""] : [path.slice(0, slash), path.slice(slash + 1)];
    const sourcePlaces = named
      .flatMap(placesOf)
      .filter((pl) => pl.backend === r.backend && pl.bucket === bucket && key.startsWith(pl.prefix));
    if (sourcePlaces.length === 0) problems.push(`${name} outside the caller's routes: ${value} in ${where}`);
  }
  return problems;
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-f]+|#\d+);/gi, (_m, e: string) =>
    e === "lt"
      ? "<"
      : e === "gt"
        ? ">"
        : e === "amp"
          ? "&"
          : e === "quot"
            ? '"'
            : e === "apos"
              ? "'"
              : String.fromCodePoint(
                  e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10),
                ),
  );

/** 3. What an answer shows that it must not. */
function answerViolations(answer: Answer): string[] {
  const text = [
    `${answer.status} ${answer.statusMessage}`,
    ...answer.headers.map(([n, v]) => `${n}: ${v}`),
    answer.body,
  ].join("\n");
  const problems: string[] = [];
  const mark = text.toLowerCase().indexOf(MARK);
  if (mark >= 0)
    problems.push(`the answer names a backend's name or secret: …${text.slice(Math.max(0, mark - 60), mark + 60)}…`);
  for (const name of BACKENDS) {
    if (text.includes(backends[name].address))
      problems.push(`the answer names backend ${name}'s address ${backends[name].address}`);
  }
  return problems;
}

/** Header naming the probe a request belongs to (the gateway passes it on; the library does not). */
const PROBE_HEADER = "x-probe-id";
let probeCounter = 0;

/**
 * Waits until the backends have been quiet for a few milliseconds. A gateway may still be talking
 * to a backend after it answered (a listing over two routes answers one backend's error while the
 * other's request is on its way): that request is this probe's, not the next one's.
 */
async function settle(): Promise<void> {
  let seen = -1;
  for (let quiet = 0, round = 0; quiet < 2 && round < 100; round++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    const now = allRecorded().length;
    quiet = now === seen && BACKENDS.every((name) => backends[name].pending === 0) ? quiet + 1 : 0;
    seen = now;
  }
}

/** Runs one probe: sends it, and returns what it broke (empty when nothing). */
async function run(p: Probe): Promise<{ problems: string[]; answer: Answer; recorded: RecordedRequest[] }> {
  await settle();
  clearRecorded();
  const id = String(++probeCounter);
  const answer = await send(await sign({ ...p, headers: { ...p.headers, [PROBE_HEADER]: id } }));
  await settle();
  // A request another probe caused (known by its header) is that probe's business.
  const recorded = allRecorded().filter((r) => r.headers[PROBE_HEADER] === undefined || r.headers[PROBE_HEADER] === id);
  const problems = [...recorded.flatMap((r) => backendViolations(p, r)), ...answerViolations(answer)];
  return { problems, answer, recorded: [...recorded] };
}

const describeRun = (p: Probe, result: Awaited<ReturnType<typeof run>>) =>
  [
    `probe: ${JSON.stringify(p)}`,
    ...result.problems.map((x) => `  VIOLATION ${x}`),
    ...result.recorded.map(
      (r) => `  backend ${r.backend}: ${r.method} ${r.rawPath}${r.rawQuery ? `?${r.rawQuery}` : ""}`,
    ),
    `  answer: ${result.answer.status} ${result.answer.body.slice(0, 600)}`,
  ].join("\n");

// ---------------------------------------------------------------------------------------------

const AUTH_FAILURES = new Set([
  "SignatureDoesNotMatch",
  "AuthorizationQueryParametersError",
  "AuthorizationHeaderMalformed",
  "InvalidAccessKeyId",
  "RequestTimeTooSkewed",
]);

const RUNS = Number(process.env["S3R_PROPERTY_RUNS"] ?? 300);
const SEED = Number(process.env["S3R_PROPERTY_SEED"] ?? 0x5e3d10);

describe("gateway boundary (issue #10)", () => {
  beforeEach(() => clearRecorded());

  it(`holds for ${RUNS} generated requests (seed ${SEED})`, { timeout: Math.max(60_000, RUNS * 200) }, async () => {
    const outcomes = { probes: 0, reachedBackend: 0, authFailed: 0, codes: new Map<string, number>() };
    await fc.assert(
      fc.asyncProperty(probe, async (p) => {
        const result = await run(p);
        outcomes.probes++;
        if (result.recorded.length > 0) outcomes.reachedBackend++;
        const code = /<Code>([^<]*)<\/Code>/.exec(result.answer.body)?.[1] ?? String(result.answer.status);
        // (A backend's own SignatureDoesNotMatch, passed on, is not the gateway's refusal.)
        if (result.recorded.length === 0 && AUTH_FAILURES.has(code)) outcomes.authFailed++;
        const outcome = `${result.recorded.length > 0 ? "backend" : "gateway"} ${code}`;
        outcomes.codes.set(outcome, (outcomes.codes.get(outcome) ?? 0) + 1);
        if (result.problems.length > 0) throw new Error(describeRun(p, result));
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: process.env["S3R_PROPERTY_SHRINK"] === "0" },
    );
    // The probes must mostly pass authentication and often reach a backend, or they test nothing
    // of routing and authorization (only the signature check).
    if (process.env["S3R_PROPERTY_STATS"])
      console.log(
        JSON.stringify(
          { ...outcomes, codes: Object.fromEntries([...outcomes.codes].sort((a, b) => b[1] - a[1])) },
          null,
          1,
        ),
      );
    expect(outcomes.authFailed).toBeLessThan(outcomes.probes * 0.1);
    expect(outcomes.reachedBackend).toBeGreaterThan(outcomes.probes * 0.25);
    if (process.env["S3R_PROPERTY_STATS"])
      console.log(
        JSON.stringify(
          { ...outcomes, codes: Object.fromEntries([...outcomes.codes].sort((a, b) => b[1] - a[1])) },
          null,
          1,
        ),
      );
  });
});

/** A probe written by hand: path-style, header-signed, the recorder answering `ok`. */
const exact = (user: UserName, method: string, rawPath: string, rawQuery = "", extra: Partial<Probe> = {}): Probe => {
  const query = parseRawQuery(rawQuery).map(([name, value], i) => ({ name, value, raw: rawQuery.split("&")[i]! }));
  const first = lenientDecode(rawPath.split("/")[1] ?? "");
  return {
    user,
    method,
    rawPath,
    host: "",
    bucket: first === "" ? undefined : first,
    query,
    headers: { [ANSWER_HEADER]: "ok" },
    sourceBucket: undefined,
    presigned: false,
    body: "",
    ...extra,
  };
};

/** Runs a hand-written probe and requires the invariants too. */
async function runExact(p: Probe) {
  const result = await run(p);
  expect(result.problems, describeRun(p, result)).toEqual([]);
  return {
    ...result,
    seen: result.recorded.map((r) => `${r.backend} ${r.method} ${r.rawPath}${r.rawQuery ? `?${r.rawQuery}` : ""}`),
  };
}

describe("gateway boundary: the examples of issue #10", () => {
  it("GET /team-a?foo=1 lists team-a's keys only, not the whole shared bucket", async () => {
    const { seen, answer } = await runExact(exact("tenantA", "GET", "/team-a", "foo=1"));
    expect(seen).toEqual(["shared GET /zqx-shared?prefix=zqx-a%2F"]);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("<Key>mine.txt</Key>");
    expect(answer.body).not.toContain("theirs");
  });

  it("GET /team-a?prefix=team-b/&foo=1 stays under team-a's prefix", async () => {
    const { seen, answer } = await runExact(exact("tenantA", "GET", "/team-a", "prefix=team-b/&foo=1"));
    expect(seen).toEqual(["shared GET /zqx-shared?prefix=zqx-a%2Fteam-b%2F"]);
    expect(answer.body).not.toContain("theirs");
  });

  it("GET /example-bucket/%2E%2E/secret-bucket/top-secret.txt reaches the literal key in example-bucket, never secret-bucket", async () => {
    const { seen } = await runExact(exact("examples", "GET", "/example-bucket/%2E%2E/secret-bucket/top-secret.txt"));
    expect(seen).toEqual(["default GET /example-bucket/../secret-bucket/top-secret.txt"]);
  });

  it("PUT /example-bucket/team2/../../x lands at the literal key inside the route's prefix", async () => {
    const { seen, answer } = await runExact(
      exact("examples", "PUT", "/example-bucket/team2/../../x", "", { body: "payload" }),
    );
    expect(seen).toEqual(["keys PUT /zqx-keys/zqx-t2/team2/../../x"]);
    expect(answer.status).toBe(200);
  });

  it.each([
    [
      "POST /bucket/key?delete",
      exact("admin", "POST", "/plain-bucket/key", "delete", { body: "<Delete><Object><Key>k</Key></Object></Delete>" }),
      405,
    ],
    ["PATCH", exact("admin", "PATCH", "/plain-bucket/key", "", { body: "payload" }), 405],
    [
      "PUT /bucket?metadataInventoryTable",
      exact("admin", "PUT", "/plain-bucket", "metadataInventoryTable", { body: "<x/>" }),
      501,
    ],
    ["Ceph's /admin/user", exact("admin", "GET", "/admin/user", "uid=x&format=json"), 403],
    ["Ceph's /admin/bucket", exact("admin", "GET", "/admin/bucket", "bucket=secret-bucket"), 403],
    ["MinIO's /minio/admin/v3/info", exact("admin", "GET", "/minio/admin/v3/info"), 403],
    // (A write with an argument PutObject does not take is refused before its bucket is looked at.)
    [
      "MinIO's /minio/admin/v3/add-user",
      exact("admin", "PUT", "/minio/admin/v3/add-user", "accessKey=x", { body: "{}" }),
      501,
    ],
    [
      "MinIO's /minio/admin/v3/set-policy",
      exact("admin", "PUT", "/minio/admin/v3/set-policy", "", { body: "{}" }),
      403,
    ],
  ])("%s is refused and reaches no backend", async (_name, p, status) => {
    const { seen, answer } = await runExact(p);
    expect(seen).toEqual([]);
    expect(answer.status).toBe(status);
  });
});

describe("gateway boundary: regressions found by the property", () => {
  it("a caller's x-amz-copy-source on an operation that is not a copy is not forwarded, mapped or not", async () => {
    const p = exact("admin", "GET", "/plain-bucket", "", {
      headers: { [ANSWER_HEADER]: "ok", "x-amz-copy-source": "team-a/mine.txt" },
      sourceBucket: "team-a",
    });
    const { recorded } = await runExact(p);
    expect(recorded.map((r) => r.headers["x-amz-copy-source"])).toEqual([undefined]);
  });

  it("a copy source whose bucket holds an encoded slash is refused (a backend would read the bucket before the slash)", async () => {
    // Found as: PUT /example-bucket/.. with x-amz-copy-source plain-bucket%2F../team-b/theirs.txt
    // reached the default backend as a copy from ITS "plain-bucket" (which no route maps there).
    const p = exact("admin", "PUT", "/example-bucket/x", "", {
      body: "payload",
      headers: { [ANSWER_HEADER]: "ok", "x-amz-copy-source": "plain-bucket%2F../team-b/theirs.txt" },
      sourceBucket: "plain-bucket",
    });
    const { seen, answer } = await runExact(p);
    expect(seen).toEqual([]);
    expect(answer.body).toContain("<Code>InvalidBucketName</Code>");
  });

  it("a copy from a bucket named like an administration namespace is refused, also across backends", async () => {
    // Found as: PUT plain-bucket/a with x-amz-copy-source admin/mine.txt, a copy across backends
    // the library ran: it read GET /admin/mine.txt from the default backend (Ceph's admin API).
    const p = exact("admin", "PUT", "/plain-bucket/a", "", {
      body: "",
      headers: { [ANSWER_HEADER]: "ok", "x-amz-copy-source": "admin/mine.txt" },
      sourceBucket: "admin",
    });
    const { seen, answer } = await runExact(p);
    expect(seen).toEqual([]);
    expect(answer.status).toBe(403);
  });

  it("a DeleteObjects answer does not pass on a backend's per-key message naming the physical bucket and key", async () => {
    const body = "<Delete><Object><Key>mine.txt</Key></Object><Object><Key>dir/x</Key></Object></Delete>";
    const { seen, answer } = await runExact(exact("tenantA", "POST", "/team-a", "delete", { body }));
    expect(seen).toEqual(["shared POST /zqx-shared?delete"]);
    // The recorder fails every other key, with a message naming "zqx-shared/zqx-a/dir/x".
    expect(answer.body).toMatch(
      /<Error><Key>dir\/x<\/Key><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><\/Error>/,
    );
  });

  it("so does a DeleteObjects over several routes (answered by the library)", async () => {
    const body =
      "<Delete><Object><Key>team2/a.txt</Key></Object><Object><Key>team2/b.txt</Key></Object><Object><Key>e1.txt</Key></Object></Delete>";
    const { seen, answer } = await runExact(exact("examples", "POST", "/example-bucket", "delete", { body }));
    expect(seen.sort()).toEqual(["default POST /example-bucket/?delete=", "keys POST /zqx-keys/?delete="]);
    expect(answer.body).toMatch(
      /<Error><Key>team2\/b.txt<\/Key><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><\/Error>/,
    );
  });
});

describe("gateway boundary: listing tokens", () => {
  // A store whose token is the next key in plain text (the recorder's) would show the physical
  // prefix if the backend's token went on as written: the gateway seals it (gateway/backend-token).
  it("a ListObjectsV2 page's NextContinuationToken does not show the backend's physical key", async () => {
    const { answer } = await runExact(exact("tenantA", "GET", "/team-a", "list-type=2&max-keys=1"));
    expect(answer.body).toContain("<IsTruncated>true</IsTruncated>");
  });
});
