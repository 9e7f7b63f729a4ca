/**
 * @module config/pem-source — certificates and keys as a configuration file names them: a file
 * path, or the PEM text itself (typically from `${ENV}`, e.g. a Kubernetes secret in an
 * environment variable). Read and checked when the configuration is built, so a missing file or
 * a garbled key is a {@link ConfigError} naming its field at start-up (or on a reload, which then
 * keeps the configuration in force) — never a failed handshake on the first request.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.js";

/** Whether a value is PEM text rather than a path. */
export const isPemText = (value: string): boolean => value.includes("-----BEGIN ");

/**
 * The PEM text of a configuration value: the value itself when it is PEM, else the content of
 * the file it names (relative paths are relative to the working directory).
 * @param field - the value's field, e.g. `gateway.tls.cert`, for the error.
 * @throws {@link ConfigError} when the file cannot be read or holds no PEM block.
 */
export function readPem(value: string, field: string, file?: string): string {
  let text = value;
  if (!isPemText(value)) {
    try {
      text = readFileSync(value, "utf8");
    } catch (cause) {
      throw new ConfigError([{ path: field, message: `cannot read "${value}": ${(cause as Error).message}` }], {
        ...(file !== undefined && { file }),
        cause,
      });
    }
  }
  if (!isPemText(text)) {
    throw new ConfigError(
      [
        {
          path: field,
          message: `${isPemText(value) ? "the value" : `"${value}"`} holds no PEM block (-----BEGIN …-----)`,
        },
      ],
      {
        ...(file !== undefined && { file }),
      },
    );
  }
  return text;
}

/**
 * The PEM text of a certificate bundle (one or more certificates), each certificate checked.
 * @throws {@link ConfigError} when a block is not a certificate Node can read.
 */
export function readCertificates(value: string, field: string, file?: string): string {
  const text = readPem(value, field, file);
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const fail = (message: string, cause?: unknown): never => {
    throw new ConfigError([{ path: field, message }], { ...(file !== undefined && { file }), cause });
  };
  if (blocks.length === 0)
    fail(`${isPemText(value) ? "the value" : `"${value}"`} holds no certificate (-----BEGIN CERTIFICATE-----)`);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (cause) {
      fail(`certificate ${i + 1} of ${blocks.length} cannot be read: ${(cause as Error).message}`, cause);
    }
  });
  return text;
}
