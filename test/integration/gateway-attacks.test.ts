/**
 * @module test/integration/gateway-attacks — regressions of attacks on the gateway's guarantees,
 * on real Ceph RGWs: each test is one attack that once worked, answered as it must be now.
 *
 * - A user with its own backend credentials is never lent the gateway's identity by an operation
 *   that spans stores (merged listing, split DeleteObjects, cross-backend copy): the backend's
 *   denials of that user would not apply there.
 * - An unsigned CORS preflight tells nothing of which buckets exist (NoSuchBucket).
 * - On a route with a fallback, a DeleteObject of a caller the gateway does not act for (anonymous,
 *   or a user with its own backend credentials) does not delete the fallback's copy with the
 *   gateway's identity before the primary refuses that caller.
 * - A bucket name in RGW's `tenant:bucket` form with the gateway's own (empty) tenant is another
 *   spelling of a bucket: it must not reach, around the routes, a key a key-pattern route hides.
 * - A RenameObject source that names another bucket without a leading slash (`other/key`, which
 *   a store reads as bucket `other`) is refused, not forwarded as a key of the caller's bucket.
 * - A route holding part of a backend bucket (a mapped prefix) does not show the whole bucket's
 *   totals (RGW's `x-rgw-object-count`, `x-rgw-bytes-used`, quotas) in HeadBucket.
 */
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  errorStatus,
  injectRgw,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { backendConfig, GATEWAY_USER, startGateway, type RunningGateway } from "../support/gateway.js";
import { sendSigned } from "../support/raw-request.js";
import { createRgwUser } from "../support/rgw.js";

const rgwA = injectRgw("rgwA");
const rgwB = injectRgw("rgwB");
const a = rgwClient(rgwA);
const b = rgwClient(rgwB);
/** An RGW user of rgwA that owns nothing the gateway's identity made. */
const MALLORY = { accessKeyId: "MALLORYBACKENDKEY", secretAccessKey: "mallory-backend-secret-0123456789" };
const GW_MALLORY = { accessKeyId: "GWMALLORY", secretAccessKey: "gw-mallory-secret-0123456789" };
const GW_ALL = { accessKeyId: "GWALLBUCKETS", secretAccessKey: "gw-all-secret-0123456789" };
const GW_TENANT = { accessKeyId: "GWTENANT", secretAccessKey: "gw-tenant-secret-0123456789" };

/** Split by key pattern: `private/*` on rgwB, the rest on rgwA (owned by the gateway's identity). */
const split = uniqueBucket("atk-split");
const splitPrivate = uniqueBucket("atk-split-priv");
const onB = uniqueBucket("atk-onb");
const shared = uniqueBucket("atk-shared");
const migrating = uniqueBucket("atk-mig");
const migratingOld = uniqueBucket("atk-mig-old");
let gw: RunningGateway;
let migrationGw: RunningGateway;

