/**
 * @module gateway/backend-request — sends one request to a backend: re-signed with the backend's
 * own credentials (SigV4, gateway/backend-signer) and streamed with backpressure through a
 * keep-alive pool. A large body is never held whole: it flows from the client socket to the
 * backend socket (small ones are read and verified first, see gateway/proxy).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { backendTls } from "../config/client-config.js";
import type { Readable } from "node:stream";
import { Agent, errors as undiciErrors, type Dispatcher } from "undici";
import { resolveCredentials, signBackendRequest, type CredentialSource } from "./backend-signer.js";
import { encodeKeyPath, encodeRfc3986 } from "./protocol/index.js";
import { S3Error } from "./s3-error.js";

/** What to send, in the backend's (physical) names. */
export interface BackendRequest {
  readonly method: string;
  /** Physical bucket, or undefined for account-level requests. */
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  /** Decoded query parameters, in order. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Headers to forward (already filtered), lowercase names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as it streams in, or whole (a small one, read and verified already). */
  readonly body: Readable | Buffer | undefined;
  /** `x-amz-content-sha256` to sign with: the body's hex SHA-256, or `UNSIGNED-PAYLOAD`. */
  readonly payloadHash: string;
  /**
   * Who the backend sees: the client's own credentials (`client`), a user's own credentials on
   * this backend, or nobody (`anonymous`: sent unsigned, the backend decides as it would for an
   * anonymous caller). @default "client"
   */
  readonly identity?: BackendIdentity;
}

/** What a backend request is signed with. */
export type BackendIdentity =
  | "client"
  | "anonymous"
  | { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };

/** A backend's answer: status, headers, and the body as it streams in (unread). */
export type BackendResponse = Dispatcher.ResponseData;

/** The parts of a backend's address and identity a request needs. */
interface BackendAddress {
  readonly origin: URL;
  /** `protocol//host` of the origin, for path-style requests. */
  readonly originString: string;
  /** The endpoint's own path, without a trailing slash (usually ""). */
  readonly basePath: string;
  readonly pathStyle: boolean;
  readonly region: string;
  /** The client's credentials (a provider: the SDK caches and refreshes them). */
  readonly credentials: CredentialSource;
  /** The pool of the backend's TLS settings (its `ca`, `insecureSkipVerify`). */
  readonly dispatcher: Agent;
}

/** Bucket names a virtual host can carry. */
const VIRTUAL_HOST_BUCKET = /^[a-z0-9][a-z0-9-]*$/;

/** Sends requests to backends; one connection pool for all of them. */
export class BackendSender {
  readonly #agent: Agent;
  /** Pools of backends with their own TLS settings, one per distinct settings (see BackendTls.id). */
  readonly #tlsAgents = new Map<string, Agent>();
  readonly #agentOptions: Agent.Options;
  readonly #addresses = new WeakMap<S3Client, Promise<BackendAddress>>();
  readonly #timeoutMs: number;

