/**
 * @module test/integration/gateway-post-object — browser form uploads (POST Object) through the
 * gateway to a real Ceph RGW, on a route that renames the bucket and prefixes keys: SigV4 and
 * SigV2 policies, S3's answers (204, 201 PostResponse, 303 redirect), every refusal a policy or
 * scope calls for with nothing stored, and a file larger than one part streamed as a multipart
 * upload.
 */
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { createHash, createHmac } from "node:crypto";
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

const rgw = injectRgw("rgwA");
const backend = rgwClient(rgw);
const physical = uniqueBucket("post-physical");
const BUCKET = "forms";
const USER = { accessKeyId: "POSTUSER", secretAccessKey: "post-user-secret-0123456789" };
const ELSEWHERE = { accessKeyId: "ELSEWHERE", secretAccessKey: "elsewhere-secret-0123456789" };
const READER = { accessKeyId: "READER", secretAccessKey: "reader-secret-0123456789" };
let gw: RunningGateway;

beforeAll(async () => {
  await createBuckets(backend, [physical]);
  gw = await startGateway({
    clients: { default: backendConfig(rgw) },
    profiles: {
      forms: {
        client: "default",
        source_bucket_pattern: BUCKET,
        mapped_bucket_name: physical,
        mapped_prefix: "uploads/",
      },
    },
    gateway: { users: [USER, { ...ELSEWHERE, buckets: ["other-*"] }, { ...READER, readOnly: true }] },
  });
});

afterAll(async () => {
  await gw?.stop();
  await emptyAndDeleteBucket(backend, physical);
});

