/**
 * @module test/integration/gateway-tls — the gateway over HTTPS with a CA made at test time: the
 * SDK and the aws cli trusting that CA, a client that does not trust it refused at the
 * handshake, the plain-HTTP listener refusing S3 requests while serving health, a gateway whose
 * backend is HTTPS with a private CA (the SDK path and the proxied path, `ca` and
 * `insecureSkipVerify`), and certificate rotation on SIGHUP in an `s3-router serve` process.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { RouterFileConfig } from "../../src/config/load-config.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import { awsCli, type AwsCli } from "../support/aws-cli.js";
import {
  createBuckets,
  emptyAndDeleteBucket,
  errorName,
  injectRgw,
  readBody,
  rgwClient,
  uniqueBucket,
} from "../support/backends.js";
import { GATEWAY_USER, backendConfig } from "../support/gateway.js";
import { freePort } from "../support/ports.js";
import { createTestCa, type CertificatePair } from "../support/test-certs.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const rgwA = injectRgw("rgwA");
const a = rgwClient(rgwA);
const BUCKET = uniqueBucket("gw-tls");
const ca = createTestCa();
const serverPair = ca.issue(["localhost", "127.0.0.1"]);
const silent = { write: () => true } as unknown as NodeJS.WritableStream;

let dir: string;
let caFile: string;
const gateways: Gateway[] = [];
const clients: S3Client[] = [];

const client = (endpoint: string, extra: S3ClientConfig = {}, user = GATEWAY_USER) => {
  const c = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { ...user },
    maxAttempts: 1,
    ...extra,
  });
  clients.push(c);
  return c;
};
const trusting = (pem: string) => ({ requestHandler: { httpsAgent: new Agent({ ca: pem }) } });

async function start(config: RouterFileConfig): Promise<{ url: string; httpUrl?: string }> {
  const gateway = createGateway(config, { logDestination: silent, port: 0 });
  gateways.push(gateway);
  return gateway.listen();
}

const tlsGatewayConfig = (tls: Record<string, unknown>, extra: Record<string, unknown> = {}): RouterFileConfig => ({
  clients: { default: backendConfig(rgwA) },
  profiles: {},
  gateway: { users: [GATEWAY_USER], tls, ...extra },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3r-gw-tls-"));
  caFile = join(dir, "ca.pem");
  await writeFile(caFile, ca.cert);
  await writeFile(join(dir, "cert.pem"), serverPair.cert);
  await writeFile(join(dir, "key.pem"), serverPair.key);
  await createBuckets(a, [BUCKET]);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await Promise.all(gateways.map((g) => g.close()));
  await emptyAndDeleteBucket(a, BUCKET);
  a.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a gateway serving HTTPS", () => {
  let url: string;
  let httpUrl: string;

  beforeAll(async () => {
    // Files for the certificate, PEM text (as ${ENV} gives it) for the key.
    ({ url, httpUrl } = (await start(
      tlsGatewayConfig({ cert: join(dir, "cert.pem"), key: serverPair.key }, { listenHttp: "127.0.0.1:0" }),
    )) as { url: string; httpUrl: string });
  });

  it("answers the SDK that trusts its CA, and stores where the route says", async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const s3 = client(url, trusting(ca.cert));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "sdk.txt", Body: "over tls" }));
    expect(await readBody(await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "sdk.txt" })), "utf8")).toBe(
      "over tls",
    );
    expect(await readBody(await a.send(new GetObjectCommand({ Bucket: BUCKET, Key: "sdk.txt" })), "utf8")).toBe(
      "over tls",
    );
  });

  it("is refused at the handshake by a client that does not trust its CA", async () => {
    const stranger = client(url, trusting(createTestCa("another CA").cert));
    const error = await stranger
      .send(new HeadObjectCommand({ Bucket: BUCKET, Key: "sdk.txt" }))
      .catch((e: unknown) => e as Error & { code?: string });
    expect(error).toBeInstanceOf(Error);
    expect(`${(error as { code?: string }).code} ${(error as Error).message}`).toMatch(
      /certificate|UNABLE_TO_VERIFY|SELF_SIGNED/i,
    );
  });

  it("answers the aws cli given the CA bundle (single and multipart uploads)", async () => {
    const cli: AwsCli = await awsCli(url, GATEWAY_USER);
    try {
      const big = Buffer.alloc(9 * 1024 * 1024, 7);
      await writeFile(join(cli.dir, "big.bin"), big);
      await cli.ok(["--ca-bundle", caFile, "s3", "cp", join(cli.dir, "big.bin"), `s3://${BUCKET}/cli/big.bin`]);
      await cli.ok(["--ca-bundle", caFile, "s3", "cp", `s3://${BUCKET}/cli/big.bin`, join(cli.dir, "back.bin")]);
      expect((await readFile(join(cli.dir, "back.bin"))).equals(big)).toBe(true);
      // Without the bundle, the cli refuses the certificate.
      const refused = await cli.run(["s3", "ls", `s3://${BUCKET}/`]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/SSL|certificate/i);
    } finally {
      await cli.cleanup();
    }
  });

  it("refuses S3 requests on the plain-HTTP listener and serves health there", async () => {
    expect((await fetch(`${httpUrl}/-/health`)).status).toBe(200);
    expect((await fetch(`${httpUrl}/-/metrics`)).status).toBe(200);
    const refused = await fetch(`${httpUrl}/${BUCKET}/sdk.txt`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/<Code>AccessDenied<\/Code>.*HTTPS only/);
    // The SDK over plain HTTP gets the same refusal as an error.
    expect(
      errorName(
        await client(httpUrl)
          .send(new GetObjectCommand({ Bucket: BUCKET, Key: "sdk.txt" }))
          .catch((e: unknown) => e),
      ),
    ).toBe("AccessDenied");
    // Plain HTTP to the HTTPS port is no request at all.
    await expect(fetch(`${url.replace("https:", "http:")}/-/health`)).rejects.toThrow();
  });

  it("serves S3 on the plain listener too when plainHttp is allow", async () => {
    const { httpUrl: plain } = await start(
      tlsGatewayConfig(
        { cert: serverPair.cert, key: serverPair.key, plainHttp: "allow" },
        { listenHttp: "127.0.0.1:0" },
      ),
    );
    const s3 = client(plain!);
    // Its own object, written on the backend: this test reads nothing another test wrote.
    await a.send(new PutObjectCommand({ Bucket: BUCKET, Key: "plain.txt", Body: "over plain http" }));
    expect(await readBody(await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "plain.txt" })), "utf8")).toBe(
      "over plain http",
    );
  });
});

describe("a backend over HTTPS with a private CA", () => {
  let backendUrl: string;
  // The backend is itself a TLS gateway in front of rgwA: an HTTPS S3 endpoint whose certificate
  // only the test CA vouches for.
  const backend = () => ({
    endpoint: backendUrl,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { ...GATEWAY_USER },
  });
  /** Two routes, so a same-backend read is proxied and a listing across them runs the library's SDK clients. */
  const frontConfig = (settings: Record<string, unknown>): RouterFileConfig => ({
    clients: { default: { ...backend(), ...settings }, other: { ...backend(), ...settings } },
    profiles: { other: { source_bucket_pattern: BUCKET, source_key_pattern: "other/*", mapped_bucket_name: BUCKET } },
    gateway: { users: [GATEWAY_USER] },
  });

  beforeAll(async () => {
    ({ url: backendUrl } = await start(tlsGatewayConfig({ cert: serverPair.cert, key: serverPair.key })));
    await a.send(new PutObjectCommand({ Bucket: BUCKET, Key: "other/b.txt", Body: "b" }));
  });

  const listKeys = async (s3: S3Client) => {
    const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    return (page.Contents ?? []).map((c) => c.Key);
  };

  it("reaches it with the client's ca: proxied requests and the library's own", async () => {
    const { url } = await start(frontConfig({ ca: caFile }));
    const s3 = client(url);
    expect(await readBody(await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "sdk.txt" })), "utf8")).toBe(
      "over tls",
    );
    expect(await listKeys(s3)).toEqual(expect.arrayContaining(["sdk.txt", "other/b.txt"]));
  });

  it("refuses it without the CA (503 naming no address), and reaches it with insecureSkipVerify", async () => {
    const { url: strict } = await start(frontConfig({}));
    const error = await client(strict)
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: "sdk.txt" }))
      .catch((e: unknown) => e);
    expect(errorName(error)).toBe("ServiceUnavailable");
    const { url: lax } = await start(frontConfig({ insecureSkipVerify: true }));
    expect(
      await readBody(await client(lax).send(new GetObjectCommand({ Bucket: BUCKET, Key: "sdk.txt" })), "utf8"),
    ).toBe("over tls");
    expect(await listKeys(client(lax))).toContain("other/b.txt");
  });
});

