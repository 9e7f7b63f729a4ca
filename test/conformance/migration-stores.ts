/**
 * @module test/conformance/migration-stores — one physical store of a migrating profile (the
 * primary, the fallback or the mirror) as the migration suite inspects it: asked directly with
 * the store's own client, never through the target under test, in the caller's key (the store's
 * prefix is added here), so a scenario says "the mirror holds `mirrored/doc`" and means the
 * bytes RGW has.
 */
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type HeadObjectCommandOutput,
  type PutObjectCommandInput,
  type S3Client,
  type Tag,
} from "@aws-sdk/client-s3";
import { errorName, errorStatus, readBody } from "../support/backends.js";

/** A store's part in a migrating profile. */
export type StoreRole = "primary" | "fallback" | "mirror";

/** Extra fields of a PutObject planted directly on a store (metadata, tags, content type). */
export type PlantFields = Omit<PutObjectCommandInput, "Bucket" | "Key" | "Body">;

export class PhysicalStore {
  /**
   * @param role - its part in the profiles of the suite's layout.
   * @param client - the store's own client (its RGW, its credentials): bypasses the target.
   * @param bucket - the physical bucket the profiles map to.
   * @param prefix - what the profiles prepend to the caller's key there.
   */
  constructor(
    readonly role: StoreRole,
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  /** The physical key of a caller's key. */
  key(key: string): string {
    return `${this.prefix}${key}`;
  }

  /** Writes an object straight to the store, as data that was there before the migration. */
  async plant(key: string, body: string | Buffer, fields: PlantFields = {}): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: body, ...fields }));
  }

  /** The object's bytes, or undefined when the store does not hold it. */
  async bytes(key: string): Promise<Buffer | undefined> {
    return this.#unlessMissing(async () =>
      readBody(await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }))),
    );
  }

  /** The object's bytes as UTF-8, or undefined when the store does not hold it. */
  async text(key: string): Promise<string | undefined> {
    return (await this.bytes(key))?.toString("utf8");
  }

  /** The object's HEAD (content type, metadata, length), or undefined when the store does not hold it. */
  head(key: string): Promise<HeadObjectCommandOutput | undefined> {
    return this.#unlessMissing(() =>
      this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) })),
    );
  }

  /** Whether the store holds the object. */
  async holds(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  /** The object's tags (throws when the store does not hold it: a scenario asks only of objects it wrote). */
  async tags(key: string): Promise<Tag[]> {
    const out = await this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: this.key(key) }));
    return out.TagSet ?? [];
  }

  /**
   * Runs a read, with a 404 (the object is not there) as undefined; anything else still throws,
   * a missing bucket included: the store's bucket exists for the whole run.
   */
  async #unlessMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (errorStatus(error) === 404 && errorName(error) !== "NoSuchBucket") return undefined;
      throw error;
    }
  }
}
