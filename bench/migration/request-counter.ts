/**
 * @module bench/migration/request-counter — counts the requests each backend client sends, by
 * operation. The migration modes cost what they cost because of how many round trips they make
 * (a mirrored write, a migrated object); counting them shows that the explanation in the report
 * is what the code actually did, not what it is believed to do.
 */
import type { S3Client } from "@aws-sdk/client-s3";

/** Requests by operation name, e.g. `{ HeadObject: 2, PutObject: 1 }`. */
export type RequestCounts = Record<string, number>;

/** Counts of several clients, by the name given to each. */
export class RequestCounter {
  readonly #counts = new Map<string, RequestCounts>();

  /**
   * Starts counting the requests of `client` under `name`. The middleware sits at the
   * `initialize` step, so one `send` counts once whatever the SDK's retries do.
   */
  watch(name: string, client: S3Client): void {
    const counts: RequestCounts = {};
    this.#counts.set(name, counts);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = (context.commandName ?? "unknown").replace(/Command$/, "");
        counts[op] = (counts[op] ?? 0) + 1;
        return next(args);
      },
      { step: "initialize", name: `benchRequestCounter-${name}` },
    );
  }

  /** A copy of the counts so far, by client name. */
  snapshot(): Record<string, RequestCounts> {
    return Object.fromEntries([...this.#counts].map(([name, counts]) => [name, { ...counts }]));
  }

  /** The requests sent while `run` ran, by client and operation. */
  async during(run: () => Promise<unknown>): Promise<Record<string, RequestCounts>> {
    const before = this.snapshot();
    await run();
    return RequestCounter.since(before, this.snapshot());
  }

  /** What was sent between two snapshots, e.g. `primary: PutObject 1, HeadObject 1; mirror: …`. */
  static since(
    before: Record<string, RequestCounts>,
    after: Record<string, RequestCounts>,
  ): Record<string, RequestCounts> {
    const out: Record<string, RequestCounts> = {};
    for (const [name, counts] of Object.entries(after)) {
      const diff: RequestCounts = {};
      for (const [op, n] of Object.entries(counts)) {
        const d = n - (before[name]?.[op] ?? 0);
        if (d > 0) diff[op] = d;
      }
      out[name] = diff;
    }
    return out;
  }

  /** Total requests in a difference from {@link RequestCounter.since}. */
  static total(counts: Record<string, RequestCounts>): number {
    return Object.values(counts).reduce((acc, c) => acc + Object.values(c).reduce((a, n) => a + n, 0), 0);
  }

  /** `primary: HeadObject 2, PutObject 1; fallback: GetObject 1`, clients without requests left out. */
  static describe(counts: Record<string, RequestCounts>, per = 1): string {
    const fmt = (n: number) => String(Number((n / per).toPrecision(3)));
    return Object.entries(counts)
      .filter(([, c]) => Object.keys(c).length > 0)
      .map(
        ([name, c]) =>
          `${name}: ${Object.entries(c)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([op, n]) => `${op} ${fmt(n)}`)
            .join(", ")}`,
      )
      .join("; ");
  }
}
