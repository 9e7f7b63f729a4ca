/**
 * @module gateway/post-form — a browser form upload (S3's POST Object): its form fields read as
 * the request streams in, up to the file (S3 ignores fields after it), and its policy checked —
 * the signature (SigV4, or SigV2's HMAC-SHA1 that older form builders use) with the gateway
 * user's secret, the expiry, and every condition against the fields. The file itself is left
 * unread, for the caller to stream to the store.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
import busboy from "busboy";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import type { GatewayUser, UserDirectory } from "./auth/index.js";
import { deriveSigningKey, signaturesEqual } from "./auth/index.js";
import { S3Error } from "./s3-error.js";

/** One form, up to its file. Field names keep their case; lookups ignore it, as S3's do. */
export interface PostForm {
  /** Form fields before the file, by lowercase name: the name as sent and its value. */
  readonly fields: ReadonlyMap<string, { readonly name: string; readonly value: string }>;
  /** The file's content, unread. */
  readonly file: Readable;
  /** The file part's own filename (for `${filename}` in the key). */
  readonly filename: string;
}

/** What a policy allows, once checked. */
export interface PostGrant {
  /** The user who signed the policy; `undefined` for an unsigned (anonymous) form. */
  readonly user: GatewayUser | undefined;
  /** `content-length-range` of the policy, if it has one. */
  readonly length: { readonly min: number; readonly max: number } | undefined;
}

/** Limits on what a form may hold before its file (the policy is the largest field). */
const LIMITS = { fields: 64, fieldSize: 64 * 1024, parts: 66, headerPairs: 32, fieldNameSize: 256 };

/**
 * Reads a form upload's fields, until its file starts.
 * @throws {@link S3Error} `InvalidArgument` for a body that is not `multipart/form-data`, has no
 *   file, or exceeds the limits; `MalformedPOSTRequest` for a form that cannot be read.
 */
export function readPostForm(req: IncomingMessage): Promise<PostForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: LIMITS, defParamCharset: "utf8" });
    } catch (cause) {
      reject(
        new S3Error(
          "InvalidArgument",
          "POST requires exactly one file upload per request; the body must be multipart/form-data.",
          {},
          { cause },
        ),
      );
      return;
    }
    const fields = new Map<string, { name: string; value: string }>();
    const pending: Array<Promise<void>> = [];
    let done = false;
    const fail = (error: S3Error) => {
      if (done) return;
      done = true;
      req.unpipe(parser);
      reject(error);
    };
    parser.on("field", (name, value, info) => {
      if (done) return;
      if (info.valueTruncated || info.nameTruncated)
        return fail(new S3Error("InvalidArgument", `The form field ${name} is too long.`, { ArgumentName: name }));
      fields.set(name.toLowerCase(), { name, value });
    });
    parser.on("file", (name, file, info) => {
      if (done) {
        file.resume();
        return;
      }
      if (name.toLowerCase() === "file") {
        done = true;
        // Fields sent as file parts before it may still be ending: the form is whole once they have.
        void Promise.all(pending).then(() => resolve({ fields, file, filename: info.filename ?? "" }));
        return;
      }
      // A field sent as a file part (Python's requests sends every field so): its value, bounded.
      const chunks: Buffer[] = [];
      let size = 0;
      file.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > LIMITS.fieldSize) {
          file.resume();
          fail(new S3Error("InvalidArgument", `The form field ${name} is too long.`, { ArgumentName: name }));
        } else chunks.push(chunk);
      });
      pending.push(
        new Promise<void>((ended) =>
          file.on("end", () => {
            fields.set(name.toLowerCase(), { name, value: Buffer.concat(chunks).toString("utf8") });
            ended();
          }),
        ),
      );
    });
    for (const event of ["fieldsLimit", "partsLimit"] as const) {
      parser.on(event, () => fail(new S3Error("InvalidArgument", "The form has too many fields.")));
    }
    parser.on("error", (cause: unknown) =>
      fail(
        new S3Error(
          "MalformedPOSTRequest",
          "The body of your POST request is not well-formed multipart/form-data.",
          {},
          { cause, status: 400 },
        ),
      ),
    );
    parser.on("close", () =>
      fail(
        new S3Error("InvalidArgument", "POST requires exactly one file upload per request.", {
          ArgumentName: "file",
          ArgumentValue: "0",
        }),
      ),
    );
    req.pipe(parser);
  });
}

