/**
 * The `s3-router` command (src/cli): `validate` and `explain` run in-process through `run(argv)`,
 * with stdout and stderr captured, on configuration files written to a temp directory.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { explain, formatExplanation, parseS3Url, type Explanation } from "../../src/cli/explain.js";
import { program, run } from "../../src/cli/program.js";
import { loadRouterConfig } from "../../src/config/load-config.js";
import { resolveRouterOptions } from "../../src/config/router-options.js";
import { RouteTable } from "../../src/routing/route-table.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/router.yaml", import.meta.url));
const EXAMPLE_ENV = {
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "example-secret",
  MINIO_ENDPOINT: "http://127.0.0.1:9000",
  MINIO_ACCESS_KEY: "minio-access",
  MINIO_SECRET_KEY: "minio-secret",
};

/** The seed scenario, written as a user would. */
const SEED = `
clients:
  default: { region: us-east-1 }
  minio: { endpoint: "http://127.0.0.1:9000", region: us-east-1, forcePathStyle: true }
  us-west-1: { region: us-west-1 }
  us-east-1: { region: us-east-1 }
profiles:
  minio:
    source_bucket_pattern: example-bucket
    source_key_pattern: "team2/*"
    mapped_bucket_name: minio-bucket
    mapped_prefix: data/
  us-west-1:
    source_bucket_pattern: us-west-bucket
  us-east:
    client: us-east-1
    source_bucket_pattern: us-east-bucket
  logs:
    client: minio
    source_bucket_pattern: "logs-*"
    mapped_bucket_name: all-logs
    mapped_prefix: "by-bucket/"
`;

let dir: string;
let seed: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3r-cli-"));
  seed = await file("seed.yaml", SEED);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

