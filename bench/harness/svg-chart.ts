/**
 * @module bench/harness/svg-chart — a small, dependency-free SVG chart renderer for the report:
 * line charts (linear or log axes, optional reference lines for targets) and grouped bar charts.
 * Specs are plain JSON, stored in results.json, so charts can be re-rendered without re-running.
 * The SVG has a white background and inline styles, so it reads the same on GitHub's light and
 * dark themes and in any viewer.
 */

export interface LineSeries {
  readonly name: string;
  /** [x, y] pairs; points with a non-positive value on a log axis are skipped. */
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly dashed?: boolean;
}

export interface LineChartSpec {
  readonly kind: "line";
  /** File name under the charts directory, e.g. `routing-resolve.svg`. */
  readonly file: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xScale: "linear" | "log";
  readonly yScale: "linear" | "log";
  readonly series: readonly LineSeries[];
  /** Horizontal reference lines, e.g. a target. */
  readonly guides?: ReadonlyArray<{ readonly y: number; readonly label: string }>;
}

export interface BarChartSpec {
  readonly kind: "bar";
  readonly file: string;
  readonly title: string;
  readonly yLabel: string;
  readonly categories: readonly string[];
  /** One value per category; `null` draws nothing and labels the slot "n/a". */
  readonly series: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<number | null> }>;
}

export type ChartSpec = LineChartSpec | BarChartSpec;

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { left: 78, right: 200, top: 48, bottom: 62 } as const;
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Colour-blind-safe palette (Okabe–Ito). */
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
const FONT = "font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif";

export function renderChart(spec: ChartSpec): string {
  return spec.kind === "line" ? renderLineChart(spec) : renderBarChart(spec);
}

// ---------------------------------------------------------------------------------------------
// Scales

interface Scale {
  readonly toPx: (v: number) => number;
  readonly ticks: readonly number[];
}

function logScale(values: readonly number[], pxFrom: number, pxTo: number): Scale {
  const positive = values.filter((v) => v > 0);
  let lo = Math.floor(Math.log10(Math.min(...positive)));
  let hi = Math.ceil(Math.log10(Math.max(...positive)));
  if (hi === lo) hi = lo + 1;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  const ticks: number[] = [];
  const fewDecades = hi - lo <= 2;
  for (let e = lo; e <= hi; e++) {
    for (const m of fewDecades ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e;
      if (v <= 10 ** hi) ticks.push(v);
    }
  }
  return {
    toPx: (v) => pxFrom + ((Math.log10(v) - lo) / (hi - lo)) * (pxTo - pxFrom),
    ticks,
  };
}

function linearScale(values: readonly number[], pxFrom: number, pxTo: number, fromZero: boolean): Scale {
  let lo = fromZero ? 0 : Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) hi = lo + 1;
  const step = niceStep((hi - lo) / 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { toPx: (v) => pxFrom + ((v - lo) / (hi - lo)) * (pxTo - pxFrom), ticks };
}

