/**
 * @module operations/backend-port — the little a behaviour written once (the migration modes)
 * needs from a backend, whatever carries the request: send a planned request, tell what the
 * answer means, read what a write wrote. The library implements it over SDK commands
 * (client/sdk-port), the gateway over its streamed HTTP exchange (gateway/exchange-port); the
 * behaviour never knows which.
 *
 * A reply is the face's own value (an SDK output or error; an HTTP answer whose body may still be
 * streaming): the behaviour only passes it around and asks the port about it, and the face
 * finally answers its caller with the reply the behaviour chose.
 */
import type { CommandPlan } from "../client/command-plan.js";
import type { Outcome } from "./outcome.js";

/** What a successful write says it wrote, for the record of a store that then differs. */
export interface Written {
  readonly ETag?: string | undefined;
  readonly VersionId?: string | undefined;
}

/** A planned request's answer, with the plan that produced it (its route, client and names). */
export interface Reply {
  readonly plan: CommandPlan;
}

/** One request's way to its backends. */
export interface BackendPort<R extends Reply> {
  /**
   * Sends `plan` to its backend. Resolves with the backend's answer, a refusal included; rejects
   * only when the request could not be carried (the caller went away, its body failed).
   */
  send(plan: CommandPlan): Promise<R>;
  /**
   * What `reply` says. May take a small answer off the wire to read its code (a 404's, or a
   * write's result document) — which also lets the face hold the answer while other stores are
   * updated; never a read's successful body.
   */
  outcome(reply: R): Promise<Outcome>;
  /** What a successful write reply says it wrote. */
  written(reply: R): Written;
  /**
   * How a failure of another store than the request's own (the fallback, while deleting) reaches
   * the caller: as it was, or in the face's own terms.
   */
  storeFailure(error: unknown, role: "fallback" | "mirror", client: string): unknown;
}
