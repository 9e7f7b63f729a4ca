/**
 * @module config/client-config — how a configuration *file* describes a backend client (the
 * library also takes ready `S3Client` instances), and the lazy holder that builds each client on
 * first use so that a router over many backends costs nothing until a backend is needed.
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { z } from "zod";

const str = (what: string) => z.string({ error: (i) => `${what} must be a string, got ${typeof i.input}` });

/**
 * The client settings a config file may hold. Unknown fields are errors (typos would otherwise
 * silently fall back to SDK defaults, e.g. a misspelt `endpoint` sending data to AWS).
 */
export const clientConfigSchema = z.strictObject({
  endpoint: str("endpoint").url("endpoint must be a URL such as http://127.0.0.1:9000").optional(),
  region: str("region").min(1).optional(),
  forcePathStyle: z.boolean({ error: "forcePathStyle must be true or false" }).optional(),
  credentials: z
    .strictObject({
      accessKeyId: str("accessKeyId").min(1, "accessKeyId must not be empty"),
      secretAccessKey: str("secretAccessKey").min(1, "secretAccessKey must not be empty"),
      sessionToken: str("sessionToken").optional(),
    })
    .optional(),
  /** Named profile of the shared AWS config/credentials files. */
  profile: str("profile").optional(),
  maxAttempts: z.number().int().positive().optional(),
  requestChecksumCalculation: z.enum(["WHEN_SUPPORTED", "WHEN_REQUIRED"]).optional(),
  responseChecksumValidation: z.enum(["WHEN_SUPPORTED", "WHEN_REQUIRED"]).optional(),
  useAccelerateEndpoint: z.boolean().optional(),
  useDualstackEndpoint: z.boolean().optional(),
});

/** A backend client as written in a config file (see {@link clientConfigSchema}). */
export interface ClientFileConfig {
  readonly endpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly profile?: string;
  readonly maxAttempts?: number;
  readonly requestChecksumCalculation?: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  readonly responseChecksumValidation?: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  readonly useAccelerateEndpoint?: boolean;
  readonly useDualstackEndpoint?: boolean;
}

/** What the library accepts per client name: a ready client, or the settings to build one lazily. */
export type ClientSource = S3Client | S3ClientConfig | ClientFileConfig;

/** True for an `S3Client` (even from another copy of the SDK: duck-typed on `send` and `config`). */
export function isS3Client(value: unknown): value is S3Client {
  return (
    value instanceof S3Client ||
    (typeof value === "object" && value !== null && typeof (value as S3Client).send === "function" && "config" in value && "middlewareStack" in value)
  );
}

/** Builds a client from its source on first use and keeps it. */
export class LazyClient {
  #client: S3Client | undefined;
  constructor(
    readonly name: string,
    private readonly source: ClientSource,
  ) {
    if (isS3Client(source)) this.#client = source;
  }
  /** The client, created now if this is the first use. */
  get(): S3Client {
    return (this.#client ??= new S3Client(this.source as S3ClientConfig));
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
