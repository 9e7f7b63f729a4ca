/**
 * @module bench/gateway/cpu-profile — reads a V8 `.cpuprofile` (node --cpu-prof) and says where
 * the time went: self time aggregated by function and file, by package, and as a flame graph
 * (SVG, no dependencies) for the report.
 */
import { readFile } from "node:fs/promises";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface FunctionTime {
  /** `name (file:line)` */
  readonly frame: string;
  readonly group: string;
  readonly selfMs: number;
  /** Share of the busy (non-idle) time. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly wallMs: number;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly top: readonly FunctionTime[];
  /** Self time by package or area (node internals, undici, pino, the gateway's own files…). */
  readonly groups: ReadonlyArray<{ readonly group: string; readonly selfMs: number; readonly share: number }>;
  /** s3-router's own functions (dist/) by inclusive time: themselves and everything they call. */
  readonly ownInclusive: readonly FunctionTime[];
}

export async function readProfile(file: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(file, "utf8")) as CpuProfile;
}

/**
 * A time window in microseconds of the monotonic clock — the clock of `process.hrtime()` in any
 * process on the machine, which V8 also stamps its samples with — so the workload can be cut out
 * of a profile that also holds start-up and shutdown.
 */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Now, on the clock profiles are stamped with. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Self microseconds per node id: each sample is charged the interval that follows it. */
function selfTimes(profile: CpuProfile, window?: ProfileWindow): Map<number, number> {
  const self = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const dt = timeDeltas[i + 1] ?? 0;
    if (dt <= 0) continue;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + dt);
  }
  return self;
}

/** The file a frame belongs to, shortened: `undici/lib/…`, `dist/gateway/…`, `node:internal/…`. */
export function shortUrl(url: string): string {
  if (url === "") return "";
  let u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("/node_modules/");
  if (nm >= 0) return u.slice(nm + "/node_modules/".length);
  const dist = u.indexOf("/dist/");
  if (dist >= 0) u = u.slice(dist + 1);
  return u;
}

/** The package or area a frame belongs to. */
export function groupOf(frame: CallFrame): string {
  const name = frame.functionName;
  if (frame.url === "") {
    if (name === "(garbage collector)") return "V8: garbage collector";
    if (name === "(program)") return "V8/native: not attributed (program)";
    if (name === "(idle)") return "idle";
    return "native / builtins";
  }
  const u = shortUrl(frame.url);
  if (u.startsWith("node:")) return `node: ${u.replace(/^node:(internal\/)?/, "").split("/")[0]}`;
  if (u.startsWith("dist/")) return `s3-router: ${u.slice(5).split("/").slice(0, -1).join("/") || u.slice(5)}`;
  if (u.startsWith("@")) return u.split("/").slice(0, 2).join("/");
  return u.split("/")[0]!;
}

export function summarizeProfile(profile: CpuProfile, topN = 20, window?: ProfileWindow): ProfileSummary {
  const self = selfTimes(profile, window);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFrame = new Map<string, { group: string; us: number }>();
  const byGroup = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const group = groupOf(node.callFrame);
    if (group === "idle") {
      idle += us;
      continue;
    }
    const f = node.callFrame;
    const where = f.url ? ` (${shortUrl(f.url)}:${f.lineNumber + 1})` : "";
    const key = `${f.functionName || "(anonymous)"}${where}`;
    const entry = byFrame.get(key) ?? { group, us: 0 };
    entry.us += us;
    byFrame.set(key, entry);
    byGroup.set(group, (byGroup.get(group) ?? 0) + us);
  }
  const busy = total - idle;
  // Inclusive time of s3-router's functions: every sample counts once for each distinct own
  // function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, { group: string; us: number }>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let q: number | undefined = id; q !== undefined; q = parent.get(q)) {
      const f = byId.get(q)?.callFrame;
      if (!f || !shortUrl(f.url).startsWith("dist/")) continue;
      const key = `${f.functionName || "(anonymous)"} (${shortUrl(f.url)}:${f.lineNumber + 1})`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { group: groupOf(f), us: 0 };
      entry.us += us;
      inclusive.set(key, entry);
    }
  }
  const ownInclusive = [...inclusive.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, topN)
    .map(([frame, e]) => ({ frame, group: e.group, selfMs: e.us / 1000, share: e.us / busy }));
  const top = [...byFrame.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, topN)
    .map(([frame, e]) => ({ frame, group: e.group, selfMs: e.us / 1000, share: e.us / busy }));
  const groups = [...byGroup.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([group, us]) => ({ group, selfMs: us / 1000, share: us / busy }));
  const wallUs = window
    ? Math.min(window.toUs, profile.endTime) - Math.max(window.fromUs, profile.startTime)
    : profile.endTime - profile.startTime;
  return { wallMs: wallUs / 1000, busyMs: busy / 1000, idleMs: idle / 1000, top, groups, ownInclusive };
}

