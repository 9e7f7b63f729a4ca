/**
 * @module test/support/test-certs — a throwaway certificate authority and the certificates it
 * issues, made at test time with Node's crypto alone (no openssl CLI to install): X.509 v3 in
 * DER, written by hand, signed with ECDSA P-256 / SHA-256. Enough for TLS servers and clients
 * (Node, Python's ssl as the aws cli uses it, Ceph RGW's beast), nothing more.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isIP } from "node:net";

/** A certificate and its private key, PEM. */
export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

/** A certificate authority that can issue certificates. */
export interface TestCa extends CertificatePair {
  /** Issues a certificate for a server (and client) named `names` (DNS names or IP addresses). */
  issue(names: readonly string[], options?: { commonName?: string; days?: number }): CertificatePair;
}

/**
 * Makes a new CA. Each call has its own key, so a client trusting one CA refuses every
 * certificate of another (what tests of trust need).
 */
export function createTestCa(commonName = "s3-router test CA"): TestCa {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const name = distinguishedName(commonName);
  const caKeyId = keyId(publicKey);
  const cert = certificate({
    subject: name,
    issuer: name,
    publicKey,
    signer: privateKey,
    days: 30,
    extensions: [
      extension("2.5.29.19", true, seq(bool(true))),
      // keyCertSign and cRLSign.
      extension("2.5.29.15", true, bitString(Buffer.from([0x06]), 1)),
      extension("2.5.29.14", false, octetString(caKeyId)),
    ],
  });
  return {
    cert,
    key: pemKey(privateKey),
    issue(names, options = {}) {
      const leaf = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      const altNames = names.map((n) => (isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, "ascii"))));
      return {
        cert: certificate({
          subject: distinguishedName(options.commonName ?? names[0] ?? "localhost"),
          issuer: name,
          publicKey: leaf.publicKey,
          signer: privateKey,
          days: options.days ?? 30,
          extensions: [
            extension("2.5.29.19", true, seq()),
            // digitalSignature and keyEncipherment.
            extension("2.5.29.15", true, bitString(Buffer.from([0xa0]), 5)),
            // serverAuth and clientAuth: the same pair serves a server or a mutual-TLS client.
            extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2"))),
            extension("2.5.29.17", false, seq(...altNames)),
            extension("2.5.29.14", false, octetString(keyId(leaf.publicKey))),
            // Strict verifiers (Python 3.13's default) want the issuer's key id in every leaf.
            extension("2.5.29.35", false, seq(tlv(0x80, caKeyId))),
          ],
        }),
        key: pemKey(leaf.privateKey),
      };
    },
  };
}

interface CertificateFields {
  readonly subject: Buffer;
  readonly issuer: Buffer;
  readonly publicKey: KeyObject;
  readonly signer: KeyObject;
  readonly days: number;
  readonly extensions: readonly Buffer[];
}

const ECDSA_SHA256 = () => seq(oid("1.2.840.10045.4.3.2"));

function certificate(f: CertificateFields): string {
  const now = Date.now();
  // An hour back: a clock a little behind the test's must not see a certificate from the future.
  const validity = seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + f.days * 86_400_000)));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // positive
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_SHA256(),
    f.issuer,
    validity,
    f.subject,
    f.publicKey.export({ type: "spki", format: "der" }),
    tlv(0xa3, seq(...f.extensions)),
  );
  const signature = sign("sha256", tbs, f.signer); // DER-encoded ECDSA signature
  const der = seq(tbs, ECDSA_SHA256(), bitString(signature, 0));
  return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
}

const pemKey = (key: KeyObject): string => key.export({ type: "pkcs8", format: "pem" }).toString();

/** A key identifier: SHA-1 of the encoded public key (RFC 5280 allows any unique value). */
function keyId(publicKey: KeyObject): Buffer {
  return createHash("sha1")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest();
}

function distinguishedName(commonName: string): Buffer {
  return seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(commonName, "utf8")))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octetString(value)) : seq(oid(id), octetString(value));
}

// DER encoding ----------------------------------------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));
const integer = (bytes: Buffer) => tlv(0x02, bytes);
const octetString = (bytes: Buffer) => tlv(0x04, bytes);
const bitString = (bytes: Buffer, unusedBits: number) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const out = [40 * first + second];
  for (const arc of rest) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2025-01-02T03:04:05.678Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, "ascii"));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split(".").map(Number));
  throw new Error(`only IPv4 addresses are supported in test certificates, got ${ip}`);
}