  /**
   * @param options.connections - connections per backend origin; the gateway caps each user's
   *   requests below it (gateway.limits), so no single user holds them all.
   */
  constructor(options: { timeoutMs: number; connections?: number }) {
    this.#timeoutMs = options.timeoutMs;
    this.#agentOptions = {
      keepAliveTimeout: 30_000,
      connections: options.connections ?? 256,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    };
    this.#agent = new Agent(this.#agentOptions);
  }

  /**
   * Sends `req` to the backend behind `client` and resolves when the response headers arrive.
   * @param name - the backend's client name, for error messages.
   * @throws {@link S3Error} ServiceUnavailable when the backend cannot be reached or is too slow.
   */
  async send(client: S3Client, name: string, req: BackendRequest, signal: AbortSignal): Promise<BackendResponse> {
    const address = await this.#address(client);
    const virtualHost = !address.pathStyle && req.bucket !== undefined && VIRTUAL_HOST_BUCKET.test(req.bucket);
    const host = virtualHost ? `${req.bucket}.${address.origin.host}` : address.origin.host;
    let path = address.basePath;
    if (req.bucket !== undefined && !virtualHost) path += `/${encodeRfc3986(req.bucket)}`;
    if (req.key !== undefined) path += `/${encodeKeyPath(req.key)}`;
    if (path === "") path = "/";

    // Encoded once, for the wire and the signature alike.
    const encodedQuery: Array<readonly [string, string]> = [];
    let search = "";
    for (const [k, v] of req.query) {
      const pair = [encodeRfc3986(k), encodeRfc3986(v)] as const;
      encodedQuery.push(pair);
      search += `${search === "" ? "?" : "&"}${v === "" ? pair[0] : `${pair[0]}=${pair[1]}`}`;
    }
    const headers: Record<string, string> = { ...req.headers, host };
    const identity = req.identity ?? "client";
    // An anonymous caller stays anonymous: no credentials of the gateway's are lent to it.
    if (identity !== "anonymous") {
      headers["x-amz-content-sha256"] = req.payloadHash;
      const credentials = await resolveCredentials(identity === "client" ? address.credentials : identity);
      signBackendRequest(
        { method: req.method, path, encodedQuery, headers, payloadHash: req.payloadHash, region: address.region },
        credentials,
      );
    }
    try {
      // The path goes on byte for byte as signed: a URL parser would resolve `.` and `..`
      // segments, which are part of S3 keys, after routing and scope checks saw them.
      return await address.dispatcher.request({
        origin: virtualHost ? `${address.origin.protocol}//${host}` : address.originString,
        path: `${path}${search}`,
        method: req.method,
        headers,
        body: req.body ?? null,
        // undici drops the connection after a HEAD unless told the server sends no body after
        // one (S3 servers do not): without this every HEAD pays a new TCP connection.
        reset: false,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw backendError(name, error, this.#timeoutMs);
    }
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await Promise.all([this.#agent, ...this.#tlsAgents.values()].map((agent) => agent.close()));
  }

  #address(client: S3Client): Promise<BackendAddress> {
    let address = this.#addresses.get(client);
    if (!address) {
      address = resolveAddress(client, this.#dispatcher(client));
      this.#addresses.set(client, address);
      address.catch(() => this.#addresses.delete(client));
    }
    return address;
  }

  /**
   * The pool for a client: the shared one, or one whose connections carry the client's CA bundle
   * or skip verification. Keyed by the settings, not the client: a reload that keeps a backend's
   * CA keeps its pool, one that changes the CA gets fresh connections.
   */
  #dispatcher(client: S3Client): Agent {
    const tls = backendTls(client);
    if (!tls) return this.#agent;
    let agent = this.#tlsAgents.get(tls.id);
    if (!agent) {
      const connect = {
        ...this.#agentOptions.connect,
        rejectUnauthorized: tls.rejectUnauthorized,
        ...(tls.ca !== undefined && { ca: tls.ca }),
      };
      agent = new Agent({ ...this.#agentOptions, connect });
      this.#tlsAgents.set(tls.id, agent);
    }
    return agent;
  }
}

async function resolveAddress(client: S3Client, dispatcher: Agent): Promise<BackendAddress> {
  const config = client.config;
  const region = await config.region();
  const explicit = config.endpoint ? await config.endpoint() : undefined;
  const origin = explicit
    ? new URL(
        `${explicit.protocol}//${explicit.hostname}${explicit.port ? `:${explicit.port}` : ""}${explicit.path ?? ""}`,
      )
    : new URL(`https://s3.${region}.amazonaws.com`);
  return {
    origin,
    originString: `${origin.protocol}//${origin.host}`,
    basePath: origin.pathname.replace(/\/$/, ""),
    // Custom endpoints (MinIO, Ceph…) are usually path-style; AWS itself prefers virtual hosts.
    pathStyle: config.forcePathStyle === true || (explicit !== undefined && config.forcePathStyle !== false),
    region,
    credentials: config.credentials as CredentialSource,
    dispatcher,
  };
}

/**
 * The client's view of a backend that failed to answer: S3's 503, saying only that. Which
 * backend, its address and the socket error are the log's (the error's `cause` and `backend`).
 */
function backendError(name: string, error: unknown, timeoutMs: number): S3Error {
  const slow =
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError;
  const message = slow
    ? `The store behind this request did not answer within ${timeoutMs} ms; please try again.`
    : "The store behind this request is unavailable; please try again.";
  return Object.assign(new S3Error("ServiceUnavailable", message, {}, { cause: error }), { backend: name });
}
