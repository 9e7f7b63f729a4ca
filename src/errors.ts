/**
 * @module errors — every error s3-router raises itself, in one place: the router's own errors
 * (configuration, routing, mirrors, tokens) with their guards, the S3 error codes it answers with
 * (each keyed to its HTTP status), and the S3 error the library makes up as a backend would.
 */
export {
  RouterError,
  ConfigError,
  NoRouteError,
  CrossBackendError,
  RouterMisuseError,
  MirrorWriteError,
  InvalidTokenError,
  SseKeyRequiredError,
  isRouterError,
  isConfigError,
  isNoRouteError,
  isCrossBackendError,
  isRouterMisuseError,
  isMirrorWriteError,
  isInvalidTokenError,
  isSseKeyRequiredError,
  errorLine,
} from "./errors/router-errors.js";
export type { ConfigIssue, StoreState } from "./errors/router-errors.js";
export {
  S3_ERRORS,
  isS3ErrorCode,
  s3ErrorStatus,
  s3ErrorMessage,
  s3ErrorCodeOfStatus,
} from "./errors/s3-error-codes.js";
export type { S3ErrorCode, S3ErrorStatus, S3ErrorCodeOf } from "./errors/s3-error-codes.js";
export { PreconditionFailed } from "./errors/precondition-failed.js";