// ---------------------------------------------------------------------------------------------
// Flame graph

const FRAME_H = 16;
const WIDTH = 1200;
const FONT = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11px";

interface Tree {
  readonly label: string;
  readonly group: string;
  total: number;
  readonly children: Tree[];
}

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function colour(group: string, label: string): string {
  let h = 0;
  for (const c of label) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const jitter = h % 30;
  if (group.startsWith("s3-router")) return `hsl(${200 + (jitter % 20)},70%,${62 + (h % 10)}%)`;
  if (group.startsWith("node:")) return `hsl(${30 + jitter},85%,${60 + (h % 10)}%)`;
  if (group.startsWith("V8") || group === "native / builtins") return `hsl(0,0%,${70 + (h % 12)}%)`;
  return `hsl(${100 + jitter},55%,${58 + (h % 10)}%)`;
}

/**
 * A flame graph of the busy time (idle left out): each frame as wide as the time spent in it and
 * below it; callers at the bottom. Frames narrower than 0.1% are dropped.
 */
export function flameGraphSvg(profile: CpuProfile, title: string, window?: ProfileWindow): string {
  const self = selfTimes(profile, window);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const root = profile.nodes[0]!;
  const build = (node: ProfileNode): Tree | undefined => {
    const f = node.callFrame;
    const group = groupOf(f);
    if (group === "idle") return undefined;
    const children: Tree[] = [];
    // Merge children of the same function (V8 keeps one node per call site and line).
    for (const id of node.children ?? []) {
      const child = byId.get(id);
      const t = child && build(child);
      if (!t) continue;
      const same = children.find((c) => c.label === t.label);
      if (same) merge(same, t);
      else children.push(t);
    }
    const label = `${f.functionName || "(anonymous)"}${f.url ? ` ${shortUrl(f.url)}:${f.lineNumber + 1}` : ""}`;
    const total = (self.get(node.id) ?? 0) + children.reduce((a, c) => a + c.total, 0);
    return { label, group, total, children };
  };
  const merge = (into: Tree, from: Tree) => {
    into.total += from.total;
    for (const c of from.children) {
      const same = into.children.find((d) => d.label === c.label);
      if (same) merge(same, c);
      else into.children.push(c);
    }
  };
  const tree = build(root) ?? { label: "(root)", group: "", total: 0, children: [] };
  const totalUs = tree.total || 1;
  const minUs = totalUs * 0.001;
  const rects: Array<{ x: number; depth: number; w: number; label: string; group: string; us: number }> = [];
  let maxDepth = 0;
  const place = (t: Tree, x: number, depth: number) => {
    if (t.total < minUs) return;
    maxDepth = Math.max(maxDepth, depth);
    const w = (t.total / totalUs) * WIDTH;
    rects.push({ x, depth, w, label: t.label, group: t.group, us: t.total });
    let cx = x;
    for (const c of [...t.children].sort((a, b) => a.label.localeCompare(b.label))) {
      place(c, cx, depth + 1);
      cx += (c.total / totalUs) * WIDTH;
    }
  };
  place(tree, 0, 0);
  const top = 40;
  const height = top + (maxDepth + 1) * FRAME_H + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH + 20}" height="${height}" viewBox="0 0 ${WIDTH + 20} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="22" style="${FONT};font-size:14px;font-weight:600" fill="#222">${escape(title)}</text>`,
    `<text x="10" y="${height - 10}" style="${FONT}" fill="#555">${escape(`busy time ${(totalUs / 1000).toFixed(0)} ms (idle left out); width = time in a function and what it calls; callers below; hover for details`)}</text>`,
  ];
  for (const { x, depth, w, label, group, us } of rects) {
    const y = top + (maxDepth - depth) * FRAME_H;
    const pct = ((us / totalUs) * 100).toFixed(1);
    const chars = Math.floor((w - 4) / 6.6);
    const text = chars >= 3 ? (label.length > chars ? `${label.slice(0, chars - 1)}…` : label) : "";
    out.push(
      `<g><title>${escape(`${label}\n${group}\n${(us / 1000).toFixed(1)} ms, ${pct}% of busy time`)}</title>` +
        `<rect x="${(10 + x).toFixed(2)}" y="${y}" width="${Math.max(w - 0.5, 0.5).toFixed(2)}" height="${FRAME_H - 1}" fill="${colour(group, label)}" rx="1"/>` +
        (text
          ? `<text x="${(12 + x).toFixed(2)}" y="${y + 11.5}" style="${FONT}" fill="#111">${escape(text)}</text>`
          : "") +
        `</g>`,
    );
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
