/**
 * @module gateway/gateway-config — the `gateway` section of the configuration file: where to
 * listen, how requests are addressed and who may send them. Validated like the rest of the file,
 * with every problem named by its field.
 */
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { credentialsSchema } from "../config/client-config.js";
import { isPlainObject, zodIssues } from "../config/profile-schema.js";
import type { Present, SchemaOutput } from "../config/schema-type.js";
import { loadGatewayTls, tlsSchema, type GatewayTls } from "./gateway-tls.js";

const text = (what: string) => z.string({ error: (i) => `${what} must be a string, got ${typeof i.input}` });
const listenAddress = (field: string, example: string) =>
  text(field).regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, `${field} must be host:port, e.g. ${example}`);

// Each shape below is the single declaration of its fields: the types (GatewayUserConfig,
// GatewayLimits, GatewaySettings…) are derived from it, with each member's documentation, and
// each schema is typed with its shape's name so that the published types keep that documentation.

/** One access key of the gateway. */
const userShape = {
  accessKeyId: text("accessKeyId").min(1, "accessKeyId must not be empty"),
  secretAccessKey: text("secretAccessKey").min(1, "secretAccessKey must not be empty"),
  /** Bucket globs this user may address. @default every bucket */
  buckets: z.array(text("a bucket pattern").min(1)).optional(),
  /** Refuse every write. @default false */
  readOnly: z.boolean().optional(),
  /**
   * This user's own credentials on some backends, by client name: its requests to those
   * backends are signed with them, so the backend's ACLs, policies, owners and tenants apply to
   * this user. Backends not listed see the client's credentials. @default none
   */
  backendCredentials: z.record(z.string(), credentialsSchema).optional(),
};
const userSchema: z.ZodObject<typeof userShape, z.core.$strict> = z.strictObject(userShape);

/** What unsigned requests may do. */
const anonymousShape = {
  /** Bucket globs anonymous callers may address. @default every bucket */
  buckets: z.array(text("a bucket pattern").min(1)).optional(),
  /** Refuse every anonymous write. @default false */
  readOnly: z.boolean().optional(),
};
const anonymousSchema: z.ZodObject<typeof anonymousShape, z.core.$strict> = z.strictObject(anonymousShape);

/** The `gateway.limits` section. */
const limitsShape = {
  /** Largest request head (request line and headers). @default 16384 (Node's default) */
  maxHeaderBytes: z.number().int().min(1024).default(16_384),
  /** Time allowed to receive a request's head. @default 20 000 */
  headersTimeoutMs: z.number().int().positive().default(20_000),
  /** Time a request body may go without a byte before it ends with S3's `RequestTimeout`. @default 20 000 */
  bodyIdleTimeoutMs: z.number().int().positive().default(20_000),
  /** Requests one access key (or all anonymous callers together) may have in flight; more get `503 SlowDown`. @default 64 */
  maxRequestsPerUser: z.number().int().positive().default(64),
  /**
   * Operations over several stores (merged listings, cross-backend copies, split batch deletes,
   * ListBuckets) one caller may have in flight; more get `503 SlowDown`. They run on the library's
   * SDK clients, whose pools (50 sockets per store) all users share, and one cross-backend copy
   * may hold up to five of those sockets. @default 8
   */
  maxSpanningPerUser: z.number().int().positive().default(8),
  /** Connections the gateway opens to each backend. @default 256 */
  backendConnections: z.number().int().positive().default(256),
};
const limitsSchema: z.ZodObject<typeof limitsShape, z.core.$strict> = z.strictObject(limitsShape);

