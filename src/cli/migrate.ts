/**
 * @module cli/migrate — `s3-router migrate <config> s3://bucket/prefix`: runs {@link migrate} on a
 * configuration file, with a progress display (one line redrawn in place on a terminal, plain
 * lines every few seconds otherwise) and a final report; exits non-zero when anything failed.
 */
import { CommanderError } from "commander";
import { createS3Router } from "../client/create-router.js";
import { loadRouterConfig } from "../config/load-config.js";
import {
  MAX_REPORTED_FAILURES,
  migrate,
  type MigrateProgress,
  type MigrateReport,
  type Rate,
} from "../migration/bulk-migrate.js";
import { parseS3Url } from "./explain.js";

/** Options of the migrate command. */
export interface MigrateCommandOptions {
  /** Objects copied at once. @default 8 */
  readonly concurrency?: number;
  readonly dryRun?: boolean;
  /** Print the final report as JSON. */
  readonly json?: boolean;
  /** No progress display. */
  readonly quiet?: boolean;
}

/** Where progress goes: a terminal (redrawn in place) or anything else (plain lines). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Exit code of a run in which some object (or listing) failed. */
export const EXIT_FAILED = 3;
/** Exit code of a run stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;
/** Failed keys a human report lists; `--json` lists up to {@link MAX_REPORTED_FAILURES}. */
const LISTED_FAILURES = 50;
/** Between two plain progress lines: a log file gets a line every so often, not a flood. */
const PLAIN_INTERVAL_MS = 2000;
/** Terminal redraws; ~5 a second reads as live without costing anything. */
const TTY_INTERVAL_MS = 200;

/**
 * Runs the migrate command. Progress goes to `progress` (stderr), the report to `out` (stdout), so
 * `--json > report.json` keeps a clean file while the terminal shows progress.
 * @throws CommanderError with {@link EXIT_FAILED} or {@link EXIT_INTERRUPTED} after printing the
 *   report, so that `run()` exits with that code without printing anything more.
 * @example
 * ```sh
 * s3-router migrate router.yaml s3://example-bucket/team2/ --concurrency 16
 * ```
 */
