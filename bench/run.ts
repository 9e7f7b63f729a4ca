/**
 * @module bench/run — the benchmark runner: runs the selected sections, prints a table per
 * section, and writes docs/benchmarks/results.json, report.md and charts/*.svg.
 *
 *   tsx bench/run.ts                      full run (routing to 100k profiles; library on Ceph RGW)
 *   tsx bench/run.ts --quick              quick run (routing to 10k profiles; library on s3rver)
 *   tsx bench/run.ts --only routing       only some sections (comma-separated); the others keep
 *                                         their last results in results.json
 *
 * Benchmarks report against their targets and never fail on a number. The run fails only when a
 * measurement is void (e.g. the index and the linear scan disagree on a route) or crashes.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gatewaySection } from "./gateway/gateway-section.js";
import { librarySection } from "./library/library-section.js";
import { machineInfo } from "./harness/machine-info.js";
import { migrationSection } from "./migration/migration-section.js";
import { loadResults, mergeResults, writeReport } from "./harness/report-writer.js";
import type { BenchContext, BenchMode, BenchSection, SectionRecord } from "./harness/section.js";
import { tableToText } from "./harness/text-table.js";
import { globSection } from "./routing/glob-section.js";
import { RoutingMismatchError, routingSection } from "./routing/routing-section.js";

/** Every section, in report order. */
const SECTIONS: readonly BenchSection[] = [
  routingSection,
  globSection,
  librarySection,
  gatewaySection,
  migrationSection,
];

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT_DIR = resolve(ROOT, "docs/benchmarks");

interface Args {
  readonly mode: BenchMode;
  readonly only: readonly string[] | undefined;
}

function parseArgs(argv: readonly string[]): Args | "help" {
  let mode: BenchMode = "full";
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") mode = "quick";
    else if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const value = arg === "--only" ? argv[++i] : arg.slice("--only=".length);
      if (!value) throw new UsageError("--only needs a section name");
      only = [
        ...(only ?? []),
        ...value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      ];
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  const known = SECTIONS.map((s) => s.id);
  const unknown = (only ?? []).filter((id) => !known.includes(id));
  if (unknown.length > 0)
    throw new UsageError(`unknown section ${unknown.map((u) => `"${u}"`).join(", ")}; sections: ${known.join(", ")}`);
  return { mode, only };
}

class UsageError extends Error {
  override name = "UsageError" as const;
}

const USAGE = `usage: tsx bench/run.ts [--quick] [--only ${SECTIONS.map((s) => s.id).join("|")}[,…]]

  --quick   shorter run: routing up to 10k profiles, library against s3rver (< 2 min)
  --only    run only these sections; results.json keeps the others' last results
Writes ${relative(process.cwd(), OUT_DIR) || "."}/results.json, report.md and charts/*.svg.`;

/** A full garbage collection: node's own with --expose-gc, else enabled now through V8 flags. */
function obtainGc(): { gc: () => void; source: string } {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return { gc: () => exposed(), source: "--expose-gc" };
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return { gc, source: "v8.setFlagsFromString('--expose-gc')" };
}

/** The command line as the user would retype it. */
function invocation(): string {
  const args = process.argv.slice(2).join(" ");
  const tail = args ? ` ${args}` : "";
  if (process.env["npm_lifecycle_event"] === "bench") return `npm run bench${args ? ` --${tail}` : ""}`;
  const script = relative(process.cwd(), process.argv[1] ?? "bench/run.ts") || "bench/run.ts";
  const exec = process.execArgv;
  const viaTsxCli = exec.some((a) => a.includes("tsx") && a.includes("preflight"));
  const flags: string[] = [];
  for (let i = 0; i < exec.length; i++) {
    const a = exec[i]!;
    // Drop the loader flags the tsx CLI adds itself.
    if (viaTsxCli && (a === "--require" || a === "--import") && exec[i + 1]?.includes("tsx")) {
      i++;
      continue;
    }
    flags.push(a);
  }
  const env = process.env["NODE_OPTIONS"] ? `NODE_OPTIONS='${process.env["NODE_OPTIONS"]}' ` : "";
  const runner = viaTsxCli ? "tsx" : "node";
  return `${env}${[runner, ...flags, script].join(" ")}${tail}`;
}

async function main(): Promise<number> {
  // The SDK warns on every Node < 22 process; in benchmark output that is only noise.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  let args: Args | "help";
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const { gc, source: gcSource } = obtainGc();
  const command = invocation();
  const machine = machineInfo();
  const runStart = performance.now();
  const elapsed = () => `${((performance.now() - runStart) / 1000).toFixed(1).padStart(5)} s`;
  const ctx: BenchContext = { mode: args.mode, gc, log: (m) => process.stderr.write(`[bench ${elapsed()}] ${m}\n`) };
  const selected = SECTIONS.filter((s) => args.only === undefined || args.only.includes(s.id));

  process.stdout.write(
    `s3-router benchmarks — ${args.mode} run: ${selected.map((s) => s.id).join(", ")}\n` +
      `command: ${command}\n` +
      `machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.os}; gc via ${gcSource}\n\n`,
  );

  const records: SectionRecord[] = [];
  let failed = false;
  for (const section of selected) {
    ctx.log(`${section.id}: start`);
    const startedAt = new Date().toISOString();
    const sectionMachine = machineInfo();
    const t0 = performance.now();
    try {
      const outcome = await section.run(ctx);
      const record: SectionRecord = {
        id: section.id,
        title: section.title,
        mode: args.mode,
        startedAt,
        durationMs: Math.round(performance.now() - t0),
        command,
        machine: sectionMachine,
        loadAverage1mAfter: machineInfo().loadAverage1m,
        gcSource,
        ...outcome,
      };
      records.push(record);
      printSection(record);
    } catch (error) {
      if (error instanceof RoutingMismatchError) {
        process.stderr.write(
          `\nABORTED: ${error.message}\nNo results written: a benchmark whose two sides disagree measures nothing.\n`,
        );
        return 1;
      }
      failed = true;
      process.stderr.write(
        `\n${section.id} FAILED (its previous results, if any, are kept):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n\n`,
      );
    }
  }

  if (records.length > 0) {
    const results = mergeResults(
      await loadResults(OUT_DIR),
      records,
      SECTIONS.map((s) => s.id),
    );
    const written = await writeReport(OUT_DIR, results);
    process.stdout.write(`wrote ${written.map((p) => relative(process.cwd(), p)).join(", ")}\n`);
  }
  process.stdout.write(`total ${elapsed().trim()}\n`);
  return failed ? 1 : 0;
}

function printSection(record: SectionRecord): void {
  const lines = [`== ${record.title} (${record.mode}, ${(record.durationMs / 1000).toFixed(1)} s) ==`, ""];
  for (const t of record.targets) {
    const mark = t.met === undefined ? "    " : t.met ? "[ok]" : "[--]";
    lines.push(`${mark} ${t.target}: ${t.measured}`);
  }
  if (record.targets.length > 0) lines.push("");
  for (const table of record.tables) lines.push(tableToText(table), "");
  for (const note of record.notes.filter((n) => /not available|fallback/i.test(n))) lines.push(`note: ${note}`, "");
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
