/**
 * @module test/integration/literal-names — keys S3 stores byte for byte (dot segments, `//`, a
 * trailing `/`, `%2F` as text, spaces, `+`, unicode, control characters) go through the router
 * unchanged: one scenario run over three targets on real Ceph RGW — the backend directly (the
 * reference: what RGW itself does with each key), the library router, and the gateway driven by
 * the SDK — the last two through a route that renames the bucket and prefixes every key, so the
 * physical key must be exactly the prefix plus the caller's key.
 *
 * Also raw requests the SDK would not send: `%2E%2E` segments, which once let a caller of one
 * bucket read another after a URL parser resolved them on the way to the backend.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Router, type S3Router } from "../../src/index.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { backendConfig, GATEWAY_USER, startGateway, type RunningGateway } from "../support/gateway.js";
import { sendSigned } from "../support/raw-request.js";

const rgw = injectRgw("rgwA");
const backend = rgwClient(rgw);
const direct = uniqueBucket("lit-direct");
const physicalBucket = uniqueBucket("lit-physical");
const secretBucket = uniqueBucket("lit-secret");
const referenceBucket = uniqueBucket("lit-reference");
const PREFIX = "tenant/";
const LOGICAL = "literal-names";

/** Keys whose every byte matters. */
const KEYS = [
  "a/../b",
  "../up",
  "x/./y",
  "./here",
  "dir/",
  "a//b",
  "/leading",
  "trailing/..",
  "sp ace",
  "plus+sign",
  "pct%2Fliteral",
  "pct%2E%2E",
  "uni/\u00fc/\u{1F600}",
  "ctl\u0001char",
  "tab\tkey",
  "q?mark#hash",
  "amp&eq=",
];

interface Target {
  readonly name: string;
  readonly client: () => S3Client;
  readonly bucket: string;
  /** Where the target stores a caller's key on the backend. */
  readonly physical: (key: string) => { bucket: string; key: string };
}

let router: S3Router;
let gw: RunningGateway;

const targets: Target[] = [
  {
    name: "RGW directly (reference)",
    client: () => backend,
    bucket: direct,
    physical: (key) => ({ bucket: direct, key }),
  },
  {
    name: "library router",
    client: () => router,
    bucket: LOGICAL,
    physical: (key) => ({ bucket: physicalBucket, key: PREFIX + key }),
  },
  {
    name: "gateway (SDK)",
    client: () => gw.client({ maxAttempts: 1 }),
    bucket: LOGICAL,
    physical: (key) => ({ bucket: physicalBucket, key: PREFIX + key }),
  },
];

const profiles = {
  literal: {
    client: "default",
    source_bucket_pattern: LOGICAL,
    mapped_bucket_name: physicalBucket,
    mapped_prefix: PREFIX,
  },
};

