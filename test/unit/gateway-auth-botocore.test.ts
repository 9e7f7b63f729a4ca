/**
 * @module test/unit/gateway-auth-botocore — authenticate() against requests signed by botocore
 * (the signer of boto3 and the aws cli): a real botocore S3 client whose requests are captured
 * before they leave the process (signed payloads, aws-chunked uploads with checksum trailers,
 * DeleteObjects, presigned URLs) and botocore's S3SigV4Auth / S3SigV4QueryAuth used directly,
 * with keys and query values full of spaces, `+`, `~`, `=`, `&` and non-ASCII characters.
 *
 * It needs python3 with botocore: the first of `python3` on PATH (a developer's pyenv Python,
 * whose moto brings botocore) and `/usr/bin/python3` (Debian's python3-botocore, which .ci/run
 * installs) that imports it. Without one, the file is skipped with the reason printed below —
 * except under CI (`CI` set, as .ci/run does), where a missing botocore fails the run: CI must
 * never pass these cases by skipping them.
 */
import { spawnSync } from "node:child_process";
import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { authenticate, decodeRequestBody, UserDirectory, type SignedRequest } from "../../src/gateway/auth/index.js";
import { isS3Error } from "../../src/gateway/s3-error.js";

/** A python3 that imports botocore, with its botocore version, or why none does. */
function findBotocore(): { python: string; version: string } | { missing: string } {
  const reasons: string[] = [];
  for (const python of ["python3", "/usr/bin/python3"]) {
    const probe = spawnSync(python, ["-c", "import botocore, sys; sys.stdout.write(botocore.__version__)"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
    reasons.push(
      probe.error
        ? `${python} could not be run (${probe.error.message})`
        : `${python} has no botocore (${probe.stderr.trim().split("\n").pop() ?? ""})`,
    );
  }
  return { missing: reasons.join("; ") };
}

const botocore = findBotocore();
const required = Boolean(process.env["CI"]);
if ("missing" in botocore && !required) {
  console.warn(
    `gateway-auth-botocore: skipped — ${botocore.missing}. Install python3-botocore (apt) or botocore (pip) to run it.`,
  );
}

const AKID = "AKIDBOTOCORE";
const SECRET = "bOtO/c0re+secret=";

/** Runs botocore; prints one JSON document of captured requests. */
const SCRIPT = String.raw`
import base64, io, json, sys
import botocore, botocore.session
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

AKID, SECRET = sys.argv[1], sys.argv[2]
out = []
current = {}

def text(v):
    return v.decode("latin-1") if isinstance(v, bytes) else v

def record(label, method, url, headers, body=b"", payload=None):
    out.append({"label": label, "method": method, "url": url,
                "headers": [[k, text(v)] for k, v in headers],
                "body": base64.b64encode(body).decode(),
                "payload": None if payload is None else base64.b64encode(payload).decode()})

def capture(request, **kwargs):
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    record(current["label"], request.method, request.url, request.headers.items(), body or b"", current.get("payload"))
    class Raw:
        def stream(self, **kw):
            return iter([current.get("response", b"")])
    return AWSResponse(request.url, 200, {}, Raw())

def client(endpoint):
    c = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id=AKID, aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    c.meta.events.register("before-send.s3", capture)
    return c

def call(label, fn, payload=None, response=b""):
    current.clear()
    current.update(label=label, payload=payload, response=response)
    try:
        fn()
    except Exception:
        pass  # only the request matters; some fake answers do not parse

KEY = "dir/a b+ü~=&?;%20 日本.txt"
body = "hello, wörld".encode()
http = client("http://gw.local:8333")
https = client("https://gw.local:8443")  # over https botocore streams uploads aws-chunked
listing = b'<?xml version="1.0"?><ListBucketResult><Name>bkt</Name><IsTruncated>false</IsTruncated></ListBucketResult>'

call("PutObject (signed payload)", lambda: http.put_object(Bucket="bkt", Key=KEY, Body=body, Metadata={"note": "  two   spaces "}), body)
call("GetObject with Range", lambda: http.get_object(Bucket="bkt", Key=KEY, Range="bytes=0-3"))
call("ListObjectsV2", lambda: http.list_objects_v2(Bucket="bkt", Prefix="a b+ü~=&/", Delimiter="/", StartAfter="日本 😀"), response=listing)
call("DeleteObjects", lambda: http.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": KEY}, {"Key": "x+y"}]}))
big = bytes(range(256)) * 1200
# CRC32 named explicitly: botocore >= 1.36 adds it by default, older ones (Debian 12's 1.29) only when asked.
call("PutObject aws-chunked (CRC32 trailer)", lambda: https.put_object(Bucket="bkt", Key=KEY, Body=io.BytesIO(big), ChecksumAlgorithm="CRC32"), big)
call("PutObject aws-chunked (SHA256 trailer)", lambda: https.put_object(Bucket="bkt", Key="k", Body=body, ChecksumAlgorithm="SHA256"), body)
call("PutObject aws-chunked (SHA1 trailer)", lambda: https.put_object(Bucket="bkt", Key="k", Body=body, ChecksumAlgorithm="SHA1"), body)

for label, method, params in [("presigned GetObject", "get_object", {"Bucket": "bkt", "Key": KEY, "ResponseContentDisposition": 'attachment; filename="a b.txt"'}),
                              ("presigned PutObject", "put_object", {"Bucket": "bkt", "Key": KEY})]:
    url = http.generate_presigned_url(method, Params=params, ExpiresIn=900)
    record(label, "GET" if method == "get_object" else "PUT", url, [])

creds = Credentials(AKID, SECRET)
req = AWSRequest(method="GET", url="http://gw.local:8333/bkt/dir/a%20b%2B%C3%BC~%3D%26.txt?tagging=&versionId=a%2Bb%3D%26&list=%E6%97%A5",
                 headers={"x-amz-meta-a": "x   y", "Range": "bytes=1-2"})
S3SigV4Auth(creds, "s3", "eu-west-1").add_auth(req)
p = req.prepare()
record("S3SigV4Auth (eu-west-1)", p.method, p.url, p.headers.items())
req = AWSRequest(method="GET", url="http://gw.local:8333/bkt/a%20b%C3%BC?response-content-type=text%2Fplain%3B%20charset%3Dutf-8")
S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=600).add_auth(req)
p = req.prepare()
record("S3SigV4QueryAuth", p.method, p.url, p.headers.items())

json.dump({"version": botocore.__version__, "requests": out}, sys.stdout)
`;

interface Captured {
  readonly label: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Array<[string, string]>;
  readonly body: string;
  readonly payload: string | null;
}

function runBotocore(secret: string): Captured[] {
  if ("missing" in botocore) throw new Error(`no python3 with botocore: ${botocore.missing}`);
  const run = spawnSync(botocore.python, ["-c", SCRIPT, AKID, secret], {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`botocore script failed: ${run.error?.message ?? run.stderr}`);
  return (JSON.parse(run.stdout) as { requests: Captured[] }).requests;
}

/** What node's HTTP server would hand the gateway for this request. */
function asReceived(captured: Captured): { request: SignedRequest; now: Date } {
  const target = captured.url.replace(/^https?:\/\/[^/]+/, "");
  const q = target.indexOf("?");
  const headers: IncomingHttpHeaders = {};
  const rawHeaders: string[] = [];
  const add = (name: string, value: string) => {
    const lower = name.toLowerCase();
    const trimmed = value.trim(); // node trims outer whitespace of header values
    headers[lower] = headers[lower] === undefined ? trimmed : `${String(headers[lower])}, ${trimmed}`;
    rawHeaders.push(name, trimmed);
  };
  if (!captured.headers.some(([n]) => n.toLowerCase() === "host")) add("Host", new URL(captured.url).host); // added by urllib3
  for (const [name, value] of captured.headers) add(name, value);
  const request: SignedRequest = {
    method: captured.method,
    rawPath: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? "" : target.slice(q + 1),
    headers,
    rawHeaders,
  };
  // Verify at the time botocore signed, so a slow machine cannot make the test flaky.
  const stamp = String(headers["x-amz-date"] ?? /X-Amz-Date=(\d{8}T\d{6}Z)/.exec(captured.url)?.[1]);
  const now = new Date(
    Date.UTC(
      +stamp.slice(0, 4),
      +stamp.slice(4, 6) - 1,
      +stamp.slice(6, 8),
      +stamp.slice(9, 11),
      +stamp.slice(11, 13),
      +stamp.slice(13, 15) + 5,
    ),
  );
  return { request, now };
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

// Skipped only where python3/botocore is missing outside CI (see the module comment); under CI
// a missing botocore makes runBotocore throw, which fails the file.
const skip = "missing" in botocore && !required;
const title = "missing" in botocore ? "(missing)" : `${botocore.version} (${botocore.python})`;
describe.skipIf(skip)(`authenticate: botocore ${title}`, () => {
  const users = new UserDirectory([{ accessKeyId: AKID, secretAccessKey: SECRET }]);
  // Both python runs at collection, outside any test's timeout: each takes seconds on a busy machine.
  const captured = skip ? [] : runBotocore(SECRET);
  const forged = skip ? [] : runBotocore(`${SECRET}x`);

  it("captured every request the script makes", () => {
    expect(captured.map((c) => c.label)).toEqual([
      "PutObject (signed payload)",
      "GetObject with Range",
      "ListObjectsV2",
      "DeleteObjects",
      "PutObject aws-chunked (CRC32 trailer)",
      "PutObject aws-chunked (SHA256 trailer)",
      "PutObject aws-chunked (SHA1 trailer)",
      "presigned GetObject",
      "presigned PutObject",
      "S3SigV4Auth (eu-west-1)",
      "S3SigV4QueryAuth",
    ]);
  });

  it.each(captured.map((c) => [c.label, c] as const))("verifies %s, and its body", async (_label, c) => {
    const { request, now } = asReceived(c);
    const auth = authenticate(request, users, { now });
    expect(auth.user?.accessKeyId).toBe(AKID);
    const body = Buffer.from(c.body, "base64");
    const source = Object.assign(Readable.from(body.length > 0 ? [body] : []), { headers: request.headers });
    const decoded = decodeRequestBody(auth, source);
    const out = decoded ? await collect(decoded) : Buffer.alloc(0);
    if (c.payload !== null) expect(out.equals(Buffer.from(c.payload, "base64"))).toBe(true);
    if (c.label.includes("aws-chunked")) expect(auth.payload.kind).toBe("streaming-unsigned-trailer");
    if (c.label.startsWith("presigned") || c.label === "S3SigV4QueryAuth") expect(auth.scheme).toBe("presigned");
  });

  it("refuses the same requests signed with another secret", () => {
    expect(forged.map((c) => c.label)).toEqual(captured.map((c) => c.label));
    for (const c of forged) {
      const { request, now } = asReceived(c);
      let code: string | undefined;
      try {
        authenticate(request, users, { now });
      } catch (error) {
        code = isS3Error(error) ? error.code : String(error);
      }
      expect([c.label, code]).toEqual([c.label, "SignatureDoesNotMatch"]);
    }
  });
});
