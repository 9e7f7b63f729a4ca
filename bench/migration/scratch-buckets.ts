/**
 * @module bench/migration/scratch-buckets — buckets a measurement creates for itself and removes
 * when done. Every run and every migrate round gets fresh ones, so a measurement never starts
 * from what an earlier one left (a migrate into a non-empty primary would skip objects), and the
 * in-memory OSD of a full run does not fill up round after round.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";

/** A bucket name no earlier run used: `prefix-<time>-<random>`. */
export function scratchBucketName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/** Creates a fresh bucket on `client` and returns its name. */
export async function createScratchBucket(client: S3Client, prefix: string): Promise<string> {
  const bucket = scratchBucketName(prefix);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Every key of a bucket (or under a prefix) with its size, page by page. */
export async function listAll(
  client: S3Client,
  bucket: string,
  prefix = "",
): Promise<Array<{ key: string; size: number }>> {
  const out: Array<{ key: string; size: number }> = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token !== undefined && { ContinuationToken: token }),
      }),
    );
    for (const o of page.Contents ?? []) out.push({ key: o.Key ?? "", size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out;
}

/**
 * Deletes every object of `bucket`, then the bucket. Best effort: cleaning up must not turn a
 * finished measurement into a failure (the servers are thrown away at the end anyway).
 */
export async function removeScratchBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    const keys = (await listAll(client, bucket)).map((o) => o.key);
    for (let i = 0; i < keys.length; i += 1000) {
      await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch {
    // Left behind: harmless on a throwaway server.
  }
}
