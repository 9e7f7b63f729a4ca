/**
 * @module gateway/gateway-state — everything a configuration determines, built together and
 * swapped as one: a reload replaces the whole state atomically, and requests in flight finish on
 * the state they started with.
 */
import { createS3Router } from "../client/create-router.js";
import type { S3Router } from "../client/s3-router.js";
import type { RouterFileConfig } from "../config/load-config.js";
import { UserDirectory } from "./auth/index.js";
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
}

/**
 * Builds the state for a loaded configuration file.
 * @throws {@link ConfigError} when the file's `gateway` section (or anything else) is invalid.
 */
export function buildState(config: RouterFileConfig): GatewayState {
  const settings = parseGatewaySettings(config.gateway, config.file);
  const router = createS3Router(config);
  const users = new UserDirectory(settings.users, settings.anonymous);
  return { router, users, settings, internalNames: internalNamesOf(config) };
}

function internalNamesOf(config: RouterFileConfig): string[] {
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
  return [...names];
}
