/**
 * @module bench/migration/read-write-latency — what a single read or write costs on a migrating
 * route, against the same call on a plain route of the same router: a GetObject on a route with
 * a fallback (object on the primary: a hit; object only on the fallback: a miss answered from
 * it), and a PutObject on a route with a mirror. All variants go through one router built on the
 * benchmark's two backend clients, in interleaved rounds.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { createS3Router } from "../../src/client/create-router.js";
import type { S3Router } from "../../src/client/s3-router.js";
import type { BenchContext } from "../harness/section.js";
import type { MigrationSettings } from "./migration-settings.js";
import { compareRounds, interleavedRounds, type PairedComparison, type Variant } from "./paired-rounds.js";
import type { RequestCounter, RequestCounts } from "./request-counter.js";

/** The two stores: the route's own (primary) and the other one (its fallback or its mirror). */
export interface LatencyStores {
  readonly primary: { readonly client: S3Client; readonly bucket: string };
  readonly secondary: { readonly client: S3Client; readonly bucket: string };
  readonly counter: RequestCounter;
}

export type ReadVariant = "plain" | "fallback-hit" | "fallback-miss" | "plain-404";

/** GetObject variants against the plain route's hit. */
export interface ReadResult {
  readonly bytes: number;
  readonly rounds: number;
  readonly variants: ReadonlyArray<{
    readonly variant: ReadVariant;
    /** Against the plain route's GetObject of the same rounds (for "plain": against itself). */
    readonly vsPlain: PairedComparison;
    /** Requests one call sent, by client: counted on one extra call after the rounds. */
    readonly requests: Record<string, RequestCounts>;
  }>;
}

/** PutObject of one size: plain route vs mirrored route. */
export interface WriteResult {
  readonly bytes: number;
  readonly rounds: number;
  readonly mirroredVsPlain: PairedComparison;
  readonly requests: {
    readonly plain: Record<string, RequestCounts>;
    readonly mirrored: Record<string, RequestCounts>;
  };
}

/** Logical buckets of the router under test. */
const PLAIN = "plain-route";
const FALLBACK = "fallback-route";
const MIRRORED = "mirrored-route";

/**
 * One router with three routes on the same primary bucket: plain, with a fallback (copy-on-read
 * off, so a miss stays a miss round after round), and with a mirror. Sharing the bucket and the
 * client keeps the server's work the same for every variant but the migration mode's own.
 */
export function latencyRouter(stores: LatencyStores): S3Router {
  const primary = stores.primary.bucket;
  const secondary = stores.secondary.bucket;
  return createS3Router({
    clients: { primary: stores.primary.client, secondary: stores.secondary.client, default: stores.primary.client },
    profiles: {
      plain: { client: "primary", source_bucket_pattern: PLAIN, mapped_bucket_name: primary, mapped_prefix: "plain/" },
      fallback: {
        client: "primary",
        source_bucket_pattern: FALLBACK,
        mapped_bucket_name: primary,
        mapped_prefix: "fb/",
        fallback: { client: "secondary", mapped_bucket_name: secondary, mapped_prefix: "fb/", copy_on_read: false },
      },
      mirrored: {
        client: "primary",
        source_bucket_pattern: MIRRORED,
        mapped_bucket_name: primary,
        mapped_prefix: "mirrored/",
        mirror: { client: "secondary", mapped_bucket_name: secondary, mapped_prefix: "mirrored/" },
      },
    },
  });
}

const slotKey = (dir: string, slot: number) => `${dir}/obj-${String(slot).padStart(3, "0")}`;

/**
 * GetObject (whole body read) of a small object: the plain route; the fallback route where the
 * primary holds the object; the fallback route where only the fallback does; and, as the yardstick
 * for "one extra round trip", the plain route asked for a key nobody holds (the 404 the miss pays
 * before it asks the fallback).
 */
