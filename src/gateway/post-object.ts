/**
 * @module gateway/post-object — browser form uploads (S3's POST Object) through the gateway: the
 * form's policy is checked with the gateway user's secret (gateway/post-form), the bucket scope
 * and read-only flag are enforced as for any write, the key is routed like a PutObject, and the
 * file is written to the routed store re-signed with that route's identity (the user's own
 * backend credentials when it has them; unsigned for an anonymous form).
 *
 * The file streams: a file of up to one part ({@link PART_BYTES}) is sent as one PutObject (its
 * length must be known, and S3 servers refuse chunked uploads without it), a larger one as a
 * multipart upload, one part in memory at a time. Then the answer is S3's: a redirect to
 * `success_action_redirect`, a `201` with a PostResponse, a `200`, or the default `204`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { isSpanning, planCommand, type CommandPlan } from "../client/command-plan.js";
import { operationSpec } from "../operations/registry.js";
import type { AuthContext } from "./auth/index.js";
import type { BackendRequest, BackendResponse } from "./backend-request.js";
import type { GatewayState } from "./gateway-state.js";
import { checkPostPolicy, formField, readPostForm, type PostForm } from "./post-form.js";
import { objectPath, type S3Operation } from "./protocol/index.js";
import { childrenNamed, parseXml } from "./protocol/xml-scan.js";
import type { Exchange, HandlerServices, ProxyCall } from "./gateway-context.js";
import { answer, readAll, sendToBackend } from "./proxy.js";
import { S3Error, escapeXml } from "./s3-error.js";

/** The most of a file held at once: S3's smallest multipart part. */
export const PART_BYTES = 5 * 1024 * 1024;

/** Form fields that become headers of the stored object, by lowercase name. */
const HEADER_FIELDS = new Set([
  "cache-control",
  "content-type",
  "content-disposition",
  "content-encoding",
  "expires",
  "x-amz-storage-class",
  "x-amz-website-redirect-location",
  "x-amz-server-side-encryption",
  "x-amz-server-side-encryption-aws-kms-key-id",
  "x-amz-server-side-encryption-context",
  "x-amz-server-side-encryption-bucket-key-enabled",
  "x-amz-server-side-encryption-customer-algorithm",
  "x-amz-server-side-encryption-customer-key",
  "x-amz-server-side-encryption-customer-key-md5",
  "x-amz-object-lock-mode",
  "x-amz-object-lock-retain-until-date",
  "x-amz-object-lock-legal-hold",
]);

/** What the handler knows of the request when it hands a POST form here. */
export interface PostCall {
  readonly services: HandlerServices;
  readonly state: GatewayState;
  readonly operation: S3Operation;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly bucket: string;
  readonly exchange: Exchange;
  readonly resource: string;
  readonly signal: AbortSignal;
  /** Takes the caller's in-flight slot once it is known (the form names it). */
  readonly takeSlot: (caller: string | undefined) => void;
}

/** Handles one POST Object request; errors are thrown for the handler to answer. */
export async function handlePostObject(post: PostCall): Promise<void> {
  const { state, bucket } = post;
  const form = await readPostForm(post.req);
  const grant = checkPostPolicy(form, bucket, state.users);
  post.takeSlot(grant.user?.accessKeyId);
  state.users.authorize(grant.user, { bucket, write: true });
  const key = keyOf(form);
  const put = operationSpec("PutObject");
  const plan = planCommand(state.router.routeTable, "PutObjectCommand", { Bucket: bucket, Key: key });
  if (isSpanning(plan)) throw new S3Error("NotImplemented", "This form upload would span stores.");
  if (plan.route.mirror) {
    throw new S3Error(
      "NotImplemented",
      "Form uploads are not supported on mirrored buckets: use PUT, which the gateway mirrors.",
    );
  }
  const auth: AuthContext = {
    user: grant.user,
    scheme: grant.user ? "presigned" : "anonymous",
    payload: { kind: "unsigned" },
    decodedLength: undefined,
  };
  const call: ProxyCall = {
    services: post.services,
    state,
    operation: { name: put.name, kind: put.kind, write: true, spec: put, args: [] },
    req: post.req,
    headers: post.req.headers,
    res: post.res,
    auth,
    query: [],
    signal: post.signal,
    exchange: post.exchange,
    resource: post.resource,
  };
  post.exchange.route = plan.route.name;
  post.exchange.backend = plan.client;
  const headers = objectHeaders(form);
  const upload = await store(call, plan, headers, form.file, grant.length);
  if (upload.response.statusCode >= 300) return answer(call, plan.scope, upload.response, upload.text);
  answerPost(post, form, key, upload.etag);
}

