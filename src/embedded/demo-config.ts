/**
 * @module embedded/demo-config — the gateway's embedded default: the seed scenario on two local
 * S3 servers started in this process ("aws" and "minio"), with one gateway user. What `npm start`
 * serves on a fresh clone.
 */
import type { RouterFileConfig } from "../config/load-config.js";
import { startLocalS3, type LocalS3 } from "./local-s3.js";

/** The demo's gateway credentials (loopback only, printed at start). */
export const DEMO_USER = { accessKeyId: "s3router", secretAccessKey: "s3router-secret" } as const;

/** A running embedded demo. */
export interface EmbeddedDemo {
  readonly config: RouterFileConfig;
  readonly servers: { readonly aws: LocalS3; readonly minio: LocalS3 };
  stop(): Promise<void>;
}

/** Starts the two local servers and returns the configuration that routes over them. */
export async function startEmbeddedDemo(listen: string): Promise<EmbeddedDemo> {
  const [aws, minio] = await Promise.all([
    startLocalS3(["example-bucket", "us-west-bucket"]),
    startLocalS3(["minio-bucket", "us-east-bucket"]),
  ]);
  const config: RouterFileConfig = {
    clients: { default: aws.clientConfig, minio: minio.clientConfig },
    profiles: {
      minio: {
        source_bucket_pattern: "example-bucket",
        source_key_pattern: "team2/*",
        mapped_bucket_name: "minio-bucket",
        mapped_prefix: "data/",
      },
      "us-east": { client: "minio", source_bucket_pattern: "us-east-bucket" },
    },
    gateway: { listen, users: [DEMO_USER] },
  };
  return { config, servers: { aws, minio }, stop: async () => void (await Promise.all([aws.stop(), minio.stop()])) };
}
