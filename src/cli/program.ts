/**
 * @module cli/program — the `s3-router` command: `validate` a configuration, `explain` where a
 * name routes, `serve` the gateway, `migrate` what a fallback still holds.
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { loadRouterConfig } from "../config/load-config.js";
import { resolveRouterOptions } from "../config/router-options.js";
import { isConfigError } from "../errors.js";
import { RouteTable } from "../routing/route-table.js";
import { parseGatewaySettings } from "../gateway/gateway-config.js";
import { explain, formatExplanation, parseS3Url } from "./explain.js";

async function routeTableOf(file: string): Promise<RouteTable> {
  const config = await loadRouterConfig(file);
  return new RouteTable(resolveRouterOptions({ clients: config.clients, profiles: config.profiles }).routes);
}

/** Builds the CLI program (exported for tests, which run it without a child process). */
export function program(out: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const cli = new Command("s3-router")
    .description("Route S3 requests to several S3-compatible services by bucket and key pattern.")
    .showHelpAfterError()
    .configureOutput({ writeOut: out })
    // Before any subcommand exists: commander copies this setting to subcommands at creation.
    .exitOverride();

  cli
    .command("validate")
    .description("check a configuration file; prints OK or every problem with its field")
    .argument("<config>", "configuration file (YAML or JSON)")
    .action(async (file: string) => {
      const config = await loadRouterConfig(file);
      const table = new RouteTable(resolveRouterOptions({ clients: config.clients, profiles: config.profiles }).routes);
      const gateway =
        config.gateway === undefined
          ? ""
          : `, gateway: ${parseGatewaySettings(config.gateway, file).users.length} user(s)`;
      const clients = new Set(
        table.routes.flatMap((r) => [r.client, r.fallback?.client, r.mirror?.client]).filter((c) => c !== undefined),
      );
      const migrating = table.routes.filter((r) => r.fallback || r.mirror).length;
      const modes = migrating === 0 ? "" : `, ${migrating} with a fallback or mirror`;
      out(
        `OK: ${file} — ${table.routes.length - 1} profile(s)${modes}, clients: ${[...clients].join(", ")}${gateway}\n`,
      );
    });

  cli
    .command("explain")
    .description(
      "show which profile, client and physical bucket/key a name routes to, and which routes a listing of it spans",
    )
    .argument("<config>", "configuration file (YAML or JSON)")
    .argument("<address>", "s3://bucket/key or s3://bucket/prefix")
    .option("--json", "print JSON")
    .action(async (file: string, address: string, options: { json?: boolean }) => {
      const table = await routeTableOf(file);
      const { bucket, key } = parseS3Url(address);
      const explanation = explain(table, bucket, key);
      out(options.json ? `${JSON.stringify(explanation, null, 2)}\n` : `${formatExplanation(explanation)}\n`);
    });
  cli
    .command("serve")
    .description(
      "run the S3 gateway: any S3 client pointed at it gets the routing (no --config: an embedded demo on two local S3 servers)",
    )
    .option("-c, --config <file>", "configuration file with clients, profiles and a gateway section")
    .option("-l, --listen <host:port>", "address to listen on (overrides gateway.listen)")
    .action(async (options: { config?: string; listen?: string }) => {
      const { serve } = await import("./serve.js");
      await serve(options, out);
    });
  cli
    .command("migrate")
    .description(
      "copy what the fallbacks of the profiles under an address still hold into their primaries (never overwrites; rerun to resume)",
    )
    .argument("<config>", "configuration file (YAML or JSON)")
    .argument("<address>", "s3://bucket/prefix (the caller's names)")
    .option("--concurrency <n>", "objects copied at once", positiveInteger, 8)
    .option("--dry-run", "list and compare only; write nothing, report what would be copied")
    .option("--json", "print the final report as JSON")
    .option("-q, --quiet", "no progress display")
    .action(
      async (
        file: string,
        address: string,
        options: { concurrency: number; dryRun?: boolean; json?: boolean; quiet?: boolean },
      ) => {
        const { migrateCommand } = await import("./migrate.js");
        await migrateCommand(file, address, options, out);
      },
    );
  return cli;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1000)
    throw new InvalidArgumentError("expected a whole number from 1 to 1000");
  return n;
}

/** Runs the CLI; returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`${isConfigError(error) ? error.message : `error: ${(error as Error).message}`}\n`);
    return isConfigError(error) ? 1 : 2;
  }
}