/** A form field's value, by case-insensitive name. */
export const formField = (form: PostForm, name: string): string | undefined =>
  form.fields.get(name.toLowerCase())?.value;

/**
 * Checks a form's policy: who signed it and what it allows. An unsigned form (no policy) is
 * anonymous, and allowed only as far as the anonymous scope goes (the caller authorizes it).
 * @param bucket - the bucket the form is posted to.
 * @throws {@link S3Error} `AccessDenied` for a bad or expired signature, an unknown key, or a
 *   condition the form breaks; `InvalidPolicyDocument` (400) for a policy that cannot be read.
 */
export function checkPostPolicy(form: PostForm, bucket: string, users: UserDirectory, now = new Date()): PostGrant {
  const policy = formField(form, "policy");
  const algorithm = formField(form, "x-amz-algorithm");
  const v2Key = formField(form, "AWSAccessKeyId");
  if (policy === undefined) {
    if (algorithm !== undefined || v2Key !== undefined) throw invalidPolicy("the form is signed but has no policy");
    return { user: undefined, length: undefined };
  }
  const user = algorithm !== undefined ? verifyV4(form, policy, users) : verifyV2(form, policy, users);
  const document = readPolicy(policy);
  // ISO 8601 in UTC, as S3 requires: a looser date is refused, not guessed at.
  const expires = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(document.expiration)
    ? Date.parse(document.expiration)
    : Number.NaN;
  if (Number.isNaN(expires)) throw invalidPolicy("its expiration is not an ISO 8601 UTC date");
  if (expires <= now.getTime()) throw new S3Error("AccessDenied", "Invalid according to Policy: Policy expired.");
  return { user, length: checkConditions(form, bucket, document.conditions) };
}

interface PolicyDocument {
  readonly expiration: string;
  readonly conditions: readonly unknown[];
}

function readPolicy(policy: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(policy, "base64").toString("utf8"));
  } catch (cause) {
    throw invalidPolicy("it is not base64-encoded JSON", cause);
  }
  const doc = parsed as { expiration?: unknown; conditions?: unknown };
  // Keys are case-sensitive, as S3 reads them: "Expiration" is not "expiration".
  if (typeof doc?.expiration !== "string") throw invalidPolicy('it has no "expiration"');
  if (!Array.isArray(doc.conditions)) throw invalidPolicy('it has no "conditions" list');
  if (doc.conditions.length === 0) throw invalidPolicy('its "conditions" list is empty');
  return { expiration: doc.expiration, conditions: doc.conditions };
}

function verifyV4(form: PostForm, policy: string, users: UserDirectory): GatewayUser {
  const credential = formField(form, "x-amz-credential") ?? "";
  const signature = formField(form, "x-amz-signature");
  if (formField(form, "x-amz-algorithm") !== "AWS4-HMAC-SHA256")
    throw invalidPolicy("x-amz-algorithm must be AWS4-HMAC-SHA256");
  const [accessKeyId, date, region, service, terminator] = credential.split("/");
  if (!accessKeyId || !date || !region || service !== "s3" || terminator !== "aws4_request" || !/^\d{8}$/.test(date)) {
    throw invalidPolicy("x-amz-credential is not <key>/<yyyymmdd>/<region>/s3/aws4_request");
  }
  if (signature === undefined) throw invalidPolicy("the form has no x-amz-signature");
  const user = knownUser(users, accessKeyId);
  const expected = createHmac("sha256", deriveSigningKey(user.secretAccessKey, date, region))
    .update(policy)
    .digest("hex");
  if (!signaturesEqual(signature, expected)) throw signatureMismatch();
  return user;
}