const iso = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** Form fields signed with SigV4, as AWS SDKs' createPresignedPost builds them. */
function sigV4Fields(user: typeof USER, conditions: unknown[], expiresInMs = 600_000): Record<string, string> {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  const credential = `${user.accessKeyId}/${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const policy = b64({
    expiration: iso(expiresInMs),
    conditions: [
      ...conditions,
      { "x-amz-algorithm": "AWS4-HMAC-SHA256" },
      { "x-amz-credential": credential },
      { "x-amz-date": date },
    ],
  });
  const key = hmac(
    hmac(hmac(hmac(`AWS4${user.secretAccessKey}`, date.slice(0, 8)), "us-east-1"), "s3"),
    "aws4_request",
  );
  return {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": credential,
    "X-Amz-Date": date,
    Policy: policy,
    "X-Amz-Signature": hmac(key, policy).toString("hex"),
  };
}

/** Form fields signed as older form builders (and Ceph's s3-tests) do: SigV2's HMAC-SHA1. */
function sigV2Fields(user: typeof USER, conditions: unknown[]): Record<string, string> {
  const policy = b64({ expiration: iso(600_000), conditions });
  return {
    AWSAccessKeyId: user.accessKeyId,
    policy,
    signature: createHmac("sha1", user.secretAccessKey).update(policy).digest("base64"),
  };
}

async function post(fields: Record<string, string>, file: Buffer | string, filename = "upload.bin"): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("file", new Blob([file]), filename);
  return fetch(`${gw.url}/${BUCKET}`, { method: "POST", body: form, redirect: "manual" });
}

const stored = (key: string) => backend.send(new GetObjectCommand({ Bucket: physical, Key: `uploads/${key}` }));
const absent = async (key: string) =>
  errorName(
    await backend.send(new HeadObjectCommand({ Bucket: physical, Key: `uploads/${key}` })).catch((e: unknown) => e),
  );

describe("POST Object through the gateway", () => {
  it("stores a SigV4 form upload under the route's names, with its metadata, and answers 204", async () => {
    const conditions = [
      { bucket: BUCKET },
      ["starts-with", "$key", "photos/"],
      ["starts-with", "$Content-Type", "image/"],
      ["starts-with", "$x-amz-meta-owner", ""],
      ["content-length-range", 1, 1024],
    ];
    const answer = await post(
      {
        key: "photos/${filename}",
        "Content-Type": "image/png",
        "x-amz-meta-owner": "ann",
        ...sigV4Fields(USER, conditions),
      },
      "png bytes",
      "cat.png",
    );
    expect(answer.status).toBe(204);
    const object = await stored("photos/cat.png");
    expect(await readBody(object, "utf8")).toBe("png bytes");
    expect(object.ContentType).toBe("image/png");
    expect(object.Metadata).toEqual({ owner: "ann" });
    expect(answer.headers.get("etag")).toBe(object.ETag);
  });

  it("answers 201 with a PostResponse in the caller's names for a SigV2 form", async () => {
    const conditions = [{ bucket: BUCKET }, ["starts-with", "$key", ""], { success_action_status: "201" }];
    const answer = await post(
      { key: "v2.txt", success_action_status: "201", ...sigV2Fields(USER, conditions) },
      "v2 body",
    );
    expect(answer.status).toBe(201);
    const xml = await answer.text();
    expect(xml).toContain(`<Bucket>${BUCKET}</Bucket>`);
    expect(xml).toContain("<Key>v2.txt</Key>");
    expect(xml).toContain(`<Location>${gw.url}/${BUCKET}/v2.txt</Location>`);
    expect(xml).not.toContain(physical);
    expect(await readBody(await stored("v2.txt"), "utf8")).toBe("v2 body");
  });

  it("redirects to success_action_redirect with bucket, key and ETag", async () => {
    const target = "https://app.example/done";
    const conditions = [{ bucket: BUCKET }, ["eq", "$key", "r.txt"], ["eq", "$success_action_redirect", target]];
    const answer = await post(
      { key: "r.txt", success_action_redirect: target, ...sigV4Fields(USER, conditions) },
      "redirected",
    );
    expect(answer.status).toBe(303);
    const etag = (await stored("r.txt")).ETag!;
    expect(answer.headers.get("location")).toBe(
      `${target}?bucket=${BUCKET}&key=r.txt&etag=${encodeURIComponent(etag)}`,
    );
  });

  it("streams a file larger than one part as a multipart upload", async () => {
    const data = Buffer.alloc(12 * 1024 * 1024 + 123, 7);
    for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
    const answer = await post(
      { key: "big.bin", ...sigV4Fields(USER, [{ bucket: BUCKET }, ["eq", "$key", "big.bin"]]) },
      data,
    );
    expect(answer.status).toBe(204);
    const body = await readBody(await stored("big.bin"));
    expect(createHash("sha256").update(body).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  }, 60_000);

  it.each([
    [
      "an expired policy",
      () => sigV4Fields(USER, [{ bucket: BUCKET }, ["starts-with", "$key", ""]], -1_000),
      403,
      "AccessDenied",
    ],
    [
      "a key outside the policy",
      () => sigV4Fields(USER, [{ bucket: BUCKET }, ["starts-with", "$key", "photos/"]]),
      403,
      "AccessDenied",
    ],
    [
      "a field the policy does not name",
      () => ({ "x-amz-meta-extra": "1", ...sigV4Fields(USER, [{ bucket: BUCKET }, ["starts-with", "$key", ""]]) }),
      403,
      "AccessDenied",
    ],
    [
      "another bucket in the policy",
      () => sigV4Fields(USER, [{ bucket: "other" }, ["starts-with", "$key", ""]]),
      403,
      "AccessDenied",
    ],
    [
      "a wrong signature",
      () => ({
        ...sigV4Fields(USER, [{ bucket: BUCKET }, ["starts-with", "$key", ""]]),
        "X-Amz-Signature": "0".repeat(64),
      }),
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "an unknown key",
      () =>
        sigV2Fields({ accessKeyId: "NOBODY", secretAccessKey: "x" }, [{ bucket: BUCKET }, ["starts-with", "$key", ""]]),
      403,
      "InvalidAccessKeyId",
    ],
    [
      "a file over the policy's size",
      () => sigV4Fields(USER, [{ bucket: BUCKET }, ["starts-with", "$key", ""], ["content-length-range", 0, 3]]),
      400,
      "EntityTooLarge",
    ],
    [
      "a file under the policy's size",
      () => sigV4Fields(USER, [{ bucket: BUCKET }, ["starts-with", "$key", ""], ["content-length-range", 100, 200]]),
      400,
      "EntityTooSmall",
    ],
    [
      "a user scoped to other buckets",
      () => sigV4Fields(ELSEWHERE, [{ bucket: BUCKET }, ["starts-with", "$key", ""]]),
      403,
      "AccessDenied",
    ],
    [
      "a read-only user",
      () => sigV4Fields(READER, [{ bucket: BUCKET }, ["starts-with", "$key", ""]]),
      403,
      "AccessDenied",
    ],
    ["an unsigned form (no anonymous scope)", () => ({}), 403, "AccessDenied"],
  ])("refuses %s and stores nothing", async (_, fields, status, code) => {
    const key = `refused-${code}-${status}-${Math.random().toString(36).slice(2)}.txt`;
    const answer = await post({ key, ...fields() }, "refused body");
    expect(answer.status).toBe(status);
    expect(await answer.text()).toContain(`<Code>${code}</Code>`);
    expect(await absent(key)).toBe("NotFound");
  });

  it("reads fields sent as file parts, as Python's requests sends every field", async () => {
    const fields = {
      key: "as-files.txt",
      "Content-Type": "text/plain",
      ...sigV2Fields(USER, [
        { bucket: BUCKET },
        ["eq", "$key", "as-files.txt"],
        ["starts-with", "$Content-Type", "text/"],
      ]),
    };
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, new Blob([value]), name);
    form.append("file", new Blob(["sent as files"]), "file");
    const answer = await fetch(`${gw.url}/${BUCKET}`, { method: "POST", body: form });
    expect(answer.status).toBe(204);
    const object = await stored("as-files.txt");
    expect([await readBody(object, "utf8"), object.ContentType]).toEqual(["sent as files", "text/plain"]);
  });

  it("refuses a form without a key field", async () => {
    const answer = await post(sigV4Fields(USER, [{ bucket: BUCKET }]), "x");
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain("<Code>InvalidArgument</Code>");
  });
});
