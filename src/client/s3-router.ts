/**
 * @module client/s3-router — the drop-in router: an `S3Client` (so the SDK's paginators, waiters
 * and lib-storage accept it) that sends each command to the backend its bucket and key route to,
 * in physical names, and returns the answer in the caller's names. It also carries every method
 * of the SDK's aggregated `S3` class.
 */
import * as sdk from "@aws-sdk/client-s3";
import { S3Client, type S3, type ServiceInputTypes, type ServiceOutputTypes } from "@aws-sdk/client-s3";
import type { Command as SdkCommand, HttpHandlerOptions } from "@smithy/types";
import { LazyClient } from "../config/client-config.js";
import { resolveRouterOptions, type S3RouterOptions } from "../config/router-options.js";
import { ConfigError, RouterMisuseError } from "../errors.js";
import { overlappingPrefixes } from "../routing/bucket-ownership.js";
import { RouteTable } from "../routing/route-table.js";
import { commandName, operationName } from "./command-kind.js";
import { Migration } from "../migration/migration.js";
import { copyMigrates, runMigratingCopy } from "../migration/migrating-copy.js";
import { isMigrating, runMigratingObject } from "../migration/migrating-object.js";
import { isSpanning, planCommand, type CommandPlan, type SpanningPlan } from "./command-plan.js";
import { ListingTokenCodec } from "../spanning/listing-token.js";
import { runSpanning } from "../spanning/run-spanning.js";
import type { RouterBackends, SpanningContext } from "../spanning/spanning-context.js";
import { restoreError, restoreOutput } from "./output-mapping.js";
import { sdkPort, settle } from "./sdk-port.js";

type AnyCommand = {
  readonly input: object;
  readonly middlewareStack: sdk.S3Client["middlewareStack"];
  constructor: new (input: object) => AnyCommand;
};
/** Any command of the S3 client. */
type RoutableCommand<I extends ServiceInputTypes, O extends ServiceOutputTypes> = SdkCommand<
  ServiceInputTypes,
  I,
  ServiceOutputTypes,
  O,
  // The SDK's own `send` takes commands of any resolved configuration: an override must too.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  any
>;
/** When lib-storage (given the router) adds checksums. @default "WHEN_REQUIRED" if any backend says so. */
export type RouterChecksumSetting = "WHEN_SUPPORTED" | "WHEN_REQUIRED";
type Endpoint = { protocol: string; hostname: string; port?: number; path: string };
/** The methods that change a middleware stack in place. */
const STACK_CHANGES = ["add", "addRelativeTo", "remove", "removeByTag"] as const;

/**
 * Routes S3 commands to several backends by bucket and key pattern. Build it with
 * {@link createS3Router}.
 *
 * It is an `S3Client`: use `send(command)`, the SDK's paginators and waiters, and lib-storage's
 * `Upload` with it. It is also an aggregated client: `router.putObject({...})` works like on the
 * SDK's `S3` class. Presign with {@link presignUrl}, not the SDK's `getSignedUrl` (which would
 * sign for no backend at all: the router refuses it with a {@link RouterMisuseError}).
 */
