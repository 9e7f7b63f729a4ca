/**
 * @module spanning/list-buckets — ListBuckets over every backend, in the caller's bucket names:
 * the buckets a caller can address through the router, and only those, each once, sorted like
 * S3 sorts them, with `Prefix`, `MaxBuckets` and `ContinuationToken` applied by the router.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
 */
import {
  ListBucketsCommand,
  S3ServiceException,
  type Bucket,
  type ListBucketsCommandOutput,
  type Owner,
} from "@aws-sdk/client-s3";
import { toPhysicalBucket } from "../mapping/key-mapping.js";
import type { Route } from "../routing/route-table.js";
import type { SpanningContext } from "./spanning-context.js";

/** S3's bounds of `MaxBuckets`. */
const MAX_BUCKETS_LIMIT = 10_000;
/** Pages one backend may answer before the router suspects a token loop. */
const MAX_BACKEND_PAGES = 10_000;

/** What a continuation token of this listing remembers: the last caller name returned. */
interface ListBucketsState {
  readonly after: string;
}

/**
 * Lists the buckets a caller can address through the router, in the caller's names.
 *
 * A physical bucket `n` of backend `B` is listed as every name `c` that routes to it: `n` itself
 * when bucket `n` (its home or a key-pattern profile of it) lands on `B` unrenamed, and each
 * literal `source_bucket_pattern` whose profile renames it to `n` on `B`. Buckets no request can
 * reach (another profile sends their name elsewhere) are hidden; profiles with a glob bucket
 * pattern and a `mapped_bucket_name` cannot be enumerated and add no name. A name reached on
 * several backends (a bucket split by key pattern) is listed once, with its earliest CreationDate.
 *
 * Every backend is asked for all its buckets; `Prefix`, `MaxBuckets` and `ContinuationToken`
 * apply to the merged, sorted list. The token is sealed by the router (stateless, tamper-proof).
 * `Owner` is the default backend's.
 *
 * @throws the first backend error: a listing missing one backend's buckets would look complete,
 *   and a caller could conclude a bucket does not exist (and, say, try to create it).
 * @throws {@link InvalidTokenError} for a token this router did not issue for this listing.
 */
export async function listBucketsAcrossBackends(
  ctx: SpanningContext,
  input: Record<string, unknown>,
): Promise<unknown> {
  const prefix = typeof input["Prefix"] === "string" ? input["Prefix"] : "";
  const region = typeof input["BucketRegion"] === "string" ? input["BucketRegion"] : undefined;
  const maxBuckets = checkMaxBuckets(input["MaxBuckets"]);
  const scope = `ListBuckets\0${prefix}${region === undefined ? "" : `\0${region}`}`;
  const token =
    typeof input["ContinuationToken"] === "string" && input["ContinuationToken"] !== ""
      ? input["ContinuationToken"]
      : undefined;
  const after = token === undefined ? undefined : ctx.tokens.open<ListBucketsState>(token, scope).after;

  // One request per backend: client names sharing an S3Client are one backend.
  const clients = new Map<string, string>();
  for (const route of ctx.table.routes) if (!clients.has(route.backend)) clients.set(route.backend, route.client);
  const answers = await Promise.all(
    [...clients].map(async ([backend, client]) => ({ backend, ...(await listAll(ctx, client, region)) })),
  );

  const byName = new Map<string, Bucket>();
  const addressable = addressableNames(ctx);
  for (const { backend, buckets } of answers) {
    for (const bucket of buckets) {
      if (bucket.Name === undefined) continue;
      if (region !== undefined && bucket.BucketRegion !== undefined && bucket.BucketRegion !== region) continue;
      for (const name of addressable(backend, bucket.Name)) {
        const seen = byName.get(name);
        if (!seen || isEarlier(bucket.CreationDate, seen.CreationDate)) byName.set(name, { ...bucket, Name: name });
      }
    }
  }

  let listed = [...byName.values()]
    .filter((b) => b.Name!.startsWith(prefix))
    .sort((a, b) => compareUtf8(a.Name!, b.Name!));
  if (after !== undefined) listed = listed.filter((b) => compareUtf8(b.Name!, after) > 0);
  const page = maxBuckets === undefined ? listed : listed.slice(0, maxBuckets);

  const out: Record<string, unknown> = { Buckets: page, $metadata: { httpStatusCode: 200 } };
  const owner = answers.find((a) => a.backend === ctx.table.default.backend)?.owner;
  if (owner !== undefined) out["Owner"] = owner;
  if (typeof input["Prefix"] === "string") out["Prefix"] = prefix;
  if (page.length < listed.length)
    out["ContinuationToken"] = ctx.tokens.seal({ after: page.at(-1)!.Name! } satisfies ListBucketsState, scope);
  return out;
}

