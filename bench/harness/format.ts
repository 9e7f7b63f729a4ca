/**
 * @module bench/harness/format — human units for table cells: durations pick their unit, ratios
 * and sizes keep three significant digits.
 */

const sig = (v: number, digits = 3): string => {
  if (!Number.isFinite(v)) return "—";
  const abs = Math.abs(v);
  if (abs >= 10 ** digits) return Math.round(v).toLocaleString("en-US");
  return String(Number(v.toPrecision(digits)));
};

/** 212 → "212 ns", 1530 → "1.53 µs", 1.5e7 → "15 ms". */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return "—";
  if (ns < 1e3) return `${sig(ns)} ns`;
  if (ns < 1e6) return `${sig(ns / 1e3)} µs`;
  if (ns < 1e9) return `${sig(ns / 1e6)} ms`;
  return `${sig(ns / 1e9)} s`;
}

/** Milliseconds with unit: 0.0123 → "12.3 µs", 4.2 → "4.2 ms". */
export const formatMs = (ms: number): string => formatNs(ms * 1e6);

/** 1.0031 → "1.00×", 70.94 → "70.9×": two decimals below 10, where small differences matter. */
export const formatRatio = (r: number): string =>
  !Number.isFinite(r) ? "—" : r < 10 ? `${r.toFixed(2)}×` : `${sig(r)}×`;

/** Bytes in binary units: 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "—";
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${sig(v)} ${units[u]}`;
}

/** 100000 → "100k", 10 → "10". */
export function formatCount(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

export const formatPercent = (fraction: number): string => `${sig(fraction * 100, 2)}%`;

/** Plain number with three significant digits. */
export const formatNumber = (v: number): string => sig(v);