// Declared with the interface below, which types the aggregated methods added to its prototype.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class S3Router extends S3Client {
  /** The compiled routing rules. */
  readonly routeTable: RouteTable;
  readonly #clients: ReadonlyMap<string, LazyClient>;
  readonly #checksumDefault: RouterChecksumSetting | undefined;
  /** Whether the router's own stack holds middleware; undefined after a change (see constructor). */
  #ownMiddleware: boolean | undefined = false;
  /** Client name of the last command routed, for lib-storage's Location (see constructor). */
  #lastClient = "default";

  readonly #spanning: Omit<SpanningContext, "sendOptions">;
  /** Read fallback, copy-on-read and mirrored writes: their events, counters and background copies. */
  readonly migration: Migration;

  constructor(options: S3RouterOptions) {
    const resolved = resolveRouterOptions(options);
    super({ region: "us-east-1", forcePathStyle: true });
    // Names given the very same client (or settings object) are one backend.
    const sources = [...resolved.clients];
    const backendOf = (name: string) =>
      sources.find(([, source]) => source === resolved.clients.get(name))?.[0] ?? name;
    this.routeTable = new RouteTable(resolved.routes, backendOf);
    const overlaps = overlappingPrefixes(this.routeTable);
    if (overlaps.length > 0) throw new ConfigError(overlaps);
    const backends: RouterBackends = {
      table: this.routeTable,
      backend: (name) => this.backend(name),
      tokens:
        options.listingTokenSecret !== undefined
          ? new ListingTokenCodec(options.listingTokenSecret)
          : ListingTokenCodec.derivedFrom(JSON.stringify(resolved.routes)),
      crossBackendCopy: options.crossBackendCopy ?? true,
      copyPartSize: options.copyPartSize ?? 8 * 1024 * 1024,
    };
    this.migration = new Migration(backends);
    this.#spanning = { ...backends, migration: this.migration };
    this.#clients = new Map([...resolved.clients].map(([name, source]) => [name, new LazyClient(name, source)]));
    this.#checksumDefault = options.requestChecksumCalculation;

    // The router never sends through its own stack; what users add to it is carried onto each
    // routed command, so start it empty.
    for (const entry of this.middlewareStack.identify()) this.middlewareStack.remove(entry.split(/ /)[0]!);
    // How many middleware it holds is asked again only after a change: `identify()` sorts the
    // whole stack, too dear for every send. `use()` and plugins change it through these methods.
    const stack = this.middlewareStack as unknown as Record<
      (typeof STACK_CHANGES)[number],
      (...args: never[]) => unknown
    >;
    for (const method of STACK_CHANGES) {
      const original = stack[method].bind(stack);
      stack[method] = (...args: never[]) => {
        this.#ownMiddleware = undefined;
        return original(...args);
      };
    }
    const config = this.config as unknown as Record<string, unknown>;
    // The SDK's getSignedUrl resolves an endpoint from the router's own config, which would sign
    // logical names for no backend. Refuse loudly instead of producing a wrong URL.
    config["endpointProvider"] = () => {
      throw new RouterMisuseError(
        "the router has no endpoint of its own: presign with presignUrl(router, command) from s3-router, not getSignedUrl(router, …)",
      );
    };
    // lib-storage's Upload calls `send(put)` and, in the same tick, `config.endpoint()` to build a
    // single-part Location: answering with the backend just routed makes that Location name the
    // backend's address, like the multipart Location the router maps back.
    config["endpoint"] = () => this.#endpointOf(this.#lastClient);
    // lib-storage asks the client it is given whether to add CRC32 to multipart uploads; a
    // backend that only wants required checksums (e.g. Ceph 16) must not get them.
    config["requestChecksumCalculation"] = () => this.#requestChecksumCalculation();
  }

  /** The backend client of a route's client name (built on first use). */
  backend(name: string): S3Client {
    const lazy = this.#clients.get(name);
    if (!lazy)
      throw new RouterMisuseError(`no client named "${name}"; clients: ${[...this.#clients.keys()].join(", ")}`);
    return lazy.get();
  }

  /**
   * Sends `command` to the backend its bucket and key route to. The caller's command and input
   * are never modified: a new command of the same class carries the physical names.
   */
  override send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    command: RoutableCommand<I, O>,
    options?: HttpHandlerOptions,
  ): Promise<O>;
  override send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    command: RoutableCommand<I, O>,
    cb: (err: unknown, data?: O) => void,
  ): void;
  override send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    command: RoutableCommand<I, O>,
    options: HttpHandlerOptions,
    cb: (err: unknown, data?: O) => void,
  ): void;
  override send(command: unknown, optionsOrCb?: unknown, cb?: unknown): Promise<unknown> | undefined {
    type Callback = (err: unknown, data?: unknown) => void;
    const callback = (typeof optionsOrCb === "function" ? optionsOrCb : cb) as Callback | undefined;
    const options = typeof optionsOrCb === "function" ? undefined : optionsOrCb;
    const result = this.#route(command as AnyCommand, options);
    if (typeof callback !== "function") return result;
    result.then(
      (output) => callback(null, output),
      (error: unknown) => callback(error),
    );
    return undefined;
  }

  /** Plans a command without sending it: where it would go and with which input. */
  plan(command: { readonly input: object }): CommandPlan | SpanningPlan {
    return planCommand(this.routeTable, commandName(command), command.input as Record<string, unknown>);
  }

  /** Closes the backend clients the router built itself; clients passed in stay the caller's. */
  override destroy(): void {
    for (const lazy of this.#clients.values()) if (lazy.owned && lazy.created) lazy.get().destroy();
    super.destroy();
  }

  async #route(command: AnyCommand, options: unknown): Promise<unknown> {
    // Everything up to the backend call runs synchronously (an async function runs so until its
    // first await): lib-storage reads `config.endpoint()` right after calling send (see the
    // constructor). A planning error rejects the returned promise.
    const name = commandName(command);
    const input = command.input as Record<string, unknown>;
    const plan = planCommand(this.routeTable, name, input);
    const backend = isSpanning(plan) ? undefined : this.backend(plan.client);
    const sendOptions = options as Record<string, unknown> | undefined;
    const operation = operationName(name);
    // A copy whose source may be on a fallback, or whose result goes to a mirror.
    const migratingCopy =
      (operation === "CopyObject" || operation === "UploadPartCopy") && copyMigrates(this.routeTable, operation, input);
    if (isSpanning(plan)) {
      const ctx = { ...this.#spanning, sendOptions };
      const run = () => runSpanning(ctx, plan, name, input);
      return migratingCopy ? runMigratingCopy(this.migration, ctx, operation, input, run) : run();
    }
    this.#lastClient = plan.client;
    const send = (p: CommandPlan) => {
      const routed = new command.constructor(p.input);
      routed.middlewareStack.use(command.middlewareStack);
      if ((this.#ownMiddleware ??= this.middlewareStack.identify().length > 0))
        routed.middlewareStack.use(this.middlewareStack);
      const scope = p.scope;
      const client = p.client === plan.client && backend ? backend : this.backend(p.client);
      return (client.send(routed as never, options as never) as Promise<unknown>).then(
        (output) => restoreOutput(scope, output),
        (error: unknown) => {
          throw restoreError(scope, error);
        },
      );
    };
    if (migratingCopy)
      return runMigratingCopy(this.migration, { ...this.#spanning, sendOptions }, operation, input, () => send(plan));
    if (isMigrating(plan.route)) {
      const request = { port: sdkPort(send), migration: this.migration, operation, input, plan, sendOptions };
      return runMigratingObject({ ...request, repeatable: true }).then(async ({ reply, mirrored }) => {
        await mirrored;
        return settle(reply);
      });
    }
    return send(plan);
  }

  async #endpointOf(name: string): Promise<Endpoint> {
    const config = this.backend(name).config;
    if (config.endpoint) return await config.endpoint();
    // AWS itself: the regional endpoint, which answers path-style requests too.
    return { protocol: "https:", hostname: `s3.${await config.region()}.amazonaws.com`, path: "/" };
  }

  async #requestChecksumCalculation(): Promise<"WHEN_SUPPORTED" | "WHEN_REQUIRED"> {
    if (this.#checksumDefault) return this.#checksumDefault;
    const settings = await Promise.all(
      [...this.#clients.keys()].map((name) => this.backend(name).config.requestChecksumCalculation()),
    );
    return settings.includes("WHEN_REQUIRED") ? "WHEN_REQUIRED" : "WHEN_SUPPORTED";
  }
}

/** Every method of the SDK's aggregated `S3` class: `putObject`, `paginateListObjectsV2`, `waitUntilObjectExists`… */
type AggregatedMethods = Omit<S3, keyof S3Client>;
// The methods are added to the prototype below, from the SDK's exports: this declares them.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface S3Router extends AggregatedMethods {}

// The aggregated methods, generated from the SDK's exports so new operations appear by themselves.
const proto = S3Router.prototype as unknown as Record<string, unknown>;
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
for (const [name, value] of Object.entries(sdk)) {
  if (typeof value !== "function") continue;
  if (name.endsWith("Command") && name !== "Command") {
    const Command = value as unknown as new (input: object) => AnyCommand;
    proto[lowerFirst(name.slice(0, -"Command".length))] = function (
      this: S3Router,
      input: object,
      optionsOrCb?: unknown,
      cb?: unknown,
    ) {
      return this.send(new Command(input ?? {}) as never, optionsOrCb as never, cb as never);
    };
  } else if (/^(paginate|waitUntil)[A-Z]/.test(name)) {
    const helper = value as (config: object, input: object, ...rest: unknown[]) => unknown;
    const isWaiter = name.startsWith("waitUntil");
    proto[name] = function (this: S3Router, input: object = {}, config?: unknown, ...rest: unknown[]) {
      const settings = isWaiter && typeof config === "number" ? { maxWaitTime: config } : (config ?? {});
      return helper({ ...settings, client: this }, input, ...rest);
    };
  }
}
