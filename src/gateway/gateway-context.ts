/**
 * @module gateway/gateway-context — what one request's handling carries from layer to layer: the
 * gateway's services, the per-request record for logs and metrics, and the client's request as
 * every backend exchange and answer need it. Its own module so that the request handler, the
 * proxy, the form upload and the migration modes share these types without importing each other.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AuthContext } from "./auth/index.js";
import type { BackendSender } from "./backend-request.js";
import type { GatewayState } from "./gateway-state.js";
import type { GatewayMetrics, Logger } from "./observability.js";
import type { S3Operation } from "./protocol/index.js";
import type { UserSlots } from "./user-slots.js";

/** What the handler needs from the gateway around it. */
export interface HandlerServices {
  readonly state: () => GatewayState;
  readonly sender: BackendSender;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** Requests in flight per caller, capped. */
  readonly slots: UserSlots;
  /** Operations over several stores in flight per caller, capped (they share the library's pools). */
  readonly spanningSlots: UserSlots;
}

/** Per-request facts for logs and metrics. */
export interface Exchange {
  readonly id: string;
  readonly started: number;
  operation: string;
  route: string;
  backend: string;
  bytesIn: number;
  bytesOut: number;
}

/** The client's request, as every backend exchange and the answer of one request need it. */
export interface ProxyCall {
  readonly services: HandlerServices;
  /** The configuration the request started on (a reload does not change it mid-request). */
  readonly state: GatewayState;
  readonly operation: S3Operation;
  readonly req: IncomingMessage;
  /** The request's headers, with those a presigned URL carries in its query. */
  readonly headers: IncomingHttpHeaders;
  readonly res: ServerResponse;
  readonly auth: AuthContext;
  /** The operation's own query arguments, decoded, in order (nothing else goes on). */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  readonly exchange: Exchange;
  /** The caller's resource (`/bucket/key`), for error bodies. */
  readonly resource: string;
}
