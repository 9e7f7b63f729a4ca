/**
 * @module s3-router — one S3 client for many S3-compatible services, routed by bucket and key.
 */
export { createS3Router } from "./client/create-router.js";
export { S3Router } from "./client/s3-router.js";
export { presignUrl } from "./client/presign.js";
export { loadRouterConfig, parseRouterConfig } from "./config/load-config.js";
export { RouteTable } from "./routing/route-table.js";
export { PreconditionFailed } from "./errors.js";
export { compileGlob } from "./routing/glob.js";
export {
  RouterError,
  ConfigError,
  NoRouteError,
  CrossBackendError,
  RouterMisuseError,
  InvalidTokenError,
  MirrorWriteError,
  SseKeyRequiredError,
  isRouterError,
  isConfigError,
  isNoRouteError,
  isCrossBackendError,
  isRouterMisuseError,
  isInvalidTokenError,
  isMirrorWriteError,
  isSseKeyRequiredError,
} from "./errors.js";
export { Migration } from "./migration/migration.js";
export { migrate } from "./migration/bulk-migrate.js";
export type {
  MigrateOptions,
  MigrateReport,
  MigrateProgress,
  MigrateFailure,
  MigrateRoute,
  Tally,
} from "./migration/bulk-migrate.js";
export type { MigrationEvent, MigrationStats } from "./migration/migration.js";
export type { CopyOutcome } from "./migration/copy-to-primary.js";
export type { StoreState } from "./errors.js";

export type { S3RouterOptions } from "./config/router-options.js";
export type {
  RouteSpec,
  ProfileInput,
  ProfilesInput,
  TargetSpec,
  FallbackSpec,
  TargetInput,
} from "./config/profile-schema.js";
export type { ClientFileConfig, ClientSource } from "./config/client-config.js";
export type { RouterFileConfig, LoadOptions } from "./config/load-config.js";
export type { Route } from "./routing/route-table.js";
export type { Glob } from "./routing/glob.js";
export type { ConfigIssue } from "./errors.js";
export type { CommandPlan, SpanningPlan } from "./client/command-plan.js";
export type { NameScope } from "./client/output-mapping.js";
