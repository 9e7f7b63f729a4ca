/**
 * @module test/integration/gateway-identities — who a backend sees through the gateway, on a
 * real Ceph RGW with two extra users: a gateway user with its own backend credentials is that
 * user there (owners, ACLs and denials are the backend's own); an anonymous caller stays
 * anonymous (forwarded unsigned); a CORS preflight reaches the routed store unsigned; and a
 * backend's continuation tokens reach callers sealed, never showing physical keys.
 */
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { inject } from "vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { backendConfig, startGateway, type RunningGateway } from "../support/gateway.js";
import { sendSigned } from "../support/raw-request.js";
import { createRgwUser } from "../support/rgw.js";

const rgw = injectRgw("rgwA");
const tester = rgwClient(rgw);
const ALICE = { accessKeyId: "ALICEBACKENDKEY", secretAccessKey: "alice-backend-secret-0123456789" };
const BOB = { accessKeyId: "BOBBACKENDKEY", secretAccessKey: "bob-backend-secret-0123456789" };
const GW_ALICE = { accessKeyId: "GWALICE", secretAccessKey: "gw-alice-secret-0123456789" };
const GW_BOB = { accessKeyId: "GWBOB", secretAccessKey: "gw-bob-secret-0123456789" };
const GW_PLAIN = { accessKeyId: "GWPLAIN", secretAccessKey: "gw-plain-secret-0123456789" };

const aliceBucket = uniqueBucket("id-alice");
const publicBucket = uniqueBucket("pub-anon");
const physicalListing = uniqueBucket("id-listing");
let gw: RunningGateway;
const made: Array<[S3Client, string]> = [];

