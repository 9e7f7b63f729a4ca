/**
 * @module gateway/auth/trailer-checksum — the `x-amz-checksum-*` algorithms an `aws-chunked`
 * trailer can carry, computed incrementally over the decoded payload so that the trailer's value
 * can be checked when it arrives. Values are base64 of the big-endian digest, as S3 writes them.
 *
 * Every algorithm S3 defines is checked here, because the trailer is not forwarded: a value no
 * one checked would be a silent hole.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import { createHash, type Hash } from "node:crypto";
import { crc32 } from "node:zlib";
import { crc32c } from "./crc32c.js";
import { Crc64Nvme } from "./crc64nvme.js";

/** A running checksum. */
export interface RunningChecksum {
  /** The algorithm's name as S3 messages write it (`CRC32`, `SHA256`, …). */
  readonly algorithm: string;
  update(data: Uint8Array): void;
  /** The base64 value, as the trailer carries it. Call once, at the end. */
  digest(): string;
}

function crcChecksum(algorithm: string, step: (data: Uint8Array, previous: number) => number): RunningChecksum {
  let value = 0;
  return {
    algorithm,
    update(data) {
      value = step(data, value);
    },
    digest() {
      const out = Buffer.allocUnsafe(4);
      out.writeUInt32BE(value >>> 0);
      return out.toString("base64");
    },
  };
}

function hashChecksum(algorithm: string, name: "sha1" | "sha256"): RunningChecksum {
  const hash: Hash = createHash(name);
  return {
    algorithm,
    update(data) {
      hash.update(data);
    },
    digest() {
      return hash.digest("base64");
    },
  };
}

/**
 * A running checksum for a trailer name (`x-amz-checksum-crc32`, `-crc32c`, `-crc64nvme`, `-sha1`, `-sha256`),
 * or `undefined` for a name whose value this gateway does not check.
 */
export function checksumForTrailer(name: string): RunningChecksum | undefined {
  switch (name) {
    case "x-amz-checksum-crc32":
      return crcChecksum("CRC32", (data, previous) => crc32(data, previous));
    case "x-amz-checksum-crc32c":
      return crcChecksum("CRC32C", crc32c);
    case "x-amz-checksum-sha1":
      return hashChecksum("SHA1", "sha1");
    case "x-amz-checksum-sha256":
      return hashChecksum("SHA256", "sha256");
    case "x-amz-checksum-crc64nvme": {
      const crc = new Crc64Nvme();
      return {
        algorithm: "CRC64NVME",
        update: (data) => crc.update(data),
        digest: () => crc.digest().toString("base64"),
      };
    }
    default:
      return undefined;
  }
}
