/**
 * @module config/profile-schema — the routing rules as users write them: boto-s3-router's
 * snake_case profiles, their camelCase twins, the object (ordered) and the array form; all
 * normalised to one {@link RouteSpec} list.
 */
import { z } from "zod";
import type { ConfigIssue } from "../errors.js";

/**
 * One routing rule, normalised. Field meanings follow boto-s3-router's profiles.
 */
export interface RouteSpec {
  /** Profile name: the key in the `profiles` object, or `name` (else `#<index>`) in the array form. */
  readonly name: string;
  /** Name of the client (backend) that serves this route. */
  readonly client: string;
  /** fnmatch glob matched against the request's bucket. */
  readonly bucketPattern: string;
  /** fnmatch glob matched against the request's key; undefined matches every key of the bucket. */
  readonly keyPattern: string | undefined;
  /** Bucket name used on the backend; undefined keeps the caller's bucket name. */
  readonly mappedBucket: string | undefined;
  /** Prepended to every key (and listing prefix) on the backend; "" for none. */
  readonly mappedPrefix: string;
  /** Where reads that miss go, while data moves to this route's client (see {@link FallbackSpec}). */
  readonly fallback?: FallbackSpec | undefined;
  /** A second backend every write also goes to (see {@link TargetSpec}). */
  readonly mirror?: TargetSpec | undefined;
}

/** Another backend place for a route's keys: a client, with its own bucket name and key prefix. */
export interface TargetSpec {
  readonly client: string;
  /** Bucket on that backend; undefined keeps the caller's bucket name. */
  readonly mappedBucket: string | undefined;
  /** Prepended to keys on that backend; "" for none. */
  readonly mappedPrefix: string;
}

/** A route's fallback: the store its keys are moving away from. */
export interface FallbackSpec extends TargetSpec {
  /** Whether an object read from the fallback is also copied to the route's own client. */
  readonly copyOnRead: boolean;
}

/** Field spellings: Python (snake_case, canonical) → camelCase alias. */
const FIELDS = {
  source_bucket_pattern: "sourceBucketPattern",
  source_key_pattern: "sourceKeyPattern",
  mapped_bucket_name: "mappedBucketName",
  mapped_prefix: "mappedPrefix",
} as const;
type SnakeField = keyof typeof FIELDS;

const text = (what: string) => z.string({ error: (i) => `${what} must be a string, got ${describe(i.input)}` });

const bucketPatternField = text("the bucket pattern").min(1, "the bucket pattern must not be empty");
const keyPatternField = text("the key pattern");
const mappedBucketField = text("the mapped bucket name").min(1, "the mapped bucket name must not be empty");
const mappedPrefixField = text("the mapped prefix");
const clientField = text("the client name").min(1, "the client name must not be empty");
const copyOnReadField = z.boolean({ error: (i) => `copy_on_read must be true or false, got ${describe(i.input)}` });

/** Fields of a `fallback` or `mirror` block, as (snake_case, camelCase) spellings. */
const TARGET_FIELDS = [
  ["mapped_bucket_name", "mappedBucketName"],
  ["mapped_prefix", "mappedPrefix"],
] as const;
const COPY_ON_READ = ["copy_on_read", "copyOnRead"] as const;

// The schemas below are written field by field, in both spellings, so that the input types are
// derived from them (ProfileInput, TargetInput): a member's documentation is the field's. Each is
// typed with its shape's name so that the published types keep that documentation.

/** A `mirror` block: another store for the profile's keys. */
const targetShape = {
  /** Name of the client (backend) of that store. */
  client: clientField,
  /** Bucket name on that backend. @default the caller's bucket name */
  mapped_bucket_name: mappedBucketField.optional(),
  /** camelCase spelling of `mapped_bucket_name`. */
  mappedBucketName: mappedBucketField.optional(),
  /** Prepended to every key on that backend. @default "" */
  mapped_prefix: mappedPrefixField.optional(),
  /** camelCase spelling of `mapped_prefix`. */
  mappedPrefix: mappedPrefixField.optional(),
};

