/**
 * @module test/integration/gateway-hygiene — what the gateway shows and keeps: presigned URLs are
 * logged without their signature or credential; an error's body and header carry one request id,
 * the gateway's, the backend's detail staying in the log under it; metrics can live on an address
 * of their own, out of S3 clients' reach. On a real Ceph RGW.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuckets, emptyAndDeleteBucket, injectRgw, rgwClient, uniqueBucket } from "../support/backends.js";
import { backendConfig, GATEWAY_USER, startGateway, type RunningGateway } from "../support/gateway.js";
import { sendSigned } from "../support/raw-request.js";

const rgw = injectRgw("rgwA");
const backend = rgwClient(rgw);
const physical = uniqueBucket("gw-hygiene");
let gw: RunningGateway;
let metricsUrl: string | undefined;

beforeAll(async () => {
  await createBuckets(backend, [physical]);
  gw = await startGateway({
    clients: { default: backendConfig(rgw) },
    profiles: {
      team: {
        client: "default",
        source_bucket_pattern: "team-bucket",
        mapped_bucket_name: physical,
        mapped_prefix: "team/",
      },
    },
    gateway: { users: [GATEWAY_USER], metricsListen: "127.0.0.1:0", logLevel: "debug" },
  });
  metricsUrl = gw.metricsUrl;
});

afterAll(async () => {
  await gw?.stop();
  await emptyAndDeleteBucket(backend, physical);
});

describe("gateway hygiene", () => {
  it("logs presigned URLs without their signature or credential", async () => {
    const s3 = gw.client();
    await s3.send(new PutObjectCommand({ Bucket: "team-bucket", Key: "k", Body: "x" }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "team-bucket", Key: "k" }), { expiresIn: 60 });
    const signature = new URL(url).searchParams.get("X-Amz-Signature")!;
    expect((await fetch(url)).status).toBe(200);
    const line = gw.logs.find((l) => typeof l["path"] === "string" && l["path"].includes("X-Amz-Algorithm"));
    expect(line?.["path"]).toMatch(/X-Amz-Signature=REDACTED/);
    expect(line?.["path"]).toMatch(/X-Amz-Credential=REDACTED/);
    expect(JSON.stringify(gw.logs)).not.toContain(signature);
  });

  it("answers an error with one request id in header and body, the backend's detail in the log only", async () => {
    const answer = await sendSigned({
      endpoint: gw.url,
      method: "GET",
      path: "/team-bucket/missing",
      user: GATEWAY_USER,
    });
    expect(answer.code).toBe("NoSuchKey");
    const id = answer.headers["x-amz-request-id"];
    expect(id).toMatch(/^\S+$/);
    expect(answer.text).toContain(`<RequestId>${String(id)}</RequestId>`);
    // RGW names the (physical) bucket; the caller sees its own.
    expect(answer.text).toContain("<BucketName>team-bucket</BucketName>");
    for (const hidden of [physical, "team/missing", "HostId", rgw.accessKeyId, new URL(rgw.endpoint).host])
      expect(answer.text).not.toContain(hidden);
    // The backend's own answer is kept for the operator, under the same id.
    const logged = gw.logs.find((l) => l["reqId"] === id && l["msg"] === "backend error");
    expect(String(logged?.["body"])).toContain(physical);
  });

  it("serves metrics on their own address when configured, not on the S3 listener", async () => {
    expect(metricsUrl).toBeDefined();
    const separate = await fetch(`${metricsUrl}/-/metrics`);
    expect(separate.status).toBe(200);
    expect(await separate.text()).toContain("s3router_requests_total");
    expect((await fetch(`${gw.url}/-/metrics`)).status).toBe(404);
    expect((await fetch(`${gw.url}/-/health`)).status).toBe(200);
  });
});
