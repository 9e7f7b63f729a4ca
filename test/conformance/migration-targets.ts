/**
 * @module test/conformance/migration-targets — the two targets of the migration suite, over the
 * shared RGW pair, with one configuration (the file form, {@link migrationConfig}):
 *
 * - **library**: `createS3Router(config)`; its migration services are `router.migration`; a
 *   divergence nobody listens to is reported on stderr.
 * - **gateway**: `startGateway(config)` in this process, driven by the SDK (its defaults: CRC32
 *   trailers, aws-chunked bodies; no retries, so every failure reaches the scenario); its
 *   migration services are its current router's, reachable in-process; a divergence is a log line.
 *
 * Stores: primary on rgwA (`new/`), fallback and mirror on rgwB (`old/`, `copy/`). The stores
 * the scenarios break are real RGWs too, behind a fault proxy (test/support/fault-proxy): the
 * `failing` profile's primary and the `faulty` profile's mirror. Each target creates its own
 * buckets and proxies when it starts and removes them when it stops, so neither sees what the
 * other left.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { vi } from "vitest";
import { createS3Router, MirrorWriteError, type RouterFileConfig, type StoreState } from "../../src/index.js";
import { createBuckets, emptyAndDeleteBucket, injectRgw, rgwClient, uniqueBucket } from "../support/backends.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { backendConfig, GATEWAY_USER, startGateway } from "../support/gateway.js";
import { PhysicalStore, type StoreRole } from "./migration-stores.js";
import {
  MIGRATION_CLIENTS as C,
  MIGRATION_PROFILES as P,
  type DivergenceReport,
  type MigrationTarget,
  type MigrationTargetDefinition,
} from "./migration-target.js";

/** The migration targets, in the order they run. */
export function migrationTargets(): MigrationTargetDefinition[] {
  return [library(), gateway()];
}

/** What both targets share once started: buckets, stores, proxies, the configuration. */
interface Layout {
  readonly bucket: string;
  readonly stores: Readonly<Record<StoreRole, PhysicalStore>>;
  readonly absentBucket: string;
  readonly faults: { readonly primary: FaultProxy; readonly mirror: FaultProxy };
  readonly config: RouterFileConfig;
  /** Stops the proxies, deletes the buckets. */
  teardown(): Promise<void>;
}

/**
 * The configuration of the suite: one profile per behaviour (see MIGRATION_PROFILES), all on the
 * same physical places, so the scenarios inspect one set of stores.
 */
export function migrationConfig(
  bucket: string,
  stores: Readonly<Record<StoreRole, PhysicalStore>>,
  absentBucket: string,
  faults: { readonly primary: FaultProxy; readonly mirror: FaultProxy },
): RouterFileConfig {
  const rgwA = injectRgw("rgwA");
  const rgwB = injectRgw("rgwB");
  const place = (store: PhysicalStore) => ({ mapped_bucket_name: store.bucket, mapped_prefix: store.prefix });
  const fallback = { client: C.fallback, ...place(stores.fallback) };
  const profile = (name: keyof typeof P, client: string, extra: object = {}) => ({
    client,
    source_bucket_pattern: bucket,
    source_key_pattern: `${P[name].prefix}*`,
    ...place(stores.primary),
    ...extra,
  });
  return {
    clients: {
      default: backendConfig(rgwA),
      [C.primary]: backendConfig(rgwA),
      [C.fallback]: backendConfig(rgwB),
      [C.mirror]: backendConfig(rgwB),
      // A wrong secret: RGW refuses every request with 403.
      [C.refused]: {
        ...backendConfig(rgwA),
        credentials: { accessKeyId: rgwA.accessKeyId, secretAccessKey: "not-the-secret" },
      },
      // No retries: a fault the scenario arms reaches the router, not an SDK retry.
      [C.failingPrimary]: { ...backendConfig(rgwA), endpoint: faults.primary.url, maxAttempts: 1 },
      [C.faultyMirror]: { ...backendConfig(rgwB), endpoint: faults.mirror.url, maxAttempts: 1 },
    },
    profiles: {
      moving: profile("moving", C.primary, { fallback }),
      copying: profile("copying", C.primary, { fallback: { ...fallback, copy_on_read: true } }),
      refused: profile("refused", C.refused, { fallback }),
      nobucket: profile("nobucket", C.primary, { mapped_bucket_name: absentBucket, fallback }),
      failing: profile("failing", C.failingPrimary, { fallback }),
      mirrored: profile("mirrored", C.primary, { fallback, mirror: { client: C.mirror, ...place(stores.mirror) } }),
      faulty: profile("faulty", C.primary, { mirror: { client: C.faultyMirror, ...place(stores.mirror) } }),
    },
    gateway: { users: [{ ...GATEWAY_USER }] },
  };
}