/** The `gateway` section as written, with the defaults of its plain fields. */
const gatewayShape = {
  /** Where S3 requests are served, `host:port`. @default 127.0.0.1:8333 */
  listen: listenAddress("listen", "127.0.0.1:8333").optional(),
  /** Enables virtual-hosted-style addressing: `bucket.<domain>`. */
  domain: text("domain").min(1).optional(),
  /** The URL clients use to reach the gateway (for `Location` in responses). @default http://<listen> */
  publicUrl: text("publicUrl").url("publicUrl must be a URL such as https://s3.example.internal").optional(),
  /** Region clients sign for; when set, other regions are refused. @default any */
  region: text("region").min(1).optional(),
  users: z.array(userSchema).optional(),
  /** Unsigned requests are refused unless this is set. */
  anonymous: anonymousSchema.optional(),
  /** How long a backend may take to start answering. @default 30 000 */
  backendTimeoutMs: z.number().int().positive().default(30_000),
  /** Largest accepted clock difference of signed requests. @default 900 (15 min, as S3) */
  maxSkewSeconds: z.number().int().positive().default(900),
  /** How long in-flight requests may finish after SIGTERM. @default 25 000 */
  shutdownGraceMs: z.number().int().nonnegative().default(25_000),
  /** Least severe level the gateway logs. @default "info" */
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  limits: limitsSchema.prefault({}),
  /** Where `/-/metrics` and `/-/health` are also served, apart from S3 traffic. @default (none: on `listen` only) */
  metricsListen: listenAddress("metricsListen", "127.0.0.1:9464").optional(),
  /** HTTPS on `listen` (see gateway-tls). @default (none: plain HTTP) */
  tls: tlsSchema.optional(),
  /** A plain-HTTP listener beside the HTTPS one (only with `tls`; see `tls.plainHttp`). @default (none) */
  listenHttp: listenAddress("listenHttp", "0.0.0.0:8080").optional(),
};
const gatewaySchema: z.ZodObject<typeof gatewayShape, z.core.$strict> = z.strictObject(gatewayShape);

/** The `gateway` section, parsed. */
type GatewaySection = SchemaOutput<typeof gatewaySchema>;

/**
 * What one client may hold of the gateway, and how long it may keep it. One user cannot take more
 * than `maxRequestsPerUser` of a backend's `backendConnections`, so the others always have some.
 */
export type GatewayLimits = SchemaOutput<typeof limitsSchema>;

/** One access key of the gateway. */
export type GatewayUserConfig = SchemaOutput<typeof userSchema>;

/** A backend identity: what requests to a backend are signed with. */
export type BackendCredentials = SchemaOutput<typeof credentialsSchema>;

/** What unsigned requests may do, when the gateway takes them. */
export type AnonymousAccess = SchemaOutput<typeof anonymousSchema>;

/** A `host:port` read apart (IPv6 without its brackets). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The validated `gateway` section, defaults applied. */
export interface GatewaySettings
  extends
    Present<Pick<GatewaySection, "domain" | "publicUrl" | "region">>,
    Pick<GatewaySection, "backendTimeoutMs" | "maxSkewSeconds" | "shutdownGraceMs" | "logLevel"> {
  readonly host: string;
  readonly port: number;
  readonly users: readonly GatewayUserConfig[];
  /** Unsigned requests are refused unless this is set. */
  readonly anonymous: AnonymousAccess | undefined;
  readonly limits: GatewayLimits;
  /** Where `/-/metrics` and `/-/health` are also served, apart from S3 traffic. @default (none: on `listen` only) */
  readonly metricsListen: HostPort | undefined;
  /** HTTPS on `listen` (see gateway-tls). @default (none: plain HTTP) */
  readonly tls: GatewayTls | undefined;
  /** A plain-HTTP listener beside the HTTPS one (only with `tls`; see `tls.plainHttp`). @default (none) */
  readonly listenHttp: HostPort | undefined;
}

/**
 * Validates a `gateway` section.
 * @throws {@link ConfigError} naming each bad field as `gateway.<field>`.
 */
