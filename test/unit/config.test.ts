import { S3Client } from "@aws-sdk/client-s3";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveRouterOptions } from "../../src/config/router-options.js";
import { ConfigError, isConfigError } from "../../src/errors.js";
import { loadRouterConfig, parseRouterConfig } from "../../src/config/load-config.js";

const client = new S3Client({ region: "us-east-1" });

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(isConfigError(error)).toBe(true);
    return [...(error as ConfigError).issues];
  }
  throw new Error("expected a ConfigError");
}

describe("router options", () => {
  it("accepts boto-s3-router's configuration as is", () => {
    const { routes } = resolveRouterOptions({
      clients: { minio: client, default: client },
      profiles: {
        minio: {
          source_bucket_pattern: "example-bucket",
          source_key_pattern: "team2/*",
          mapped_bucket_name: "minio-bucket",
          mapped_prefix: "data/",
        },
      },
    });
    expect(routes).toEqual([
      {
        name: "minio",
        client: "minio",
        bucketPattern: "example-bucket",
        keyPattern: "team2/*",
        mappedBucket: "minio-bucket",
        mappedPrefix: "data/",
      },
    ]);
  });

  it("accepts camelCase fields, the array form and an explicit client", () => {
    const { routes } = resolveRouterOptions({
      clients: { aws: client, default: client },
      routes: [
        { name: "one", client: "aws", sourceBucketPattern: "a", mappedPrefix: "p/" },
        { client: "aws", source_bucket_pattern: "b", sourceKeyPattern: "k*" },
      ],
    });
    expect(routes.map((r) => [r.name, r.client, r.bucketPattern, r.keyPattern, r.mappedPrefix])).toEqual([
      ["one", "aws", "a", undefined, "p/"],
      ["#1", "aws", "b", "k*", ""],
    ]);
  });

  it("reports every problem at once, naming the profile and field", () => {
    const issues = issuesOf(() =>
      resolveRouterOptions({
        clients: { minio: client },
        profiles: {
          minio: { source_bucket_pattern: "", mapped_prefix: 7 },
          typo: { source_bucket_patern: "x", client: "minio" },
          ghost: { source_bucket_pattern: "g" },
          both: { source_bucket_pattern: "a", sourceBucketPattern: "b", client: "minio" },
        },
      }),
    );
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath["clients.default"]).toMatch(/required.*default/);
    expect(byPath["profiles.minio.source_bucket_pattern"]).toMatch(/must not be empty/);
    expect(byPath["profiles.minio.mapped_prefix"]).toMatch(/must be a string, got number 7/);
    expect(byPath["profiles.typo.source_bucket_patern"]).toMatch(/unknown field.*did you mean "source_bucket_pattern"/);
    expect(byPath["profiles.ghost"]).toMatch(/no client named "ghost"/);
    expect(byPath["profiles.both.sourceBucketPattern"]).toMatch(/both/);
  });

  it("refuses profile names JavaScript would reorder", () => {
    const issues = issuesOf(() =>
      resolveRouterOptions({
        clients: { default: client },
        profiles: {
          b: { source_bucket_pattern: "x", client: "default" },
          "1": { source_bucket_pattern: "y", client: "default" },
        },
      }),
    );
    expect(issues[0]!.message).toMatch(/array indexes/);
  });
});

describe("configuration files", () => {
  const yaml = `
clients:
  default: { region: us-east-1 }
  minio:
    endpoint: http://127.0.0.1:9000
    region: us-east-1
    forcePathStyle: true
    credentials: { accessKeyId: "\${MINIO_KEY}", secretAccessKey: "\${MINIO_SECRET}" }
profiles:
  minio:
    source_bucket_pattern: example-bucket
    source_key_pattern: "team2/*"
    mapped_bucket_name: minio-bucket
    mapped_prefix: data/
`;

  it("loads YAML with ${VAR} from the environment", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s3r-config-"));
    const file = join(dir, "router.yaml");
    await writeFile(file, yaml);
    const config = await loadRouterConfig(file, { env: { MINIO_KEY: "k", MINIO_SECRET: "s" } });
    expect(config.clients["minio"]!.credentials).toEqual({ accessKeyId: "k", secretAccessKey: "s" });
    expect(config.profiles).toEqual({
      minio: {
        source_bucket_pattern: "example-bucket",
        source_key_pattern: "team2/*",
        mapped_bucket_name: "minio-bucket",
        mapped_prefix: "data/",
      },
    });
  });

  it("loads the same configuration from JSON", () => {
    const json = JSON.stringify({
      clients: { default: { region: "eu-west-1" } },
      profiles: [{ client: "default", source_bucket_pattern: "a" }],
    });
    expect(parseRouterConfig(json).clients["default"]).toEqual({ region: "eu-west-1" });
  });

  it("names a missing environment variable and the field that uses it", () => {
    const issues = issuesOf(() => parseRouterConfig(yaml, { env: { MINIO_KEY: "k" } }));
    expect(issues).toContainEqual({
      path: "clients.minio.credentials.secretAccessKey",
      message: "environment variable MINIO_SECRET is not set",
    });
  });

  it("rejects unknown client settings with a suggestion", () => {
    const issues = issuesOf(() => parseRouterConfig("clients:\n  default: { endpont: http://x }\n"));
    expect(issues[0]?.path).toBe("clients.default.endpont");
    expect(issues[0]?.message).toMatch(/did you mean "endpoint"/);
  });

  it("carries the router's other options, validated", () => {
    const config = parseRouterConfig("listingTokenSecret: s3cret\ncrossBackendCopy: false\nclients: { default: {} }\n");
    expect(config).toMatchObject({ listingTokenSecret: "s3cret", crossBackendCopy: false });
    const [issue] = issuesOf(() => parseRouterConfig("copyPartSize: -1\nclients: { default: {} }\n"));
    expect(issue?.path).toBe("copyPartSize");
    expect(issue?.message).toMatch(/positive/);
  });

  it("names the file and the YAML error", async () => {
    await expect(loadRouterConfig("/nonexistent/router.yaml")).rejects.toThrow(/router\.yaml/);
    expect(issuesOf(() => parseRouterConfig("clients: [unclosed"))[0]!.message).toMatch(/not valid YAML/);
  });
});
