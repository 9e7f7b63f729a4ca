/**
 * @module test/unit/tls-config — the TLS parts of the configuration file: `gateway.tls` and
 * `gateway.listenHttp` (certificate files or PEM text, the pair checked, every problem named by
 * its field), and a client's `ca` / `insecureSkipVerify` (read when the router is built).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Router } from "../../src/client/create-router.js";
import { backendTls } from "../../src/config/client-config.js";
import { parseRouterConfig } from "../../src/config/load-config.js";
import { ConfigError } from "../../src/errors.js";
import { parseGatewaySettings } from "../../src/gateway/gateway-config.js";
import { createTestCa } from "../support/test-certs.js";

const ca = createTestCa();
const pair = ca.issue(["localhost", "127.0.0.1"]);
const other = ca.issue(["elsewhere"]);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3r-tls-unit-"));
  await writeFile(join(dir, "cert.pem"), pair.cert);
  await writeFile(join(dir, "key.pem"), pair.key);
  await writeFile(join(dir, "ca.pem"), ca.cert);
  await writeFile(join(dir, "garbage.pem"), "not a certificate\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The issues of the ConfigError `run` throws. */
function issues(run: () => unknown): Array<{ path: string; message: string }> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error("expected a ConfigError");
}

describe("gateway.tls", () => {
  it("reads the certificate and key from files, with defaults", () => {
    const settings = parseGatewaySettings({ tls: { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") } });
    expect(settings.tls).toEqual({
      cert: pair.cert,
      key: pair.key,
      ca: undefined,
      minVersion: "TLSv1.2",
      plainHttp: "refuse",
    });
    expect(settings.listenHttp).toBeUndefined();
  });

  it("takes PEM text as it comes from ${ENV}", () => {
    const config = parseRouterConfig(
      [
        "clients: { default: { endpoint: 'http://127.0.0.1:1' } }",
        "profiles: {}",
        "gateway:",
        "  tls: { cert: '${CERT}', key: '${KEY}', minVersion: TLSv1.3 }",
      ].join("\n"),
      { env: { CERT: pair.cert, KEY: pair.key } },
    );
    expect(parseGatewaySettings(config.gateway).tls).toMatchObject({
      cert: pair.cert,
      key: pair.key,
      minVersion: "TLSv1.3",
    });
  });

  it("refuses a key that is not the certificate's, naming gateway.tls", () => {
    const found = issues(() => parseGatewaySettings({ tls: { cert: pair.cert, key: other.key } }));
    expect(found.map((i) => i.path)).toEqual(["gateway.tls"]);
    expect(found[0]?.message).toMatch(/cannot be used together/);
  });

  it("names a missing file, a file without PEM, and a bad field", () => {
    const missing = issues(() => parseGatewaySettings({ tls: { cert: join(dir, "nope.pem"), key: pair.key } }));
    expect(missing.map((i) => i.path)).toEqual(["gateway.tls.cert"]);
    expect(missing[0]?.message).toMatch(/cannot read .*nope\.pem/);
    const [garbage] = issues(() => parseGatewaySettings({ tls: { cert: join(dir, "garbage.pem"), key: pair.key } }));
    expect(garbage?.path).toBe("gateway.tls.cert");
    expect(garbage?.message).toMatch(/no PEM block/);
    const paths = issues(() =>
      parseGatewaySettings({ tls: { cert: pair.cert, key: pair.key, minVersion: "TLSv1.0", certFile: "x" } }),
    ).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["gateway.tls.minVersion", "gateway.tls.certFile"]));
  });

  it("a plain listener only beside HTTPS, and plainHttp only with one", () => {
    expect(issues(() => parseGatewaySettings({ listenHttp: "127.0.0.1:8080" }))[0]!.path).toBe("gateway.listenHttp");
    expect(
      issues(() => parseGatewaySettings({ tls: { cert: pair.cert, key: pair.key, plainHttp: "allow" } }))[0]!.path,
    ).toBe("gateway.tls.plainHttp");
    const settings = parseGatewaySettings({
      listenHttp: "0.0.0.0:8080",
      tls: { cert: pair.cert, key: pair.key, ca: join(dir, "ca.pem"), plainHttp: "allow" },
    });
    expect(settings.listenHttp).toEqual({ host: "0.0.0.0", port: 8080 });
    expect(settings.tls).toMatchObject({ ca: ca.cert, plainHttp: "allow" });
  });
});

describe("a client's ca and insecureSkipVerify", () => {
  const file = (client: string) => parseRouterConfig(`clients:\n  default: ${client}\nprofiles: {}\n`);

  it("builds the client with the CA and records it for the gateway's connections", () => {
    const router = createS3Router(file(`{ endpoint: "https://127.0.0.1:1", ca: "${join(dir, "ca.pem")}" }`));
    try {
      const tls = backendTls(router.backend("default"));
      expect(tls).toMatchObject({ ca: ca.cert, rejectUnauthorized: true });
    } finally {
      router.destroy();
    }
  });

  it("insecureSkipVerify turns verification off, and says so", () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    const router = createS3Router(file(`{ endpoint: "https://127.0.0.1:1", insecureSkipVerify: true }`));
    try {
      expect(backendTls(router.backend("default"))).toMatchObject({ ca: undefined, rejectUnauthorized: false });
    } finally {
      router.destroy();
    }
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off("warning", onWarning);
        expect(warnings.join("\n")).toMatch(/client "default": insecureSkipVerify .* NOT verified/);
        resolve();
      }),
    );
  });

  it("a client without either has no TLS settings of its own", () => {
    const router = createS3Router(file(`{ endpoint: "https://127.0.0.1:1" }`));
    expect(backendTls(router.backend("default"))).toBeUndefined();
    router.destroy();
  });

  it("an unreadable CA refuses the router, naming clients.<name>.ca", () => {
    const found = issues(() =>
      createS3Router(file(`{ endpoint: "https://127.0.0.1:1", ca: "${join(dir, "garbage.pem")}" }`)),
    );
    expect(found.map((i) => i.path)).toEqual(["clients.default.ca"]);
    expect(found[0]?.message).toMatch(/no PEM block/);
    expect(issues(() => file(`{ ca: 3 }`))[0]!.path).toBe("clients.default.ca");
  });
});