/** A `fallback` block: a `mirror` block, and whether reads copy what they find there. */
const fallbackShape = {
  ...targetShape,
  /** Whether an object read from the fallback is also copied to the profile's own client. @default false */
  copy_on_read: copyOnReadField.optional(),
  /** camelCase spelling of `copy_on_read`. */
  copyOnRead: copyOnReadField.optional(),
};

const blockError = (what: string) => ({
  error: (i: z.core.$ZodRawIssue) =>
    i.code === "invalid_type" ? `${what} must be an object with a "client", got ${describe(i.input)}` : undefined,
});
const mirrorSchema: z.ZodObject<typeof targetShape, z.core.$strict> = z.strictObject(
  targetShape,
  blockError("a mirror"),
);
const fallbackSchema: z.ZodObject<typeof fallbackShape, z.core.$strict> = z.strictObject(
  fallbackShape,
  blockError("a fallback"),
);

/** One profile, as boto-s3-router writes it (snake_case) or in camelCase: one spelling per field. */
const profileShape = {
  /** Name of the client (backend) that serves this profile. @default the profile's own name */
  client: clientField.optional(),
  /**
   * While data moves to this profile's client: reads that miss there (404) are answered from
   * this backend, listings merge both (this profile's client wins on a key), deletes remove the
   * key from both. With `copy_on_read`, an object read from the fallback is copied over.
   */
  fallback: fallbackSchema.optional(),
  /** Every write (put, copy, multipart completion, delete) also goes to this backend. */
  mirror: mirrorSchema.optional(),
  /** fnmatch glob matched against the request's bucket. Required, in one of its spellings. */
  source_bucket_pattern: bucketPatternField.optional(),
  /** camelCase spelling of `source_bucket_pattern`. */
  sourceBucketPattern: bucketPatternField.optional(),
  /** fnmatch glob matched against the request's key. @default every key of the bucket */
  source_key_pattern: keyPatternField.optional(),
  /** camelCase spelling of `source_key_pattern`. */
  sourceKeyPattern: keyPatternField.optional(),
  /** Bucket name used on the backend. @default the caller's bucket name */
  mapped_bucket_name: mappedBucketField.optional(),
  /** camelCase spelling of `mapped_bucket_name`. */
  mappedBucketName: mappedBucketField.optional(),
  /** Prepended to every key (and listing prefix) on the backend. @default "" */
  mapped_prefix: mappedPrefixField.optional(),
  /** camelCase spelling of `mapped_prefix`. */
  mappedPrefix: mappedPrefixField.optional(),
};

/** One route of the array form: a profile that may carry its name. */
const namedProfileShape = {
  ...profileShape,
  /** The route's name. @default `#<index>` (its position) */
  name: text("the route name").min(1, "the route name must not be empty").optional(),
};

const profileSchema: z.ZodObject<typeof profileShape, z.core.$strict> = z.strictObject(profileShape, {
  error: (i) => (i.code === "invalid_type" ? `a profile must be an object, got ${describe(i.input)}` : undefined),
});
const namedProfileSchema: z.ZodObject<typeof namedProfileShape, z.core.$strict> = z.strictObject(namedProfileShape, {
  error: (i) => (i.code === "invalid_type" ? `a route must be an object, got ${describe(i.input)}` : undefined),
});

/** Input type of one profile (either spelling). */
export type ProfileInput = z.input<typeof profileSchema>;
/** Input type of a `fallback` or `mirror` block. */
export type TargetInput = z.input<typeof mirrorSchema>;
/** Input type of `profiles`: ordered object (Python shape) or array (each route may carry a `name`). */
export type ProfilesInput = Record<string, ProfileInput> | ReadonlyArray<z.input<typeof namedProfileSchema>>;

/**
 * Validates and normalises `profiles` into route specs, in order, recording every problem as an
 * issue. `clientNames` is the set of configured clients; a route naming an unknown one is an issue.
 */
