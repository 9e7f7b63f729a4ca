/**
 * The shipped entry points as a user runs them, in child processes: the `s3-router` executable
 * (exit codes are only real at the process boundary) and `npm run demo`. Neither needs the RGW
 * backends; they live here because they spawn processes and take seconds, not milliseconds.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const EXAMPLE_ENV = {
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "example-secret",
  MINIO_ENDPOINT: "http://127.0.0.1:9000",
  MINIO_ACCESS_KEY: "minio-access",
  MINIO_SECRET_KEY: "minio-secret",
};

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tsx ...args` from the repository root with `env` added to a clean environment. */
function tsx(args: readonly string[], env: Record<string, string> = {}): Promise<Exit> {
  const base = { ...process.env };
  // What the test runner sets must not hide what the entry points do by themselves.
  delete base["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"];
  delete base["NODE_OPTIONS"];
  for (const name of Object.keys(EXAMPLE_ENV)) delete base[name];
  return new Promise((resolve) => {
    execFile(TSX, [...args], { cwd: ROOT, env: { ...base, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("s3-router executable", () => {
  it("validates examples/router.yaml and explains a key from it", async () => {
    const ok = await tsx(["src/cli/bin.ts", "validate", "examples/router.yaml"], EXAMPLE_ENV);
    expect(ok).toEqual({
      code: 0,
      stdout: "OK: examples/router.yaml — 3 profile(s), clients: minio, us-west-1, us-east-1, default\n",
      stderr: "",
    });

    const explained = await tsx(
      ["src/cli/bin.ts", "explain", "examples/router.yaml", "s3://example-bucket/team2/a.csv"],
      EXAMPLE_ENV,
    );
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain("profile minio → client minio → s3://minio-bucket/data/team2/a.csv");
  });

  it("exits 1 on an invalid configuration or a usage error", async () => {
    const unset = await tsx(["src/cli/bin.ts", "validate", "examples/router.yaml"]);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain("environment variable MINIO_ENDPOINT is not set");

    const usage = await tsx(["src/cli/bin.ts", "explain", "examples/router.yaml"]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("missing required argument 'address'");
  });
});

describe("npm run demo", () => {
  it("plays the seed scenario on two in-process servers and exits 0 without warnings", async () => {
    const { code, stdout, stderr } = await tsx(["examples/demo.ts"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // Physical placement, found by listing each server directly.
    expect(stdout).toMatch(/example-bucket\/team1\/plan\.txt +default +aws +example-bucket +team1\/plan\.txt\n/);
    expect(stdout).toMatch(/example-bucket\/team2\/plan\.txt +minio +minio +minio-bucket +data\/team2\/plan\.txt\n/);
    expect(stdout).toMatch(/us-east-bucket\/logs\/app\.log +us-east +aws +us-east-bucket +logs\/app\.log\n/);
    // Listing, delete and the cross-backend error, in the caller's names.
    expect(stdout).toContain('answer:  Name "example-bucket", Prefix "team2/", KeyCount 2');
    expect(stdout).toContain("Deleted: team2/plan.txt, team2/plan-v2.txt");
    // A listing spanning minio and aws: one merged listing in key order, every key once (a
    // CrossBackendError, the output before merged listings, must fail this).
    expect(stdout).toContain("  one merged listing: team1/plan.txt, team2/notes/june.txt, team3/plan.txt\n");
    expect(stdout).not.toContain("CrossBackendError");
  });
});
