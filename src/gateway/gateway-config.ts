/**
 * @module gateway/gateway-config — the `gateway` section of the configuration file: where to
 * listen, how requests are addressed and who may send them. Validated like the rest of the file,
 * with every problem named by its field.
 */
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { isPlainObject, zodIssues } from "../config/profile-schema.js";
import { loadGatewayTls, tlsSchema, type GatewayTls } from "./gateway-tls.js";

const text = (what: string) => z.string({ error: (i) => `${what} must be a string, got ${typeof i.input}` });

const userSchema = z.strictObject({
  accessKeyId: text("accessKeyId").min(1, "accessKeyId must not be empty"),
  secretAccessKey: text("secretAccessKey").min(1, "secretAccessKey must not be empty"),
  buckets: z.array(text("a bucket pattern").min(1)).optional(),
  readOnly: z.boolean().optional(),
  backendCredentials: z
    .record(
      z.string(),
      z.strictObject({
        accessKeyId: text("accessKeyId").min(1, "accessKeyId must not be empty"),
        secretAccessKey: text("secretAccessKey").min(1, "secretAccessKey must not be empty"),
        sessionToken: text("sessionToken").optional(),
      }),
    )
    .optional(),
});

const gatewaySchema = z.strictObject({
  listen: text("listen")
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "listen must be host:port, e.g. 127.0.0.1:8333")
    .optional(),
  domain: text("domain").min(1).optional(),
  publicUrl: text("publicUrl").url("publicUrl must be a URL such as https://s3.example.internal").optional(),
  region: text("region").min(1).optional(),
  users: z.array(userSchema).optional(),
  anonymous: z
    .strictObject({ buckets: z.array(text("a bucket pattern").min(1)).optional(), readOnly: z.boolean().optional() })
    .optional(),
  backendTimeoutMs: z.number().int().positive().optional(),
  maxSkewSeconds: z.number().int().positive().optional(),
  shutdownGraceMs: z.number().int().nonnegative().optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  limits: z
    .strictObject({
      maxHeaderBytes: z.number().int().min(1024).optional(),
      headersTimeoutMs: z.number().int().positive().optional(),
      bodyIdleTimeoutMs: z.number().int().positive().optional(),
      maxRequestsPerUser: z.number().int().positive().optional(),
      maxSpanningPerUser: z.number().int().positive().optional(),
      backendConnections: z.number().int().positive().optional(),
    })
    .optional(),
  metricsListen: text("metricsListen")
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "metricsListen must be host:port, e.g. 127.0.0.1:9464")
    .optional(),
  tls: tlsSchema.optional(),
  listenHttp: text("listenHttp")
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "listenHttp must be host:port, e.g. 0.0.0.0:8080")
    .optional(),
});

/**
 * What one client may hold of the gateway, and how long it may keep it. One user cannot take more
 * than `maxRequestsPerUser` of a backend's `backendConnections`, so the others always have some.
 */
export interface GatewayLimits {
  /** Largest request head (request line and headers). @default 16384 (Node's default) */
  readonly maxHeaderBytes: number;
  /** Time allowed to receive a request's head. @default 20 000 */
  readonly headersTimeoutMs: number;
  /** Time a request body may go without a byte before it ends with S3's `RequestTimeout`. @default 20 000 */
  readonly bodyIdleTimeoutMs: number;
  /** Requests one access key (or all anonymous callers together) may have in flight; more get `503 SlowDown`. @default 64 */
  readonly maxRequestsPerUser: number;
  /**
   * Operations over several stores (merged listings, cross-backend copies, split batch deletes,
   * ListBuckets) one caller may have in flight; more get `503 SlowDown`. They run on the library's
   * SDK clients, whose pools (50 sockets per store) all users share, and one cross-backend copy
   * may hold up to five of those sockets. @default 8
   */
  readonly maxSpanningPerUser: number;
  /** Connections the gateway opens to each backend. @default 256 */
  readonly backendConnections: number;
}

/** One access key of the gateway. */
export interface GatewayUserConfig {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Bucket globs this user may address. @default every bucket */
  readonly buckets?: readonly string[];
  /** Refuse every write. @default false */
  readonly readOnly?: boolean;
  /**
   * This user's own credentials on some backends, by client name: its requests to those
   * backends are signed with them, so the backend's ACLs, policies, owners and tenants apply to
   * this user. Backends not listed see the client's credentials. @default none
   */
  readonly backendCredentials?: Readonly<Record<string, BackendCredentials>>;
}

/** A backend identity: what requests to a backend are signed with. */
export interface BackendCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The validated `gateway` section, defaults applied. */
export interface GatewaySettings {
  readonly host: string;
  readonly port: number;
  /** Enables virtual-hosted-style addressing: `bucket.<domain>`. */
  readonly domain: string | undefined;
  /** The URL clients use to reach the gateway (for `Location` in responses). @default http://<listen> */
  readonly publicUrl: string | undefined;
  /** Region clients sign for; when set, other regions are refused. @default any */
  readonly region: string | undefined;
  readonly users: readonly GatewayUserConfig[];
  /** Unsigned requests are refused unless this is set. */
  readonly anonymous: { readonly buckets?: readonly string[]; readonly readOnly?: boolean } | undefined;
  /** How long a backend may take to start answering. @default 30 000 */
  readonly backendTimeoutMs: number;
  /** Largest accepted clock difference of signed requests. @default 900 (15 min, as S3) */
  readonly maxSkewSeconds: number;
  /** How long in-flight requests may finish after SIGTERM. @default 25 000 */
  readonly shutdownGraceMs: number;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  readonly limits: GatewayLimits;
  /** Where `/-/metrics` and `/-/health` are also served, apart from S3 traffic. @default (none: on `listen` only) */
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  /** HTTPS on `listen` (see gateway-tls). @default (none: plain HTTP) */
  readonly tls: GatewayTls | undefined;
  /** A plain-HTTP listener beside the HTTPS one (only with `tls`; see `tls.plainHttp`). @default (none) */
  readonly listenHttp: { readonly host: string; readonly port: number } | undefined;
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
  const limits: GatewayLimits = {
    maxHeaderBytes: g.limits?.maxHeaderBytes ?? 16_384,
    headersTimeoutMs: g.limits?.headersTimeoutMs ?? 20_000,
    bodyIdleTimeoutMs: g.limits?.bodyIdleTimeoutMs ?? 20_000,
    maxRequestsPerUser: g.limits?.maxRequestsPerUser ?? 64,
    maxSpanningPerUser: g.limits?.maxSpanningPerUser ?? 8,
    backendConnections: g.limits?.backendConnections ?? 256,
  };
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
    backendTimeoutMs: g.backendTimeoutMs ?? 30_000,
    maxSkewSeconds: g.maxSkewSeconds ?? 900,
    shutdownGraceMs: g.shutdownGraceMs ?? 25_000,
    logLevel: g.logLevel ?? "info",
    limits,
    metricsListen: g.metricsListen === undefined ? undefined : hostPort(g.metricsListen),
    tls: g.tls === undefined ? undefined : loadGatewayTls(g.tls, file),
    listenHttp: g.listenHttp === undefined ? undefined : hostPort(g.listenHttp),
  };
}

/** `host:port` (IPv6 in brackets) read apart. */
function hostPort(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(":");
  return { host: text.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(text.slice(colon + 1)) };
}
