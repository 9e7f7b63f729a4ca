/**
 * @module embedded/local-s3 — a small S3 server in this process (the npm package s3rver), for
 * the embedded demo configuration that lets a newcomer try the gateway with no S3 at hand.
 * s3rver is a loose fake: fine for trying things, never a backend for real data.
 */
import type { ClientFileConfig } from "../config/client-config.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running local S3 server. */
export interface LocalS3 {
  readonly endpoint: string;
  /** Settings of an S3Client for this server. */
  readonly clientConfig: ClientFileConfig & {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  readonly directory: string;
  /** Stops the server and removes its files. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts s3rver on a free loopback port with `buckets` created.
 * s3rver only accepts the access key `S3RVER`, stores aws-chunked framing as data (so clients
 * must send plain bodies — the gateway does), and needs `--openssl-legacy-provider` on Node ≥ 17
 * for truncated listings.
 */
export async function startLocalS3(buckets: readonly string[] = []): Promise<LocalS3> {
  let S3rver: typeof import("s3rver");
  try {
    S3rver = (await import("s3rver")).default;
  } catch (cause) {
    throw new Error(
      "the embedded local S3 servers need the package s3rver (a devDependency): run `npm ci` in a clone of s3-router",
      { cause },
    );
  }
  const directory = await mkdtemp(join(tmpdir(), "s3-router-local-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run().catch(async (error: unknown) => {
    await rm(directory, { recursive: true, force: true });
    throw error;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    clientConfig: {
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    },
    directory,
    stop: () =>
      (stopping ??= (async () => {
        const closing = server.close().catch(() => undefined);
        // close() would otherwise wait for keep-alive sockets of clients nobody destroyed.
        server.httpServer?.closeAllConnections();
        await closing;
        await rm(directory, { recursive: true, force: true });
      })()),
  };
}
