/**
 * @module config/load-config — the router configuration file (YAML or JSON) shared by the
 * library, the CLI and the gateway: parse, read `${VAR}`s, validate clients and profiles.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError, type ConfigIssue } from "../errors.js";
import { clientConfigSchema, type ClientFileConfig } from "./client-config.js";
import { interpolateEnv } from "./env-interpolation.js";
import { isPlainObject, zodIssues, type ProfilesInput } from "./profile-schema.js";
import { resolveRouterOptions, type S3RouterOptions } from "./router-options.js";

/** Top-level sections other parts of s3-router own; the loader passes them through. */
const SECTIONS = ["gateway"] as const;

/** A parsed, validated configuration file: ready for `createS3Router`. */
export interface RouterFileConfig extends Omit<S3RouterOptions, "clients" | "profiles" | "routes"> {
  readonly clients: Readonly<Record<string, ClientFileConfig>>;
  readonly profiles: ProfilesInput;
  /** The `gateway` section, validated by the gateway itself. */
  readonly gateway?: unknown;
  /** Where the configuration came from, for messages. */
  readonly file?: string;
}

/** Options of {@link loadRouterConfig} and {@link parseRouterConfig}. */
export interface LoadOptions {
  /** Variables for `${VAR}`. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Reads and validates a configuration file (`.yaml`, `.yml` or `.json`; YAML is a superset of
 * JSON, so any other name is read as YAML).
 *
 * @throws {@link ConfigError} listing every problem, with the file name.
 * @example
 * ```ts
 * const config = await loadRouterConfig("router.yaml");
 * const s3 = createS3Router(config);
 * ```
 */
export async function loadRouterConfig(file: string, options: LoadOptions = {}): Promise<RouterFileConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new ConfigError([{ path: "", message: `cannot read the file: ${(cause as Error).message}` }], {
      file,
      cause,
    });
  }
  return parseRouterConfig(text, { ...options, file });
}

/** Parses and validates configuration text (YAML or JSON). See {@link loadRouterConfig}. */
export function parseRouterConfig(text: string, options: LoadOptions & { file?: string } = {}): RouterFileConfig {
  const file = options.file;
  const fail = (issues: ConfigIssue[], cause?: unknown): never => {
    throw new ConfigError(issues, { ...(file !== undefined && { file }), cause });
  };
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (cause) {
    const message = cause instanceof YAMLParseError ? cause.message : String(cause);
    return fail([{ path: "", message: `not valid YAML/JSON: ${message}` }], cause);
  }
  if (!isPlainObject(raw))
    return fail([{ path: "", message: `expected a mapping with "clients" and "profiles" at the top` }]);

  const issues: ConfigIssue[] = [];
  const config = interpolateEnv(raw, options.env ?? process.env, "", issues) as Record<string, unknown>;
  const clients: Record<string, ClientFileConfig> = {};
  if (isPlainObject(config["clients"])) {
    for (const [name, value] of Object.entries(config["clients"])) {
      const parsed = clientConfigSchema.safeParse(value ?? {});
      // A client with problems still exists for the profiles that name it: one mistake, one message.
      clients[name] = parsed.success ? withoutUndefined(parsed.data) : {};
      if (!parsed.success) {
        // A field whose ${VAR} is unset was reported already; its emptiness is the same problem.
        const reported = new Set(issues.map((i) => i.path));
        issues.push(...zodIssues(parsed.error, `clients.${name}`, clientFieldsAt).filter((i) => !reported.has(i.path)));
      }
    }
  }
  try {
    resolveRouterOptions(
      { ...config, clients: isPlainObject(config["clients"]) ? clients : config["clients"] },
      SECTIONS,
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0) return fail(issues);
  // The router's other options (listingTokenSecret, crossBackendCopy…) were validated above.
  const { clients: _c, profiles: _p, routes: _r, gateway: _g, ...routerOptions } = config;
  const result: RouterFileConfig = {
    ...(routerOptions as Omit<S3RouterOptions, "clients" | "profiles" | "routes">),
    clients,
    profiles: (config["routes"] ?? config["profiles"] ?? {}) as ProfilesInput,
    ...(config["gateway"] !== undefined && { gateway: config["gateway"] }),
    ...(file !== undefined && { file }),
  };
  return result;
}

const withoutUndefined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const CLIENT_FIELDS = Object.keys(clientConfigSchema.shape);
const CREDENTIAL_FIELDS = ["accessKeyId", "secretAccessKey", "sessionToken"];
const clientFieldsAt = (at: readonly PropertyKey[]) => (at[0] === "credentials" ? CREDENTIAL_FIELDS : CLIENT_FIELDS);
