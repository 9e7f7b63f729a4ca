/**
 * @module config/env-interpolation — `${VAR}` in config-file strings, read from the environment
 * after parsing (so a value can never inject YAML structure). `$${` writes a literal `${`.
 */
import type { ConfigIssue } from "../errors.js";

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{([^}]*)\}?/g;

/**
 * Returns a copy of `value` with every `${VAR}` in its strings replaced; a missing variable or a
 * malformed reference is recorded as an issue naming the field and the variable.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path: string, issues: ConfigIssue[]): unknown {
  if (typeof value === "string") {
    return value.replace(REFERENCE, (match, name: string | undefined, bad: string | undefined) => {
      if (match === "$${") return "${";
      if (name !== undefined) {
        const found = env[name];
        if (found === undefined) issues.push({ path, message: `environment variable ${name} is not set` });
        return found ?? "";
      }
      issues.push({
        path,
        message: `malformed reference "${match}": write \${NAME} with a letter, digit or _ name, or $\${ for a literal`,
      });
      return bad ?? "";
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${path}[${i}]`, issues));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, path ? `${path}.${k}` : k, issues)]),
    );
  }
  return value;
}
