/**
 * @module bench/migration/plain-copy — the baseline `migrate` is measured against: what anyone
 * would write with the bare SDK to copy a prefix from one S3 service to another. List the source,
 * then, `concurrency` objects at a time, GetObject streamed straight into PutObject. No check
 * that the destination is empty, no condition on the write, no verification afterwards: the
 * cheapest correct-when-nothing-else-happens copy, i.e. the floor for a migration's cost.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";

/** A bucket on one backend. */
export interface BucketRef {
  readonly client: S3Client;
  readonly bucket: string;
}

/** Copies every object under `prefix` of `from` to the same key of `to`. Returns the objects and bytes copied. */
export async function plainCopy(
  from: BucketRef,
  to: BucketRef,
  prefix: string,
  concurrency: number,
): Promise<{ objects: number; bytes: number }> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await from.client.send(
      new ListObjectsV2Command({
        Bucket: from.bucket,
        Prefix: prefix,
        ...(token !== undefined && { ContinuationToken: token }),
      }),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);

  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      const got = await from.client.send(new GetObjectCommand({ Bucket: from.bucket, Key: key }));
      // The response stream goes straight into the PUT: nothing is buffered whole.
      await to.client.send(
        new PutObjectCommand({
          Bucket: to.bucket,
          Key: key,
          Body: got.Body as Readable,
          ContentLength: got.ContentLength,
        }),
      );
      bytes += got.ContentLength ?? 0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  return { objects: keys.length, bytes };
}
