/**
 * @module client/sdk-port — the library's {@link BackendPort}: a planned request is an SDK command
 * sent to the plan's backend client; its reply is the command's output (in the caller's names),
 * or the error it threw.
 */
import type { BackendPort, Written } from "../operations/backend-port.js";
import type { CommandPlan } from "./command-plan.js";
import { outcomeOfError } from "../migration/s3-outcomes.js";

/** An SDK command's result: its output, or what it threw. */
export type SdkReply = { readonly plan: CommandPlan } & (
  { readonly ok: true; readonly output: unknown } | { readonly ok: false; readonly error: unknown }
);

/** @param send - sends one plan's command and answers in the caller's names. */
export function sdkPort(send: (plan: CommandPlan) => Promise<unknown>): BackendPort<SdkReply> {
  return {
    send: (plan) =>
      send(plan).then(
        (output): SdkReply => ({ plan, ok: true, output }),
        (error: unknown): SdkReply => ({ plan, ok: false, error }),
      ),
    outcome: (reply) => Promise.resolve(reply.ok ? "success" : outcomeOfError(reply.error)),
    written: (reply) => {
      const output = (reply.ok ? reply.output : {}) as { ETag?: unknown; VersionId?: unknown };
      return { ETag: text(output.ETag), VersionId: text(output.VersionId) } satisfies Written;
    },
    // The SDK's own error says what failed, as for any command.
    storeFailure: (error) => error,
  };
}

/** The caller's answer: the output, or the error thrown again. */
export function settle(reply: SdkReply): unknown {
  if (!reply.ok) throw reply.error;
  return reply.output;
}

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
