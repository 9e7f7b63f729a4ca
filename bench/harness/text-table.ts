/**
 * @module bench/harness/text-table — a {@link ResultTable} as aligned console text and as a
 * Markdown table.
 */
import type { ResultTable } from "./section.js";

const width = (s: string): number => [...s].length;
const pad = (s: string, n: number, align: "left" | "right"): string =>
  align === "right" ? " ".repeat(Math.max(0, n - width(s))) + s : s + " ".repeat(Math.max(0, n - width(s)));

export function tableToText(table: ResultTable): string {
  const aligns = table.columns.map((c) => c.align ?? "right");
  const widths = table.columns.map((c, i) => Math.max(width(c.header), ...table.rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: readonly string[]) => cells.map((cell, i) => pad(cell, widths[i]!, aligns[i]!)).join("  ");
  return [
    table.title,
    line(table.columns.map((c) => c.header)),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...table.rows.map((r) => line(table.columns.map((_, i) => r[i] ?? ""))),
  ].join("\n");
}

export function tableToMarkdown(table: ResultTable): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const aligns = table.columns.map((c) => ((c.align ?? "right") === "right" ? "---:" : ":---"));
  return [
    `| ${table.columns.map((c) => cell(c.header)).join(" | ")} |`,
    `| ${aligns.join(" | ")} |`,
    ...table.rows.map((r) => `| ${table.columns.map((_, i) => cell(r[i] ?? "")).join(" | ")} |`),
  ].join("\n");
}