function verifyV2(form: PostForm, policy: string, users: UserDirectory): GatewayUser {
  const accessKeyId = formField(form, "AWSAccessKeyId");
  const signature = formField(form, "signature");
  if (accessKeyId === undefined || signature === undefined)
    throw invalidPolicy("the form has a policy but no signature");
  const user = knownUser(users, accessKeyId);
  const expected = createHmac("sha1", user.secretAccessKey).update(policy).digest("base64");
  const a = Buffer.from(signature);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw signatureMismatch();
  return user;
}

function knownUser(users: UserDirectory, accessKeyId: string): GatewayUser {
  const user = users.lookup(accessKeyId);
  if (!user)
    throw new S3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", {
      AWSAccessKeyId: accessKeyId,
    });
  return user;
}

/** Fields a policy need not mention (S3's list), besides `x-ignore-*`. */
const UNCONDITIONED = new Set([
  "policy",
  "x-amz-signature",
  "signature",
  "awsaccesskeyid",
  "file",
  "x-amz-security-token",
]);

/**
 * Every condition holds, and every field is covered by one (S3 refuses fields its policy does
 * not mention); returns the content-length range.
 */
function checkConditions(form: PostForm, bucket: string, conditions: readonly unknown[]): PostGrant["length"] {
  const covered = new Set<string>(["bucket"]);
  let length: PostGrant["length"];
  // The key as it will be stored: S3 checks conditions after `${filename}` is replaced.
  const value = (name: string): string | undefined =>
    name === "bucket"
      ? bucket
      : name === "key"
        ? formField(form, "key")?.replaceAll("${filename}", form.filename)
        : formField(form, name);
  for (const condition of conditions) {
    if (Array.isArray(condition)) {
      const items: readonly unknown[] = condition;
      const [op, field, arg] = items;
      if (typeof op !== "string") throw invalidPolicy("a condition has no operator");
      if (op.toLowerCase() === "content-length-range") {
        const [min, max] = [items[1], items[2]];
        if (
          typeof min !== "number" ||
          typeof max !== "number" ||
          !Number.isInteger(min) ||
          !Number.isInteger(max) ||
          min < 0 ||
          max < min
        ) {
          throw invalidPolicy("content-length-range needs two whole numbers, 0 ≤ min ≤ max");
        }
        length = { min, max };
        continue;
      }
      if (typeof field !== "string" || !field.startsWith("$") || typeof arg !== "string")
        throw invalidPolicy(`the condition ${JSON.stringify(condition)} is malformed`);
      const name = field.slice(1).toLowerCase();
      covered.add(name);
      const actual = value(name) ?? "";
      // Operators, like field names, are read case-insensitively (S3 and RGW take "StArTs-WiTh").
      const operator = op.toLowerCase();
      const holds =
        operator === "eq" ? actual === arg : operator === "starts-with" ? actual.startsWith(arg) : undefined;
      if (holds === undefined) throw invalidPolicy(`unknown condition operator "${op}"`);
      if (!holds) throw conditionFailed(condition);
    } else if (condition !== null && typeof condition === "object") {
      if (Object.keys(condition).length === 0) throw invalidPolicy("a condition is an empty object");
      for (const [field, expected] of Object.entries(condition as Record<string, unknown>)) {
        const name = field.toLowerCase();
        covered.add(name);
        if (value(name) !== expected) throw conditionFailed({ [field]: expected });
      }
    } else {
      throw invalidPolicy(`the condition ${JSON.stringify(condition)} is malformed`);
    }
  }
  for (const [name, field] of form.fields) {
    if (UNCONDITIONED.has(name) || name.startsWith("x-ignore-") || covered.has(name)) continue;
    throw new S3Error("AccessDenied", `Invalid according to Policy: Extra input fields: ${field.name}`);
  }
  return length;
}

const conditionFailed = (condition: unknown) =>
  new S3Error("AccessDenied", `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`);

const signatureMismatch = () =>
  new S3Error(
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  );

function invalidPolicy(why: string, cause?: unknown): S3Error {
  return new S3Error(
    "InvalidPolicyDocument",
    `Invalid Policy: ${why}.`,
    {},
    { status: 400, ...(cause !== undefined && { cause }) },
  );
}
