/**
 * @module test/unit/migrate-progress — the arithmetic and the words of `s3-router migrate`'s
 * progress: rate over samples, ETA, byte and duration formats, the progress line (and what it
 * drops to fit a terminal), the two displays, and the final report. Pure functions: no clock.
 */
import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatDuration,
  formatElapsed,
  formatProgressLine,
  formatRate,
  formatReport,
  progressDisplay,
} from "../../src/cli/migrate.js";
import { estimateEta, rateOver, type MigrateProgress, type MigrateReport } from "../../src/migration/bulk-migrate.js";

const MiB = 1024 * 1024;

/** A progress snapshot: halfway through 300 objects of 150 MiB unless overridden. */
function progress(over: Partial<MigrateProgress> = {}): MigrateProgress {
  return {
    dryRun: false,
    listing: false,
    listed: { objects: 300, bytes: 150 * MiB },
    total: { objects: 300, bytes: 150 * MiB },
    done: { objects: 120, bytes: 45 * MiB },
    copied: { objects: 100, bytes: 40 * MiB },
    present: 20,
    newer: 0,
    gone: 0,
    failed: 0,
    elapsedMs: 4000,
    rate: { objectsPerSecond: 42.4, bytesPerSecond: 12 * MiB },
    etaSeconds: 9,
    finished: false,
    interrupted: false,
    ...over,
  };
}

function report(over: Partial<MigrateReport> = {}): MigrateReport {
  return {
    bucket: "example-bucket",
    prefix: "team2/",
    dryRun: false,
    routes: [
      {
        profile: "moved",
        from: { client: "old", bucket: "legacy", prefix: "data/team2/" },
        to: { client: "new", bucket: "fresh", prefix: "team2/" },
      },
    ],
    listed: { objects: 300, bytes: 150 * MiB },
    copied: { objects: 280, bytes: 140 * MiB },
    present: { objects: 20, bytes: 10 * MiB },
    newer: { objects: 0, bytes: 0 },
    gone: { objects: 0, bytes: 0 },
    failed: { objects: 0, bytes: 0, errors: [] },
    skipped: 0,
    interrupted: false,
    notes: [],
    elapsedMs: 14_000,
    ...over,
  };
}

describe("rateOver", () => {
  it("is the throughput between the first and the last sample", () => {
    expect(
      rateOver([
        { at: 1000, objects: 0, bytes: 0 },
        { at: 2000, objects: 4, bytes: 1000 },
        { at: 3000, objects: 10, bytes: 4096 },
      ]),
    ).toEqual({ objectsPerSecond: 5, bytesPerSecond: 2048 });
  });

  it("is unknown from fewer than two samples or under a second of them", () => {
    expect(rateOver([])).toBeUndefined();
    expect(rateOver([{ at: 0, objects: 5, bytes: 5 }])).toBeUndefined();
    expect(
      rateOver([
        { at: 0, objects: 0, bytes: 0 },
        { at: 999, objects: 5, bytes: 5 },
      ]),
    ).toBeUndefined();
  });

  it("is zero, not unknown, when nothing moved for a while", () => {
    expect(
      rateOver([
        { at: 0, objects: 7, bytes: 70 },
        { at: 5000, objects: 7, bytes: 70 },
      ]),
    ).toEqual({ objectsPerSecond: 0, bytesPerSecond: 0 });
  });
});

describe("estimateEta", () => {
  const rate = { objectsPerSecond: 10, bytesPerSecond: MiB };

  it("takes the longer of the estimates by objects and by bytes", () => {
    expect(estimateEta({ objects: 100, bytes: MiB }, rate)).toBe(10); // objects dominate
    expect(estimateEta({ objects: 10, bytes: 60 * MiB }, rate)).toBe(60); // bytes dominate
  });

  it("is 0 when nothing remains, and unknown without a rate or with one that moved nothing", () => {
    expect(estimateEta({ objects: 0, bytes: 0 }, undefined)).toBe(0);
    expect(estimateEta({ objects: 5, bytes: 5 }, undefined)).toBeUndefined();
    expect(estimateEta({ objects: 5, bytes: 5 }, { objectsPerSecond: 0, bytesPerSecond: 0 })).toBeUndefined();
  });

  it("counts only objects when the remaining ones are empty", () => {
    expect(estimateEta({ objects: 20, bytes: 0 }, { objectsPerSecond: 4, bytesPerSecond: 0 })).toBe(5);
  });
});

