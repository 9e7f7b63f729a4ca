/**
 * @module mapping/copy-source — the `CopySource` of CopyObject and UploadPartCopy:
 * `bucket/key[?versionId=…]`, URL-encoded, optionally with a leading slash.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 */
import { NoRouteError } from "../errors.js";

/** A parsed copy source in plain (decoded) names. */
export interface CopySource {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | undefined;
}

/**
 * Parses a `CopySource` value.
 * @throws {@link NoRouteError} when it names no bucket and key, or is not valid URL encoding.
 */
export function parseCopySource(value: string, operation: string): CopySource {
  const fail = (why: string): never => {
    throw new NoRouteError(
      operation,
      `CopySource "${value}" ${why}; expected "bucket/key" (URL-encoded), optionally "?versionId=…"`,
    );
  };
  const q = value.indexOf("?");
  const path = (q < 0 ? value : value.slice(0, q)).replace(/^\//, "");
  const slash = path.indexOf("/");
  if (slash <= 0 || slash === path.length - 1) fail("does not name a bucket and a key");
  let versionId: string | undefined;
  if (q >= 0) {
    const params = new URLSearchParams(value.slice(q + 1));
    for (const name of params.keys()) if (name !== "versionId") fail(`has an unknown parameter "${name}"`);
    versionId = params.get("versionId") ?? undefined;
  }
  try {
    return {
      bucket: decodeURIComponent(path.slice(0, slash)),
      key: decodeURIComponent(path.slice(slash + 1)),
      versionId,
    };
  } catch {
    return fail("is not valid URL encoding (a % must start an escape)");
  }
}

/** Formats a copy source the way the SDK expects it: URL-encoded, slashes of the key kept. */
export function formatCopySource(source: CopySource): string {
  const key = source.key.split("/").map(encodeURIComponent).join("/");
  const version = source.versionId === undefined ? "" : `?versionId=${encodeURIComponent(source.versionId)}`;
  return `${encodeURIComponent(source.bucket)}/${key}${version}`;
}
