/**
 * @module test/support/s3rver — an in-process s3rver (a loose fake S3) on a free loopback port,
 * for fast tests. Never let a test pass only because s3rver is lax: it ignores secrets, stores
 * aws-chunked framing as data, and lacks UploadPartCopy, ListParts, Abort, versions; prove
 * signature and multipart behaviour against RGW (test/support/rgw.ts).
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { createCipheriv } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3rverServer {
  endpoint: string;
  /** s3rver only accepts this access key; it never checks the secret. */
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  region: 'us-east-1';
  /** Settings an S3Client needs for this server (spread them, then add your own). */
  clientConfig: S3ClientConfig;
  /** Scratch directory holding the buckets; removed by `stop()`. */
  directory: string;
  /**
   * False when truncated listings will fail with 500 (see `legacyCryptoAvailable`); tests that
   * page through listings on s3rver should skip then.
   */
  truncatedListings: boolean;
  /** Closes the server (dropping keep-alive sockets) and removes `directory`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartS3rverOptions {
  /** Buckets to create before the server starts listening. */
  buckets?: string[];
}

/**
 * s3rver encrypts continuation tokens with single DES, which OpenSSL 3 (Node ≥ 17) only offers
 * through its legacy provider; without it every truncated listing answers 500. The provider can
 * only be loaded at process start: `--openssl-legacy-provider` on the node command line or in
 * NODE_OPTIONS. vitest.config.ts passes it to the test workers through `execArgv`; other entry
 * points need `NODE_OPTIONS=--openssl-legacy-provider`.
 */
export function legacyCryptoAvailable(): boolean {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

export async function startS3rver(options: StartS3rverOptions = {}): Promise<S3rverServer> {
  const directory = await mkdtemp(join(tmpdir(), 's3r-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    // Path-style only, like the RGW backends; vhost parsing would misread 127.0.0.1 hosts.
    vhostBuckets: false,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    region: 'us-east-1',
    clientConfig: {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
      // s3rver would store the aws-chunked framing of trailer checksums as object data.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
    directory,
    truncatedListings: legacyCryptoAvailable(),
    stop: () => {
      stopping ??= (async () => {
        const closing = server.close().catch(() => undefined);
        // close() would otherwise wait for keep-alive sockets of clients nobody destroyed.
        server.httpServer?.closeAllConnections();
        await closing;
        await rm(directory, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