export async function measureReads(
  router: S3Router,
  stores: LatencyStores,
  settings: MigrationSettings,
  ctx: BenchContext,
): Promise<ReadResult> {
  const { slots, getBytes } = settings;
  // A body per store and slot, so a check can tell which store answered.
  const bodies = {
    plain: Array.from({ length: slots }, () => randomBytes(getBytes)),
    hit: Array.from({ length: slots }, () => randomBytes(getBytes)),
    miss: Array.from({ length: slots }, () => randomBytes(getBytes)),
  };
  const { primary, secondary } = stores;
  await Promise.all(
    Array.from({ length: slots }, (_, s) => [
      primary.client.send(
        new PutObjectCommand({ Bucket: primary.bucket, Key: `plain/${slotKey("get", s)}`, Body: bodies.plain[s]! }),
      ),
      primary.client.send(
        new PutObjectCommand({ Bucket: primary.bucket, Key: `fb/${slotKey("hit", s)}`, Body: bodies.hit[s]! }),
      ),
      secondary.client.send(
        new PutObjectCommand({ Bucket: secondary.bucket, Key: `fb/${slotKey("miss", s)}`, Body: bodies.miss[s]! }),
      ),
    ]).flat(),
  );

  const getBody = async (bucket: string, key: string): Promise<Uint8Array> => {
    const out = await router.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body!.transformToByteArray();
  };
  const expectBody = (variant: string, got: Uint8Array, want: Buffer) => {
    if (!want.equals(got))
      throw new Error(
        `${variant}: GetObject returned ${got.length} bytes that are not the object this variant should read (${want.length} bytes)`,
      );
  };
  const variants: Variant<ReadVariant>[] = [
    {
      name: "plain",
      run: async (round, check) => {
        const slot = round % slots;
        const got = await getBody(PLAIN, slotKey("get", slot));
        if (check) expectBody("plain route", got, bodies.plain[slot]!);
      },
    },
    {
      name: "fallback-hit",
      run: async (round, check) => {
        const slot = round % slots;
        const got = await getBody(FALLBACK, slotKey("hit", slot));
        if (check) expectBody("fallback route, hit", got, bodies.hit[slot]!);
      },
    },
    {
      name: "fallback-miss",
      run: async (round, check) => {
        const slot = round % slots;
        const got = await getBody(FALLBACK, slotKey("miss", slot));
        if (!check) return;
        expectBody("fallback route, miss", got, bodies.miss[slot]!);
        // A miss only while the primary does not hold the key: copy-on-read is off, nothing copies it.
        const onPrimary = await primary.client
          .send(new HeadObjectCommand({ Bucket: primary.bucket, Key: `fb/${slotKey("miss", slot)}` }))
          .then(
            () => true,
            () => false,
          );
        if (onPrimary)
          throw new Error("fallback route, miss: the primary holds the object, so the variant would measure a hit");
      },
    },
    {
      name: "plain-404",
      run: async (round) => {
        try {
          await getBody(PLAIN, slotKey("absent", round % slots));
        } catch (error) {
          if ((error as { name?: string }).name === "NoSuchKey") return;
          throw error;
        }
        throw new Error("plain route, absent key: GetObject succeeded, expected NoSuchKey");
      },
    },
  ];

  const { rounds, samples } = await interleavedRounds(variants, settings.get, (r, total) =>
    ctx.log(`migration: GetObject round ${r}/${total}`),
  );
  if (router.migration.stats.copyOnRead.copied > 0)
    throw new Error("a fallback read copied an object although copy_on_read is off: the misses were not all misses");
  const results: Array<ReadResult["variants"][number]> = [];
  for (const v of variants) {
    const requests = await stores.counter.during(() => v.run(rounds, false));
    results.push({ variant: v.name, vsPlain: compareRounds(samples.plain, samples[v.name]), requests });
  }
  return { bytes: getBytes, rounds, variants: results };
}

/** PutObject of each configured size: the plain route vs the mirrored route, in interleaved rounds. */
export async function measureWrites(
  router: S3Router,
  stores: LatencyStores,
  settings: MigrationSettings,
  ctx: BenchContext,
): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  for (const plan of settings.put) {
    const body = randomBytes(plan.bytes);
    const dir = `put-${plan.bytes}`;
    const put = (bucket: string, round: number) =>
      router.send(new PutObjectCommand({ Bucket: bucket, Key: slotKey(dir, round % settings.slots), Body: body }));
    const variants: Variant<"plain" | "mirrored">[] = [
      { name: "plain", run: async (round) => void (await put(PLAIN, round)) },
      {
        name: "mirrored",
        run: async (round, check) => {
          const written = await put(MIRRORED, round);
          if (!check) return;
          // The mirror must hold the very bytes the primary stored (same size, same MD5 ETag).
          const key = `mirrored/${slotKey(dir, round % settings.slots)}`;
          const copy = await stores.secondary.client.send(
            new HeadObjectCommand({ Bucket: stores.secondary.bucket, Key: key }),
          );
          if (copy.ContentLength !== plan.bytes || copy.ETag !== written.ETag) {
            throw new Error(
              `mirrored PutObject: the mirror holds ${copy.ContentLength} bytes, ETag ${copy.ETag}; the primary wrote ${plan.bytes} bytes, ETag ${written.ETag}`,
            );
          }
        },
      },
    ];
    const { rounds, samples } = await interleavedRounds(variants, plan, (r, total) =>
      ctx.log(`migration: PutObject ${dir} round ${r}/${total}`),
    );
    const requests = {
      plain: await stores.counter.during(() => variants[0]!.run(rounds, false)),
      mirrored: await stores.counter.during(() => variants[1]!.run(rounds, false)),
    };
    results.push({
      bytes: plan.bytes,
      rounds,
      mirroredVsPlain: compareRounds(samples.plain, samples.mirrored),
      requests,
    });
  }
  if (router.migration.stats.mirrorDivergences > 0)
    throw new Error(`${router.migration.stats.mirrorDivergences} mirrored writes did not reach the mirror`);
  return results;
}
