/**
 * @module test/conformance/placement — checks that an object is where the routing says, read
 * with the store's own client (bypassing the target), and nowhere else a route could have put it.
 */
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import { errorName, readBody } from "../support/backends.js";
import type { ConformanceTarget } from "./target.js";

/**
 * Expects `bucket/key` (caller's names) at its physical place with exactly `body`, and absent
 * from every other route's place for it.
 */
export async function expectPlaced(
  target: ConformanceTarget,
  bucket: string,
  key: string,
  body: string | Buffer,
): Promise<void> {
  const place = target.where(bucket, key);
  const stored = await readBody(
    await place.client.send(new GetObjectCommand({ Bucket: place.bucket, Key: place.key })),
  );
  expect(stored.equals(Buffer.from(body)), `${place.store}/${place.bucket}/${place.key} holds the body`).toBe(true);
  for (const other of target.shadowPlaces(bucket, key)) await expectAbsent(other.client, other.bucket, other.key);
}

/** Expects `bucket/key` (caller's names) to be absent from its physical place. */
export async function expectGone(target: ConformanceTarget, bucket: string, key: string): Promise<void> {
  const place = target.where(bucket, key);
  await expectAbsent(place.client, place.bucket, place.key);
}

async function expectAbsent(client: ConformanceTarget["s3"], Bucket: string, Key: string): Promise<void> {
  const error = await client.send(new HeadObjectCommand({ Bucket, Key })).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error === undefined ? `${Bucket}/${Key} exists` : errorName(error)).toBe("NotFound");
}