/** All buckets of one backend, following its continuation tokens if it pages. */
async function listAll(
  ctx: SpanningContext,
  client: string,
  region: string | undefined,
): Promise<{ buckets: Bucket[]; owner: Owner | undefined }> {
  const backend = ctx.backend(client);
  const buckets: Bucket[] = [];
  let owner: Owner | undefined;
  let token: string | undefined;
  const seen = new Set<string>();
  for (let pages = 0; pages < MAX_BACKEND_PAGES; pages++) {
    const input: Record<string, unknown> = {};
    if (region !== undefined) input["BucketRegion"] = region;
    if (token !== undefined) input["ContinuationToken"] = token;
    const output: ListBucketsCommandOutput = await backend.send(new ListBucketsCommand(input), ctx.sendOptions);
    buckets.push(...(output.Buckets ?? []));
    owner ??= output.Owner;
    token = output.ContinuationToken;
    // A backend that repeats a token would loop forever: what it listed so far is all there is.
    if (token === undefined || token === "" || seen.has(token)) break;
    seen.add(token);
  }
  return { buckets, owner };
}

/**
 * The caller names under which physical bucket `n` of a backend is addressable (see
 * {@link listBucketsAcrossBackends}): candidates are `n` and the literal bucket patterns renamed
 * to `n`; a candidate counts when some route the table gives it lands on that backend and bucket.
 */
function addressableNames(ctx: SpanningContext): (backend: string, physical: string) => string[] {
  const aliases = new Map<string, Set<string>>();
  for (const route of ctx.table.routes) {
    const literal = route.bucketPattern?.literal;
    if (literal === undefined || route.mappedBucket === undefined) continue;
    const set = aliases.get(route.mappedBucket) ?? new Set<string>();
    aliases.set(route.mappedBucket, set.add(literal));
  }
  const reaches = (name: string, backend: string, physical: string): boolean => {
    const lands = (r: Route) => r.backend === backend && toPhysicalBucket(r, name) === physical;
    // The home serves bucket-level calls; routesForPrefix(name, "") every route a key can take.
    return lands(ctx.table.resolveBucket(name)) || ctx.table.routesForPrefix(name, "").some(lands);
  };
  return (backend, physical) =>
    [physical, ...(aliases.get(physical) ?? [])].filter((name) => reaches(name, backend, physical));
}

function checkMaxBuckets(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_BUCKETS_LIMIT) return value;
  // The error S3 itself answers, so callers handle the router like a backend.
  throw new S3ServiceException({
    name: "InvalidArgument",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: `MaxBuckets must be an integer from 1 to ${MAX_BUCKETS_LIMIT}, got ${typeof value === "number" ? value : JSON.stringify(value)}`,
  });
}

const isEarlier = (a: Date | undefined, b: Date | undefined): boolean =>
  a !== undefined && (b === undefined || a.getTime() < b.getTime());

/** S3's order of names: by UTF-8 bytes (differs from UTF-16 order for astral characters). */
export const compareUtf8 = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
