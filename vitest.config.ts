/**
 * @module vitest.config — two projects: "unit" (everything under test/ except integration; no
 * servers, fast) and "integration" (test/integration/**, against two real Ceph RGW clusters that
 * test/support/global-setup.ts starts once per run).
 *
 *   npx vitest run test/unit                 unit only; never starts Ceph
 *   npx vitest run --project integration     integration only
 */
import { defineConfig } from "vitest/config";

// s3rver encrypts listing continuation tokens with DES, which Node ≥ 17 only has with OpenSSL's
// legacy provider, loadable only at process start (see test/support/s3rver.ts).
const execArgv = ["--openssl-legacy-provider"];

// The SDK warns on every Node < 22 process that future releases will need Node 22; the package
// supports Node 20.19, so in tests that warning is only noise. Workers inherit this environment.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/integration/**", "**/node_modules/**"],
          environment: "node",
          execArgv,
          // Unit tests run first (fast feedback), then integration with its own worker limit;
          // vitest requires distinct groups for projects with different maxWorkers.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          // Real servers: multipart uploads and cross-backend copies take seconds, not ms.
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Child processes, so a hung socket or native crash in one file cannot take others down.
          pool: "forks",
          // The Ceph daemons share the same 2 cores as the workers.
          maxWorkers: 2,
          execArgv,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
