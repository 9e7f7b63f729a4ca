/**
 * @module cli/serve — `s3-router serve`: runs the gateway on a configuration file, or on the
 * embedded demo when none is given. SIGHUP reloads the file; SIGTERM/SIGINT drain and stop.
 */
import { loadRouterConfig } from "../config/load-config.js";
import { DEMO_USER, startEmbeddedDemo } from "../embedded/demo-config.js";
import { createGateway } from "../gateway/gateway.js";

/** Options of the serve command. */
export interface ServeOptions {
  readonly config?: string;
  readonly listen?: string;
}

/** Runs the gateway until a signal stops it. */
export async function serve(options: ServeOptions, out: (text: string) => void): Promise<void> {
  const demo = options.config === undefined ? await startEmbeddedDemo(options.listen ?? "127.0.0.1:8333") : undefined;
  const config = demo?.config ?? (await loadRouterConfig(options.config!));
  const withListen =
    options.listen && !demo
      ? { ...config, gateway: { ...(config.gateway as object), listen: options.listen } }
      : config;
  const gateway = createGateway(withListen);
  let url: string;
  try {
    ({ url } = await gateway.listen());
  } catch (error) {
    await demo?.stop();
    throw error;
  }
  if (demo)
    out(
      demoBanner(
        url,
        demo.servers.aws.endpoint,
        demo.servers.minio.endpoint,
        demo.servers.minio.clientConfig.credentials,
      ),
    );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      gateway.log.info({ signal }, "stopping: draining in-flight requests");
      void gateway
        .close()
        .then(() => demo?.stop())
        .then(resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    process.on("SIGHUP", () => {
      if (!options.config) return gateway.log.warn("SIGHUP ignored: the embedded demo has no file to reload");
      loadRouterConfig(options.config)
        .then((next) =>
          gateway.reload(
            options.listen ? { ...next, gateway: { ...(next.gateway as object), listen: options.listen } } : next,
          ),
        )
        .catch((error: unknown) =>
          gateway.log.error({ err: error }, "reload failed: keeping the configuration in force"),
        );
    });
  });
}

function demoBanner(
  url: string,
  aws: string,
  minio: string,
  direct: { accessKeyId: string; secretAccessKey: string },
): string {
  const { accessKeyId: key, secretAccessKey: secret } = DEMO_USER;
  return `
s3-router gateway (embedded demo) listening on ${url}
  backends: "aws" (default) ${aws}, "minio" ${minio} — two local S3 servers in this process
  routing:  example-bucket/team2/*  → minio: minio-bucket/data/team2/*
            us-east-bucket          → minio: us-east-bucket
            everything else         → aws (example-bucket, us-west-bucket, …)
  credentials: access key ${key}, secret ${secret}

Try it (another terminal):
  export AWS_ACCESS_KEY_ID=${key} AWS_SECRET_ACCESS_KEY=${secret} AWS_DEFAULT_REGION=us-east-1
  echo hello | aws --endpoint-url ${url} s3 cp - s3://example-bucket/team2/hello.txt
  aws --endpoint-url ${url} s3 ls --recursive s3://example-bucket/
  # where it landed, asked of the "minio" server directly (its own keys, not the gateway's):
  AWS_ACCESS_KEY_ID=${direct.accessKeyId} AWS_SECRET_ACCESS_KEY=${direct.secretAccessKey} aws --endpoint-url ${minio} s3 ls --recursive s3://minio-bucket/

  // AWS SDK for JavaScript v3
  const s3 = new S3Client({ endpoint: "${url}", region: "us-east-1", forcePathStyle: true,
    credentials: { accessKeyId: "${key}", secretAccessKey: "${secret}" } });

Health: ${url}/-/health   Metrics: ${url}/-/metrics   Stop: Ctrl-C
`;
}