describe("formats", () => {
  it("formatBytes: binary units, one decimal, carried to the next unit when rounding reaches 1024", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1023.7)).toBe("1.0 KiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1024 * 1024 - 1)).toBe("1.0 MiB");
    expect(formatBytes(150 * MiB)).toBe("150.0 MiB");
    expect(formatBytes(3.25 * 1024 ** 4)).toBe("3.3 TiB");
    expect(formatBytes(-5)).toBe("0 B");
  });

  it("formatDuration: seconds, then minutes and seconds, then hours and minutes", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(9.4)).toBe("9s");
    expect(formatDuration(59.6)).toBe("1m00s");
    expect(formatDuration(185)).toBe("3m05s");
    expect(formatDuration(2 * 3600 + 7 * 60 + 30)).toBe("2h07m");
    expect(formatDuration(-3)).toBe("0s");
  });

  it("formatElapsed: tenths under a minute", () => {
    expect(formatElapsed(340)).toBe("0.3s");
    expect(formatElapsed(14_049)).toBe("14.0s");
    expect(formatElapsed(59_960)).toBe("1m00s");
    expect(formatElapsed(125_000)).toBe("2m05s");
  });

  it("formatRate: bytes and objects a second, a decimal under 10 objects a second", () => {
    expect(formatRate({ objectsPerSecond: 42.4, bytesPerSecond: 12.5 * MiB })).toBe("12.5 MiB/s · 42 obj/s");
    expect(formatRate({ objectsPerSecond: 0.44, bytesPerSecond: 300 })).toBe("300 B/s · 0.4 obj/s");
    expect(formatRate(undefined)).toBe("rate –");
  });
});

