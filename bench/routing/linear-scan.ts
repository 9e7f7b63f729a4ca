/**
 * @module bench/routing/linear-scan — the baselines: what boto-s3-router (Python) does for every
 * request — walk the profiles in order and `fnmatch` the bucket, then the key, against each.
 *
 * - {@link CompiledLinearScan}: patterns compiled once with the router's own `compileGlob`, so
 *   the only difference from the RouteTable is the indexing. This is Python's steady state while
 *   `fnmatch`'s pattern cache holds every pattern (an LRU of 32768 since Python 3.9, 256 before).
 * - {@link FreshRegExpLinearScan}: each check translates the glob and builds a new RegExp, which
 *   is what Python does once the profiles outnumber that cache.
 *
 * Both answer with the index of the first matching profile, or the profile count for `default`.
 */
import type { RouteSpec } from "../../src/config/profile-schema.js";
import { compileGlob, type Glob } from "../../src/routing/glob.js";
import { translateFnmatch } from "./fnmatch-translate.js";

export class CompiledLinearScan {
  readonly #buckets: readonly Glob[];
  readonly #keys: readonly (Glob | undefined)[];

  constructor(specs: readonly RouteSpec[]) {
    this.#buckets = specs.map((s) => compileGlob(s.bucketPattern));
    this.#keys = specs.map((s) => (s.keyPattern === undefined ? undefined : compileGlob(s.keyPattern)));
  }

  resolve(bucket: string, key: string): number {
    const buckets = this.#buckets;
    const n = buckets.length;
    for (let i = 0; i < n; i++) {
      if (!buckets[i]!.matches(bucket)) continue;
      const keyGlob = this.#keys[i];
      if (keyGlob === undefined || keyGlob.matches(key)) return i;
    }
    return n;
  }
}

export class FreshRegExpLinearScan {
  readonly #buckets: readonly string[];
  readonly #keys: readonly (string | undefined)[];

  constructor(specs: readonly RouteSpec[]) {
    this.#buckets = specs.map((s) => s.bucketPattern);
    this.#keys = specs.map((s) => s.keyPattern);
  }

  resolve(bucket: string, key: string): number {
    const buckets = this.#buckets;
    const n = buckets.length;
    for (let i = 0; i < n; i++) {
      if (!new RegExp(translateFnmatch(buckets[i]!), "su").test(bucket)) continue;
      const keyPattern = this.#keys[i];
      if (keyPattern === undefined || new RegExp(translateFnmatch(keyPattern), "su").test(key)) return i;
    }
    return n;
  }
}
