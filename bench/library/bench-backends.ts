/**
 * @module bench/library/bench-backends — the S3 servers the library benchmark talks to: real
 * Ceph RGW clusters for full runs, in-process s3rver instances for quick runs, and s3rver as
 * the fallback when RGW cannot start here (not installed, no root to install it).
 */
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { startRgw, type RgwServer } from "../../test/support/rgw.js";
import { startS3rver, type S3rverServer } from "../../test/support/s3rver.js";

export type BackendKind = "rgw" | "s3rver";

/** One S3 server. */
export interface BenchBackend {
  readonly name: string;
  readonly endpoint: string;
  /** Settings for an S3Client that talks to it. */
  readonly clientConfig: S3ClientConfig;
}

/** The servers of one run. */
export interface BackendSet {
  /** What actually runs (may differ from what was asked for: see `fallback`). */
  readonly kind: BackendKind;
  /** Server software and version, for the report. */
  readonly description: string;
  readonly backends: readonly BenchBackend[];
  /** Why the asked-for kind is not what runs, when it is not. */
  readonly fallback: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `count` independent servers of `kind`. Like the tests, a root run on Debian installs
 * Ceph with apt-get when it is missing (S3R_NO_AUTO_INSTALL=1 forbids it); RGW that still cannot
 * start falls back to s3rver, with the reason in `fallback`.
 */
export async function startBackends(kind: BackendKind, count: number, log: (msg: string) => void): Promise<BackendSet> {
  if (kind === "rgw") {
    const started = Date.now();
    const attempts = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => {
        const letter = String.fromCharCode(65 + i);
        return startRgw({
          name: `bench${letter}`,
          accessKeyId: `AKIABENCH${letter}`,
          secretAccessKey: `bench-secret-${letter}-0123456789abcdefghijklmnopq`,
          memstoreBytes: 256 * 1024 * 1024,
        });
      }),
    );
    const servers = attempts.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []));
    const failure = attempts.find((a): a is PromiseRejectedResult => a.status === "rejected");
    if (failure === undefined) {
      log(`started ${count} RGW clusters in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return rgwSet(servers);
    }
    await Promise.all(servers.map((s) => s.stop()));
    const reason = firstLine(failure.reason);
    log(`RGW could not start (${reason}); falling back to s3rver`);
    const set = await s3rverSet(count);
    return { ...set, fallback: `Ceph RGW could not start here, so s3rver was used instead: ${reason}` };
  }
  return s3rverSet(count);
}

function rgwSet(servers: readonly RgwServer[]): BackendSet {
  // "ceph version 16.2.15 (<sha1>) pacific (stable)" → "16.2.15 pacific"
  const banner = spawnSync("radosgw", ["--version"], { encoding: "utf8" }).stdout ?? "";
  const version = /version (\S+) \([0-9a-f]+\) (\w+)/.exec(banner);
  return {
    kind: "rgw",
    description:
      `Ceph RGW ${version ? `${version[1]} ${version[2]}` : ""}, ${servers.length} single-host clusters with an in-memory OSD on 127.0.0.1`.replace(
        "  ",
        " ",
      ),
    backends: servers.map((s) => ({
      name: s.name,
      endpoint: s.endpoint,
      clientConfig: {
        endpoint: s.endpoint,
        region: s.region,
        credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
        forcePathStyle: true,
        // Ceph 16 predates the SDK's default trailing checksums (411 MissingContentLength).
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      },
    })),
    fallback: undefined,
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

async function s3rverSet(count: number): Promise<BackendSet> {
  const servers: S3rverServer[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startS3rver());
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  const version = (createRequire(import.meta.url)("s3rver/package.json") as { version: string }).version;
  return {
    kind: "s3rver",
    description: `s3rver ${version} (in-process, file-backed), ${servers.length} instances on 127.0.0.1`,
    backends: servers.map((s, i) => ({
      name: `s3rver${String.fromCharCode(65 + i)}`,
      endpoint: s.endpoint,
      clientConfig: s.clientConfig,
    })),
    fallback: undefined,
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 300);
}
