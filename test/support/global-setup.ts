/**
 * @module test/support/global-setup — vitest globalSetup of the integration project: two
 * independent Ceph RGW clusters with different credentials, handed to tests with `provide()`.
 *
 * Dev speed-up: `npx tsx test/support/rgw.ts --keep` once, then `S3R_TEST_REUSE=1` runs reuse the
 * pair recorded in .tmp/rgw.json (when it still answers) and leave it running afterwards.
 */
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { findRunningRgwPair, startRgwPair, toEndpoint, type RgwEndpoint } from "./rgw.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** First RGW cluster (keys AKIAROUTERA / secretA-…). */
    rgwA: RgwEndpoint;
    /** Second, independent RGW cluster (keys AKIAROUTERB / secretB-…). */
    rgwB: RgwEndpoint;
    /** rgwA's ceph.conf, for tests that administer it (e.g. `createRgwUser`). */
    rgwAConf: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const reused = process.env["S3R_TEST_REUSE"] === "1" ? await findRunningRgwPair() : undefined;
  const pair = reused ?? (await startRgwPair());
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    `[rgw] ${reused ? "reusing" : `started in ${seconds} s:`} rgwA ${pair.rgwA.endpoint}, rgwB ${pair.rgwB.endpoint}\n`,
  );
  project.provide("rgwA", toEndpoint(pair.rgwA));
  project.provide("rgwB", toEndpoint(pair.rgwB));
  project.provide("rgwAConf", join(pair.rgwA.dir, "ceph.conf"));
  return async () => {
    // Reused servers belong to whoever ran `--keep`.
    if (!reused) await Promise.all([pair.rgwA.stop(), pair.rgwB.stop()]);
  };
}
