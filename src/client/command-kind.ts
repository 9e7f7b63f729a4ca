/**
 * @module client/command-kind — which of the router's few shapes an SDK command has: the shape
 * decides how its input names buckets and keys and how its output names them back.
 */

import * as sdk from "@aws-sdk/client-s3";

/**
 * - `object`: one key of one bucket (`Bucket` + `Key`): GetObject, PutObject, UploadPart, ListParts…
 * - `bucket`: the bucket itself (`Bucket`, no `Key`): HeadBucket, CreateBucket, Get/PutBucket*…
 * - `list`: keys under a `Prefix`: ListObjects(V2), ListObjectVersions, ListMultipartUploads.
 * - `copy`: a destination key plus a `CopySource`: CopyObject, UploadPartCopy.
 * - `delete-batch`: many keys of one bucket: DeleteObjects.
 * - `list-buckets`: ListBuckets, answered from every backend.
 * - `account`: no bucket at all (ListDirectoryBuckets, WriteGetObjectResponse…): the default client.
 */
export type CommandKind = "object" | "bucket" | "list" | "copy" | "delete-batch" | "list-buckets" | "account";

const LISTINGS = new Set(["ListObjectsCommand", "ListObjectsV2Command", "ListObjectVersionsCommand", "ListMultipartUploadsCommand"]);
const COPIES = new Set(["CopyObjectCommand", "UploadPartCopyCommand"]);

/** The kind of a command, from its class name and the names its input carries. */
export function commandKind(name: string, input: Readonly<Record<string, unknown>>): CommandKind {
  if (LISTINGS.has(name)) return "list";
  if (COPIES.has(name)) return "copy";
  if (name === "DeleteObjectsCommand") return "delete-batch";
  if (name === "ListBucketsCommand") return "list-buckets";
  if (typeof input["Bucket"] !== "string") return "account";
  return typeof input["Key"] === "string" ? "object" : "bucket";
}

/**
 * The class name of an SDK command, by identity with the SDK's exports: bundlers that minify
 * rename classes, and routing must not depend on `constructor.name`.
 */
export function commandName(command: object): string {
  const ctor = command.constructor as (new (...args: never[]) => object) & { name: string };
  return COMMAND_NAMES.get(ctor) ?? ctor.name;
}

const COMMAND_NAMES = new Map<unknown, string>(Object.entries(sdk).filter(([name, value]) => name.endsWith("Command") && typeof value === "function").map(([name, value]) => [value, name]));

/** The operation name of a command class (`GetObjectCommand` → `GetObject`), for messages. */
export const operationName = (commandName: string): string => commandName.replace(/Command$/, "");
