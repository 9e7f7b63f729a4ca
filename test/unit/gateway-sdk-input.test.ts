import { describe, expect, it } from "vitest";
import { sdkInput } from "../../src/gateway/sdk-input.js";
import { parseDeleteRequest } from "../../src/gateway/protocol/index.js";

describe("sdkInput", () => {
  it("reads every header a copy across backends must honour", () => {
    const input = sdkInput("b", "k", [], {
      "x-amz-copy-source": "src/key",
      "x-amz-server-side-encryption-customer-algorithm": "AES256",
      "x-amz-copy-source-server-side-encryption-customer-key": "c2VjcmV0",
      "x-amz-object-lock-mode": "COMPLIANCE",
      "x-amz-object-lock-retain-until-date": "2030-01-01T00:00:00Z",
      "if-none-match": "*",
      "x-amz-server-side-encryption-bucket-key-enabled": "true",
      "x-amz-meta-color": "blue",
    });
    expect(input).toMatchObject({
      CopySource: "src/key",
      SSECustomerAlgorithm: "AES256",
      CopySourceSSECustomerKey: "c2VjcmV0",
      ObjectLockMode: "COMPLIANCE",
      ObjectLockRetainUntilDate: new Date("2030-01-01T00:00:00Z"),
      IfNoneMatch: "*",
      BucketKeyEnabled: true,
      Metadata: { color: "blue" },
    });
  });

  it("refuses a max-keys that is not a whole number, as S3 does", () => {
    expect(sdkInput("b", undefined, [["max-keys", "7"]], {})).toMatchObject({ MaxKeys: 7 });
    for (const bad of ["abc", "-1", "1.5", ""]) {
      expect(() => sdkInput("b", undefined, [["max-keys", bad]], {})).toThrow(
        /max-keys must be a non-negative whole number/,
      );
    }
  });
});

describe("DeleteObjects request", () => {
  it("refuses a condition it cannot read instead of dropping it", () => {
    const body = (time: string) =>
      `<Delete><Object><Key>k</Key><LastModifiedTime>${time}</LastModifiedTime></Object></Delete>`;
    expect(parseDeleteRequest(body("2024-05-01T10:00:00.000Z")).objects[0]).toMatchObject({
      key: "k",
      lastModifiedTime: "2024-05-01T10:00:00.000Z",
    });
    expect(() => parseDeleteRequest(body("garbage"))).toThrow(expect.objectContaining({ code: "MalformedXML" }));
  });
});