export function normalizeProfiles(
  profiles: unknown,
  clientNames: ReadonlySet<string>,
  path: string,
  issues: ConfigIssue[],
): RouteSpec[] {
  if (profiles === undefined) return [];
  let entries: Array<[name: string, raw: unknown, where: string, schema: z.ZodType]>;
  if (Array.isArray(profiles)) {
    entries = profiles.map((p, i) => {
      const name = isPlainObject(p) && typeof p["name"] === "string" ? p["name"] : `#${i}`;
      return [name, p, `${path}[${i}]`, namedProfileSchema];
    });
  } else if (isPlainObject(profiles)) {
    // JavaScript enumerates integer-like keys first, whatever their written order: first-match-wins
    // would then silently follow another order than the file's.
    const keys = Object.keys(profiles);
    const numeric = keys.filter((k) => /^(0|[1-9]\d*)$/.test(k));
    if (numeric.length > 0 && keys.length > 1) {
      issues.push({
        path,
        message: `profile names ${numeric.map((k) => `"${k}"`).join(", ")} look like array indexes, which JavaScript reorders; rename them or use the array form`,
      });
    }
    entries = Object.entries(profiles).map(([name, p]) => [name, p, `${path}.${name}`, profileSchema]);
  } else {
    issues.push({
      path,
      message: `profiles must be an object of named profiles or an array of routes, got ${describe(profiles)}`,
    });
    return [];
  }

  const specs: RouteSpec[] = [];
  const seen = new Set<string>();
  for (const [name, raw, where, schema] of entries) {
    // Each profile is checked on its own so one bad profile does not hide the others' problems.
    const own: ConfigIssue[] = [];
    if (seen.has(name)) own.push({ path: where, message: `duplicate route name "${name}"` });
    seen.add(name);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) own.push(...zodIssues(parsed.error, where));
    const fields = isPlainObject(raw) ? raw : {};
    const field = (snake: SnakeField): string | undefined => {
      const camel = FIELDS[snake];
      const [a, b] = [fields[snake], fields[camel]];
      if (a !== undefined && b !== undefined)
        own.push({ path: `${where}.${camel}`, message: `both "${snake}" and "${camel}" are set; use one` });
      const value = a ?? b;
      return typeof value === "string" ? value : undefined;
    };
    const bucketPattern = field("source_bucket_pattern");
    const keyPattern = field("source_key_pattern");
    const mappedBucket = field("mapped_bucket_name");
    const mappedPrefix = field("mapped_prefix") ?? "";
    if (isPlainObject(raw) && raw["source_bucket_pattern"] === undefined && raw["sourceBucketPattern"] === undefined) {
      own.push({
        path: `${where}.source_bucket_pattern`,
        message: "required: the bucket pattern (fnmatch glob) this profile serves",
      });
    }
    const explicitClient = fields["client"];
    const client = typeof explicitClient === "string" ? explicitClient : name;
    if (isPlainObject(raw) && !clientNames.has(client)) {
      own.push(
        explicitClient === undefined
          ? {
              path: where,
              message: `no client named "${client}" (a profile uses the client of its own name unless it sets "client"); clients: ${[...clientNames].join(", ")}`,
            }
          : { path: `${where}.client`, message: `unknown client "${client}"; clients: ${[...clientNames].join(", ")}` },
      );
    }
    const spec: RouteSpec = { name, client, bucketPattern: bucketPattern!, keyPattern, mappedBucket, mappedPrefix };
    const fallback = target(fields["fallback"], `${where}.fallback`, spec, clientNames, own);
    const mirror = target(fields["mirror"], `${where}.mirror`, spec, clientNames, own);
    if (fallback && mirror && sameTarget(fallback, mirror)) {
      own.push({
        path: `${where}.mirror`,
        message:
          "the mirror is the fallback itself: a store cannot be both the one data leaves and a copy of the new one",
      });
    }
    issues.push(...own);
    if (own.length === 0 && bucketPattern !== undefined) {
      specs.push({
        ...spec,
        ...(fallback && {
          fallback: {
            ...fallback,
            copyOnRead: readBoth(fields["fallback"], COPY_ON_READ[0], COPY_ON_READ[1]) === true,
          },
        }),
        ...(mirror && { mirror }),
      });
    }
  }
  return specs;
}