describe("formatProgressLine", () => {
  it("shows objects, bytes, rate, ETA and counts once the total is known", () => {
    expect(formatProgressLine(progress())).toBe(
      "120/300 objects (40%) · 45.0/150.0 MiB · 12.0 MiB/s · 42 obj/s · ETA 9s · copied 100, present 20",
    );
  });

  it("writes both units when they differ, and the rare counts only when there are some", () => {
    const line = formatProgressLine(
      progress({ done: { objects: 3, bytes: 700 * 1024 }, newer: 2, gone: 1, failed: 4 }),
    );
    expect(line).toContain(" · 700.0 KiB/150.0 MiB · ");
    expect(line).toMatch(/ · copied 100, present 20, newer 2, gone 1 · failed 4$/);
  });

  it("while listing: what was found so far, no total and no ETA", () => {
    const line = formatProgressLine(
      progress({ listing: true, total: undefined, listed: { objects: 412, bytes: 61 * MiB }, etaSeconds: undefined }),
    );
    expect(line).toBe(
      "listing… 412 objects found (61.0 MiB) · 120 done · 12.0 MiB/s · 42 obj/s · copied 100, present 20",
    );
  });

  it("says – for a rate or ETA not known yet", () => {
    expect(formatProgressLine(progress({ rate: undefined, etaSeconds: undefined }))).toBe(
      "120/300 objects (40%) · 45.0/150.0 MiB · rate – · ETA – · copied 100, present 20",
    );
  });

  it("at the end: how long it took, or that it stopped", () => {
    const done = { done: { objects: 300, bytes: 150 * MiB }, finished: true, etaSeconds: 0, elapsedMs: 12_345 };
    expect(formatProgressLine(progress(done))).toBe(
      "300/300 objects (100%) · 150.0/150.0 MiB · 12.0 MiB/s · 42 obj/s · done in 12.3s · copied 100, present 20",
    );
    expect(formatProgressLine(progress({ ...done, interrupted: true }))).toContain(" · stopped after 12.3s · ");
  });

  it("a dry run shows what it would copy and no rate", () => {
    expect(formatProgressLine(progress({ dryRun: true, rate: undefined }))).toBe(
      "120/300 objects (40%) · 45.0/150.0 MiB · ETA 9s · to copy 100, present 20",
    );
  });

  it("an empty run is 100% done", () => {
    const empty = { objects: 0, bytes: 0 };
    expect(formatProgressLine(progress({ listed: empty, total: empty, done: empty }))).toMatch(
      /^0\/0 objects \(100%\) · 0\/0 B · /,
    );
  });

  it("to fit a width, drops the counts first, then objects a second, then the ETA, never the objects done", () => {
    const p = progress({ failed: 3 });
    const full = formatProgressLine(p);
    expect(full).toBe(
      "120/300 objects (40%) · 45.0/150.0 MiB · 12.0 MiB/s · 42 obj/s · ETA 9s · copied 100, present 20 · failed 3",
    );
    expect(formatProgressLine(p, 82)).toBe(
      "120/300 objects (40%) · 45.0/150.0 MiB · 12.0 MiB/s · 42 obj/s · ETA 9s · failed 3",
    );
    expect(formatProgressLine(p, 81)).toBe("120/300 objects (40%) · 45.0/150.0 MiB · 12.0 MiB/s · ETA 9s · failed 3");
    expect(formatProgressLine(p, 70)).toBe("120/300 objects (40%) · 45.0/150.0 MiB · 12.0 MiB/s · failed 3");
    expect(formatProgressLine(p, 25)).toBe("120/300 objects (40%)");
    expect(formatProgressLine(p, 12)).toBe("120/300 obj…");
    for (const width of [12, 25, 40, 60, 70, 80, 100])
      expect(formatProgressLine(p, width).length).toBeLessThanOrEqual(width);
  });
});