export function parseGatewaySettings(section: unknown, file?: string): GatewaySettings {
  const parsed = gatewaySchema.safeParse(section ?? {});
  if (!parsed.success || !isPlainObject(section ?? {})) {
    throw new ConfigError(
      parsed.success
        ? [{ path: "gateway", message: "must be a mapping" }]
        : zodIssues(parsed.error, "gateway", (at) =>
            Object.keys(at[0] === "tls" ? tlsSchema.shape : gatewaySchema.shape),
          ),
      {
        ...(file !== undefined && { file }),
      },
    );
  }
  const g = parsed.data;
  const listen = hostPort(g.listen ?? "127.0.0.1:8333");
  const limits: GatewayLimits = g.limits;
  if (limits.maxRequestsPerUser >= limits.backendConnections) {
    const message = `maxRequestsPerUser (${limits.maxRequestsPerUser}) must be below backendConnections (${limits.backendConnections}), so that one user cannot hold every connection to a backend`;
    throw new ConfigError([{ path: "gateway.limits.maxRequestsPerUser", message }], {
      ...(file !== undefined && { file }),
    });
  }
  const users: GatewayUserConfig[] = (g.users ?? []).map((u) => ({
    accessKeyId: u.accessKeyId,
    secretAccessKey: u.secretAccessKey,
    ...(u.buckets && { buckets: u.buckets }),
    ...(u.readOnly !== undefined && { readOnly: u.readOnly }),
    ...(u.backendCredentials && {
      backendCredentials: Object.fromEntries(
        Object.entries(u.backendCredentials).map(([client, c]) => [
          client,
          {
            accessKeyId: c.accessKeyId,
            secretAccessKey: c.secretAccessKey,
            ...(c.sessionToken !== undefined && { sessionToken: c.sessionToken }),
          },
        ]),
      ),
    }),
  }));
  const duplicate = users.find((u, i) => users.findIndex((v) => v.accessKeyId === u.accessKeyId) !== i);
  if (duplicate)
    throw new ConfigError([{ path: "gateway.users", message: `access key "${duplicate.accessKeyId}" appears twice` }], {
      ...(file !== undefined && { file }),
    });
  if (g.listenHttp !== undefined && g.tls === undefined) {
    // Without tls, `listen` is plain HTTP already: a second plain listener is a mistake.
    throw new ConfigError(
      [
        {
          path: "gateway.listenHttp",
          message: "listenHttp is a plain-HTTP listener beside HTTPS: it needs gateway.tls",
        },
      ],
      { ...(file !== undefined && { file }) },
    );
  }
  if (g.tls?.plainHttp !== undefined && g.listenHttp === undefined) {
    throw new ConfigError(
      [
        {
          path: "gateway.tls.plainHttp",
          message:
            "plainHttp says what gateway.listenHttp serves, and listenHttp is not set (HTTPS-only: nothing listens for plain HTTP)",
        },
      ],
      {
        ...(file !== undefined && { file }),
      },
    );
  }
  return {
    host: listen.host,
    port: listen.port,
    domain: g.domain,
    publicUrl: g.publicUrl?.replace(/\/+$/, ""),
    region: g.region,
    users,
    anonymous: g.anonymous && {
      ...(g.anonymous.buckets && { buckets: g.anonymous.buckets }),
      ...(g.anonymous.readOnly !== undefined && { readOnly: g.anonymous.readOnly }),
    },
    backendTimeoutMs: g.backendTimeoutMs,
    maxSkewSeconds: g.maxSkewSeconds,
    shutdownGraceMs: g.shutdownGraceMs,
    logLevel: g.logLevel,
    limits,
    metricsListen: g.metricsListen === undefined ? undefined : hostPort(g.metricsListen),
    tls: g.tls === undefined ? undefined : loadGatewayTls(g.tls, file),
    listenHttp: g.listenHttp === undefined ? undefined : hostPort(g.listenHttp),
  };
}

/** `host:port` (IPv6 in brackets) read apart. */
function hostPort(text: string): HostPort {
  const colon = text.lastIndexOf(":");
  return { host: text.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(text.slice(colon + 1)) };
}
