/**
 * @module gateway/auth/users — who may use the gateway and for what: the access keys it accepts
 * (each optionally limited to bucket globs and/or to reading), and the policy for unsigned
 * (anonymous) requests, which are refused unless one is configured.
 *
 * Authentication (is this really that key?) is sigv4-verify's job; this module answers only the
 * authorization questions once the caller is known.
 */
import { ConfigError } from "../../errors.js";
import { compileGlob, type Glob } from "../../routing/glob.js";
import { S3Error } from "../s3-error.js";

/** One access key the gateway accepts. */
export interface GatewayUser {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /**
   * The buckets this key may address, as fnmatch globs (`team-*`, `logs-202[45]`), matched
   * against the bucket name the client uses. @default every bucket
   */
  readonly buckets?: readonly string[];
  /** Refuse every write (PUT, POST, DELETE of buckets or objects). @default false */
  readonly readOnly?: boolean;
  /** Credentials this user's requests are re-signed with, by backend client name (see gateway-config). */
  readonly backendCredentials?: Readonly<
    Record<string, { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }>
  >;
}

/** What unsigned requests may do. Without one, they are refused. */
export interface AnonymousPolicy {
  /** The buckets anonymous requests may address, as fnmatch globs. @default every bucket */
  readonly buckets?: readonly string[];
  /** Refuse anonymous writes. @default false */
  readonly readOnly?: boolean;
}

/** What a request wants to do, for {@link UserDirectory.authorize}. */
export interface AccessRequest {
  /** The bucket the request addresses; `undefined` for ListBuckets (no bucket). */
  readonly bucket: string | undefined;
  /** Whether the operation modifies anything. */
  readonly write: boolean;
}

/** A user or the anonymous policy with its globs compiled once. */
interface Scope {
  /** `undefined`: every bucket. */
  readonly buckets: readonly Glob[] | undefined;
  readonly readOnly: boolean;
}

const compileScope = (buckets: readonly string[] | undefined, readOnly: boolean | undefined): Scope => ({
  buckets: buckets?.map(compileGlob),
  readOnly: readOnly ?? false,
});

const inScope = (scope: Scope, bucket: string): boolean =>
  scope.buckets === undefined || scope.buckets.some((g) => g.matches(bucket));

/**
 * The gateway's users, looked up by access key, and the checks of what each may do.
 * @example
 * const users = new UserDirectory([{ accessKeyId: "AK", secretAccessKey: "…", buckets: ["team-*"], readOnly: true }]);
 * users.authorize(users.lookup("AK"), { bucket: "team-a", write: false }); // ok
 * users.authorize(users.lookup("AK"), { bucket: "team-a", write: true }); // throws AccessDenied
 */
export class UserDirectory {
  readonly #users = new Map<string, GatewayUser>();
  /** Compiled scopes, by user object (users are immutable, so identity is a safe key). */
  readonly #scopes = new Map<GatewayUser, Scope>();
  readonly #anonymous: Scope | undefined;

  /**
   * @param users the accepted access keys (each must be distinct).
   * @param anonymous what unsigned requests may do; `undefined` (the default) refuses them.
   * @throws {@link ConfigError} when an access key appears twice.
   */
  constructor(users: readonly GatewayUser[], anonymous?: AnonymousPolicy) {
    for (const user of users) {
      if (this.#users.has(user.accessKeyId)) {
        throw new ConfigError([{ path: "gateway.users", message: `access key "${user.accessKeyId}" appears twice` }]);
      }
      this.#users.set(user.accessKeyId, user);
      this.#scopes.set(user, compileScope(user.buckets, user.readOnly));
    }
    this.#anonymous = anonymous && compileScope(anonymous.buckets, anonymous.readOnly);
  }

  /** The user with this access key, if any. */
  lookup(accessKeyId: string): GatewayUser | undefined {
    return this.#users.get(accessKeyId);
  }

  /** Whether unsigned requests are accepted at all. */
  get allowsAnonymous(): boolean {
    return this.#anonymous !== undefined;
  }

  /** The scope that applies to `user` (`undefined`: anonymous); `undefined` when none does. */
  #scopeOf(user: GatewayUser | undefined): Scope | undefined {
    if (user === undefined) return this.#anonymous;
    // A user object this directory does not hold gets no rights (not "no restrictions").
    return this.#users.get(user.accessKeyId) === user ? this.#scopes.get(user) : undefined;
  }

  /**
   * Refuses a request its caller may not make. A request without bucket (ListBuckets) is allowed
   * for every authenticated user; filter its answer with {@link canSee}.
   * @param user the authenticated user, `undefined` for an anonymous request.
   * @throws {@link S3Error} `AccessDenied` naming the bucket, when the bucket is outside the
   *   caller's scope, or when a read-only caller writes.
   */
  authorize(user: GatewayUser | undefined, request: AccessRequest): void {
    const who = user === undefined ? "anonymous requests" : `access key ${user.accessKeyId}`;
    const detail: Record<string, string> = request.bucket === undefined ? {} : { BucketName: request.bucket };
    const scope = this.#scopeOf(user);
    if (scope === undefined) {
      throw new S3Error(
        "AccessDenied",
        user === undefined
          ? "Access Denied: anonymous requests are not accepted; sign the request"
          : `Access Denied: ${who} is unknown`,
        detail,
      );
    }
    if (request.bucket !== undefined && !inScope(scope, request.bucket)) {
      throw new S3Error(
        "AccessDenied",
        `Access Denied: bucket "${request.bucket}" is outside what ${who} may use`,
        detail,
      );
    }
    if (request.write && scope.readOnly) {
      const where = request.bucket === undefined ? "" : ` to bucket "${request.bucket}"`;
      throw new S3Error("AccessDenied", `Access Denied: ${who} may only read; a write${where} was refused`, detail);
    }
  }

  /**
   * Whether any caller at all (a user, or anonymous callers) may address `bucket`: what an
   * unauthenticated CORS preflight is allowed to ask about.
   */
  reachable(bucket: string): boolean {
    if (this.#anonymous && inScope(this.#anonymous, bucket)) return true;
    for (const scope of this.#scopes.values()) if (inScope(scope, bucket)) return true;
    return false;
  }

  /** Whether `bucket` is within the caller's scope (to filter a ListBuckets answer). */
  canSee(user: GatewayUser | undefined, bucket: string): boolean {
    const scope = this.#scopeOf(user);
    return scope !== undefined && inScope(scope, bucket);
  }
}