describe("progressDisplay", () => {
  const capture = (isTTY: boolean, columns?: number) => {
    const writes: string[] = [];
    const stream = { isTTY, ...(columns !== undefined && { columns }), write: (text: string) => writes.push(text) };
    return { writes, show: progressDisplay(stream) };
  };

  it("on a terminal: every call redraws one line in place, cut to the width; the last one ends the line", () => {
    const { writes, show } = capture(true, 60);
    show(progress({ elapsedMs: 200 }));
    show(progress({ elapsedMs: 400 }));
    show(progress({ elapsedMs: 600, finished: true }));
    expect(writes).toHaveLength(3);
    for (const text of writes) {
      // eslint-disable-next-line no-control-regex -- ESC (\x1b) starts the terminal control sequences under test
      expect(text).toMatch(/^\rmigrate: 120\/300 objects \(40%\) · [^\r\n]*\x1b\[K\n?$/);
      // eslint-disable-next-line no-control-regex -- ESC (\x1b) starts the terminal control sequences under test
      expect(text.replace(/^\r|\x1b\[K\n?$/g, "").length).toBeLessThanOrEqual(59);
    }
    expect(writes.filter((text) => text.endsWith("\n"))).toHaveLength(1);
    expect(writes[2]!.endsWith("\x1b[K\n")).toBe(true);
  });

  it("a terminal that reports no width is taken as 80 columns", () => {
    const { writes, show } = capture(true, 0);
    show(progress());
    // eslint-disable-next-line no-control-regex -- ESC (\x1b) starts the terminal control sequences under test
    expect(writes[0]!.replace(/^\r|\x1b\[K$/g, "").length).toBeLessThanOrEqual(79);
  });

  it("elsewhere: plain lines, no control characters, at most one per 2 s of the run, and always the last", () => {
    const { writes, show } = capture(false);
    for (const elapsedMs of [500, 1000, 1500, 2000, 2400, 2600, 4700]) show(progress({ elapsedMs }));
    show(progress({ elapsedMs: 4800, finished: true }));
    expect(writes).toHaveLength(4); // 500, 2600, 4700, and the last
    for (const text of writes) {
      // eslint-disable-next-line no-control-regex -- ESC (\x1b) starts the terminal control sequences under test
      expect(text).toMatch(/^migrate: [^\r\x1b]*\n$/);
      expect(text.split("\n")).toHaveLength(2);
    }
    expect(writes[3]).toContain("done in 4.8s");
  });
});

describe("formatReport", () => {
  it("names where from and where to, and counts; the rare lines only when they count something", () => {
    const text = formatReport(report());
    expect(text).toBe(
      [
        "migrated s3://example-bucket/team2/ in 14.0s",
        "  profile moved: client old s3://legacy/data/team2/ → client new s3://fresh/team2/",
        "  listed                300 objects    150.0 MiB   on the fallback, served by the profile",
        "  copied                280 objects    140.0 MiB",
        "  already present        20 objects     10.0 MiB   same object on the primary",
        "  failed                  0 objects",
        "  throughput                          10.0 MiB/s",
        "",
      ].join("\n"),
    );
  });

  it("a dry run says what it would copy and that it wrote nothing", () => {
    const text = formatReport(report({ dryRun: true, elapsedMs: 800 }));
    expect(text).toMatch(/^dry run of s3:\/\/example-bucket\/team2\/: nothing written \(0\.8s\)\n/);
    expect(text).toContain("\n  to copy               280 objects    140.0 MiB\n");
    expect(text).not.toContain("throughput");
  });

  it("lists kept-newer, gone, skipped, notes and failed keys with their errors", () => {
    const errors = [
      {
        route: "moved",
        key: "team2/a.bin",
        stage: "copy" as const,
        error: "NoSuchBucket: The specified bucket does not exist",
      },
      {
        route: "moved",
        key: "team2/",
        stage: "list" as const,
        error: 'listing the fallback (client "old"): AccessDenied',
      },
    ];
    const text = formatReport(
      report({
        newer: { objects: 1, bytes: 10 },
        gone: { objects: 2, bytes: 0 },
        skipped: 5,
        failed: { objects: 1, bytes: 2048, errors },
        notes: ["the primary could not be listed"],
        interrupted: true,
      }),
    );
    expect(text).toMatch(/^interrupted s3:\/\/example-bucket\/team2\/ in 14\.0s\n/);
    expect(text).toContain(
      "\n  kept newer              1 object          10 B   the primary holds another version: not overwritten\n",
    );
    expect(text).toContain(
      "\n  gone                    2 objects                deleted from the fallback meanwhile\n",
    );
    expect(text).toContain("\n  failed                  1 object       2.0 KiB\n");
    expect(text).toContain("\n  skipped                 5 keys                   served by another profile\n");
    expect(text).toContain("\n  stopped before the end: run the same command again to resume\n");
    expect(text).toContain("\nnote: the primary could not be listed\n");
    expect(text).toContain("\nfailed:\n  team2/a.bin  NoSuchBucket: The specified bucket does not exist\n");
    expect(text).toContain(
      '\n  listing s3://example-bucket/team2/ (profile moved)  listing the fallback (client "old"): AccessDenied\n',
    );
    expect(text.split("\n").every((line) => line === line.trimEnd())).toBe(true);
  });

  it("lists the first 50 failed keys and says how many more there are", () => {
    const errors = Array.from({ length: 1000 }, (_, i) => ({
      route: "moved",
      key: `team2/k${i}`,
      stage: "copy" as const,
      error: "InternalError",
    }));
    const text = formatReport(report({ failed: { objects: 1500, bytes: 0, errors } }));
    expect(text).toContain("\n  team2/k49  InternalError\n");
    expect(text).not.toContain("team2/k50 ");
    expect(text).toContain("\n  … and 1450 more (--json lists up to 1000)\n");
  });
});
