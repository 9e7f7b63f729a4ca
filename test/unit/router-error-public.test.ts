/**
 * @module test/unit/router-error-public — a routing refusal tells a gateway client why without
 * naming the configuration behind it (profile and client names), while the library's own message
 * keeps them for the operator who wrote that configuration.
 */
import { describe, expect, it } from "vitest";
import { planCommand } from "../../src/client/command-plan.js";
import { NoRouteError } from "../../src/errors.js";
import { toS3Error } from "../../src/gateway/s3-error.js";
import { RouteTable } from "../../src/routing/route-table.js";

const SECRET_NAMES = ["profile-behind", "mirror-client-x", "shared-profile", "neighbour-profile", "store-a"];

const table = new RouteTable([
  {
    name: "profile-behind",
    client: "store-a",
    bucketPattern: "mirrored",
    keyPattern: undefined,
    mappedBucket: "phys-mirrored",
    mappedPrefix: "",
    mirror: { client: "mirror-client-x", mappedBucket: "phys-mirror", mappedPrefix: "" },
  },
  // Two buckets stored side by side in one backend bucket, under their own prefixes.
  {
    name: "shared-profile",
    client: "store-a",
    bucketPattern: "shared",
    keyPattern: undefined,
    mappedBucket: "phys-shared",
    mappedPrefix: "s/",
  },
  {
    name: "neighbour-profile",
    client: "store-a",
    bucketPattern: "neighbour",
    keyPattern: undefined,
    mappedBucket: "phys-shared",
    mappedPrefix: "n/",
  },
  {
    name: "default",
    client: "store-a",
    bucketPattern: "*",
    keyPattern: undefined,
    mappedBucket: undefined,
    mappedPrefix: "",
  },
]);

function refusal(command: string, input: Record<string, unknown>): NoRouteError {
  try {
    planCommand(table, command, input);
  } catch (error) {
    if (error instanceof NoRouteError) return error;
    throw error;
  }
  throw new Error(`${command} was planned, not refused`);
}

describe("routing refusals through the gateway", () => {
  it.each([
    [
      "an unmirrored write on a mirrored route",
      "PutObjectAclCommand",
      { Bucket: "mirrored", Key: "k", ACL: "private" },
    ],
    ["a bucket change on a bucket sharing its store", "PutBucketTaggingCommand", { Bucket: "shared" }],
  ])("%s: the library names the configuration, the gateway's answer does not", (_what, command, input) => {
    const error = refusal(command, input);
    expect(SECRET_NAMES.some((name) => error.message.includes(name))).toBe(true);
    const answered = toS3Error(error);
    expect(answered.code).toBe("InvalidRequest");
    expect(answered.message).toMatch(/refused|would change it/);
    for (const name of SECRET_NAMES) expect(answered.message).not.toContain(name);
  });
});