/** A `fallback`/`mirror` block normalised, or undefined when absent or malformed (issues recorded by the schema). */
function target(
  raw: unknown,
  where: string,
  primary: RouteSpec,
  clientNames: ReadonlySet<string>,
  own: ConfigIssue[],
): TargetSpec | undefined {
  if (!isPlainObject(raw) || typeof raw["client"] !== "string") return undefined;
  const client = raw["client"];
  if (!clientNames.has(client)) {
    own.push({
      path: `${where}.client`,
      message: `unknown client "${client}"; clients: ${[...clientNames].join(", ")}`,
    });
    return undefined;
  }
  const [bucketSnake, bucketCamel] = TARGET_FIELDS[0];
  const [prefixSnake, prefixCamel] = TARGET_FIELDS[1];
  for (const [snake, camel] of [...TARGET_FIELDS, COPY_ON_READ]) {
    if (raw[snake] !== undefined && raw[camel] !== undefined)
      own.push({ path: `${where}.${camel}`, message: `both "${snake}" and "${camel}" are set; use one` });
  }
  const mappedBucket = readBoth(raw, bucketSnake, bucketCamel);
  const mappedPrefix = readBoth(raw, prefixSnake, prefixCamel) ?? "";
  const spec: TargetSpec = {
    client,
    mappedBucket: typeof mappedBucket === "string" ? mappedBucket : undefined,
    mappedPrefix: typeof mappedPrefix === "string" ? mappedPrefix : "",
  };
  if (sameTarget(spec, primary)) {
    own.push({
      path: where,
      message: `names the profile's own client, bucket and prefix: it must be another store (another client, bucket or mapped prefix)`,
    });
  }
  return spec;
}

/** Whether two places are the same client, bucket and prefix (client names compared as written). */
const sameTarget = (a: TargetSpec, b: TargetSpec): boolean =>
  a.client === b.client && a.mappedBucket === b.mappedBucket && a.mappedPrefix === b.mappedPrefix;

const readBoth = (raw: unknown, snake: string, camel: string): unknown =>
  isPlainObject(raw) ? (raw[snake] ?? raw[camel]) : undefined;

/** Converts zod issues into ours, with dotted paths and "did you mean" hints for unknown fields. */
export function zodIssues(
  error: z.ZodError,
  path: string,
  knownFields: (at: readonly PropertyKey[]) => readonly string[] = profileFieldsAt,
): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    const at = joinPath(path, issue.path);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: joinPath(at, [key]),
        message: unknownFieldMessage(key, knownFields(issue.path)),
      }));
    }
    if (issue.code === "invalid_union") {
      // Report the branch that got furthest instead of zod's generic "invalid input".
      const branches = issue.errors.map((errs) => errs.map((e) => ({ ...e, path: [...issue.path, ...e.path] })));
      const best = branches.sort((a, b) => depth(b) - depth(a))[0];
      if (best && best.length > 0) return zodIssues(new z.ZodError(best), path, knownFields);
    }
    return [{ path: at, message: issue.message }];
  });
}

const ALL_PROFILE_FIELDS = ["client", "name", ...Object.keys(FIELDS), ...Object.values(FIELDS), "fallback", "mirror"];
const TARGET_FIELD_NAMES = ["client", ...TARGET_FIELDS.flatMap(([snake, camel]) => [snake, camel])];
/** Known fields of the profile (or fallback/mirror block) at `at`: only array-form routes may carry a `name`. */
function profileFieldsAt(at: readonly PropertyKey[]): readonly string[] {
  const last = at[at.length - 1];
  if (last === "fallback") return [...TARGET_FIELD_NAMES, COPY_ON_READ[0], COPY_ON_READ[1]];
  if (last === "mirror") return TARGET_FIELD_NAMES;
  return typeof last === "number" ? ALL_PROFILE_FIELDS : ALL_PROFILE_FIELDS.filter((f) => f !== "name");
}

/** "unknown field" with the closest known spelling when the name looks like a typo. */
export function unknownFieldMessage(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  const hint =
    best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean "${best}"?)` : "";
  return `unknown field "${key}"${hint}; known fields: ${known.join(", ")}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

const depth = (issues: readonly z.core.$ZodIssue[]) => Math.max(0, ...issues.map((i) => i.path.length));

function joinPath(base: string, parts: readonly PropertyKey[]): string {
  return parts.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    base,
  );
}

/** Short description of a wrong value for messages: its type, and the value when it is short. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (value === undefined) return "nothing";
  const shown = JSON.stringify(value);
  return `${typeof value} ${shown && shown.length <= 40 ? shown : ""}`.trim();
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