let counter = 0;
async function file(name: string, text: string): Promise<string> {
  const path = join(dir, `${counter++}-${name}`);
  await writeFile(path, text);
  return path;
}

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process as `s3-router ...argv`, capturing what it writes. */
async function cli(...argv: string[]): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) =>
    ((chunk: string | Uint8Array) => {
      into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    }) as typeof process.stdout.write;
  const out = vi.spyOn(process.stdout, "write").mockImplementation(capture(stdout));
  const err = vi.spyOn(process.stderr, "write").mockImplementation(capture(stderr));
  try {
    const code = await run(argv);
    return { code, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("s3-router validate", () => {
  it("prints OK with the profile count and the clients for a good file", async () => {
    const result = await cli("validate", seed);
    expect(result).toEqual({
      code: 0,
      stdout: `OK: ${seed} — 4 profile(s), clients: minio, us-west-1, us-east-1, default\n`,
      stderr: "",
    });
  });

  it("accepts the JSON form, camelCase fields and the array of routes", async () => {
    const json = await file(
      "router.json",
      JSON.stringify({
        clients: { default: {}, minio: { endpoint: "http://127.0.0.1:9000" } },
        routes: [
          {
            name: "team2",
            client: "minio",
            sourceBucketPattern: "example-bucket",
            sourceKeyPattern: "team2/*",
            mappedPrefix: "data/",
          },
        ],
      }),
    );
    const result = await cli("validate", json);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`OK: ${json} — 1 profile(s), clients: minio, default\n`);
    expect(result.code).toBe(0);
  });

  it("accepts examples/migration.yaml", async () => {
    for (const [name, value] of Object.entries(EXAMPLE_ENV)) vi.stubEnv(name, value);
    const ok = await cli("validate", fileURLToPath(new URL("../../examples/migration.yaml", import.meta.url)));
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toMatch(
      /^OK: .*migration\.yaml — 1 profile\(s\), 1 with a fallback or mirror, clients: minio, default\n$/,
    );
    expect(ok.code).toBe(0);
  });

  it("accepts examples/router.yaml once its variables are set, and names each missing one otherwise", async () => {
    for (const [name, value] of Object.entries(EXAMPLE_ENV)) vi.stubEnv(name, value);
    const ok = await cli("validate", EXAMPLE);
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toMatch(/^OK: .*router\.yaml — 3 profile\(s\), clients: minio, us-west-1, us-east-1, default\n$/);
    expect(ok.code).toBe(0);

    vi.stubEnv("MINIO_ENDPOINT", undefined);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", undefined);
    const missing = await cli("validate", EXAMPLE);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toContain("clients.minio.endpoint: environment variable MINIO_ENDPOINT is not set");
    expect(missing.stderr).toContain(
      "clients.default.credentials.secretAccessKey: environment variable AWS_SECRET_ACCESS_KEY is not set",
    );
    expect(missing.stderr).not.toContain("AWS_ACCESS_KEY_ID");
  });

  it("exits 1 and reports every problem at once, naming the profile and the field", async () => {
    const bad = await file(
      "bad.yaml",
      `
clients:
  minio: { endpoint: not-a-url, forcePathStlye: true }
profiles:
  minio:
    source_bucket_pattern: example-bucket
    source_key_patern: "team2/*"
  nobucket:
    client: minio
    mapped_prefix: data/
  ghost:
    source_bucket_pattern: ghost-bucket
  wrongclient:
    client: nowhere
    source_bucket_pattern: x
  wrongtype:
    client: minio
    source_bucket_pattern: 42
`,
    );
    const result = await cli("validate", bad);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`Invalid s3-router configuration in ${bad}:`);
    const expected = [
      /clients\.minio\.endpoint: endpoint must be a URL/,
      /clients\.minio\.forcePathStlye: unknown field "forcePathStlye" \(did you mean "forcePathStyle"\?\)/,
      /clients\.default: required: the "default" client/,
      /profiles\.minio\.source_key_patern: unknown field "source_key_patern" \(did you mean "source_key_pattern"\?\)/,
      /profiles\.nobucket\.source_bucket_pattern: required/,
      /profiles\.ghost: no client named "ghost"/,
      /profiles\.wrongclient\.client: unknown client "nowhere"/,
      /profiles\.wrongtype\.source_bucket_pattern: the bucket pattern must be a string, got number 42/,
    ];
    for (const pattern of expected)
      expect(
        lines.some((line) => pattern.test(line)),
        String(pattern),
      ).toBe(true);
    expect(lines.slice(1).every((line) => line.startsWith("  - "))).toBe(true);
  });

  it("exits 1 for a file that is missing or not YAML", async () => {
    const missing = await cli("validate", join(dir, "no-such-file.yaml"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-such-file\.yaml:\n {2}- cannot read the file: ENOENT/);

    const broken = await cli("validate", await file("broken.yaml", "clients: [default\nprofiles: {"));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("not valid YAML/JSON");

    const scalar = await cli("validate", await file("scalar.yaml", "just a string"));
    expect(scalar.code).toBe(1);
    expect(scalar.stderr).toContain('expected a mapping with "clients" and "profiles" at the top');
  });
});

describe("s3-router explain", () => {
  it("shows the profile, client and physical bucket/key of an object", async () => {
    const result = await cli("explain", seed, "s3://example-bucket/team2/report.csv");
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(
      [
        "s3://example-bucket/team2/report.csv",
        "  object:       profile minio → client minio → s3://minio-bucket/data/team2/report.csv",
        "  bucket home:  profile default → client default → s3://example-bucket (owns it: bucket writes allowed)",
        '  listing of prefix "team2/report.csv" queries 1 route:',
        "    profile minio → client minio → s3://minio-bucket/data/team2/report.csv",
        "",
      ].join("\n"),
    );
  });

  it("sends keys no profile claims to default, unchanged", async () => {
    const { stdout } = await cli("explain", seed, "s3://example-bucket/team1/report.csv");
    expect(stdout).toContain(
      "  object:       profile default → client default → s3://example-bucket/team1/report.csv\n",
    );
  });

  it("follows glob bucket patterns and an explicit client", async () => {
    const { stdout } = await cli("explain", seed, "logs-2024/app/x.log");
    expect(stdout).toContain("  object:       profile logs → client minio → s3://all-logs/by-bucket/app/x.log\n");
    // Every logs-* bucket lands in all-logs: the profile shares it among them.
    expect(stdout).toContain(
      '  bucket home:  profile logs → client minio → s3://all-logs (shared with "logs": bucket writes refused)\n',
    );
  });

  it("shows a bucket's home: the first profile matching the bucket without a key pattern", async () => {
    // minio only owns team2/* of example-bucket, so the bucket itself stays on default
    // (boto-s3-router would send HeadBucket to minio).
    const home = await cli("explain", seed, "s3://example-bucket");
    expect(home.code).toBe(0);
    expect(home.stdout).not.toContain("object:");
    expect(home.stdout).toContain(
      "  bucket home:  profile default → client default → s3://example-bucket (owns it: bucket writes allowed)\n",
    );

    const west = await cli("explain", seed, "s3://us-west-bucket/");
    expect(west.stdout).toContain(
      "  bucket home:  profile us-west-1 → client us-west-1 → s3://us-west-bucket (owns it: bucket writes allowed)\n",
    );
    expect(west.stdout).toContain('  listing of prefix "" queries 1 route:\n');
  });

  it("lists every route a prefix spans, in routing order", async () => {
    const result = await cli("explain", seed, "s3://example-bucket/team");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      [
        '  listing of prefix "team" queries 2 routes:',
        "    profile minio → client minio → s3://minio-bucket/data/team",
        "    profile default → client default → s3://example-bucket/team",
        "",
      ].join("\n"),
    );
    // A prefix inside team2/ reaches minio only.
    const narrow = await cli("explain", seed, "s3://example-bucket/team2/");
    expect(narrow.stdout).toContain(
      '  listing of prefix "team2/" queries 1 route:\n    profile minio → client minio → s3://minio-bucket/data/team2/\n',
    );
  });

  it("prints the explanation as JSON with --json", async () => {
    const result = await cli("explain", seed, "s3://example-bucket/team", "--json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      bucket: "example-bucket",
      key: "team",
      object: { profile: "default", client: "default", bucket: "example-bucket", key: "team" },
      bucketHome: { profile: "default", client: "default", bucket: "example-bucket", key: "" },
      bucketSharedWith: [],
      listing: [
        { profile: "minio", client: "minio", bucket: "minio-bucket", key: "data/team" },
        { profile: "default", client: "default", bucket: "example-bucket", key: "team" },
      ],
    } satisfies Explanation);

    const bucketOnly = JSON.parse((await cli("explain", "--json", seed, "s3://us-east-bucket")).stdout) as Record<
      string,
      unknown
    >;
    expect(bucketOnly).not.toHaveProperty("object");
    expect(bucketOnly["bucketHome"]).toEqual({
      profile: "us-east",
      client: "us-east-1",
      bucket: "us-east-bucket",
      key: "",
    });
  });

  it("works on examples/router.yaml", async () => {
    for (const [name, value] of Object.entries(EXAMPLE_ENV)) vi.stubEnv(name, value);
    const result = await cli("explain", EXAMPLE, "s3://example-bucket/team2/report.csv");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "  object:       profile minio → client minio → s3://minio-bucket/data/team2/report.csv\n",
    );
  });

  it("exits 1 on an invalid configuration and 2 on an address without a bucket", async () => {
    const invalid = await cli("explain", await file("nodefault.yaml", "clients: {}\n"), "s3://b/k");
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('clients.default: required: the "default" client');

    const noBucket = await cli("explain", seed, "s3:///key");
    expect(noBucket).toEqual({
      code: 2,
      stdout: "",
      stderr: 'error: "s3:///key" names no bucket; expected s3://bucket/key\n',
    });
  });
});

