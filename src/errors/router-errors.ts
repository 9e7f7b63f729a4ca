/**
 * @module errors/router-errors — the errors s3-router raises about its own work (configuration,
 * routing, mirrors, tokens), with the bucket/key/profile that caused them, and guards that work
 * across realms (they test `name`, not `instanceof`).
 */

/** Base class of every error s3-router raises itself (errors of a backend pass through intact). */
export class RouterError extends Error {
  override name: string = "RouterError";
  /**
   * The message for a caller who must not learn the router's configuration (the gateway's
   * clients), when `message` names profiles or clients; else `message` is fit for anyone.
   */
  readonly publicMessage: string | undefined;

  constructor(message: string, options?: ErrorOptions & { publicMessage?: string }) {
    super(message, options);
    this.publicMessage = options?.publicMessage;
  }
}

/** One problem found in a router configuration. */
export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `profiles.minio.source_bucket_pattern`. */
  readonly path: string;
  /** What was wrong and what was expected. */
  readonly message: string;
}

/**
 * The configuration is invalid. `issues` lists every problem found, not only the first, so a
 * user can fix a file in one pass.
 */
export class ConfigError extends RouterError {
  override name = "ConfigError" as const;
  readonly issues: readonly ConfigIssue[];
  /** The file the configuration came from, when it came from one. */
  readonly file: string | undefined;

  constructor(issues: readonly ConfigIssue[], options?: { file?: string; cause?: unknown }) {
    const where = options?.file ? ` in ${options.file}` : "";
    const lines = issues.map((i) => `  - ${i.path ? `${i.path}: ` : ""}${i.message}`);
    super(`Invalid s3-router configuration${where}:\n${lines.join("\n")}`, { cause: options?.cause });
    this.issues = issues;
    this.file = options?.file;
  }
}

/** A request cannot be routed: it lacks the bucket (or key) its operation needs. */
export class NoRouteError extends RouterError {
  override name = "NoRouteError" as const;
  readonly operation: string;
  readonly bucket: string | undefined;
  readonly key: string | undefined;

  /** @param target - the caller's names, and `publicReason`: `reason` without configuration names. */
  constructor(
    operation: string,
    reason: string,
    target: { bucket?: string | undefined; key?: string | undefined; publicReason?: string } = {},
  ) {
    super(`${operation}: ${reason}`, {
      ...(target.publicReason !== undefined && { publicMessage: `${operation}: ${target.publicReason}` }),
    });
    this.operation = operation;
    this.bucket = target.bucket;
    this.key = target.key;
  }
}

/**
 * One request would need several backends (clients or physical buckets) and the router does not
 * split it: a listing whose prefix spans routes, a copy or batch delete across backends.
 */
export class CrossBackendError extends RouterError {
  override name = "CrossBackendError" as const;
  readonly operation: string;
  readonly bucket: string;
  /** The logical keys or prefix involved. */
  readonly keys: readonly string[];
  /** Names of the profiles (routes) the request spans, in routing order; `default` included. */
  readonly routes: readonly string[];

  constructor(operation: string, bucket: string, keys: readonly string[], routes: readonly string[], detail: string) {
    super(`${operation} on bucket "${bucket}" spans ${routes.length} backends (${routes.join(", ")}): ${detail}`);
    this.operation = operation;
    this.bucket = bucket;
    this.keys = keys;
    this.routes = routes;
  }
}

/**
 * The router was used where it cannot work: for example handed to the SDK's `getSignedUrl`,
 * which would sign for the router's own endpoint with logical names and produce a wrong URL.
 */
export class RouterMisuseError extends RouterError {
  override name = "RouterMisuseError" as const;
}

/**
 * An error as one short line for messages and logs: its S3 code (or name) and its message, no
 * stack.
 * @example
 * errorLine(new Error("boom")); // "Error: boom"
 */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { Code?: unknown }).Code;
  const name = typeof code === "string" ? code : error.name;
  return error.message && error.message !== name ? `${name}: ${error.message}` : name;
}

/** What one store holds after a mirrored write that did not reach every store. */
export interface StoreState {
  /** Role of the store in the route. */
  readonly role: "primary" | "mirror";
  /** Its client name. */
  readonly client: string;
  /** The bucket and key there (physical names). */
  readonly bucket: string;
  readonly key: string;
  /** `written`/`deleted`: the operation took effect there; `failed`: it did not. */
  readonly state: "written" | "deleted" | "failed";
  /** Version or ETag written there, when known. */
  readonly etag?: string | undefined;
  readonly versionId?: string | undefined;
}