/** The object's key: the `key` field, `${filename}` replaced by the file's own name. */
function keyOf(form: PostForm): string {
  const key = formField(form, "key");
  if (key === undefined || key === "")
    throw new S3Error(
      "InvalidArgument",
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      { ArgumentName: "key", ArgumentValue: "" },
    );
  return key.replaceAll("${filename}", form.filename);
}

/** The headers of the stored object: its metadata, ACL, tags and the fields S3 stores as headers. */
function objectHeaders(form: PostForm): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, { value }] of form.fields) {
    if (HEADER_FIELDS.has(name) || name.startsWith("x-amz-meta-")) headers[name] = value;
  }
  const acl = formField(form, "acl");
  if (acl !== undefined) headers["x-amz-acl"] = acl;
  const tagging = formField(form, "tagging");
  if (tagging !== undefined) headers["x-amz-tagging"] = tagsHeader(tagging);
  return headers;
}

/** A `<Tagging>` document as the `x-amz-tagging` header (`k=v&…`, URL-encoded). */
function tagsHeader(xml: string): string {
  let root;
  try {
    root = parseXml(xml);
  } catch (cause) {
    throw new S3Error("MalformedXML", "The tagging field is not a Tagging document.", {}, { cause });
  }
  const tags = childrenNamed(root, "TagSet").flatMap((set) => childrenNamed(set, "Tag"));
  return tags
    .map((tag) => {
      const k = childrenNamed(tag, "Key")[0]?.text ?? "";
      const v = childrenNamed(tag, "Value")[0]?.text ?? "";
      return `${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
    })
    .join("&");
}

/** The backend's answer to the upload, and the stored object's ETag. */
interface Stored {
  readonly response: BackendResponse;
  /** The error body, when the store refused the upload. */
  readonly text?: string;
  readonly etag: string;
}

/**
 * Writes the file: one PutObject when it fits one part, else a multipart upload. Enforces the
 * policy's content-length-range on the bytes actually received.
 */
async function store(
  call: ProxyCall,
  plan: CommandPlan,
  headers: Record<string, string>,
  file: Readable,
  length: { min: number; max: number } | undefined,
): Promise<Stored> {
  const parts = partsOf(file, length);
  const first = await parts.next();
  const second = first.done ? undefined : await parts.next();
  if (first.done || second?.done) {
    const body = first.done ? Buffer.alloc(0) : first.value;
    checkMinimum(body.length, length);
    return send(call, plan, {
      method: "PUT",
      query: [],
      headers: { ...headers, "content-length": String(body.length) },
      body,
    });
  }
  // Larger than a part: a multipart upload, a part at a time, taken back if anything fails.
  const created = await send(call, plan, { method: "POST", query: [["uploads", ""]], headers, body: undefined });
  if (created.response.statusCode >= 300) return created;
  const uploadId = leaf(created.text ?? "", "UploadId");
  const etags: string[] = [];
  try {
    let total = 0;
    for (let part = first.value, next: IteratorResult<Buffer> | undefined = second; ;) {
      total += part.length;
      const sent = await send(call, plan, {
        method: "PUT",
        query: [
          ["partNumber", String(etags.length + 1)],
          ["uploadId", uploadId],
        ],
        headers: { "content-length": String(part.length) },
        body: part,
      });
      if (sent.response.statusCode >= 300) {
        await abort(call, plan, uploadId);
        return sent;
      }
      etags.push(sent.etag);
      if (!next || next.done) break;
      part = next.value;
      next = await parts.next();
    }
    checkMinimum(total, length);
    const xml = `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const done = await send(call, plan, {
      method: "POST",
      query: [["uploadId", uploadId]],
      headers: { "content-type": "application/xml", "content-length": String(Buffer.byteLength(xml)) },
      body: Buffer.from(xml),
    });
    // A completion can fail after its 200 status: the body says.
    if (done.response.statusCode < 300 && /<Error>/.test(done.text ?? ""))
      throw new S3Error("InternalError", "The store could not complete the upload.");
    return { ...done, etag: leaf(done.text ?? "", "ETag") };
  } catch (error) {
    await abort(call, plan, uploadId);
    throw error;
  }
}

/** The file in parts of {@link PART_BYTES}, refused past the policy's maximum. */
async function* partsOf(file: Readable, length: { min: number; max: number } | undefined): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let total = 0;
  for await (const chunk of file as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (length !== undefined && total > length.max) {
      throw new S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", {
        MaxSizeAllowed: String(length.max),
        ProposedSize: String(total),
      });
    }
    let rest = chunk;
    while (heldBytes + rest.length >= PART_BYTES) {
      const take = PART_BYTES - heldBytes;
      held.push(rest.subarray(0, take));
      yield Buffer.concat(held);
      held = [];
      heldBytes = 0;
      rest = rest.subarray(take);
    }
    if (rest.length > 0) {
      held.push(rest);
      heldBytes += rest.length;
    }
  }
  if (heldBytes > 0) yield Buffer.concat(held);
}

