/**
 * @module test/conformance/targets — the three targets of the conformance suite, over the shared
 * RGW pair:
 *
 * - **direct**: a plain S3Client on rgwA. Buckets are physical, names are the identity: the
 *   reference every other target must agree with.
 * - **library**: `createS3Router` with {@link RoutedLayout}'s configuration (split buckets
 *   renamed and prefixed across both stores, a bucket routed whole to rgwB).
 * - **gateway**: `startGateway` with the very same configuration object, driven by the SDK with
 *   its default settings (CRC32 trailers, aws-chunked bodies).
 *
 * Each target creates its buckets when it starts and deletes them when it stops, so no target
 * sees what another left. The library and gateway share bucket names (one configuration), and
 * run one after the other.
 */
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createS3Router, presignUrl } from "../../src/index.js";
import { createBuckets, emptyAndDeleteBucket, injectRgw, rgwClient, uniqueBucket } from "../support/backends.js";
import { startGateway } from "../support/gateway.js";
import { RoutedLayout, SPLIT_ROUTES } from "./routed-layout.js";
import {
  bucketList,
  type ConformanceBuckets,
  type ConformanceTarget,
  type RunningTarget,
  type SkipList,
  type TargetDefinition,
} from "./target.js";
import { TARGET_SKIPS } from "./target-skips.js";

/** The targets, in the order they run: the reference first. */
export function conformanceTargets(): TargetDefinition[] {
  const layout = new RoutedLayout();
  return [direct(), library(layout), gateway(layout)];
}

function direct(): TargetDefinition {
  return {
    name: "direct",
    skips: skipsOf("direct"),
    async start(): Promise<RunningTarget> {
      const server = injectRgw("rgwA");
      const s3 = rgwClient(server);
      const buckets: ConformanceBuckets = {
        split: uniqueBucket("cf-direct-split"),
        listing: uniqueBucket("cf-direct-listing"),
        whole: uniqueBucket("cf-direct-whole"),
      };
      await createBuckets(s3, bucketList(buckets));
      const place = (bucket: string, key: string) => ({
        client: s3,
        store: "rgwA" as const,
        bucket,
        key,
        route: "direct",
      });
      const target: ConformanceTarget = {
        name: "direct",
        s3,
        buckets,
        routes: ["direct"],
        where: place,
        shadowPlaces: () => [],
        physicalBuckets: (bucket) => [{ client: s3, store: "rgwA" as const, bucket }],
        origin: () => server.endpoint,
        presign: (command, expiresIn) => getSignedUrl(s3, command, { expiresIn }),
        async reset(bucket) {
          await emptyAndDeleteBucket(s3, bucket);
          await createBuckets(s3, [bucket]);
        },
      };
      return {
        target,
        async stop() {
          await Promise.all(bucketList(buckets).map((b) => emptyAndDeleteBucket(s3, b)));
          s3.destroy();
        },
      };
    },
  };
}

/** The parts of a routed target that only the layout knows. */
function routedParts(
  layout: RoutedLayout,
): Pick<ConformanceTarget, "buckets" | "routes" | "where" | "shadowPlaces" | "physicalBuckets" | "reset"> {
  return {
    buckets: layout.buckets,
    routes: SPLIT_ROUTES,
    where: (bucket, key) => layout.where(bucket, key),
    shadowPlaces: (bucket, key) => layout.shadowPlaces(bucket, key),
    physicalBuckets: (bucket) => layout.physicalBuckets(bucket),
    reset: (bucket) => layout.reset(bucket),
  };
}

function library(layout: RoutedLayout): TargetDefinition {
  return {
    name: "library",
    skips: skipsOf("library"),
    async start(): Promise<RunningTarget> {
      await layout.createBuckets();
      const router = createS3Router(layout.config);
      const target: ConformanceTarget = {
        name: "library",
        s3: router,
        ...routedParts(layout),
        // The library signs for the backend: URLs (Location, presigned) point at the store.
        origin: (bucket, key) => layout.endpoints[layout.where(bucket, key).store],
        presign: (command, expiresIn) => presignUrl(router, command, { expiresIn }),
      };
      return {
        target,
        async stop() {
          router.destroy();
          await layout.deleteBuckets();
        },
      };
    },
  };
}

function gateway(layout: RoutedLayout): TargetDefinition {
  return {
    name: "gateway",
    skips: skipsOf("gateway"),
    async start(): Promise<RunningTarget> {
      await layout.createBuckets();
      const gw = await startGateway(layout.config);
      const s3 = gw.client(); // the SDK's defaults: WHEN_SUPPORTED checksums, aws-chunked trailers
      const target: ConformanceTarget = {
        name: "gateway",
        s3,
        ...routedParts(layout),
        origin: () => gw.url,
        presign: (command, expiresIn) => getSignedUrl(s3, command, { expiresIn }),
      };
      return {
        target,
        async stop() {
          await gw.stop();
          await layout.deleteBuckets();
        },
      };
    },
  };
}

function skipsOf(name: keyof typeof TARGET_SKIPS): SkipList {
  return TARGET_SKIPS[name];
}