beforeAll(async () => {
  await createBuckets(backend, [direct, physicalBucket, secretBucket, referenceBucket]);
  await backend.send(new PutObjectCommand({ Bucket: secretBucket, Key: "top-secret.txt", Body: "secret" }));
  router = createS3Router({ clients: { default: backend }, profiles });
  gw = await startGateway({
    clients: { default: backendConfig(rgw) },
    profiles,
    gateway: { users: [{ ...GATEWAY_USER, buckets: [LOGICAL] }] },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all(
    [direct, physicalBucket, secretBucket, referenceBucket].map((b) => emptyAndDeleteBucket(backend, b)),
  );
});

/** A PutObject's outcome: "stored", or the error's name. */
const putOutcome = (s3: S3Client, bucket: string, key: string): Promise<string> =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` })).then(
    () => "stored",
    (e: unknown) => errorName(e) ?? String(e),
  );

/**
 * What RGW itself does with a key, in a bucket of its own: the outcome every target must show.
 * Each test asks for it rather than reading what another test recorded, so a test run alone (or
 * in another order) checks the same thing; the answer is cached per key, it never changes.
 */
const referenceOutcomes = new Map<string, Promise<string>>();
function referenceOutcome(key: string): Promise<string> {
  let outcome = referenceOutcomes.get(key);
  if (!outcome) {
    // Deleted at once, one by one: a batch delete in afterAll cannot name every one of these keys.
    outcome = putOutcome(backend, referenceBucket, key).then(async (put) => {
      if (put === "stored") await backend.send(new DeleteObjectCommand({ Bucket: referenceBucket, Key: key }));
      return put;
    });
    referenceOutcomes.set(key, outcome);
  }
  return outcome;
}

describe.each(targets)("literal keys: $name", (target) => {
  it.each(KEYS)("%j round-trips byte for byte, stored exactly where the route puts it", async (key) => {
    const s3 = target.client();
    const put = await putOutcome(s3, target.bucket, key);
    // Same outcome as RGW itself: a key RGW refuses is refused alike, never rewritten into one it takes.
    expect(put).toBe(await referenceOutcome(key));
    if (put !== "stored") return;

    const got = await s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
    expect(await readBody(got, "utf8")).toBe(`body of ${key}`);
    expect((await s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }))).ContentLength).toBe(
      Buffer.byteLength(`body of ${key}`),
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: key }));
    expect((listed.Contents ?? []).map((c) => c.Key)).toContain(key);

    // Physically: exactly the route's prefix plus the caller's key, nothing resolved or re-encoded.
    const where = target.physical(key);
    const stored = await backend.send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key }));
    expect(await readBody(stored, "utf8")).toBe(`body of ${key}`);

    await s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key }));
    const gone = await backend
      .send(new HeadObjectCommand({ Bucket: where.bucket, Key: where.key }))
      .catch((e: unknown) => errorName(e));
    expect(gone).toBe("NotFound");
  });
});

// ---------------------------------------------------------------------------------------------
// Raw requests: paths a URL parser would rewrite, signed as sent.
/** Sends `method path` to the gateway exactly as written (no URL parser on the way), signed over that path. */
const rawSigned = (method: string, path: string, body = "") =>
  sendSigned({ endpoint: gw.url, method, path, user: GATEWAY_USER, body });

describe("dot segments in raw requests stay inside the caller's bucket and prefix", () => {
  it("GET /bucket/%2E%2E/<other bucket>/… reads the literal key, never the other bucket", async () => {
    for (const path of [
      `/${LOGICAL}/%2E%2E/${secretBucket}/top-secret.txt`,
      `/${LOGICAL}/../${secretBucket}/top-secret.txt`,
      `/${LOGICAL}/./../../${secretBucket}/top-secret.txt`,
    ]) {
      const answer = await rawSigned("GET", path);
      expect(answer.status, path).toBe(404);
      expect(answer.text, path).not.toBe("secret");
      expect(answer.text).toContain("<Code>NoSuchKey</Code>");
    }
  });

  it("PUT /bucket/team2/../../x lands at that literal key under the route's prefix", async () => {
    const answer = await rawSigned("PUT", `/${LOGICAL}/team2/../../x`, "dots");
    expect(answer.status).toBe(200);
    const stored = await backend.send(new GetObjectCommand({ Bucket: physicalBucket, Key: `${PREFIX}team2/../../x` }));
    expect(await readBody(stored, "utf8")).toBe("dots");
    // …and nothing outside the prefix or the bucket.
    const outside = await backend
      .send(new HeadObjectCommand({ Bucket: physicalBucket, Key: "x" }))
      .catch((e: unknown) => errorName(e));
    expect(outside).toBe("NotFound");
  });

  it("a bucket named by dots is refused before it can become a path", async () => {
    for (const path of ["/%2E%2E/x", "/./x", "/../x"]) {
      const answer = await rawSigned("GET", path);
      expect([answer.status, /<Code>(\w+)<\/Code>/.exec(answer.text)?.[1]], path).toEqual([400, "InvalidBucketName"]);
    }
  });

  it("backend administration namespaces are never reached (Ceph RGW /admin, MinIO /minio/admin)", async () => {
    const open = await startGateway({
      clients: { default: backendConfig(rgw) },
      profiles: {},
      gateway: { users: [GATEWAY_USER] },
    });
    try {
      for (const path of ["/admin/user?uid=x", "/admin/usage", "/minio/admin/v3/info", "/admin"]) {
        const url = new URL(open.url);
        const s3 = open.client({ maxAttempts: 1 });
        const [bucket, ...rest] = path.split("?")[0]!.slice(1).split("/");
        const error = await (
          rest.length > 0
            ? s3.send(new GetObjectCommand({ Bucket: bucket!, Key: rest.join("/") }))
            : s3.send(new ListObjectsV2Command({ Bucket: bucket! }))
        ).catch((e: unknown) => e);
        expect(errorName(error), `${url.host}${path}`).toBe("AccessDenied");
      }
    } finally {
      await open.stop();
    }
  });
});