function checkMinimum(size: number, length: { min: number; max: number } | undefined): void {
  if (length !== undefined && size < length.min) {
    throw new S3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
      MinSizeAllowed: String(length.min),
      ProposedSize: String(size),
    });
  }
}

/** One request to the route's store, its small answer read. */
async function send(
  call: ProxyCall,
  plan: CommandPlan,
  request: Pick<BackendRequest, "method" | "query" | "headers"> & { body: Buffer | undefined },
): Promise<Stored> {
  const response = await sendToBackend(call, plan, {
    ...request,
    bucket: plan.input["Bucket"] as string,
    key: plan.input["Key"] as string,
    body: request.body === undefined ? undefined : Readable.from([request.body]),
    payloadHash: "UNSIGNED-PAYLOAD",
  });
  const etag = String(response.headers["etag"] ?? "");
  const text = await readAll(response.body, 1024 * 1024, "InternalError");
  return { response, text, etag };
}

async function abort(call: ProxyCall, plan: CommandPlan, uploadId: string): Promise<void> {
  await send(call, plan, { method: "DELETE", query: [["uploadId", uploadId]], headers: {}, body: undefined }).catch(
    () => undefined,
  );
}

function leaf(xml: string, name: string): string {
  const found = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  if (found === undefined) throw new S3Error("InternalError", "We encountered an internal error. Please try again.");
  return found.replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}

/** S3's answer to a stored form upload. */
function answerPost(post: PostCall, form: PostForm, key: string, etag: string): void {
  const { res, bucket } = post;
  const redirect = formField(form, "success_action_redirect") ?? formField(form, "redirect");
  if (redirect !== undefined && /^https?:\/\//i.test(redirect)) {
    const query = `bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}&etag=${encodeURIComponent(etag)}`;
    res
      .writeHead(303, {
        location: `${redirect}${redirect.includes("?") ? "&" : "?"}${query}`,
        "content-length": "0",
        etag,
      })
      .end();
    return;
  }
  const status = formField(form, "success_action_status");
  if (status === "201") {
    const location = `${publicBase(post)}${objectPath(bucket, key)}`;
    const body = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${escapeXml(location)}</Location><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><ETag>${escapeXml(etag)}</ETag></PostResponse>`,
    );
    res.writeHead(201, { "content-type": "application/xml", "content-length": String(body.length), etag, location });
    post.exchange.bytesOut += body.length;
    res.end(body);
    return;
  }
  res.writeHead(status === "200" ? 200 : 204, { etag, ...(status === "200" && { "content-length": "0" }) }).end();
}

function publicBase(post: PostCall): string {
  const { settings } = post.state;
  return settings.publicUrl ?? `http://${post.req.headers.host ?? `${settings.host}:${settings.port}`}`;
}
