/**
 * @module gateway/auth/crc64nvme — CRC-64/NVME (reflected, polynomial 0x9A6C9329AC4BC9B5, init
 * and final XOR all ones), the checksum S3 computes for every object and SDKs may send as an
 * `x-amz-checksum-crc64nvme` trailer. Node has no built-in one, and BigInt is too slow for a data
 * path, so the 64-bit state is kept as two 32-bit halves with a table per byte.
 */

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
{
  const POLY_HI = 0x9a6c9329;
  const POLY_LO = 0xac4bc9b5;
  for (let i = 0; i < 256; i++) {
    let hi = 0;
    let lo = i;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi >>>= 1;
      if (carry) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    TABLE_HI[i] = hi;
    TABLE_LO[i] = lo;
  }
}

/** A running CRC-64/NVME. */
export class Crc64Nvme {
  #hi = 0xffffffff;
  #lo = 0xffffffff;

  update(data: Uint8Array): void {
    let hi = this.#hi;
    let lo = this.#lo;
    for (let i = 0; i < data.length; i++) {
      const index = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ TABLE_LO[index]!;
      hi = (hi >>> 8) ^ TABLE_HI[index]!;
    }
    this.#hi = hi >>> 0;
    this.#lo = lo >>> 0;
  }

  /** The 8 big-endian bytes of the final value. */
  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32BE(~this.#hi >>> 0, 0);
    out.writeUInt32BE(~this.#lo >>> 0, 4);
    return out;
  }
}
