/**
 * @module migration/work-queue — a bounded hand-off between a producer and workers.
 */

/**
 * A queue of bounded length between the listing (which waits when it is full) and the copy
 * workers (which wait when it is empty).
 */
export class WorkQueue<T> {
  readonly #items: T[] = [];
  readonly #takers: Array<(item: T | undefined) => void> = [];
  readonly #putters: Array<() => void> = [];
  #closed = false;

  constructor(private readonly capacity: number) {}

  async put(item: T): Promise<void> {
    while (this.#items.length >= this.capacity && !this.#closed)
      await new Promise<void>((resolve) => this.#putters.push(resolve));
    if (this.#closed) return;
    const taker = this.#takers.shift();
    if (taker) taker(item);
    else this.#items.push(item);
  }

  /** The next item; undefined once the queue is closed and drained. */
  take(): Promise<T | undefined> {
    if (this.#items.length > 0) {
      const item = this.#items.shift();
      this.#putters.shift()?.();
      return Promise.resolve(item);
    }
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#takers.push(resolve));
  }

  /** No more items: takers drain what is queued, then get undefined. */
  close(): void {
    this.#closed = true;
    for (const taker of this.#takers.splice(0)) taker(undefined);
    for (const putter of this.#putters.splice(0)) putter();
  }

  /** Closes and drops what is queued. */
  abort(): void {
    this.#items.length = 0;
    this.close();
  }
}
