/**
 * @module gateway/gateway-state — everything a configuration determines, built together and
 * swapped as one: a reload replaces the whole state atomically, and requests in flight finish on
 * the state they started with.
 */
import { createS3Router } from "../client/create-router.js";
import type { S3Router } from "../client/s3-router.js";
import type { RouterFileConfig } from "../config/load-config.js";
import { UserDirectory } from "./auth/index.js";
import { ConfigError } from "../errors.js";
import { renamedInto } from "../routing/bucket-ownership.js";
import { BackendTokenVault } from "./backend-token.js";
import { parseGatewaySettings, type GatewaySettings } from "./gateway-config.js";

/** One configuration, ready to serve. */
export interface GatewayState {
  readonly router: S3Router;
  readonly users: UserDirectory;
  readonly settings: GatewaySettings;
  /**
   * What no answer to a client may contain: every backend's host (`name:port` and bare name)
   * and access key id.
   */
  readonly internalNames: readonly string[];
  /** Backend buckets profiles rename caller buckets into, by backend: never addressed by their own name. */
  readonly renamedInto: ReadonlyMap<string, ReadonlySet<string>>;
  /** Seals the backends' continuation tokens for callers (see gateway/backend-token). */
  readonly tokens: BackendTokenVault;
}

/**
 * Builds the state for a loaded configuration file.
 * @throws {@link ConfigError} when the file's `gateway` section (or anything else) is invalid.
 */
export function buildState(config: RouterFileConfig): GatewayState {
  const settings = parseGatewaySettings(config.gateway, config.file);
  const router = createS3Router(config);
  checkBackendCredentials(settings, config);
  const users = new UserDirectory(settings.users, settings.anonymous);
  // Keyed like merged-listing tokens: the shared secret, else what the routes are.
  const tokens = new BackendTokenVault(
    config.listingTokenSecret ?? JSON.stringify({ clients: Object.keys(config.clients), profiles: config.profiles }),
  );
  return {
    router,
    users,
    settings,
    internalNames: internalNamesOf(config, settings),
    tokens,
    renamedInto: renamedInto(router.routeTable),
  };
}

/** Every `backendCredentials` entry must name a client of the file. */
function checkBackendCredentials(settings: GatewaySettings, config: RouterFileConfig): void {
  const clients = Object.keys(config.clients);
  const issues = settings.users.flatMap((user, i) =>
    Object.keys(user.backendCredentials ?? {})
      .filter((client) => !clients.includes(client))
      .map((client) => ({
        path: `gateway.users[${i}].backendCredentials.${client}`,
        message: `no client named "${client}"; clients: ${clients.join(", ")}`,
      })),
  );
  if (issues.length > 0) throw new ConfigError(issues, { ...(config.file !== undefined && { file: config.file }) });
}

function internalNamesOf(config: RouterFileConfig, settings: GatewaySettings): string[] {
  const names = new Set<string>();
  for (const client of Object.values(config.clients)) {
    if (typeof client.endpoint === "string") {
      const url = new URL(client.endpoint);
      names.add(url.host);
      names.add(url.hostname);
    }
    const keyId = (client.credentials as { accessKeyId?: unknown } | undefined)?.accessKeyId;
    if (typeof keyId === "string" && keyId !== "") names.add(keyId);
  }
  for (const user of settings.users)
    for (const c of Object.values(user.backendCredentials ?? {})) names.add(c.accessKeyId);
  return [...names];
}
