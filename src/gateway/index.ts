/**
 * @module s3-router/gateway — the S3 gateway as a library: serve the routing to any S3 client.
 */
export { createGateway } from "./gateway.js";
export type { Gateway, GatewayOptions } from "./gateway.js";
export { parseGatewaySettings } from "./gateway-config.js";
export type { GatewaySettings, GatewayUserConfig } from "./gateway-config.js";
export { S3Error, isS3Error } from "./s3-error.js";
export type { S3ErrorCode, RelayedCode } from "./s3-error.js";