beforeAll(async () => {
  createRgwUser(inject("rgwAConf"), "gw-attacks-mallory", MALLORY.accessKeyId, MALLORY.secretAccessKey);
  await createBuckets(a, [split, shared, migrating]);
  await createBuckets(b, [splitPrivate, onB, migratingOld]);
  for (const key of ["left-1", "left-2"])
    await b.send(new PutObjectCommand({ Bucket: migratingOld, Key: key, Body: "only copy" }));
  await a.send(new PutObjectCommand({ Bucket: split, Key: "owned-by-gateway.txt", Body: "not mallory's" }));
  // Shadowed: `private/*` of this bucket is served by rgwB; no request should reach this one.
  await a.send(new PutObjectCommand({ Bucket: split, Key: "private/shadowed.txt", Body: "SHADOWED-CONTENT-7f3" }));
  await b.send(new PutObjectCommand({ Bucket: splitPrivate, Key: "private/p.txt", Body: "p" }));
  await a.send(new PutObjectCommand({ Bucket: shared, Key: "mine/one.txt", Body: "1" }));
  for (const key of ["theirs/a", "theirs/b", "theirs/c"])
    await a.send(new PutObjectCommand({ Bucket: shared, Key: key, Body: "secret" }));
  gw = await startGateway({
    clients: { default: backendConfig(rgwA), b: backendConfig(rgwB) },
    profiles: {
      "split-private": {
        client: "b",
        source_bucket_pattern: split,
        source_key_pattern: "private/*",
        mapped_bucket_name: splitPrivate,
      },
      "on-b": { client: "b", source_bucket_pattern: onB },
      mine: {
        client: "default",
        source_bucket_pattern: "tenant-mine",
        mapped_bucket_name: shared,
        mapped_prefix: "mine/",
      },
      theirs: {
        client: "default",
        source_bucket_pattern: "tenant-theirs",
        mapped_bucket_name: shared,
        mapped_prefix: "theirs/",
      },
    },
    gateway: {
      users: [
        { ...GW_MALLORY, buckets: [split, onB], backendCredentials: { default: MALLORY } },
        { ...GW_TENANT, buckets: ["tenant-mine"] },
        GW_ALL,
      ],
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await migrationGw?.stop();
  await emptyAndDeleteBucket(a, migrating);
  await emptyAndDeleteBucket(b, migratingOld);
  await emptyAndDeleteBucket(a, split);
  await emptyAndDeleteBucket(a, shared);
  await emptyAndDeleteBucket(b, splitPrivate);
  await emptyAndDeleteBucket(b, onB);
});

describe("a user with its own backend credentials", () => {
  let mallory: S3Client;
  beforeAll(() => {
    mallory = gw.client({ user: GW_MALLORY, maxAttempts: 1 });
  });

  it("is refused by the backend on a single store, as it should be", async () => {
    const error = await mallory
      .send(new HeadObjectCommand({ Bucket: split, Key: "owned-by-gateway.txt" }))
      .catch((e: unknown) => e);
    expect(errorStatus(error)).toBe(403);
  });

  it("cannot list through a merged listing what the backend refuses it", async () => {
    const error = await mallory.send(new ListObjectsV2Command({ Bucket: split })).catch((e: unknown) => e);
    expect(errorName(error)).toBe("AccessDenied");
  });

  it("cannot delete through a split DeleteObjects what the backend refuses it", async () => {
    const body = `<Delete><Object><Key>owned-by-gateway.txt</Key></Object><Object><Key>private/p.txt</Key></Object></Delete>`;
    const answer = await sendSigned({
      endpoint: gw.url,
      method: "POST",
      path: `/${split}`,
      query: "delete=",
      user: GW_MALLORY,
      body,
    });
    expect([answer.status, answer.code]).toEqual([403, "AccessDenied"]);
    await a.send(new HeadObjectCommand({ Bucket: split, Key: "owned-by-gateway.txt" }));
    await b.send(new HeadObjectCommand({ Bucket: splitPrivate, Key: "private/p.txt" }));
  });

  it("cannot copy across stores what the backend refuses it", async () => {
    const answer = await sendSigned({
      endpoint: gw.url,
      method: "PUT",
      path: `/${onB}/loot.txt`,
      user: GW_MALLORY,
      headers: { "x-amz-copy-source": `${split}/owned-by-gateway.txt` },
    });
    expect([answer.status, answer.code]).toEqual([403, "AccessDenied"]);
    const error = await b.send(new HeadObjectCommand({ Bucket: onB, Key: "loot.txt" })).catch((e: unknown) => e);
    expect(errorStatus(error)).toBe(404);
  });
});

describe("a route with a fallback", () => {
  beforeAll(async () => {
    migrationGw = await startGateway({
      clients: { default: backendConfig(rgwA), b: backendConfig(rgwB) },
      profiles: {
        moving: {
          client: "default",
          source_bucket_pattern: migrating,
          fallback: { client: "b", mapped_bucket_name: migratingOld },
        },
      },
      gateway: {
        users: [{ ...GW_MALLORY, buckets: [migrating], backendCredentials: { default: MALLORY } }],
        anonymous: { buckets: [migrating] },
      },
    });
  });

  it("keeps the fallback's copy when the caller has its own backend credentials", async () => {
    const answer = await sendSigned({
      endpoint: migrationGw.url,
      method: "DELETE",
      path: `/${migrating}/left-1`,
      user: GW_MALLORY,
    });
    expect([answer.status, answer.code]).toEqual([403, "AccessDenied"]);
    await b.send(new HeadObjectCommand({ Bucket: migratingOld, Key: "left-1" }));
  });

  it("keeps the fallback's copy when the caller is anonymous", async () => {
    const answer = await fetch(`${migrationGw.url}/${migrating}/left-2`, { method: "DELETE" });
    expect(answer.status).toBe(403);
    await b.send(new HeadObjectCommand({ Bucket: migratingOld, Key: "left-2" }));
  });
});

describe("unsigned CORS preflights", () => {
  it("do not tell which buckets exist", async () => {
    const ask = (bucket: string) =>
      fetch(`${gw.url}/${bucket}/x`, {
        method: "OPTIONS",
        headers: { origin: "https://probe.example", "access-control-request-method": "GET" },
      });
    const missing = await ask(uniqueBucket("atk-nowhere"));
    const existing = await ask(split);
    expect([missing.status, existing.status]).toEqual([403, 403]);
    const [missingText, existingText] = [await missing.text(), await existing.text()];
    expect(missingText).toContain("<Code>AccessForbidden</Code>");
    expect(existingText).toContain("<Code>AccessForbidden</Code>");
  });
});

describe("bucket names in RGW's tenant form", () => {
  it("do not reach around the routes (`:bucket` is `bucket` on RGW)", async () => {
    for (const path of [`/:${split}/private/shadowed.txt`, `/%3A${split}/private/shadowed.txt`]) {
      const answer = await sendSigned({ endpoint: gw.url, method: "GET", path, user: GW_ALL });
      expect(answer.text).not.toContain("SHADOWED-CONTENT-7f3");
      expect(answer.status).not.toBe(200);
    }
  });
});

describe("RenameObject", () => {
  it("refuses a source in another bucket, with or without a leading slash", async () => {
    for (const source of [`${split}/owned-by-gateway.txt`, `/${split}/owned-by-gateway.txt`]) {
      const answer = await sendSigned({
        endpoint: gw.url,
        method: "PUT",
        path: `/${onB}/renamed.txt`,
        query: "renameObject=",
        user: GW_ALL,
        headers: { "x-amz-rename-source": source },
      });
      expect(answer.status).toBe(400);
    }
    const error = await b.send(new HeadObjectCommand({ Bucket: onB, Key: "renamed.txt" })).catch((e: unknown) => e);
    expect(errorStatus(error)).toBe(404);
  });
});

describe("a route holding part of a backend bucket", () => {
  it("does not show the whole bucket's totals in HeadBucket", async () => {
    const answer = await sendSigned({ endpoint: gw.url, method: "HEAD", path: "/tenant-mine", user: GW_TENANT });
    expect(answer.status).toBe(200);
    for (const name of Object.keys(answer.headers)) expect(name).not.toMatch(/^x-rgw-(object-count|bytes-used|quota-)/);
  });
});

describe("backend buckets that profiles rename into", () => {
  it("are not reachable or listed under their own name through a route keeping names", async () => {
    const physical = uniqueBucket("renamed-into");
    const backend = rgwClient(injectRgw("rgwA"));
    await createBuckets(backend, [physical]);
    try {
      await backend.send(new PutObjectCommand({ Bucket: physical, Key: "tenant-b/secret.txt", Body: "b's" }));
      const gw = await startGateway({
        clients: { default: backendConfig(injectRgw("rgwA")) },
        profiles: {
          a: {
            client: "default",
            source_bucket_pattern: "tenant-a",
            mapped_bucket_name: physical,
            mapped_prefix: "tenant-a/",
          },
        },
        gateway: { users: [GATEWAY_USER] },
      });
      try {
        const s3 = gw.client({ maxAttempts: 1 });
        for (const attempt of [
          () => s3.send(new GetObjectCommand({ Bucket: physical, Key: "tenant-b/secret.txt" })),
          () => s3.send(new ListObjectsV2Command({ Bucket: physical })),
          () =>
            s3.send(
              new CopyObjectCommand({
                Bucket: "tenant-a",
                Key: "stolen",
                CopySource: `${physical}/tenant-b/secret.txt`,
              }),
            ),
        ]) {
          expect(errorName(await attempt().catch((e: unknown) => e))).toBe("AccessDenied");
        }
        const names = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
        expect(names).not.toContain(physical);
      } finally {
        await gw.stop();
      }
    } finally {
      await emptyAndDeleteBucket(backend, physical);
    }
  });
});