/**
 * A write to a route with a mirror reached the primary but not the mirror: the two stores now
 * differ for this key until it is written again. `stores` says what each holds; `cause` is the
 * mirror's error. The router counts and reports every such divergence.
 */
export class MirrorWriteError extends RouterError {
  override name = "MirrorWriteError" as const;
  readonly operation: string;
  /** The caller's bucket and key. */
  readonly bucket: string;
  readonly key: string;
  /** The profile whose mirror failed. */
  readonly route: string;
  readonly stores: readonly StoreState[];

  constructor(
    operation: string,
    bucket: string,
    key: string,
    route: string,
    stores: readonly StoreState[],
    cause: unknown,
  ) {
    const says = (s: StoreState) =>
      `${s.role} "${s.client}" (${s.bucket}/${s.key}) ${s.state}${s.etag ? ` ETag ${s.etag}` : ""}${s.versionId ? ` version ${s.versionId}` : ""}`;
    const reason = errorLine(cause).replace(/\.\s*$/, "");
    super(
      `${operation} of "${bucket}/${key}" (profile "${route}") did not reach mirror "${stores.find((s) => s.role === "mirror")?.client}": ${reason}. State: ${stores.map(says).join("; ")}. The mirror differs for this key until it is written again.`,
      { cause },
    );
    this.operation = operation;
    this.bucket = bucket;
    this.key = key;
    this.route = route;
    this.stores = stores;
  }
}

/** True for a {@link MirrorWriteError}. */
export const isMirrorWriteError = (error: unknown): error is MirrorWriteError => hasName(error, "MirrorWriteError");

const hasName = (error: unknown, name: string): boolean =>
  typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;

/** True for any error raised by s3-router itself. */
export const isRouterError = (error: unknown): error is RouterError =>
  error instanceof RouterError ||
  [
    "ConfigError",
    "NoRouteError",
    "CrossBackendError",
    "RouterMisuseError",
    "InvalidTokenError",
    "MirrorWriteError",
    "SseKeyRequiredError",
    "RouterError",
  ].some((n) => hasName(error, n));
/** True for a {@link ConfigError}, even from another copy of the package. */
export const isConfigError = (error: unknown): error is ConfigError => hasName(error, "ConfigError");
/** True for a {@link NoRouteError}. */
export const isNoRouteError = (error: unknown): error is NoRouteError => hasName(error, "NoRouteError");
/** True for a {@link CrossBackendError}. */
export const isCrossBackendError = (error: unknown): error is CrossBackendError => hasName(error, "CrossBackendError");
/** True for a {@link RouterMisuseError}. */
export const isRouterMisuseError = (error: unknown): error is RouterMisuseError => hasName(error, "RouterMisuseError");

/**
 * A listing continuation token (or marker) the router did not issue for this listing: corrupted,
 * tampered with, or from another listing (other bucket, prefix or delimiter).
 */
export class InvalidTokenError extends RouterError {
  override name = "InvalidTokenError" as const;
  readonly token: string;
  constructor(token: string, reason: string) {
    super(`invalid continuation token "${token.length > 60 ? `${token.slice(0, 60)}…` : token}": ${reason}`);
    this.token = token;
  }
}

/** True for an {@link InvalidTokenError}. */
export const isInvalidTokenError = (error: unknown): error is InvalidTokenError => hasName(error, "InvalidTokenError");

/**
 * A copy the router makes on its own (copy-on-read, a mirror update, `migrate`) cannot read or
 * write an object encrypted with a customer-provided key (SSE-C): the key travels only with the
 * caller's requests, and the one that started this copy did not carry it (a mirrored tagging
 * change, a multipart completion sent without the key, a bulk migration). The object stays where
 * it is; nothing is written without its encryption. `cause` is the backend's refusal.
 */
export class SseKeyRequiredError extends RouterError {
  override name = "SseKeyRequiredError" as const;
  readonly operation: string;
  /** The caller's bucket and key. */
  readonly bucket: string;
  readonly key: string;
  /** The client whose store refused to serve the object without its key. */
  readonly client: string;

  constructor(operation: string, bucket: string, key: string, client: string, cause: unknown) {
    super(
      `${operation} of "${bucket}/${key}": the object on client "${client}" is encrypted with a customer-provided key (SSE-C) and this copy has no key for it (${errorLine(cause)}). ` +
        "Send the key with a request that copies it (a GetObject for copy-on-read, the write itself for a mirror), or copy it yourself.",
      { cause },
    );
    this.operation = operation;
    this.bucket = bucket;
    this.key = key;
    this.client = client;
  }
}

/** True for an {@link SseKeyRequiredError}. */
export const isSseKeyRequiredError = (error: unknown): error is SseKeyRequiredError =>
  hasName(error, "SseKeyRequiredError");
