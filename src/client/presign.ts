/**
 * @module client/presign — presigned URLs that point at the right backend with physical names.
 * The SDK's `getSignedUrl` never calls `send`, so it cannot route; this entry point routes first
 * and then lets the SDK sign with the backend's own client.
 */
import type { RequestPresigningArguments } from "@smithy/types";
import { RouterMisuseError } from "../errors.js";
import { commandName, operationName } from "./command-kind.js";
import { isSpanning } from "./command-plan.js";
import type { S3Router } from "./s3-router.js";

type PresignableCommand = { readonly input: object };

/**
 * A presigned URL for `command`, signed by the backend it routes to.
 * Needs the optional peer dependency `@aws-sdk/s3-request-presigner`.
 *
 * @example
 * ```ts
 * const url = await presignUrl(router, new GetObjectCommand({ Bucket: "example-bucket", Key: "team2/a" }), { expiresIn: 600 });
 * ```
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
 */
export async function presignUrl(
  router: S3Router,
  command: PresignableCommand,
  options: RequestPresigningArguments = {},
): Promise<string> {
  const plan = router.plan(command);
  if (isSpanning(plan)) {
    throw new RouterMisuseError(
      `cannot presign ${operationName(commandName(command))}: it spans several backends, and a URL reaches one`,
    );
  }
  let getSignedUrl: typeof import("@aws-sdk/s3-request-presigner").getSignedUrl;
  try {
    ({ getSignedUrl } = await import("@aws-sdk/s3-request-presigner"));
  } catch (cause) {
    throw new RouterMisuseError(
      "presignUrl needs the package @aws-sdk/s3-request-presigner: npm install @aws-sdk/s3-request-presigner",
      { cause },
    );
  }
  const Command = command.constructor as new (input: object) => Parameters<typeof getSignedUrl>[1];
  return getSignedUrl(router.backend(plan.client), new Command(plan.input), options);
}
