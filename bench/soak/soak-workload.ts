/**
 * @module bench/soak/soak-workload — one soak client: a loop of mixed S3 operations on keys it
 * owns, each checked against its {@link KeyModel} as it goes (a read returns the acknowledged
 * bytes, a listing holds every acknowledged key and no acknowledged delete, DeleteObjects reports
 * every key), and the final check that replays the whole model against the backends directly.
 *
 * Keys of client `c07`: `soak/c07/a/<n>` stay on the default backend (rgwA), `soak/c07/team2/<n>`
 * are routed to the other (rgwB, under `data/`), so a listing of `soak/c07/` is a merged listing
 * across both, and a copy between the two sides is a cross-backend copy.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { bytesOf, content, KeyModel, sha256, type Content } from "./soak-model.js";

/** Where the soak's logical bucket lives on the backends. */
export interface SoakLayout {
  /** The caller's bucket (also rgwA's). */
  readonly bucket: string;
  /** rgwB's bucket for the `team2` keys (stored under `data/`). */
  readonly bBucket: string;
  readonly direct: { readonly a: S3Client; readonly b: S3Client };
}

export const OPERATIONS = [
  "put",
  "get",
  "head",
  "rangeGet",
  "listSingle",
  "listMerged",
  "copyWithin",
  "copyAcross",
  "multipart",
  "delete",
  "deleteObjects",
  "verifyDirect",
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** How often each operation is picked (relative). Multipart is rare: 6 MiB each. */
const WEIGHTS: Readonly<Record<Operation, number>> = {
  put: 20,
  get: 18,
  head: 10,
  rangeGet: 10,
  listSingle: 6,
  listMerged: 6,
  copyWithin: 6,
  copyAcross: 5,
  multipart: 0.5,
  delete: 8,
  deleteObjects: 4,
  verifyDirect: 6,
};
const TOTAL_WEIGHT = Object.values(WEIGHTS).reduce((s, w) => s + w, 0);
/** Keys per side per client: few enough that overwrites, deletes and re-creations recur. */
const KEYS_PER_SIDE = 10;

/** What every client reports into. */
export interface SoakTally {
  readonly latencies: Map<Operation, number[]>;
  readonly ok: Map<Operation, number>;
  /** Error counts by class (`503 ServiceUnavailable`, `net ECONNRESET`, …). */
  readonly errors: Map<string, number>;
  /** Invariant violations: the model and the stores disagree. The first 100 are kept. */
  readonly violations: string[];
  violationCount: number;
  requests: number;
}

export function newTally(): SoakTally {
  return { latencies: new Map(), ok: new Map(), errors: new Map(), violations: [], violationCount: 0, requests: 0 };
}

export function violation(tally: SoakTally, text: string): void {
  tally.violationCount++;
  if (tally.violations.length < 100) tally.violations.push(text);
}

/** `503 SlowDown`, `net ECONNRESET`: a name for what failed, grouping alike failures. */
export function errorClass(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return `${status ?? "net"} ${e?.Code ?? e?.code ?? e?.name ?? "Error"}`;
}

const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

/** One client of the soak: its keys, its model, the S3 client it goes through. */
export class SoakClient {
  readonly model = new KeyModel();
  #seed: number;

  constructor(
    readonly id: string,
    readonly via: S3Client,
    readonly layout: SoakLayout,
    readonly tally: SoakTally,
    seed: number,
  ) {
    this.#seed = seed;
  }

  /** Runs operations until `keepGoing()` says stop. */
  async run(keepGoing: () => boolean): Promise<void> {
    while (keepGoing()) {
      const op = this.#pick();
      const started = performance.now();
      this.tally.requests++;
      try {
        await this[op]();
        const list = this.tally.latencies.get(op) ?? [];
        list.push(performance.now() - started);
        this.tally.latencies.set(op, list);
        this.tally.ok.set(op, (this.tally.ok.get(op) ?? 0) + 1);
      } catch (error) {
        const cls = `${op}: ${errorClass(error)}`;
        this.tally.errors.set(cls, (this.tally.errors.get(cls) ?? 0) + 1);
      }
    }
  }

  #random(): number {
    // xorshift: reproducible per client seed, no shared state between clients.
    let x = this.#seed;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed / 0x1_0000_0000;
  }
  #int(n: number): number {
    return Math.floor(this.#random() * n);
  }
  #pick(): Operation {
    let r = this.#random() * TOTAL_WEIGHT;
    for (const op of OPERATIONS) {
      r -= WEIGHTS[op];
      if (r < 0) return op;
    }
    return "get";
  }
  #key(side: "a" | "team2" = this.#random() < 0.5 ? "a" : "team2"): string {
    return `soak/${this.id}/${side}/${this.#int(KEYS_PER_SIDE)}`;
  }
  #present(): string | undefined {
    const keys = this.model.keys("present");
    return keys[this.#int(keys.length)];
  }
  #newContent(max = 64 * 1024): Content {
    return content(this.#int(0xffffffff) + 1, 1 + this.#int(max));
  }

  /** A write: acknowledged → the model has it; failed → the key is unknown. */
  async #write(key: string, body: Content, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.model.unsure(key);
      throw error;
    }
    this.model.wrote(key, body);
  }

  async put(): Promise<void> {
    const key = this.#key();
    const body = this.#newContent();
    await this.#write(key, body, () =>
      this.via.send(
        new PutObjectCommand({ Bucket: this.layout.bucket, Key: key, Body: bytesOf(body.seed, body.size) }),
      ),
    );
  }

  async get(): Promise<void> {
    const key = this.#key();
    const expected = this.model.state(key);
    try {
      const out = await this.via.send(new GetObjectCommand({ Bucket: this.layout.bucket, Key: key }));
      const bytes = await out.Body!.transformToByteArray();
      if (expected?.kind === "deleted")
        violation(this.tally, `GET ${key}: deleted (acknowledged) yet read back ${bytes.length} bytes`);
      if (expected?.kind === "present" && sha256(bytes) !== expected.content.sha256) {
        violation(
          this.tally,
          `GET ${key}: ${bytes.length} bytes differ from the acknowledged ${expected.content.size}`,
        );
      }
    } catch (error) {
      if (status(error) === 404 && expected?.kind === "present")
        violation(this.tally, `GET ${key}: 404 for an acknowledged write`);
      if (status(error) !== 404 || expected?.kind === "present") throw error;
    }
  }

  async head(): Promise<void> {
    const key = this.#present();
    if (key === undefined) return this.put();
    const expected = this.model.state(key);
    const out = await this.via.send(new HeadObjectCommand({ Bucket: this.layout.bucket, Key: key }));
    if (expected?.kind === "present" && out.ContentLength !== expected.content.size) {
      violation(this.tally, `HEAD ${key}: ${out.ContentLength} bytes, acknowledged ${expected.content.size}`);
    }
  }

  async rangeGet(): Promise<void> {
    const key = this.#present();
    const expected = key === undefined ? undefined : this.model.state(key);
    if (key === undefined || expected?.kind !== "present") return this.put();
    const { size, seed } = expected.content;
    const start = this.#int(size);
    const end = Math.min(size - 1, start + this.#int(16 * 1024));
    const out = await this.via.send(
      new GetObjectCommand({ Bucket: this.layout.bucket, Key: key, Range: `bytes=${start}-${end}` }),
    );
    const bytes = Buffer.from(await out.Body!.transformToByteArray());
    if (!bytes.equals(bytesOf(seed, size).subarray(start, end + 1)))
      violation(this.tally, `GET ${key} bytes=${start}-${end}: wrong bytes`);
  }

  async #list(prefix: string): Promise<void> {
    const listed = new Set<string>();
    let token: string | undefined;
    do {
      const out = await this.via.send(
        new ListObjectsV2Command({
          Bucket: this.layout.bucket,
          Prefix: prefix,
          MaxKeys: 7,
          ...(token !== undefined && { ContinuationToken: token }),
        }),
      );
      for (const c of out.Contents ?? []) {
        if (listed.has(c.Key!)) violation(this.tally, `LIST ${prefix}: ${c.Key} twice`);
        listed.add(c.Key!);
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    for (const key of this.model.keys("present", prefix))
      if (!listed.has(key)) violation(this.tally, `LIST ${prefix}: acknowledged ${key} missing`);
    for (const key of this.model.keys("deleted", prefix))
      if (listed.has(key)) violation(this.tally, `LIST ${prefix}: deleted ${key} listed`);
  }

  listSingle(): Promise<void> {
    return this.#list(`soak/${this.id}/${this.#random() < 0.5 ? "a" : "team2"}/`);
  }
  listMerged(): Promise<void> {
    return this.#list(`soak/${this.id}/`);
  }

  async #copy(sameSide: boolean): Promise<void> {
    const from = this.#present();
    const expected = from === undefined ? undefined : this.model.state(from);
    if (from === undefined || expected?.kind !== "present") return this.put();
    const side = from.includes("/team2/") ? "team2" : "a";
    const to = this.#key(sameSide ? side : side === "a" ? "team2" : "a");
    if (to === from) return;
    await this.#write(to, expected.content, () =>
      this.via.send(
        new CopyObjectCommand({ Bucket: this.layout.bucket, Key: to, CopySource: `${this.layout.bucket}/${from}` }),
      ),
    );
  }
  copyWithin(): Promise<void> {
    return this.#copy(true);
  }
  copyAcross(): Promise<void> {
    return this.#copy(false);
  }

  async multipart(): Promise<void> {
    const key = this.#key();
    const PART = 5 * 1024 * 1024;
    const body = content(this.#int(0xffffffff) + 1, PART + 1 + this.#int(1024 * 1024));
    const bytes = bytesOf(body.seed, body.size);
    const { bucket } = this.layout;
    await this.#write(key, body, async () => {
      const { UploadId } = await this.via.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      try {
        const parts = [];
        for (const [i, part] of [bytes.subarray(0, PART), bytes.subarray(PART)].entries()) {
          const out = await this.via.send(
            new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: part }),
          );
          parts.push({ PartNumber: i + 1, ETag: out.ETag! });
        }
        await this.via.send(
          new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
        );
      } catch (error) {
        await this.via
          .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }))
          .catch(() => undefined);
        throw error;
      }
    });
  }

  async delete(): Promise<void> {
    const key = this.#key();
    try {
      await this.via.send(new DeleteObjectCommand({ Bucket: this.layout.bucket, Key: key }));
    } catch (error) {
      this.model.unsure(key);
      throw error;
    }
    this.model.deleted(key);
  }

  async deleteObjects(): Promise<void> {
    const keys = [...new Set(Array.from({ length: 2 + this.#int(4) }, () => this.#key()))];
    let out;
    try {
      out = await this.via.send(
        new DeleteObjectsCommand({ Bucket: this.layout.bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
      );
    } catch (error) {
      for (const key of keys) this.model.unsure(key);
      throw error;
    }
    const deleted = new Set((out.Deleted ?? []).map((d) => d.Key!));
    const failed = new Set((out.Errors ?? []).map((e) => e.Key!));
    for (const key of keys) {
      if (deleted.has(key)) this.model.deleted(key);
      else if (failed.has(key)) this.model.unsure(key);
      else {
        violation(this.tally, `DeleteObjects: ${key} neither deleted nor failed`);
        this.model.unsure(key);
      }
    }
    if (failed.size > 0) throw Object.assign(new Error(`${failed.size} keys failed`), { name: "DeleteObjectsPartial" });
  }

  /** Reads a known key straight from its backend: the router stored it where it says. */
  async verifyDirect(): Promise<void> {
    const key = this.#key();
    const problem = await checkKey(this.layout, key, this.model.state(key));
    if (problem !== undefined) violation(this.tally, problem);
  }
}

/** Where a caller's key is stored: its backend client, bucket and key. */
function physical(layout: SoakLayout, key: string): { client: S3Client; bucket: string; key: string } {
  return key.includes("/team2/")
    ? { client: layout.direct.b, bucket: layout.bBucket, key: `data/${key}` }
    : { client: layout.direct.a, bucket: layout.bucket, key };
}

/**
 * Checks one key on its backend against the model: the violation found, or undefined. Unknown
 * keys (a write or delete that failed) are not checked.
 * @throws when the backend itself fails (not a violation: the check could not be made).
 */
export async function checkKey(
  layout: SoakLayout,
  key: string,
  state: ReturnType<KeyModel["state"]>,
): Promise<string | undefined> {
  if (state === undefined || state.kind === "unknown") return undefined;
  const at = physical(layout, key);
  try {
    const out = await at.client.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key }));
    const bytes = await out.Body!.transformToByteArray();
    if (state.kind === "deleted") return `${key}: deleted (acknowledged) but still stored`;
    return sha256(bytes) === state.content.sha256
      ? undefined
      : `${key}: stored bytes differ from the acknowledged write`;
  } catch (error) {
    if (status(error) !== 404) throw error;
    return state.kind === "present" ? `${key}: acknowledged write lost (404 on its backend)` : undefined;
  }
}
