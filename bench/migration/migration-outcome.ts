/**
 * @module bench/migration/migration-outcome — the migration section's measurements as the report
 * shows them: tables with ratios against the plain route (or the plain SDK copy), charts, the
 * expectations checked, and notes that say what each number is made of.
 */
import type { BackendSet } from "../library/bench-backends.js";
import { formatBytes, formatMs, formatNumber, formatRatio, formatNs } from "../harness/format.js";
import type { ResultTable, SectionOutcome, TargetCheck } from "../harness/section.js";
import type { ChartSpec } from "../harness/svg-chart.js";
import type { MigrateResult } from "./migrate-throughput.js";
import type { MigrationSettings } from "./migration-settings.js";
import type { ReadResult, ReadVariant, WriteResult } from "./read-write-latency.js";
import { RequestCounter, type RequestCounts } from "./request-counter.js";

const MiB = 1024 * 1024;
/** A fallback hit should cost nothing: the router sends the one GET a plain route sends. */
const HIT_TOLERANCE = 1.1;

const READ_LABELS: Record<ReadVariant, string> = {
  plain: "plain route (hit)",
  "fallback-hit": "fallback route, primary has it",
  "fallback-miss": "fallback route, miss → fallback",
  "plain-404": "plain route, no such key (404)",
};

export interface MigrationMeasurements {
  readonly reads: ReadResult;
  readonly writes: readonly WriteResult[];
  readonly migrate: MigrateResult;
  readonly backends: BackendSet;
  readonly settings: MigrationSettings;
}

