/**
 * @module config/router-options — the options of `createS3Router`, validated up front: every
 * problem is reported at once, naming the profile and field.
 */
import { z } from "zod";
import { ConfigError, type ConfigIssue } from "../errors.js";
import { type ClientSource, isS3Client } from "./client-config.js";
import {
  normalizeProfiles,
  describe,
  isPlainObject,
  unknownFieldMessage,
  zodIssues,
  type ProfilesInput,
  type RouteSpec,
} from "./profile-schema.js";
import type { SchemaInput } from "./schema-type.js";

const mustBe = (expected: string) => ({
  error: (i: z.core.$ZodRawIssue) => `must be ${expected}, got ${describe(i.input)}`,
});

/**
 * The router's own settings (beside its clients and routes). Typed with its shape's name so that
 * the published {@link S3RouterOptions} keeps each field's documentation.
 */
const settingsShape = {
  /**
   * Secret that signs the continuation tokens of listings merged across backends. Routers (and
   * gateway replicas) that continue each other's listings need the same secret.
   * @default derived from the profiles: tokens are still checked for corruption and for use on
   *   another listing, but anyone who knows the profiles can forge one — set a secret.
   */
  listingTokenSecret: z.string(mustBe("a non-empty string")).min(1, mustBe("a non-empty string")).optional(),
  /**
   * Whether CopyObject/UploadPartCopy between two backends are streamed through the router;
   * `false` makes them fail with a {@link CrossBackendError}.
   * @default true
   */
  crossBackendCopy: z.boolean(mustBe("true or false")).optional(),
  /**
   * Part size, in bytes, of the multipart uploads a cross-backend copy makes for large objects.
   * @default 8 MiB
   */
  copyPartSize: z
    .number(mustBe("a positive whole number of bytes"))
    // One message per field, as for the others: a negative fraction is not also "not positive".
    .int({ ...mustBe("a positive whole number of bytes"), abort: true })
    .positive(mustBe("a positive whole number of bytes"))
    .optional(),
  /**
   * When lib-storage's `Upload`, given the router, adds checksums to multipart uploads.
   * @default "WHEN_REQUIRED" if any backend client says so, else "WHEN_SUPPORTED"
   */
  requestChecksumCalculation: z
    .enum(["WHEN_SUPPORTED", "WHEN_REQUIRED"], mustBe('"WHEN_SUPPORTED" or "WHEN_REQUIRED"'))
    .optional(),
};
const settingsSchema: z.ZodObject<typeof settingsShape> = z.object(settingsShape);

/**
 * Options of {@link createS3Router}.
 *
 * @example
 * ```ts
 * createS3Router({
 *   clients: { minio: minioClient, default: awsClient },
 *   profiles: {
 *     minio: { source_bucket_pattern: "example-bucket", source_key_pattern: "team2/*",
 *              mapped_bucket_name: "minio-bucket", mapped_prefix: "data/" },
 *   },
 * });
 * ```
 */
export interface S3RouterOptions extends SchemaInput<typeof settingsSchema> {
  /**
   * Backends by name: an `S3Client`, or the settings to build one on first use.
   * `default` is required: it serves every request no profile matches.
   */
  readonly clients: Readonly<Record<string, ClientSource>>;
  /**
   * Routing rules, first match wins: boto-s3-router's ordered object of profiles (a profile uses
   * the client of its own name unless it sets `client`), or an array of routes (each with an
   * optional `name` and a required `client`... or the client named like the route).
   * snake_case and camelCase field names are both accepted.
   * @default {} — everything goes to `default`
   */
  readonly profiles?: ProfilesInput;
  /** Alias of `profiles` in the array form. Set one of the two. */
  readonly routes?: ProfilesInput;
}

const OPTION_FIELDS = ["clients", "profiles", "routes", ...Object.keys(settingsShape)];

/** The validated, normalised form of {@link S3RouterOptions}. */
export interface ResolvedRouterOptions {
  readonly clients: ReadonlyMap<string, ClientSource>;
  readonly routes: readonly RouteSpec[];
}

/**
 * Validates router options, throwing one {@link ConfigError} that lists every problem.
 * `extraFields` are top-level fields a caller layer (the file loader, the gateway) owns.
 */
export function resolveRouterOptions(options: unknown, extraFields: readonly string[] = []): ResolvedRouterOptions {
  const issues: ConfigIssue[] = [];
  if (!isPlainObject(options)) {
    throw new ConfigError([
      { path: "", message: `options must be an object with "clients" and "profiles", got ${describe(options)}` },
    ]);
  }
  const known = [...OPTION_FIELDS, ...extraFields];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) issues.push({ path: key, message: unknownFieldMessage(key, known) });
  }

  const clients = new Map<string, ClientSource>();
  const rawClients = options["clients"];
  if (!isPlainObject(rawClients)) {
    issues.push({
      path: "clients",
      message: `required: an object of named S3 clients including "default", got ${describe(rawClients)}`,
    });
  } else {
    for (const [name, value] of Object.entries(rawClients)) {
      if (isS3Client(value) || isPlainObject(value)) clients.set(name, value);
      else
        issues.push({
          path: `clients.${name}`,
          message: `must be an S3Client or S3Client settings, got ${describe(value)}`,
        });
    }
    if (!("default" in rawClients)) {
      issues.push({
        path: "clients.default",
        message: `required: the "default" client serves every request that no profile matches`,
      });
    }
  }

  const settings = settingsSchema.safeParse(options);
  if (!settings.success) issues.push(...zodIssues(settings.error, ""));

  if (options["profiles"] !== undefined && options["routes"] !== undefined) {
    issues.push({ path: "routes", message: `both "profiles" and "routes" are set; use one` });
  }
  const where = options["routes"] !== undefined ? "routes" : "profiles";
  const routes = normalizeProfiles(options[where], new Set(clients.keys()), where, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return { clients, routes };
}
