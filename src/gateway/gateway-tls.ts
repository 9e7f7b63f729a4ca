/**
 * @module gateway/gateway-tls — HTTPS for the gateway: the `gateway.tls` section (certificate,
 * key, optional client CA, lowest TLS version, what the plain-HTTP listener may serve), read and
 * checked as a pair when the configuration is built — so a reload with a bad pair is refused and
 * the certificate in force stays — and turned into the options of Node's `https` server.
 */
import { createSecureContext, type SecureContextOptions, type TlsOptions } from "node:tls";
import { z } from "zod";
import { readCertificates, readPem } from "../config/pem-source.js";
import { ConfigError } from "../errors.js";

const text = (what: string) => z.string({ error: (i) => `${what} must be a string, got ${typeof i.input}` });

/** The `gateway.tls` section as written. */
export const tlsSchema = z.strictObject({
  cert: text("cert").min(1, "cert must be a file path or PEM text"),
  key: text("key").min(1, "key must be a file path or PEM text"),
  ca: text("ca").min(1, "ca must be a file path or PEM text").optional(),
  minVersion: z.enum(["TLSv1.2", "TLSv1.3"], { error: 'minVersion must be "TLSv1.2" or "TLSv1.3"' }).optional(),
  plainHttp: z.enum(["refuse", "allow"], { error: 'plainHttp must be "refuse" or "allow"' }).optional(),
});

/** What `gateway.listenHttp` answers to S3 requests. */
export type PlainHttpPolicy = "refuse" | "allow";

/** The validated `gateway.tls` section: PEM text read from files, the pair checked. */
export interface GatewayTls {
  /** The server's certificate chain (leaf first), PEM. */
  readonly cert: string;
  readonly key: string;
  /**
   * CAs that clients' certificates must chain to: when set, every client must present one
   * (mutual TLS) before its requests are even read. @default none (no client certificates)
   */
  readonly ca: string | undefined;
  /** @default "TLSv1.2" */
  readonly minVersion: "TLSv1.2" | "TLSv1.3";
  /**
   * S3 requests on the plain-HTTP listener (`gateway.listenHttp`): `refuse` answers them with
   * `403 AccessDenied` (health and metrics are served); `allow` serves them as on HTTPS.
   * @default "refuse"
   */
  readonly plainHttp: PlainHttpPolicy;
}

/**
 * Reads and checks a parsed `gateway.tls` section.
 * @throws {@link ConfigError} naming the field: a file that cannot be read, a block that is not
 *   PEM, or a certificate and key that do not make a pair.
 */
export function loadGatewayTls(section: z.infer<typeof tlsSchema>, file?: string): GatewayTls {
  const tls: GatewayTls = {
    cert: readCertificates(section.cert, "gateway.tls.cert", file),
    key: readPem(section.key, "gateway.tls.key", file),
    ca: section.ca === undefined ? undefined : readCertificates(section.ca, "gateway.tls.ca", file),
    minVersion: section.minVersion ?? "TLSv1.2",
    plainHttp: section.plainHttp ?? "refuse",
  };
  try {
    // What the server will do with them: a key that is not the certificate's fails here.
    createSecureContext(secureContextOptions(tls));
  } catch (cause) {
    const message = `the certificate and key cannot be used together: ${(cause as Error).message}`;
    throw new ConfigError([{ path: "gateway.tls", message }], { ...(file !== undefined && { file }), cause });
  }
  return tls;
}

/** What `server.setSecureContext` takes: everything a reload may change. */
export function secureContextOptions(tls: GatewayTls): SecureContextOptions {
  return { cert: tls.cert, key: tls.key, minVersion: tls.minVersion, ...(tls.ca !== undefined && { ca: tls.ca }) };
}

/** Options of the `https` server: the secure context, and client certificates when `ca` is set. */
export function serverTlsOptions(tls: GatewayTls): TlsOptions {
  return { ...secureContextOptions(tls), ...(tls.ca !== undefined && { requestCert: true, rejectUnauthorized: true }) };
}

/**
 * Why a reload cannot apply `next` to a server started with `current`: the listener's kind and
 * whether it asks for client certificates are fixed when it starts. Undefined when it can.
 */
export function reloadIssue(current: GatewayTls | undefined, next: GatewayTls | undefined): string | undefined {
  if ((current === undefined) !== (next === undefined))
    return `tls cannot be ${current ? "removed" : "added"} by a reload (the listener's protocol is fixed): restart the gateway`;
  if (current && next && (current.ca === undefined) !== (next.ca === undefined))
    return `tls.ca cannot be ${current.ca ? "removed" : "added"} by a reload (client certificates are asked for or not from the start): restart the gateway`;
  return undefined;
}
