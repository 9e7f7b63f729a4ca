/**
 * @module gateway/user-slots — how many requests each caller has in flight, capped per caller:
 * the gateway's backend connections are shared by every user, and one user's stalled or slow
 * requests must never hold all of them.
 */
import { S3Error } from "./s3-error.js";

/** In-flight request counts per caller (an access key, or every anonymous caller as one). */
export class UserSlots {
  readonly #inFlight = new Map<string, number>();

  /** @param limit - the cap, read at each request (a reload may change it). */
  constructor(readonly limit: () => number) {}

  /**
   * Takes one slot for `caller`; returns the function that gives it back (call it exactly once).
   * @throws {@link S3Error} `SlowDown` (503) when the caller has `limit` requests in flight.
   */
  take(caller: string): () => void {
    const count = this.#inFlight.get(caller) ?? 0;
    if (count >= this.limit()) {
      throw new S3Error(
        "SlowDown",
        "Please reduce your request rate: too many requests of this access key are in progress.",
      );
    }
    this.#inFlight.set(caller, count + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.#inFlight.get(caller) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(caller);
      else this.#inFlight.set(caller, left);
    };
  }

  /** Requests of `caller` in flight now. */
  inFlight(caller: string): number {
    return this.#inFlight.get(caller) ?? 0;
  }
}