export function migrationOutcome(m: MigrationMeasurements): SectionOutcome {
  const { reads, writes, migrate, backends, settings } = m;
  const read = (v: ReadVariant) => reads.variants.find((r) => r.variant === v)!;
  const plainGet = read("plain").vsPlain.baseline;

  const readsTable: ResultTable = {
    title: `GetObject of ${formatBytes(reads.bytes)} through the router, ${reads.rounds} interleaved rounds (ms; ratio of medians; Δ = median of per-round differences to the plain route)`,
    columns: [
      { header: "route", align: "left" },
      { header: "median" },
      { header: "p99" },
      { header: "÷ plain route" },
      { header: "Δ vs plain" },
      { header: "requests per call", align: "left" },
    ],
    rows: reads.variants.map((r) => [
      READ_LABELS[r.variant],
      formatMs(r.vsPlain.variant.median),
      formatMs(r.vsPlain.variant.p99),
      formatRatio(r.vsPlain.ratio),
      r.variant === "plain" ? "—" : signed(r.vsPlain.pairedDeltaMs),
      RequestCounter.describe(r.requests),
    ]),
  };

  const writesTable: ResultTable = {
    title:
      "PutObject through the router: plain route vs mirrored route, interleaved rounds (ms; ratio of medians; Δ = median of per-round differences)",
    columns: [
      { header: "object", align: "left" },
      { header: "rounds" },
      { header: "plain median" },
      { header: "mirrored median" },
      { header: "mirrored ÷ plain" },
      { header: "Δ per write" },
      { header: "plain p99" },
      { header: "mirrored p99" },
      { header: "requests per mirrored write", align: "left" },
    ],
    rows: writes.map((w) => [
      formatBytes(w.bytes),
      String(w.rounds),
      formatMs(w.mirroredVsPlain.baseline.median),
      formatMs(w.mirroredVsPlain.variant.median),
      formatRatio(w.mirroredVsPlain.ratio),
      signed(w.mirroredVsPlain.pairedDeltaMs),
      formatMs(w.mirroredVsPlain.baseline.p99),
      formatMs(w.mirroredVsPlain.variant.p99),
      RequestCounter.describe(w.requests.mirrored),
    ]),
  };

  const totalBytes = migrate.objects * migrate.objectBytes;
  const perSecond = (ms: number) => migrate.objects / (ms / 1000);
  const mibPerSecond = (ms: number) => totalBytes / MiB / (ms / 1000);
  const migrateTable: ResultTable = {
    title: `Copying ${migrate.objects} objects of ${formatBytes(migrate.objectBytes)} (${formatBytes(totalBytes)}) from the fallback into an empty primary, concurrency ${migrate.concurrency}, ${migrate.rounds.length} interleaved rounds (medians)`,
    columns: [
      { header: "copier", align: "left" },
      { header: "time per run" },
      { header: "objects/s" },
      { header: "MiB/s" },
      { header: "÷ plain copy" },
      { header: "requests per object", align: "left" },
    ],
    rows: (["plain-copy", "migrate"] as const).map((side) => {
      const ms = migrate.ms[side].median;
      return [
        side === "plain-copy"
          ? "plain SDK copy (GET → PUT)"
          : `migrate(router, { concurrency: ${migrate.concurrency} })`,
        formatMs(ms),
        formatNumber(perSecond(ms)),
        formatNumber(mibPerSecond(ms)),
        side === "plain-copy" ? "1.00×" : `${formatRatio(migrate.pairedThroughputRatio)} (paired)`,
        perObject(migrate.requestsPerRun[side], migrate.objects),
      ];
    }),
  };

  const hit = read("fallback-hit").vsPlain;
  const miss = read("fallback-miss").vsPlain;
  const notFound = read("plain-404").vsPlain;
  const writeLine = writes
    .map(
      (w) =>
        `${formatBytes(w.bytes)} ${formatRatio(w.mirroredVsPlain.ratio)} (Δ ${signed(w.mirroredVsPlain.pairedDeltaMs)})`,
    )
    .join(", ");
  const targets: TargetCheck[] = [
    {
      target: `fallback route, object on the primary: as fast as the plain route (≤ ${formatRatio(HIT_TOLERANCE)})`,
      measured: `${formatRatio(hit.ratio)} the plain route's median (Δ ${signed(hit.pairedDeltaMs)})`,
      met: hit.ratio <= HIT_TOLERANCE,
    },
    {
      target: "fallback route, miss: one extra round trip (no target set; reported)",
      measured: `${formatRatio(miss.ratio)} the plain route (Δ ${signed(miss.pairedDeltaMs)}); the 404 alone takes ${formatMs(notFound.variant.median)}`,
      met: undefined,
    },
    {
      target: "mirrored PutObject (no target set; expected about 2–3×: primary write, then GET + PUT to the mirror)",
      measured: writeLine,
      met: undefined,
    },
    {
      target: `migrate throughput vs a plain SDK copy at the same concurrency (no target set; reported)`,
      measured: `${formatRatio(migrate.pairedThroughputRatio)} (${formatNumber(perSecond(migrate.ms.migrate.median))} vs ${formatNumber(perSecond(migrate.ms["plain-copy"].median))} objects/s)`,
      met: undefined,
    },
  ];

  const charts: ChartSpec[] = [
    {
      kind: "bar",
      file: "migration-latency.svg",
      title: `Plain route vs migrating route (median ms per call, ${backends.kind === "rgw" ? "Ceph RGW" : "s3rver"})`,
      yLabel: "ms per call (median)",
      categories: [
        `GET ${formatBytes(reads.bytes)} hit`,
        `GET ${formatBytes(reads.bytes)} miss`,
        ...writes.map((w) => `PUT ${formatBytes(w.bytes)}`),
      ],
      series: [
        {
          name: "plain route",
          values: [plainGet.median, plainGet.median, ...writes.map((w) => w.mirroredVsPlain.baseline.median)],
        },
        {
          name: "fallback / mirrored route",
          values: [hit.variant.median, miss.variant.median, ...writes.map((w) => w.mirroredVsPlain.variant.median)],
        },
      ],
    },
    {
      kind: "bar",
      file: "migration-migrate.svg",
      title: `Copying ${migrate.objects} × ${formatBytes(migrate.objectBytes)} into an empty primary (concurrency ${migrate.concurrency})`,
      yLabel: "objects per second (median run)",
      categories: ["plain SDK copy", "migrate()"],
      series: [
        {
          name: "objects/s",
          values: [perSecond(migrate.ms["plain-copy"].median), perSecond(migrate.ms.migrate.median)],
        },
      ],
    },
  ];

  const notes: string[] = [];
  if (backends.fallback) notes.push(`**Fallback:** ${backends.fallback}.`);
  if (backends.kind === "s3rver") {
    notes.push(
      "s3rver runs inside the benchmark's own Node process and on files: both stores and the router share one event loop, so every extra round trip costs client and server CPU at once; ratios are indicative, the full run on RGW is the reference.",
    );
  }
  notes.push(
    // The runner echoes notes that mention a fallback to the console (it means a backend
    // fallback), so these notes name the stores A and B instead.
    `Two backends: A holds every route's own store ("primary" in the request counts), B the second store of a migrating route: where its reads that miss go, or where its writes are mirrored ("secondary"). The router is given the benchmark's two S3Clients, so all variants share connections; requests per call were counted on the clients (SDK middleware) on one extra call of each variant after the timed rounds.`,
    `**GetObject.** "plain route (hit)": a route without migration modes, one GET to A. "primary has it": the route reads from B on a miss, but A holds the key, so the router sends the same one GET — it should cost what the plain route costs. ` +
      `"miss": A answers 404 NoSuchKey, then the router asks B; copy_on_read is off, so the key stays a miss in every round. ` +
      `"no such key (404)" is the first half of a miss on its own: a miss should cost about the plain GET plus this 404, i.e. Δ ≈ the 404's time (${formatMs(notFound.variant.median)} here, Δ of the miss ${signed(miss.pairedDeltaMs)}).`,
    `**PutObject.** A mirrored write is answered only when the mirror has the object: PutObject to A, then the object as A stores it is read back (GetObject on A) and streamed into PutObject on B — three requests in sequence where the plain route sends one. ` +
      "For a small object each is a round trip, so the ratio approaches the request count; for a large one the GET and the PUT to the mirror overlap (streamed), and transfer time, not round trips, sets the ratio.",
    `**migrate.** Per object, \`migrate\` sends HeadObject to A (is the key there?), GetObject on B streamed into a PutObject on A with If-None-Match: * (never over an existing object), and HeadObject on B (the source is still the one copied — same ETag as the GET's — otherwise the copy is taken back); a copy made in parts is also read back (HeadObject on A) when its completion answers no ETag. ` +
      "It also lists both stores once per run; the listing pairing skips the HEADs only for keys the primary already lists — none here, since the primary starts empty. " +
      `The plain SDK copy lists the source once, then GetObject on B streamed into PutObject on A: two requests per object, no checks. Both run ${migrate.concurrency} copies at once; objects/s and MiB/s are objects and bytes over the wall time of the whole run (listings included).`,
    `**Ratios.** Latency rows: ratio of the medians, and Δ = median over rounds of (variant − plain) taken in the same round. migrate: median over rounds of (plain copy time ÷ migrate time), i.e. migrate's throughput as a share of the plain copy's (below 1× = slower). ` +
      `Rounds rotate which variant goes first (ABBA… for two); warm-up rounds (GetObject ${settings.get.warmupRounds}, PutObject ${settings.put.map((p) => p.warmupRounds).join("/")}, migrate 1) are not counted and run the checks: each variant read the right store's bytes, the mirror holds the primary's ETag, both copies left exactly ${migrate.objects} objects of ${formatBytes(migrate.objectBytes)} in fresh buckets (checked every round, off the clock).`,
  );

  return {
    method:
      `The same router, on ${backends.description}, serves a plain route, a route with a fallback and a route with a mirror, all on the same primary bucket. ` +
      `In interleaved rounds it reads a ${formatBytes(reads.bytes)} object on each (hit on the plain route, hit and miss on the fallback route, plus a 404 for scale) and writes ${writes.map((w) => formatBytes(w.bytes)).join(" and ")} objects on the plain and the mirrored route. ` +
      `Then \`migrate\` copies ${migrate.objects} objects of ${formatBytes(migrate.objectBytes)} from the fallback into an empty primary, alternating with a bare-SDK copy of the same objects (GET piped into PUT) at the same concurrency, fresh buckets every round.`,
    targets,
    tables: [readsTable, writesTable, migrateTable],
    charts,
    notes,
    data: {
      backend: { kind: backends.kind, description: backends.description, fallback: backends.fallback ?? null },
      settings,
      reads,
      writes,
      migrate,
    },
  };
}

/** Requests per object, listings per run: `primary: HeadObject 2, PutObject 1; …; listings per run: 2`. */
function perObject(perRun: Record<string, RequestCounts>, objects: number): string {
  let listings = 0;
  const objectOps: Record<string, RequestCounts> = {};
  for (const [client, counts] of Object.entries(perRun)) {
    objectOps[client] = {};
    for (const [op, n] of Object.entries(counts)) {
      if (op === "ListObjectsV2") listings += n;
      else objectOps[client][op] = n;
    }
  }
  return `${RequestCounter.describe(objectOps, objects)}; listings per run: ${formatNumber(listings)}`;
}

const signed = (ms: number): string => (ms >= 0 ? "+" : "−") + formatNs(Math.abs(ms) * 1e6);
