/**
 * @module test/support/aws-cli — runs the AWS CLI v2 (Debian's awscli 2.9 at /usr/bin/aws; the
 * `aws` first on PATH may be a 1.x) against an S3 endpoint, in a child process with its own
 * configuration directory and an environment cleaned of the caller's AWS settings.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's awscli package: v2. Not `aws` from PATH, which may be another version. */
export const AWS_CLI = "/usr/bin/aws";

/** Environment variables of the caller that would change what the CLI does. */
const SCRUBBED = /^(AWS_|BOTO_|PYTHONPATH$|PYTHONHOME$)/;

export interface AwsCliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface AwsCli {
  /** The temporary directory holding `config` and `credentials` (and anything the test adds). */
  readonly dir: string;
  /**
   * Runs `/usr/bin/aws --endpoint-url <endpoint> ...args`; resolves with the exit code and
   * output (it does not throw on a non-zero exit).
   */
  run(args: readonly string[], options?: { timeoutMs?: number; cwd?: string }): Promise<AwsCliResult>;
  /** Like {@link run} but throws, with the output, unless the exit code is 0. */
  ok(args: readonly string[], options?: { timeoutMs?: number; cwd?: string }): Promise<AwsCliResult>;
  /** Removes the configuration directory. */
  cleanup(): Promise<void>;
}

/**
 * Writes a configuration directory for one user of `endpoint` (path-style addressing,
 * us-east-1, no retries) and returns a runner.
 */
export async function awsCli(
  endpoint: string,
  user: { accessKeyId: string; secretAccessKey: string },
  region = "us-east-1",
): Promise<AwsCli> {
  const dir = await mkdtemp(join(tmpdir(), "s3r-awscli-"));
  const configFile = join(dir, "config");
  const credentialsFile = join(dir, "credentials");
  await writeFile(
    configFile,
    [
      "[default]",
      `region = ${region}`,
      "output = json",
      "cli_pager =",
      "max_attempts = 1",
      "retry_mode = standard",
      "s3 =",
      "    addressing_style = path",
      "",
    ].join("\n"),
  );
  await writeFile(
    credentialsFile,
    [
      "[default]",
      `aws_access_key_id = ${user.accessKeyId}`,
      `aws_secret_access_key = ${user.secretAccessKey}`,
      "",
    ].join("\n"),
  );

  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!SCRUBBED.test(name)) env[name] = value;
  Object.assign(env, {
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
    // The CLI's own data (e.g. its cache) stays in the temp dir too.
    HOME: dir,
  });

  const run = (args: readonly string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<AwsCliResult> =>
    new Promise((resolve) => {
      execFile(
        AWS_CLI,
        ["--endpoint-url", endpoint, ...args],
        {
          env,
          cwd: options.cwd ?? dir,
          timeout: options.timeoutMs ?? 120_000,
          maxBuffer: 64 * 1024 * 1024,
          killSignal: "SIGKILL",
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
          resolve({ code, stdout, stderr: error && code === -1 ? `${stderr}\n${error.message}` : stderr });
        },
      );
    });

  return {
    dir,
    run,
    async ok(args, options) {
      const result = await run(args, options);
      if (result.code !== 0) {
        throw new Error(
          `aws ${args.join(" ")} exited with ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
        );
      }
      return result;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