describe("certificate rotation in an s3-router serve process", { timeout: 120_000 }, () => {
  let child: ChildProcess | undefined;
  let out = "";
  let port: number;
  let file: string;

  /** The SHA-256 fingerprint of the certificate the gateway presents now. */
  const presented = () =>
    new Promise<string>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, ca: ca.cert, servername: "localhost" }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      });
      socket.once("error", reject);
    });
  const fingerprint = async (pair: CertificatePair) =>
    new (await import("node:crypto")).X509Certificate(pair.cert).fingerprint256;
  const writePair = async (pair: CertificatePair) => {
    await writeFile(join(dir, "rot-cert.pem"), pair.cert);
    await writeFile(join(dir, "rot-key.pem"), pair.key);
  };
  const waitFor = async (what: string, probe: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 60_000;
    while (
      !(await Promise.resolve()
        .then(probe)
        .catch(() => false))
    ) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    port = await freePort();
    file = join(dir, "rotate.yaml");
    await writePair(serverPair);
    await writeFile(
      file,
      stringify(tlsGatewayConfig({ cert: join(dir, "rot-cert.pem"), key: join(dir, "rot-key.pem") })),
    );
    const env = { ...process.env };
    delete env["NODE_OPTIONS"];
    // node itself (not npx): SIGHUP goes straight to the gateway's process.
    child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/bin.ts", "serve", "--config", file, "--listen", `127.0.0.1:${port}`],
      { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString("utf8")));
    await waitFor("the gateway process", async () => (await presented()) !== "");
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
  });

  it("presents a new certificate after SIGHUP, and keeps it when the next pair is bad", async () => {
    expect(await presented()).toBe(await fingerprint(serverPair));
    const rotated = ca.issue(["localhost", "127.0.0.1"]);
    await writePair(rotated);
    child!.kill("SIGHUP");
    await waitFor("the rotated certificate", async () => (await presented()) === (await fingerprint(rotated)));
    // Requests still work on the new certificate.
    const s3 = client(`https://127.0.0.1:${port}`, trusting(ca.cert));
    expect(await readBody(await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "sdk.txt" })), "utf8")).toBe(
      "over tls",
    );

    // A key that is not the certificate's: the reload fails, is logged, and the rotated pair stays.
    const stray = ca.issue(["localhost"]);
    await writeFile(join(dir, "rot-key.pem"), stray.key);
    child!.kill("SIGHUP");
    await waitFor("the failed reload in the log", () => /reload failed/.test(out));
    expect(out).toMatch(/gateway\.tls.*cannot be used together/);
    expect(await presented()).toBe(await fingerprint(rotated));
  });
});
