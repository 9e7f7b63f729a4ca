/**
 * @module migration/key-lock — one-at-a-time sections per key, within this process.
 *
 * A copy from the fallback may have to take its copy back (the source was deleted meanwhile);
 * the caller's own writes to that key must not land between its check and its delete.
 */

/** Runs sections keyed by a string one at a time per key, in arrival order. */
export class KeyLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `section` once every earlier section of `key` has settled. */
  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    const current = (previous ?? Promise.resolve()).then(section, section);
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    try {
      return await current;
    } finally {
      // The last section of a key removes the entry: the map holds only keys in use.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with a section running or waiting. */
  get size(): number {
    return this.#tails.size;
  }
}