export async function migrateCommand(
  file: string,
  address: string,
  options: MigrateCommandOptions,
  out: (text: string) => void,
  progress: ProgressStream = process.stderr,
): Promise<void> {
  const { bucket, key: prefix } = parseS3Url(address);
  const router = createS3Router(await loadRouterConfig(file));
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      // The operator insists: copies cut here leave no partial object (a PUT cut short is
      // discarded), at worst a whole one the next run reports as present.
      progress.write(`\n${signal}: quitting now; run the same command again to resume\n`);
      // Die of the signal itself (exit status 128 + its number), as a shell expects.
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.kill(process.pid, signal);
      return;
    }
    progress.write(`\n${signal}: stopping after the copies under way (${signal} again to quit at once)\n`);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const display = options.quiet ? undefined : progressDisplay(progress);
  let report: MigrateReport;
  try {
    report = await migrate(router, {
      bucket,
      prefix,
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      dryRun: options.dryRun === true,
      signal: stop.signal,
      ...(display && {
        onProgress: display,
        progressInterval: progress.isTTY ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS / 4,
      }),
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    router.destroy();
  }
  out(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (report.interrupted) {
    throw new CommanderError(EXIT_INTERRUPTED, "s3-router.migrate.interrupted", "interrupted");
  }
  if (report.failed.objects > 0 || report.failed.errors.length > 0) {
    progress.write(`error: ${failureSummary(report)}; run the same command again to retry them\n`);
    throw new CommanderError(EXIT_FAILED, "s3-router.migrate.failed", failureSummary(report));
  }
}

/**
 * A progress display on `stream`: on a terminal, one line redrawn in place (carriage return,
 * then erase to the end of the line) at every call; otherwise a plain line every
 * {@link PLAIN_INTERVAL_MS} of the run, and the last one.
 */
export function progressDisplay(stream: ProgressStream): (progress: MigrateProgress) => void {
  if (stream.isTTY) {
    return (p) => {
      // A line longer than the terminal wraps, and `\r` would then redraw only its last row.
      const width = Math.max(20, (stream.columns || 80) - 1);
      stream.write(`\rmigrate: ${formatProgressLine(p, width - "migrate: ".length)}\x1b[K${p.finished ? "\n" : ""}`);
    };
  }
  let last = -Infinity;
  return (p) => {
    if (!p.finished && p.elapsedMs - last < PLAIN_INTERVAL_MS) return;
    last = p.elapsedMs;
    stream.write(`migrate: ${formatProgressLine(p)}\n`);
  };
}

/**
 * One line of progress, at most `width` characters: when it is too long, the least telling parts
 * go first (the counts, then objects a second…), never the objects done. While listing, the total
 * is not known: it shows what was found so far and no ETA.
 * @example
 * ```ts
 * formatProgressLine(p);
 * // "120/300 objects (40%) · 45.0/150.0 MiB · 12.0 MiB/s · 42 obj/s · ETA 9s · copied 100, present 20"
 * ```
 */
export function formatProgressLine(p: MigrateProgress, width = Infinity): string {
  /** [text, rank]: the highest rank is dropped first. */
  const parts: Array<[string, number]> = [];
  if (p.total === undefined) {
    parts.push(
      [`listing… ${p.listed.objects} objects found (${formatBytes(p.listed.bytes)})`, 0],
      [`${p.done.objects} done`, 1],
    );
  } else {
    const percent = p.total.objects === 0 ? 100 : Math.floor((100 * p.done.objects) / p.total.objects);
    parts.push(
      [`${p.done.objects}/${p.total.objects} objects (${percent}%)`, 0],
      [formatBytesOf(p.done.bytes, p.total.bytes), 1],
    );
  }
  if (!p.dryRun) {
    parts.push([p.rate ? `${formatBytes(p.rate.bytesPerSecond)}/s` : "rate –", 2]);
    if (p.rate) parts.push([`${formatCount(p.rate.objectsPerSecond)} obj/s`, 4]);
  }
  if (p.finished) parts.push([`${p.interrupted ? "stopped after" : "done in"} ${formatElapsed(p.elapsedMs)}`, 1]);
  else if (p.total !== undefined)
    parts.push([`ETA ${p.etaSeconds === undefined ? "–" : formatDuration(p.etaSeconds)}`, 3]);
  const counts = [`${p.dryRun ? "to copy" : "copied"} ${p.copied.objects}`, `present ${p.present}`];
  if (p.newer > 0) counts.push(`newer ${p.newer}`);
  if (p.gone > 0) counts.push(`gone ${p.gone}`);
  parts.push([counts.join(", "), 5]);
  if (p.failed > 0) parts.push([`failed ${p.failed}`, 1]);
  const line = () => parts.map(([text]) => text).join(" · ");
  while (parts.length > 1 && line().length > width) {
    const drop = parts.reduce((worst, part, i) => (part[1] >= parts[worst]![1] ? i : worst), 0);
    parts.splice(drop, 1);
  }
  return fit(line(), width);
}

/** `done/total` bytes, the unit once when both share it: `45.0/150.0 MiB`. */
function formatBytesOf(done: number, total: number): string {
  const d = formatBytes(done);
  const t = formatBytes(total);
  const unit = (text: string) => text.slice(text.indexOf(" "));
  return unit(d) === unit(t) ? `${d.slice(0, d.indexOf(" "))}/${t}` : `${d}/${t}`;
}

/**
 * Bytes and objects a second; "rate –" before a rate is known.
 * @example
 * ```ts
 * formatRate({ objectsPerSecond: 42.4, bytesPerSecond: 12.5 * 2 ** 20 }); // "12.5 MiB/s · 42 obj/s"
 * ```
 */
export function formatRate(rate: Rate | undefined): string {
  if (!rate) return "rate –";
  return `${formatBytes(rate.bytesPerSecond)}/s · ${formatCount(rate.objectsPerSecond)} obj/s`;
}

/** A count a second: whole from 10 on, else with a decimal (0.4 obj/s is not "0"). */
const formatCount = (perSecond: number): string =>
  perSecond >= 9.95 ? Math.round(perSecond).toString() : perSecond.toFixed(1);

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/**
 * A byte count in binary units, one decimal past bytes.
 * @example
 * ```ts
 * formatBytes(1536); // "1.5 KiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  // Compare the value as it will print: 1023.96 KiB must read "1.0 MiB", not "1024.0 KiB".
  const shown = () => (unit === 0 ? Math.round(value) : Number(value.toFixed(1)));
  while (shown() >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * A duration in seconds as `42s`, `3m05s` or `2h07m`.
 * @example
 * ```ts
 * formatDuration(185); // "3m05s"
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
}

/**
 * How long a run took: tenths of a second under a minute (a short run is not "0s"), else as
 * {@link formatDuration}.
 * @example
 * ```ts
 * formatElapsed(3400); // "3.4s"
 * ```
 */
export const formatElapsed = (ms: number): string =>
  ms < 59_950 ? `${(Math.max(0, ms) / 1000).toFixed(1)}s` : formatDuration(ms / 1000);

const pad = (n: number) => n.toString().padStart(2, "0");

/** `text` cut to `width` characters, with an ellipsis when cut. */
const fit = (text: string, width: number): string => (text.length <= width ? text : `${text.slice(0, width - 1)}…`);

/**
 * The final report for a person: what each profile moved from where to where, the counts, and
 * the failed keys (the first {@link LISTED_FAILURES}).
 */
export function formatReport(r: MigrateReport): string {
  const where = `s3://${r.bucket}/${r.prefix}`;
  const seconds = r.elapsedMs / 1000;
  const lines = [
    r.dryRun
      ? `dry run of ${where}: nothing written (${formatElapsed(r.elapsedMs)})`
      : `${r.interrupted ? "interrupted" : "migrated"} ${where} in ${formatElapsed(r.elapsedMs)}`,
  ];
  for (const route of r.routes) {
    lines.push(
      `  profile ${route.profile}: client ${route.from.client} s3://${route.from.bucket}/${route.from.prefix} → client ${route.to.client} s3://${route.to.bucket}/${route.to.prefix}`,
    );
  }
  const row = (label: string, objects: number, bytes: number | undefined, note = "") =>
    `  ${label.padEnd(16)}${objects.toString().padStart(9)} ${objects === 1 ? "object " : "objects"}${bytes === undefined ? "".padStart(13) : formatBytes(bytes).padStart(13)}${note ? `   ${note}` : ""}`;
  lines.push(row("listed", r.listed.objects, r.listed.bytes, "on the fallback, served by the profile"));
  lines.push(row(r.dryRun ? "to copy" : "copied", r.copied.objects, r.copied.bytes));
  lines.push(row("already present", r.present.objects, r.present.bytes, "same object on the primary"));
  if (r.newer.objects > 0)
    lines.push(row("kept newer", r.newer.objects, r.newer.bytes, "the primary holds another version: not overwritten"));
  if (r.gone.objects > 0) lines.push(row("gone", r.gone.objects, undefined, "deleted from the fallback meanwhile"));
  lines.push(row("failed", r.failed.objects, r.failed.objects > 0 ? r.failed.bytes : undefined));
  if (r.skipped > 0)
    lines.push(
      `  ${"skipped".padEnd(16)}${r.skipped.toString().padStart(9)} ${r.skipped === 1 ? "key    " : "keys   "}${"".padStart(13)}   served by another profile`,
    );
  if (!r.dryRun && r.copied.bytes > 0 && seconds > 0)
    lines.push(`  ${"throughput".padEnd(16)}${`${formatBytes(r.copied.bytes / seconds)}/s`.padStart(30)}`);
  if (r.interrupted) lines.push("  stopped before the end: run the same command again to resume");
  for (const note of r.notes) lines.push(`note: ${note}`);
  if (r.failed.errors.length > 0) {
    lines.push("failed:");
    for (const f of r.failed.errors.slice(0, LISTED_FAILURES)) {
      lines.push(
        `  ${f.stage === "list" ? `listing s3://${r.bucket}/${f.key} (profile ${f.route})` : f.key}  ${f.error}`,
      );
    }
    const more =
      r.failed.objects +
      r.failed.errors.filter((f) => f.stage === "list").length -
      Math.min(LISTED_FAILURES, r.failed.errors.length);
    if (more > 0) lines.push(`  … and ${more} more (--json lists up to ${MAX_REPORTED_FAILURES})`);
  }
  return `${lines.map((line) => line.trimEnd()).join("\n")}\n`;
}

function failureSummary(r: MigrateReport): string {
  const listings = r.failed.errors.filter((f) => f.stage === "list").length;
  const parts = [];
  if (r.failed.objects > 0) parts.push(`${r.failed.objects} object(s) failed to copy`);
  if (listings > 0) parts.push(`${listings} fallback listing(s) failed`);
  return parts.join(" and ");
}