beforeAll(async () => {
  const conf = inject("rgwAConf");
  createRgwUser(conf, "alice", ALICE.accessKeyId, ALICE.secretAccessKey);
  createRgwUser(conf, "bob", BOB.accessKeyId, BOB.secretAccessKey);
  await createBuckets(tester, [publicBucket, physicalListing]);
  made.push([tester, publicBucket], [tester, physicalListing]);
  gw = await startGateway({
    clients: { default: backendConfig(rgw) },
    profiles: {
      listing: {
        client: "default",
        source_bucket_pattern: "team-listing",
        mapped_bucket_name: physicalListing,
        mapped_prefix: "team/",
      },
    },
    gateway: {
      users: [
        { ...GW_ALICE, backendCredentials: { default: ALICE } },
        { ...GW_BOB, backendCredentials: { default: BOB } },
        GW_PLAIN,
      ],
      anonymous: { buckets: ["pub-*"], readOnly: true },
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  for (const [client, bucket] of made) await emptyAndDeleteBucket(client, bucket);
});

describe("per-user backend identities", () => {
  it("a user with its own backend credentials owns what it creates, and the backend's denials apply to others", async () => {
    const alice = gw.client({ user: GW_ALICE, maxAttempts: 1 });
    await alice.send(new CreateBucketCommand({ Bucket: aliceBucket }));
    made.push([rgwClient({ ...rgw, ...ALICE }), aliceBucket]);
    await alice.send(new PutObjectCommand({ Bucket: aliceBucket, Key: "private.txt", Body: "alice's" }));
    // Owned by alice on the backend, not by the gateway's own identity.
    const acl = await rgwClient({ ...rgw, ...ALICE }).send(new GetBucketAclCommand({ Bucket: aliceBucket }));
    expect(acl.Owner?.ID).toBe("alice");
    // Bob's gateway user is bob there: RGW denies him alice's private object.
    const bob = gw.client({ user: GW_BOB, maxAttempts: 1 });
    const denied = await bob
      .send(new GetObjectCommand({ Bucket: aliceBucket, Key: "private.txt" }))
      .catch((e: unknown) => e);
    expect(errorName(denied)).toBe("AccessDenied");
    // A grant on the backend is what opens it.
    await alice.send(new PutObjectAclCommand({ Bucket: aliceBucket, Key: "private.txt", GrantRead: "id=bob" }));
    expect(
      await readBody(await bob.send(new GetObjectCommand({ Bucket: aliceBucket, Key: "private.txt" })), "utf8"),
    ).toBe("alice's");
  });

  it("refuses backendCredentials naming a client the file does not have", async () => {
    await expect(
      startGateway({
        clients: { default: backendConfig(rgw) },
        profiles: {},
        gateway: { users: [{ ...GW_PLAIN, backendCredentials: { nope: ALICE } }] },
      }),
    ).rejects.toThrow(/gateway\.users\[0\]\.backendCredentials\.nope: no client named "nope"/);
  });
});

describe("anonymous callers", () => {
  it("are forwarded unsigned: the backend decides, as it would for an anonymous caller", async () => {
    await tester.send(
      new PutObjectCommand({ Bucket: publicBucket, Key: "open.txt", Body: "for all", ACL: "public-read" }),
    );
    await tester.send(new PutObjectCommand({ Bucket: publicBucket, Key: "closed.txt", Body: "not for all" }));
    const url = `${gw.url}/${publicBucket}`;
    const open = await fetch(`${url}/open.txt`);
    expect([open.status, await open.text()]).toEqual([200, "for all"]);
    // Signed with the gateway's identity it would be readable; unsigned, RGW refuses it.
    const closed = await fetch(`${url}/closed.txt`);
    expect(closed.status).toBe(403);
    expect(await closed.text()).toContain("<Code>AccessDenied</Code>");
  });

  it("stay in their scope and never span stores", async () => {
    expect((await fetch(`${gw.url}/${aliceBucket}/private.txt`)).status).toBe(403);
    // Read-only: no write reaches a store.
    expect((await fetch(`${gw.url}/${publicBucket}/new.txt`, { method: "PUT", body: "x" })).status).toBe(403);
  });
});

describe("CORS preflights", () => {
  it("reach the routed store unsigned and answer from its CORS configuration", async () => {
    // Set on the backend bucket by its operator (the route shares it: the gateway refuses bucket
    // writes there); the preflight goes through the route's mapping.
    await tester.send(
      new PutBucketCorsCommand({
        Bucket: physicalListing,
        CORSConfiguration: {
          CORSRules: [
            { AllowedOrigins: ["https://app.example"], AllowedMethods: ["GET", "PUT"], AllowedHeaders: ["*"] },
          ],
        },
      }),
    );
    const preflight = await fetch(`${gw.url}/team-listing/team/photo.jpg`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "PUT" },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const refused = await fetch(`${gw.url}/team-listing/x`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "PUT" },
    });
    expect(refused.status).toBe(403);
  });
});

describe("continuation tokens of proxied listings", () => {
  it("are sealed: they show no physical key, page through everything, and refuse tampering", async () => {
    const plain = gw.client({ user: GW_PLAIN, maxAttempts: 1 });
    for (const key of ["a.txt", "b.txt", "c.txt"])
      await plain.send(new PutObjectCommand({ Bucket: "team-listing", Key: key, Body: key }));
    const keys: string[] = [];
    let token: string | undefined;
    const tokens: string[] = [];
    do {
      const page = await plain.send(
        new ListObjectsV2Command({ Bucket: "team-listing", MaxKeys: 1, ...(token && { ContinuationToken: token }) }),
      );
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      if (token) expect(page.ContinuationToken).toBe(token);
      token = page.NextContinuationToken;
      if (token) tokens.push(token);
    } while (token);
    expect(keys).toEqual(["a.txt", "b.txt", "c.txt"]);
    expect(tokens.length).toBe(2);
    for (const t of tokens) {
      const decoded = Buffer.from(t, "base64url").toString("latin1") + t;
      for (const hidden of ["team/", physicalListing, "a.txt", "b.txt"]) expect(decoded).not.toContain(hidden);
    }
    const tampered = tokens[0]!.slice(0, -2) + (tokens[0]!.endsWith("A") ? "BB" : "AA");
    const error = await plain
      .send(new ListObjectsV2Command({ Bucket: "team-listing", ContinuationToken: tampered }))
      .catch((e: unknown) => e);
    expect(errorName(error)).toBe("InvalidArgument");
    // An empty token is no token, as S3 reads it.
    const first = await sendSigned({
      endpoint: gw.url,
      method: "GET",
      path: "/team-listing",
      query: "continuation-token=&list-type=2&max-keys=1",
      user: GW_PLAIN,
    });
    expect(first.status).toBe(200);
    expect(first.text).toContain("<Key>a.txt</Key>");
  });
});

describe("CORS preflights of presigned URLs", () => {
  it("are answered as preflights: the query's signature (for another method) is not checked", async () => {
    const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
    const url = await getSignedUrl(
      gw.client({ user: GW_PLAIN }),
      new GetObjectCommand({ Bucket: "team-listing", Key: "team/photo.jpg" }),
      { expiresIn: 60 },
    );
    const preflight = await fetch(url, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "GET" },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });
});
