/**
 * @module config/client-config — how a configuration *file* describes a backend client (the
 * library also takes ready `S3Client` instances), and the lazy holder that builds each client on
 * first use so that a router over many backends costs nothing until a backend is needed.
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { Agent as HttpsAgent } from "node:https";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { readCertificates } from "./pem-source.js";
import type { SchemaInput } from "./schema-type.js";

const str = (what: string) => z.string({ error: (i) => `${what} must be a string, got ${typeof i.input}` });

/** The `credentials` of a client in a config file (and of a gateway user's own backend identity). */
const credentialsShape = {
  accessKeyId: str("accessKeyId").min(1, "accessKeyId must not be empty"),
  secretAccessKey: str("secretAccessKey").min(1, "secretAccessKey must not be empty"),
  sessionToken: str("sessionToken").optional(),
};
export const credentialsSchema: z.ZodObject<typeof credentialsShape, z.core.$strict> = z.strictObject(credentialsShape);

/**
 * The fields of a client in a config file (the subset of `S3ClientConfig` a file can express,
 * plus its TLS trust). A member's documentation is the field's: {@link ClientFileConfig} is
 * derived from this shape.
 */
const clientShape = {
  /** The backend's URL, e.g. `http://127.0.0.1:9000`. @default AWS's endpoint for `region` */
  endpoint: str("endpoint").url("endpoint must be a URL such as http://127.0.0.1:9000").optional(),
  region: str("region").min(1).optional(),
  forcePathStyle: z.boolean({ error: "forcePathStyle must be true or false" }).optional(),
  credentials: credentialsSchema.optional(),
  /** Named profile of the shared AWS config/credentials files. */
  profile: str("profile").optional(),
  maxAttempts: z.number().int().positive().optional(),
  requestChecksumCalculation: z.enum(["WHEN_SUPPORTED", "WHEN_REQUIRED"]).optional(),
  responseChecksumValidation: z.enum(["WHEN_SUPPORTED", "WHEN_REQUIRED"]).optional(),
  useAccelerateEndpoint: z.boolean().optional(),
  useDualstackEndpoint: z.boolean().optional(),
  /**
   * CA bundle for this backend's HTTPS endpoint: a PEM file path, or PEM text. It *replaces* the
   * system's trusted CAs for this client (a private CA signs the backend's certificate). Read
   * when the router is built. @default the system's CAs
   */
  ca: str("ca").min(1, "ca must be a file path or PEM text").optional(),
  /**
   * Accept any certificate from this backend: no chain, name or date check. For test setups
   * only — anyone on the path can then read and change the traffic. @default false
   */
  insecureSkipVerify: z.boolean({ error: "insecureSkipVerify must be true or false" }).optional(),
};

/**
 * The client settings a config file may hold. Unknown fields are errors (typos would otherwise
 * silently fall back to SDK defaults, e.g. a misspelt `endpoint` sending data to AWS). Typed with
 * its shape's name, not inferred: the published types then keep each field's documentation.
 */
export const clientConfigSchema: z.ZodObject<typeof clientShape, z.core.$strict> = z.strictObject(clientShape);

/** A backend client as written in a config file (see {@link clientConfigSchema}). */
export type ClientFileConfig = SchemaInput<typeof clientConfigSchema>;

/** What the library accepts per client name: a ready client, or the settings to build one lazily. */
export type ClientSource = S3Client | S3ClientConfig | ClientFileConfig;

/** True for an `S3Client` (even from another copy of the SDK: duck-typed on `send` and `config`). */
export function isS3Client(value: unknown): value is S3Client {
  return (
    value instanceof S3Client ||
    (typeof value === "object" &&
      value !== null &&
      typeof (value as S3Client).send === "function" &&
      "config" in value &&
      "middlewareStack" in value)
  );
}

/**
 * How the router reaches one backend over HTTPS when its settings say more than the defaults:
 * the SDK client's agent and the gateway's own connections (gateway/backend-request) both honour it.
 */
export interface BackendTls {
  /** PEM CA bundle, replacing the system's CAs. */
  readonly ca: string | undefined;
  /** False only with `insecureSkipVerify`. */
  readonly rejectUnauthorized: boolean;
  /** Equal for equal settings: connections may be pooled per origin and id. */
  readonly id: string;
}

/** The TLS settings of clients the router built from settings with `ca` or `insecureSkipVerify`. */
const BACKEND_TLS = new WeakMap<S3Client, BackendTls>();

/** The TLS settings a client was built with, when its settings had any. */
export const backendTls = (client: S3Client): BackendTls | undefined => BACKEND_TLS.get(client);

/** Builds a client from its source on first use and keeps it. */
export class LazyClient {
  #client: S3Client | undefined;
  readonly #tls: BackendTls | undefined;
  /**
   * @throws {@link ConfigError} when the settings' `ca` cannot be read, at once: a router (or a
   *   gateway reload) is refused rather than failing its first request to that backend.
   */
  constructor(
    readonly name: string,
    private readonly source: ClientSource,
  ) {
    if (isS3Client(source)) this.#client = source;
    else this.#tls = tlsSettings(name, source);
  }
  /** The client, created now if this is the first use. */
  get(): S3Client {
    if (this.#client) return this.#client;
    const tls = this.#tls;
    if (!tls) return (this.#client = new S3Client(this.source));
    const { ca: _ca, insecureSkipVerify: _skip, ...settings } = this.source as ClientFileConfig & S3ClientConfig;
    if (!tls.rejectUnauthorized) {
      process.emitWarning(
        `s3-router client "${this.name}": insecureSkipVerify is set — its TLS certificates are NOT verified (test setups only)`,
        { code: "S3R_INSECURE_TLS" },
      );
    }
    // The SDK builds its NodeHttpHandler from these options: the agent carries the trust settings.
    const httpsAgent = new HttpsAgent({
      keepAlive: true,
      maxSockets: 50,
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca !== undefined && { ca: tls.ca }),
    });
    this.#client = new S3Client({ ...settings, requestHandler: { httpsAgent } });
    BACKEND_TLS.set(this.#client, tls);
    return this.#client;
  }
  /** Whether the client exists yet (for `destroy`: never build a client only to close it). */
  get created(): boolean {
    return this.#client !== undefined;
  }
  /** Whether the router built this client itself (and so owns its lifetime). */
  get owned(): boolean {
    return !isS3Client(this.source);
  }
}

/** The TLS settings of a client's source, read and checked; undefined when it has none. */
function tlsSettings(name: string, source: ClientFileConfig | S3ClientConfig): BackendTls | undefined {
  const { ca, insecureSkipVerify } = source as ClientFileConfig;
  if (ca === undefined && insecureSkipVerify !== true) return undefined;
  if ((source as S3ClientConfig).requestHandler !== undefined) {
    throw new ConfigError([
      {
        path: `clients.${name}`,
        message:
          "ca and insecureSkipVerify build the client's request handler: give them in its httpsAgent instead of beside a requestHandler",
      },
    ]);
  }
  const pem = ca === undefined ? undefined : readCertificates(ca, `clients.${name}.ca`);
  const rejectUnauthorized = insecureSkipVerify !== true;
  const id = createHash("sha256")
    .update(`${rejectUnauthorized}\n${pem ?? ""}`)
    .digest("hex")
    .slice(0, 16);
  return { ca: pem, rejectUnauthorized, id };
}