function niceStep(raw: number): number {
  const e = 10 ** Math.floor(Math.log10(raw));
  const f = raw / e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

/** 1200 → "1.2k", 0.25 → "0.25", 100000 → "100k". */
export function formatCompact(v: number): string {
  const abs = Math.abs(v);
  const trim = (x: number) => String(Number(x.toPrecision(3)));
  if (abs >= 1e9) return `${trim(v / 1e9)}G`;
  if (abs >= 1e6) return `${trim(v / 1e6)}M`;
  if (abs >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

// ---------------------------------------------------------------------------------------------
// SVG pieces

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r1 = (v: number): string => String(Math.round(v * 10) / 10);

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="26" text-anchor="middle" style="${FONT};font-size:16px;font-weight:600" fill="#222">${esc(title)}</text>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}

function axes(xLabel: string, yLabel: string): string[] {
  const x0 = MARGIN.left;
  const y0 = MARGIN.top + PLOT_H;
  return [
    `<line x1="${x0}" y1="${MARGIN.top}" x2="${x0}" y2="${y0}" stroke="#444"/>`,
    `<line x1="${x0}" y1="${y0}" x2="${x0 + PLOT_W}" y2="${y0}" stroke="#444"/>`,
    `<text x="${x0 + PLOT_W / 2}" y="${HEIGHT - 16}" text-anchor="middle" style="${FONT};font-size:13px" fill="#333">${esc(xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" style="${FONT};font-size:13px" fill="#333">${esc(yLabel)}</text>`,
  ];
}

function yGrid(scale: Scale): string[] {
  const out: string[] = [];
  for (const t of scale.ticks) {
    const y = scale.toPx(t);
    out.push(`<line x1="${MARGIN.left}" y1="${r1(y)}" x2="${MARGIN.left + PLOT_W}" y2="${r1(y)}" stroke="#e4e4e4"/>`);
    out.push(
      `<text x="${MARGIN.left - 8}" y="${r1(y + 4)}" text-anchor="end" style="${FONT};font-size:11px" fill="#555">${esc(formatCompact(t))}</text>`,
    );
  }
  return out;
}

function legend(
  entries: ReadonlyArray<{ name: string; color: string; dashed?: boolean | undefined; bar?: boolean }>,
): string[] {
  const x = MARGIN.left + PLOT_W + 16;
  return entries.flatMap((e, i) => {
    const y = MARGIN.top + 10 + i * 22;
    const mark = e.bar
      ? `<rect x="${x}" y="${y - 6}" width="22" height="12" fill="${e.color}"/>`
      : `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="6 4"' : ""}/>`;
    return [mark, `<text x="${x + 30}" y="${y + 4}" style="${FONT};font-size:12px" fill="#222">${esc(e.name)}</text>`];
  });
}

// ---------------------------------------------------------------------------------------------
// Charts

function renderLineChart(spec: LineChartSpec): string {
  const usable = spec.series.map((s) => ({
    ...s,
    points: s.points.filter(
      ([x, y]) =>
        Number.isFinite(x) &&
        Number.isFinite(y) &&
        (spec.xScale !== "log" || x > 0) &&
        (spec.yScale !== "log" || y > 0),
    ),
  }));
  const xs = usable.flatMap((s) => s.points.map(([x]) => x));
  const ys = [...usable.flatMap((s) => s.points.map(([, y]) => y)), ...(spec.guides ?? []).map((g) => g.y)];
  if (xs.length === 0 || ys.length === 0)
    return frame(spec.title, [
      `<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" style="${FONT}">no data</text>`,
    ]);
  const x0 = MARGIN.left;
  const x1 = MARGIN.left + PLOT_W;
  const yBottom = MARGIN.top + PLOT_H;
  const xScale = spec.xScale === "log" ? logScale(xs, x0, x1) : linearScale(xs, x0, x1, false);
  const yScale = spec.yScale === "log" ? logScale(ys, yBottom, MARGIN.top) : linearScale(ys, yBottom, MARGIN.top, true);

  const body: string[] = [...yGrid(yScale)];
  for (const t of xScale.ticks) {
    const x = xScale.toPx(t);
    body.push(`<line x1="${r1(x)}" y1="${MARGIN.top}" x2="${r1(x)}" y2="${yBottom}" stroke="#f0f0f0"/>`);
    body.push(
      `<text x="${r1(x)}" y="${yBottom + 18}" text-anchor="middle" style="${FONT};font-size:11px" fill="#555">${esc(formatCompact(t))}</text>`,
    );
  }
  body.push(...axes(spec.xLabel, spec.yLabel));
  for (const g of spec.guides ?? []) {
    const y = yScale.toPx(g.y);
    body.push(
      `<line x1="${x0}" y1="${r1(y)}" x2="${x1}" y2="${r1(y)}" stroke="#B00020" stroke-width="1.2" stroke-dasharray="3 3"/>`,
    );
    // Left end, with a white halo: the series usually start low on the left.
    body.push(
      `<text x="${x0 + 6}" y="${r1(y - 5)}" style="${FONT};font-size:11px" fill="#B00020" stroke="#ffffff" stroke-width="3" paint-order="stroke">${esc(g.label)}</text>`,
    );
  }
  usable.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = s.points.map(([x, y]) => `${r1(xScale.toPx(x))},${r1(yScale.toPx(y))}`);
    if (pts.length > 1) {
      body.push(
        `<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      );
    }
    for (const p of pts) {
      const [cx, cy] = p.split(",");
      body.push(`<circle cx="${cx}" cy="${cy}" r="3.5" fill="${color}"/>`);
    }
  });
  body.push(...legend(usable.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length]!, dashed: s.dashed }))));
  return frame(spec.title, body);
}

function renderBarChart(spec: BarChartSpec): string {
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const yBottom = MARGIN.top + PLOT_H;
  const yScale = linearScale(values.length > 0 ? values : [1], yBottom, MARGIN.top, true);
  const body: string[] = [...yGrid(yScale), ...axes("", spec.yLabel)];
  const groupW = PLOT_W / Math.max(1, spec.categories.length);
  const barW = (groupW * 0.76) / Math.max(1, spec.series.length);
  spec.categories.forEach((category, c) => {
    const gx = MARGIN.left + c * groupW + groupW * 0.12;
    body.push(
      `<text x="${r1(MARGIN.left + c * groupW + groupW / 2)}" y="${yBottom + 18}" text-anchor="middle" style="${FONT};font-size:12px" fill="#333">${esc(category)}</text>`,
    );
    spec.series.forEach((s, i) => {
      const v = s.values[c] ?? null;
      const x = gx + i * barW;
      const color = PALETTE[i % PALETTE.length]!;
      if (v === null || !Number.isFinite(v)) {
        body.push(
          `<text x="${r1(x + barW / 2)}" y="${yBottom - 6}" text-anchor="middle" style="${FONT};font-size:10px" fill="#888">n/a</text>`,
        );
        return;
      }
      const y = yScale.toPx(v);
      body.push(
        `<rect x="${r1(x + 1)}" y="${r1(y)}" width="${r1(Math.max(1, barW - 2))}" height="${r1(yBottom - y)}" fill="${color}"/>`,
      );
      body.push(
        `<text x="${r1(x + barW / 2)}" y="${r1(y - 4)}" text-anchor="middle" style="${FONT};font-size:10px" fill="#333">${esc(formatCompact(v))}</text>`,
      );
    });
  });
  body.push(...legend(spec.series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length]!, bar: true }))));
  return frame(spec.title, body);
}
