/**
 * @module bench/harness/report-writer — results.json (merged: a run of some sections keeps the
 * others' last results), report.md and the SVG charts, all under docs/benchmarks/. The report
 * and charts are rendered from results.json alone.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SectionRecord, TargetCheck } from "./section.js";
import { renderChart } from "./svg-chart.js";
import { tableToMarkdown } from "./text-table.js";

/** The content of results.json. */
export interface ResultsFile {
  readonly schema: 1;
  readonly updatedAt: string;
  /** By section id, in the order sections are reported. */
  readonly sections: Readonly<Record<string, SectionRecord>>;
}

const CHARTS_DIR = "charts";

export async function loadResults(dir: string): Promise<ResultsFile | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, "results.json"), "utf8")) as Partial<ResultsFile>;
    return parsed.schema === 1 && typeof parsed.sections === "object" && parsed.sections !== null
      ? (parsed as ResultsFile)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `previous` with `records` replacing the sections they share, in `order`. */
export function mergeResults(
  previous: ResultsFile | undefined,
  records: readonly SectionRecord[],
  order: readonly string[],
): ResultsFile {
  const all: Record<string, SectionRecord> = { ...(previous?.sections ?? {}) };
  for (const r of records) all[r.id] = r;
  const ids = Object.keys(all).sort((a, b) => rank(a, order) - rank(b, order));
  return {
    schema: 1,
    updatedAt: new Date().toISOString(),
    sections: Object.fromEntries(ids.map((id) => [id, all[id]!])),
  };
}

const rank = (id: string, order: readonly string[]) => (order.includes(id) ? order.indexOf(id) : order.length);

/** Writes results.json, report.md and every chart. Returns the paths written. */
export async function writeReport(dir: string, results: ResultsFile): Promise<string[]> {
  await mkdir(join(dir, CHARTS_DIR), { recursive: true });
  const written: string[] = [];
  const put = async (path: string, text: string) => {
    await writeFile(path, text);
    written.push(path);
  };
  await put(join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  for (const section of Object.values(results.sections)) {
    for (const chart of section.charts) await put(join(dir, CHARTS_DIR, chart.file), renderChart(chart));
  }
  await put(join(dir, "report.md"), renderMarkdown(results));
  return written;
}

const anchor = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");

/** Other processes used a good share of the CPUs while the section ran. */
const busy = (s: SectionRecord): boolean =>
  Math.max(s.machine.loadAverage1m, s.loadAverage1mAfter) > s.machine.cores * 0.75;

const verdict = (t: TargetCheck) => (t.met === undefined ? "—" : t.met ? "✅ met" : "❌ missed");

export function renderMarkdown(results: ResultsFile): string {
  const sections = Object.values(results.sections);
  const out: string[] = [
    "# s3-router benchmarks",
    "",
    "Measurements, not assertions: the suite reports against its targets and never fails on a number.",
    "Each section states the machine, mode and exact command of the run that produced it.",
    "",
    ...sections.map((s) => `- [${s.title}](#${anchor(s.title)}) — ${s.mode} run, ${s.startedAt.slice(0, 10)}`),
    "",
  ];
  for (const s of sections) {
    const m = s.machine;
    out.push(
      `## ${s.title}`,
      "",
      `**Run:** ${s.mode} mode, ${s.startedAt.replace("T", " ").slice(0, 16)} UTC, ${(s.durationMs / 1000).toFixed(0)} s — \`${s.command}\``,
      "",
      `**Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node} (V8 ${m.v8}); ${m.os}; ` +
        `1-min load ${m.loadAverage1m} at start, ${s.loadAverage1mAfter ?? "n/a"} at end${busy(s) ? " — **the machine was busy with other work during this run**; interleaving spreads it over both sides of each comparison, but absolute numbers are pessimistic" : ""}`,
      "",
      `**Method.** ${s.method}`,
      "",
    );
    if (s.targets.length > 0) {
      out.push("**Targets** (reported, not enforced):", "", "| target | measured | |", "| :--- | :--- | :--- |");
      for (const t of s.targets) out.push(`| ${t.target} | ${t.measured} | ${verdict(t)} |`);
      out.push("");
    }
    for (const table of s.tables) out.push(`### ${table.title}`, "", tableToMarkdown(table), "");
    for (const chart of s.charts) out.push(`![${chart.title}](${CHARTS_DIR}/${chart.file})`, "");
    if (s.notes.length > 0) {
      out.push("**Notes**", "");
      for (const n of s.notes) out.push(`- ${n}`);
      out.push("");
    }
  }
  out.push(
    "## Running",
    "",
    "```sh",
    "npx tsx bench/run.ts                   # full: routing up to 100k profiles, library against Ceph RGW (a few minutes)",
    "npx tsx bench/run.ts --quick           # quick: up to 10k profiles, library against s3rver (about a minute)",
    "npx tsx bench/run.ts --only routing    # one section; the others keep their last results",
    "```",
    "",
    "Results land in `docs/benchmarks/results.json`; this report and `charts/*.svg` are rendered from it.",
    "The heap figures need a full GC: the runner uses `global.gc` when node runs with `--expose-gc`",
    "(`npx tsx --expose-gc bench/run.ts`) and otherwise enables it at start-up through `v8.setFlagsFromString`.",
    "",
  );
  return out.join("\n");
}
