/**
 * @module test/support/gateway — a gateway on the test's RGW backends, in this process, on a free
 * port, with its JSON logs captured.
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { Writable } from "node:stream";
import type { RouterFileConfig } from "../../src/config/load-config.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import type { RgwEndpoint } from "./rgw.js";

/** Client settings of a backend for the configuration file form. */
export const backendConfig = (server: RgwEndpoint) => ({
  endpoint: server.endpoint,
  region: server.region,
  forcePathStyle: true,
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  requestChecksumCalculation: "WHEN_REQUIRED" as const,
  responseChecksumValidation: "WHEN_REQUIRED" as const,
});

export const GATEWAY_USER = { accessKeyId: "GWUSERKEY", secretAccessKey: "gw-user-secret-0123456789" };

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly url: string;
  /** Where `/-/metrics` is served, when `gateway.metricsListen` is set. */
  readonly metricsUrl: string | undefined;
  readonly logs: Array<Record<string, unknown>>;
  /** An SDK client for the gateway, with the SDK's default settings unless overridden. */
  client(extra?: S3ClientConfig & { user?: { accessKeyId: string; secretAccessKey: string } }): S3Client;
  stop(): Promise<void>;
}

export async function startGateway(config: RouterFileConfig): Promise<RunningGateway> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const gateway = createGateway(config, { logDestination: sink, port: 0 });
  const { url, metricsUrl } = await gateway.listen();
  const clients: S3Client[] = [];
  return {
    gateway,
    url,
    metricsUrl,
    logs,
    client({ user = GATEWAY_USER, ...extra } = {}) {
      // A copy: the SDK annotates the credentials object it is given.
      const credentials = { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
      const client = new S3Client({ endpoint: url, region: "us-east-1", forcePathStyle: true, credentials, ...extra });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await gateway.close();
    },
  };
}
