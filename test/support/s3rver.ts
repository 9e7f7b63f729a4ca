/**
 * @module test/support/s3rver — an in-process s3rver (a loose fake S3) on a free loopback port,
 * for fast tests. Never let a test pass only because s3rver is lax: it ignores secrets, stores
 * aws-chunked framing as data, and lacks UploadPartCopy, ListParts, Abort, versions; prove
 * signature and multipart behaviour against RGW (test/support/rgw.ts).
 */
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { createCipheriv } from "node:crypto";
import { startLocalS3 } from "../../src/embedded/local-s3.js";

export interface S3rverServer {
  endpoint: string;
  /** s3rver only accepts this access key; it never checks the secret. */
  accessKeyId: "S3RVER";
  secretAccessKey: "S3RVER";
  region: "us-east-1";
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
    createCipheriv("des", Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

export async function startS3rver(options: StartS3rverOptions = {}): Promise<S3rverServer> {
  const local = await startLocalS3(options.buckets ?? []);
  return {
    endpoint: local.endpoint,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    region: "us-east-1",
    clientConfig: local.clientConfig,
    directory: local.directory,
    truncatedListings: legacyCryptoAvailable(),
    stop: () => local.stop(),
  };
}
