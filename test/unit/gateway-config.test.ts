import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/program.js";
import { ConfigError } from "../../src/errors.js";
import { parseGatewaySettings } from "../../src/gateway/gateway-config.js";

describe("gateway settings", () => {
  it("applies defaults", () => {
    expect(parseGatewaySettings(undefined)).toMatchObject({
      host: "127.0.0.1",
      port: 8333,
      users: [],
      maxSkewSeconds: 900,
      backendTimeoutMs: 30_000,
      anonymous: undefined,
    });
    expect(parseGatewaySettings({ listen: "[::1]:9000" })).toMatchObject({ host: "::1", port: 9000 });
  });

  it("names every bad field", () => {
    try {
      parseGatewaySettings({ listen: "nowhere", users: [{ accessKeyId: "k" }], domian: "x" });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const paths = (error as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining(["gateway.listen", "gateway.users[0].secretAccessKey", "gateway.domian"]),
      );
      expect((error as ConfigError).issues.find((i) => i.path === "gateway.domian")!.message).toMatch(
        /did you mean "domain"/,
      );
    }
  });

  it("refuses an access key listed twice", () => {
    const user = { accessKeyId: "k", secretAccessKey: "s" };
    expect(() => parseGatewaySettings({ users: [user, user] })).toThrow(/appears twice/);
  });

  it("validates the example gateway file through the CLI", async () => {
    const env = {
      LISTING_TOKEN_SECRET: "x",
      MINIO_ENDPOINT: "http://127.0.0.1:9000",
      MINIO_ACCESS_KEY: "a",
      MINIO_SECRET_KEY: "b",
      GW_KEY: "k",
      GW_SECRET: "s",
      GW_READER_KEY: "r",
      GW_READER_SECRET: "t",
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string) => (writes.push(String(chunk)), true);
    try {
      expect(await run(["validate", "examples/gateway.yaml"])).toBe(0);
    } finally {
      process.stdout.write = write;
      process.env = saved;
    }
    expect(writes.join("")).toMatch(/OK: examples\/gateway\.yaml — 1 profile\(s\).*gateway: 2 user\(s\)/);
  });
});