async function setUp(name: string): Promise<Layout> {
  const rgwA = injectRgw("rgwA");
  const rgwB = injectRgw("rgwB");
  const a = rgwClient(rgwA);
  const b = rgwClient(rgwB);
  const bucket = uniqueBucket(`mig-${name}`);
  const stores = {
    primary: new PhysicalStore("primary", a, uniqueBucket(`mig-${name}-primary`), "new/"),
    fallback: new PhysicalStore("fallback", b, uniqueBucket(`mig-${name}-fallback`), "old/"),
    mirror: new PhysicalStore("mirror", b, uniqueBucket(`mig-${name}-mirror`), "copy/"),
  };
  await Promise.all([
    createBuckets(a, [bucket, stores.primary.bucket]),
    createBuckets(b, [stores.fallback.bucket, stores.mirror.bucket]),
  ]);
  const [primaryProxy, mirrorProxy] = await Promise.all([
    startFaultProxy(rgwA.endpoint),
    startFaultProxy(rgwB.endpoint),
  ]);
  const faults = { primary: primaryProxy, mirror: mirrorProxy };
  const absentBucket = uniqueBucket(`mig-${name}-absent`);
  return {
    bucket,
    stores,
    absentBucket,
    faults,
    config: migrationConfig(bucket, stores, absentBucket, faults),
    async teardown() {
      await Promise.all([primaryProxy.stop(), mirrorProxy.stop()]);
      await Promise.all([
        emptyAndDeleteBucket(a, bucket),
        emptyAndDeleteBucket(a, stores.primary.bucket),
        emptyAndDeleteBucket(b, stores.fallback.bucket),
        emptyAndDeleteBucket(b, stores.mirror.bucket),
      ]);
      a.destroy();
      b.destroy();
    },
  };
}

/** The mirror's client in a list of store states. */
const mirrorOf = (stores: readonly StoreState[] | undefined): string | undefined =>
  stores?.find((s) => s.role === "mirror")?.client;

function library(): MigrationTargetDefinition {
  return {
    name: "library",
    // Every scenario applies: the library is where the migration modes are defined.
    skips: {},
    async start(): Promise<MigrationTarget> {
      const layout = await setUp("lib");
      const router = createS3Router(layout.config);
      return {
        name: "library",
        client: router,
        bucket: layout.bucket,
        stores: layout.stores,
        absentBucket: layout.absentBucket,
        faults: layout.faults,
        migration: () => router.migration,
        mirrorFailure: { code: "MirrorWriteError", status: undefined, message: /did not reach mirror "[^"]+"/ },
        unmirroredRefusal: { code: "NoRouteError", status: undefined },
        callerSeesStores: true,
        failureTold(error) {
          if (!(error instanceof MirrorWriteError)) return undefined;
          // The message names the mirror (what a person reads); `stores` says the rest (what a program reads).
          return {
            route: error.route,
            mirror: /did not reach mirror "([^"]+)"/.exec(error.message)?.[1],
            stores: error.stores,
          };
        },
        // With no listener, the router writes one JSON line per divergence to stderr.
        async divergenceReports(run) {
          const written: string[] = [];
          const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
            written.push(Buffer.from(chunk).toString("utf8"));
            return true;
          });
          try {
            await run();
          } finally {
            spy.mockRestore();
          }
          return written
            .flatMap((text) => text.split("\n"))
            .flatMap((line) => parsedLine(line))
            .filter((line) => line["msg"] === "mirror divergence")
            .map((line) => report(line, String(line["level"])));
        },
        divergenceLevel: "warn",
        async stop() {
          await router.migration.settled();
          router.destroy();
          await layout.teardown();
        },
      };
    },
  };
}

function gateway(): MigrationTargetDefinition {
  return {
    name: "gateway",
    // Every scenario applies: the gateway has the library's semantics, streamed.
    skips: {},
    async start(): Promise<MigrationTarget> {
      const layout = await setUp("gw");
      const gw = await startGateway(layout.config);
      const client: S3Client = gw.client({ maxAttempts: 1 });
      const divergenceLines = () => gw.logs.filter((line) => line["event"] === "mirror-divergence");
      return {
        name: "gateway",
        client,
        bucket: layout.bucket,
        stores: layout.stores,
        absentBucket: layout.absentBucket,
        faults: layout.faults,
        // The gateway's router, in this process (a reload would swap it: read it each time).
        migration: () => gw.gateway.state.router.migration,
        mirrorFailure: {
          code: "MirrorWriteFailed",
          status: 502,
          message: /reached the primary store but not its mirror/,
        },
        unmirroredRefusal: { code: "InvalidRequest", status: 400 },
        callerSeesStores: false,
        // The caller is not told which backend failed: the request's log line is.
        failureTold(_error, key) {
          const [line, ...more] = divergenceLines().filter((l) => l["key"] === key);
          if (line === undefined || more.length > 0) return undefined;
          return { route: line["route"], mirror: line["mirror"], stores: (line["stores"] ?? []) as StoreState[] };
        },
        async divergenceReports(run) {
          const seen = gw.logs.length;
          await run();
          return gw.logs
            .slice(seen)
            .filter((line) => line["event"] === "mirror-divergence")
            .map((line) => report(line, PINO_LEVELS[line["level"] as number] ?? String(line["level"])));
        },
        divergenceLevel: "error",
        async stop() {
          await gw.gateway.state.router.migration.settled();
          await gw.stop();
          await layout.teardown();
        },
      };
    },
  };
}

const PINO_LEVELS: Readonly<Record<number, string>> = { 30: "info", 40: "warn", 50: "error" };

/** A JSON log line as an object; anything else written (SDK warnings) is not a report. */
function parsedLine(line: string): Array<Record<string, unknown>> {
  if (!line.startsWith("{")) return [];
  try {
    return [JSON.parse(line) as Record<string, unknown>];
  } catch {
    return [];
  }
}

/** A divergence line, library or gateway, in the suite's terms. */
function report(line: Record<string, unknown>, level: string): DivergenceReport {
  const stores = (line["stores"] ?? []) as readonly StoreState[];
  return {
    level,
    operation: line["operation"],
    route: line["route"],
    bucket: line["bucket"],
    key: line["key"],
    mirror: line["mirror"] ?? mirrorOf(stores),
    stores,
  };
}