describe("s3-router command line", () => {
  it("exits 1 with usage on an unknown command", async () => {
    const unknown = await cli("frobnicate");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
    expect(unknown.stderr).toContain("Usage: s3-router [options] [command]");
    expect(unknown.stdout).toBe("");
  });

  // program() sets exitOverride before creating subcommands, so they return codes too.
  it("returns 1 on a subcommand's usage error and 0 on its --help, without process.exit", async () => {
    const missing = await cli("explain", seed);
    expect(missing.stderr).toContain("error: missing required argument 'address'");
    expect(missing.stderr).toContain("Usage: s3-router explain [options] <config> <address>");
    expect(missing.code).toBe(1);

    const help = await cli("validate", "--help");
    expect(help.stdout).toContain("Usage: s3-router validate [options] <config>");
    expect(help.code).toBe(0);
  });

  it("prints help to the given output and exits 0", async () => {
    const written: string[] = [];
    await expect(
      program((t) => written.push(t))
        .exitOverride()
        .parseAsync(["--help"], { from: "user" }),
    ).rejects.toMatchObject({
      exitCode: 0,
    });
    const help = written.join("");
    expect(help).toContain("Usage: s3-router");
    expect(help).toMatch(/validate <config>/);
    expect(help).toMatch(/explain \[options\] <config> <address>/);

    const viaRun = await cli("--help");
    expect(viaRun.code).toBe(0);
    expect(viaRun.stdout).toBe(help);
  });
});

describe("explain()", () => {
  it("agrees with the route table the router uses", async () => {
    const config = await loadRouterConfig(seed);
    const table = new RouteTable(resolveRouterOptions({ clients: config.clients, profiles: config.profiles }).routes);
    const e = explain(table, "example-bucket", "team2/a");
    expect(e.object).toEqual({ profile: "minio", client: "minio", bucket: "minio-bucket", key: "data/team2/a" });
    expect(e.object?.profile).toBe(table.resolveObject("example-bucket", "team2/a").name);
    expect(e.bucketHome.profile).toBe(table.resolveBucket("example-bucket").name);
    expect(formatExplanation(e).split("\n")[0]).toBe("s3://example-bucket/team2/a");
  });

  it("parses s3:// addresses with or without the scheme", () => {
    expect(parseS3Url("s3://b/k/with/slashes")).toEqual({ bucket: "b", key: "k/with/slashes" });
    expect(parseS3Url("b/k")).toEqual({ bucket: "b", key: "k" });
    expect(parseS3Url("s3://b")).toEqual({ bucket: "b", key: "" });
    expect(() => parseS3Url("s3://")).toThrow(/names no bucket/);
  });
});
