/**
 * @module client/command-kind — which of the router's few shapes an SDK command has: the shape
 * decides how its input names buckets and keys and how its output names them back. The shape of
 * every S3 operation is a fact of the operation registry; a command the registry does not know
 * (a newer SDK's) is routed by the names its input carries.
 */

import * as sdk from "@aws-sdk/client-s3";
import { operationSpec, type CommandKind } from "../operations/registry.js";

export type { CommandKind };

/** Shapes that depend on the operation, not on the names its input carries. */
const SPECIAL: ReadonlySet<CommandKind> = new Set(["list", "copy", "delete-batch", "list-buckets"]);

/** The kind of a command, from its class name and the names its input carries. */
export function commandKind(name: string, input: Readonly<Record<string, unknown>>): CommandKind {
  const kind = operationSpec(name)?.kind;
  if (kind !== undefined && SPECIAL.has(kind)) return kind;
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

const COMMAND_NAMES = new Map<unknown, string>(
  Object.entries(sdk)
    .filter(([name, value]) => name.endsWith("Command") && typeof value === "function")
    .map(([name, value]) => [value, name]),
);

/** The operation name of a command class (`GetObjectCommand` → `GetObject`), for messages. */
export const operationName = (commandName: string): string => commandName.replace(/Command$/, "");
