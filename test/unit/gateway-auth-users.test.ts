/**
 * @module test/unit/gateway-auth-users — UserDirectory: lookup, bucket scopes (fnmatch globs),
 * read-only users, ListBuckets filtering and the anonymous policy.
 */
import { describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors.js";
import { UserDirectory, type GatewayUser } from "../../src/gateway/auth/index.js";
import { isS3Error, type S3Error } from "../../src/gateway/s3-error.js";

const ADMIN: GatewayUser = { accessKeyId: "AKADMIN", secretAccessKey: "s1" };
const TEAM: GatewayUser = {
  accessKeyId: "AKTEAM",
  secretAccessKey: "s2",
  buckets: ["team-*", "shared", "logs-202[45]"],
};
const READER: GatewayUser = { accessKeyId: "AKREAD", secretAccessKey: "s3", buckets: ["team-a"], readOnly: true };
const AUDITOR: GatewayUser = { accessKeyId: "AKAUDIT", secretAccessKey: "s4", readOnly: true };
const NOBODY: GatewayUser = { accessKeyId: "AKNONE", secretAccessKey: "s5", buckets: [] };

function denial(run: () => void): S3Error {
  try {
    run();
  } catch (error) {
    if (isS3Error(error)) return error;
    throw error;
  }
  throw new Error("expected AccessDenied, but the request was allowed");
}

describe("UserDirectory", () => {
  const users = new UserDirectory([ADMIN, TEAM, READER, AUDITOR, NOBODY]);

  it("looks users up by access key", () => {
    expect(users.lookup("AKTEAM")).toBe(TEAM);
    expect(users.lookup("akteam")).toBeUndefined();
    expect(users.lookup("AKMISSING")).toBeUndefined();
  });

  it("allows a user without bucket list every bucket, reads and writes", () => {
    expect(() => users.authorize(ADMIN, { bucket: "anything", write: true })).not.toThrow();
    expect(() => users.authorize(ADMIN, { bucket: undefined, write: false })).not.toThrow();
  });

  it("matches buckets against the user's globs, with fnmatch semantics", () => {
    for (const bucket of ["team-a", "team-", "shared", "logs-2024", "logs-2025"]) {
      expect(() => users.authorize(TEAM, { bucket, write: true })).not.toThrow();
      expect(users.canSee(TEAM, bucket)).toBe(true);
    }
    for (const bucket of ["team", "shared2", "logs-2023", "other"]) {
      const error = denial(() => users.authorize(TEAM, { bucket, write: false }));
      expect([error.code, error.status, error.detail["BucketName"]]).toEqual(["AccessDenied", 403, bucket]);
      expect(error.message).toContain(`"${bucket}"`);
      expect(users.canSee(TEAM, bucket)).toBe(false);
    }
  });

  it("refuses writes of read-only users, naming the bucket", () => {
    expect(() => users.authorize(READER, { bucket: "team-a", write: false })).not.toThrow();
    const error = denial(() => users.authorize(READER, { bucket: "team-a", write: true }));
    expect(error.code).toBe("AccessDenied");
    expect(error.message).toContain('"team-a"');
    expect(denial(() => users.authorize(AUDITOR, { bucket: "x", write: true })).code).toBe("AccessDenied");
    expect(() => users.authorize(AUDITOR, { bucket: "x", write: false })).not.toThrow();
  });

  it("lets every authenticated user list buckets; canSee filters the answer", () => {
    for (const user of [ADMIN, TEAM, READER, AUDITOR, NOBODY])
      expect(() => users.authorize(user, { bucket: undefined, write: false })).not.toThrow();
    const all = ["team-a", "team-b", "shared", "private"];
    expect(all.filter((b) => users.canSee(READER, b))).toEqual(["team-a"]);
    expect(all.filter((b) => users.canSee(NOBODY, b))).toEqual([]);
    expect(all.filter((b) => users.canSee(ADMIN, b))).toEqual(all);
  });

  it("gives no rights to a user object it does not hold", () => {
    const impostor: GatewayUser = { ...ADMIN };
    expect(denial(() => users.authorize(impostor, { bucket: "x", write: false })).code).toBe("AccessDenied");
    expect(users.canSee(impostor, "x")).toBe(false);
  });

  it("refuses anonymous requests unless a policy allows them, then applies it", () => {
    expect(users.allowsAnonymous).toBe(false);
    expect(denial(() => users.authorize(undefined, { bucket: "public", write: false })).code).toBe("AccessDenied");
    expect(users.canSee(undefined, "public")).toBe(false);

    const open = new UserDirectory([ADMIN], { buckets: ["public-*"], readOnly: true });
    expect(open.allowsAnonymous).toBe(true);
    expect(() => open.authorize(undefined, { bucket: "public-data", write: false })).not.toThrow();
    expect(denial(() => open.authorize(undefined, { bucket: "public-data", write: true })).code).toBe("AccessDenied");
    expect(denial(() => open.authorize(undefined, { bucket: "private", write: false })).detail["BucketName"]).toBe(
      "private",
    );
    expect(open.canSee(undefined, "public-data")).toBe(true);
    expect(() => new UserDirectory([], {}).authorize(undefined, { bucket: "any", write: true })).not.toThrow();
  });

  it("refuses a directory with an access key twice", () => {
    let error: unknown;
    try {
      new UserDirectory([ADMIN, { ...ADMIN, secretAccessKey: "other" }]);
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
  });
});
