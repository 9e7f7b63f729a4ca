/**
 * @module bench/soak/soak-model — what the soak believes each key holds, built only from
 * acknowledged operations, and the bytes behind it. A body is not kept: it is regenerated from a
 * seed (xorshift), so thousands of keys cost a few numbers each, and any range can be rebuilt to
 * check a ranged read.
 *
 * Every client owns its keys (no two clients write one key), so its acknowledged operations,
 * applied in order, say exactly what the key holds. A failed write or delete may or may not have
 * happened: the key becomes `unknown` until the next acknowledged write or delete settles it.
 */
import { createHash } from "node:crypto";

/** A body as the model knows it. */
export interface Content {
  readonly seed: number;
  readonly size: number;
  readonly sha256: string;
}

export type KeyState =
  { readonly kind: "present"; readonly content: Content } | { readonly kind: "deleted" } | { readonly kind: "unknown" };

/** `size` bytes of the seed's stream: same seed, same bytes. */
export function bytesOf(seed: number, size: number): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, size);
}

export function content(seed: number, size: number): Content {
  return { seed, size, sha256: sha256(bytesOf(seed, size)) };
}

export const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** One client's keys and what each holds. */
export class KeyModel {
  readonly #keys = new Map<string, KeyState>();

  state(key: string): KeyState | undefined {
    return this.#keys.get(key);
  }
  /** An acknowledged write. */
  wrote(key: string, body: Content): void {
    this.#keys.set(key, { kind: "present", content: body });
  }
  /** An acknowledged delete. */
  deleted(key: string): void {
    this.#keys.set(key, { kind: "deleted" });
  }
  /** A write or delete that failed: it may or may not have taken effect. */
  unsure(key: string): void {
    this.#keys.set(key, { kind: "unknown" });
  }
  /** Keys in a state, optionally under a prefix. */
  keys(kind: KeyState["kind"], prefix = ""): string[] {
    return [...this.#keys].filter(([k, s]) => s.kind === kind && k.startsWith(prefix)).map(([k]) => k);
  }
  entries(): IterableIterator<[string, KeyState]> {
    return this.#keys.entries();
  }
}
