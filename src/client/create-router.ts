/**
 * @module client/create-router — the library's front door.
 */
import type { S3RouterOptions } from "../config/router-options.js";
import { S3Router } from "./s3-router.js";

/**
 * Creates one S3 client that routes every request to the right backend by bucket and key
 * pattern. Takes boto-s3-router's configuration as is (`clients` with a required `default`, an
 * ordered `profiles` object with `source_bucket_pattern`, `source_key_pattern`,
 * `mapped_bucket_name`, `mapped_prefix`), camelCase names, or an array of routes; or the result
 * of {@link loadRouterConfig}.
 *
 * @throws {@link ConfigError} listing every problem of the configuration.
 * @example
 * ```ts
 * const s3 = createS3Router({
 *   clients: { minio: minioClient, default: awsClient },
 *   profiles: { minio: { source_bucket_pattern: "example-bucket", source_key_pattern: "team2/*",
 *                        mapped_bucket_name: "minio-bucket", mapped_prefix: "data/" } },
 * });
 * await s3.send(new PutObjectCommand({ Bucket: "example-bucket", Key: "team2/obj", Body: "hi" }));
 * // stored by minioClient in bucket "minio-bucket" as "data/team2/obj"
 * ```
 */
export function createS3Router(
  options: S3RouterOptions & { readonly file?: string; readonly gateway?: unknown },
): S3Router {
  // A loaded config file carries its path and the gateway's section: neither concerns the router.
  const { file: _file, gateway: _gateway, ...routerOptions } = options;
  return new S3Router(routerOptions);
}
