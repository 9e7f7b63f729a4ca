/**
 * @module test/support/fake-backend — an `S3Client` whose requests never leave the process: a
 * middleware records each command's input and answers with what the test scripted. For unit
 * tests of the router's pure logic; real-server behaviour is proven in test/integration.
 */
import { S3Client } from "@aws-sdk/client-s3";

export interface Recorded {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

export type Responder = (call: Recorded) => unknown;

export function fakeBackend(respond: Responder = () => ({})): S3Client & { calls: Recorded[] } {
  const client = new S3Client({
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
  }) as S3Client & { calls: Recorded[] };
  client.calls = [];
  client.middlewareStack.add(
    // A promise chain, not an async function (nothing here awaits): whatever throws — the
    // clone, the responder, a scripted error — still reaches the caller as a rejection.
    (_next, context) => (args) =>
      Promise.resolve().then(() => {
        // Bodies (streams) cannot be cloned, and a test reads them, if at all, from the input itself.
        const { Body, ...rest } = args.input as Record<string, unknown>;
        const call = {
          command: String(context.commandName),
          input: { ...structuredClone(rest), ...(Body !== undefined && { Body }) },
        };
        client.calls.push(call);
        const output = respond(call);
        if (output instanceof Error) throw output;
        return { output: { $metadata: {}, ...(output as object) }, response: {} };
      }),
    { step: "serialize", name: "fakeBackend", priority: "high" },
  );
  return client;
}
