import { describe, expect, it } from "vitest";
import { createS3Router } from "../../src/index.js";
import { migrate, type MigrateProgress } from "../../src/migration/bulk-migrate.js";
import type { CopyOutcome } from "../../src/migration/copy-to-primary.js";
import type { Route } from "../../src/routing/route-table.js";
import { fakeBackend, type Recorded } from "../support/fake-backend.js";

type Obj = { Key: string; Size: number; ETag: string };

/** A backend that lists `objects` (physical keys) two per page, in key order. */
function lister(objects: Obj[]) {
  const sorted = [...objects].sort((a, b) => (a.Key < b.Key ? -1 : 1));
  return fakeBackend((call: Recorded) => {
    if (call.command !== "ListObjectsV2Command") throw new Error(`unexpected ${call.command}`);
    const prefix = call.input["Prefix"];
    const under = sorted.filter((o) => o.Key.startsWith(typeof prefix === "string" ? prefix : ""));
    const from = Number(call.input["ContinuationToken"] ?? 0);
    const page = under.slice(from, from + 2);
    const more = from + 2 < under.length;
    return { Contents: page, IsTruncated: more, ...(more && { NextContinuationToken: String(from + 2) }) };
  });
}

function setup(fallbackObjects: Obj[], primaryObjects: Obj[], copy: (key: string) => CopyOutcome | Error) {
  const fallback = lister(fallbackObjects);
  const primary = lister(primaryObjects);
  const router = createS3Router({
    clients: { old: fallback, new: primary, default: fakeBackend() },
    profiles: {
      other: { client: "new", source_bucket_pattern: "b", source_key_pattern: "team2/private/*" },
      team2: {
        client: "new",
        source_bucket_pattern: "b",
        source_key_pattern: "team2/*",
        mapped_prefix: "n/",
        fallback: { client: "old", mapped_prefix: "o/" },
      },
    },
  });
  const copied: string[] = [];
  const migration = {
    // A promise chain rather than an async function with nothing to await: a failed expect or a
    // scripted error still reaches the migration as a rejection.
    copyToPrimary: (route: Route, bucket: string, key: string): Promise<CopyOutcome> =>
      Promise.resolve().then(() => {
        expect([route.name, bucket]).toEqual(["team2", "b"]);
        copied.push(key);
        const result = copy(key);
        if (result instanceof Error) throw result;
        return result;
      }),
  };
  return {
    router: { routeTable: router.routeTable, backend: router.backend.bind(router), migration: migration as never },
    copied,
  };
}

const o = (key: string, size: number, etag: string): Obj => ({ Key: key, Size: size, ETag: `"${etag}"` });

describe("migrate (engine, fake stores)", () => {
  const fallbackObjects = [
    o("o/team2/a", 10, "a1"), // on the primary, same → present without a copy
    o("o/team2/b", 20, "b1"), // on the primary, different → kept newer
    o("o/team2/c", 30, "c1"), // not there → copied
    o("o/team2/d", 40, "d1"), // not there → the copy finds it gone
    o("o/team2/e", 50, "e1-2"), // multipart on the primary with the same size → present
    o("o/team2/f", 60, "f1"), // not there → the copy fails
    o("o/team2/private/x", 5, "x"), // another profile's key → skipped
  ];
  const primaryObjects = [
    o("n/team2/a", 10, "a1"),
    o("n/team2/b", 21, "b2"),
    o("n/team2/e", 50, "e9-3"),
    o("n/team2/z", 1, "z"),
  ];
  const outcomes = (key: string): CopyOutcome | Error =>
    key === "team2/c"
      ? { outcome: "copied", size: 30, etag: '"c1"' }
      : key === "team2/d"
        ? { outcome: "gone" }
        : new Error("SlowDown: reduce your request rate");

  it("copies only what the primary lacks, sorts the rest, and reports failures with their keys", async () => {
    const { router, copied } = setup(fallbackObjects, primaryObjects, outcomes);
    const snapshots: MigrateProgress[] = [];
    const report = await migrate(router, {
      bucket: "b",
      prefix: "team2/",
      concurrency: 2,
      onProgress: (p) => snapshots.push(p),
    });
    expect(copied.sort()).toEqual(["team2/c", "team2/d", "team2/f"]);
    expect(report.listed).toEqual({ objects: 6, bytes: 210 });
    expect(report.copied).toEqual({ objects: 1, bytes: 30 });
    expect(report.present).toEqual({ objects: 2, bytes: 60 });
    expect(report.newer).toEqual({ objects: 1, bytes: 20 });
    expect(report.gone.objects).toBe(1);
    expect(report.failed.objects).toBe(1);
    expect(report.failed.errors.map(({ error: _error, ...where }) => where)).toEqual([
      { route: "team2", key: "team2/f", stage: "copy" },
    ]);
    expect(report.failed.errors[0]?.error).toContain("SlowDown");
    expect(report.skipped).toBe(1);
    expect(report.routes).toEqual([
      {
        profile: "team2",
        from: { client: "old", bucket: "b", prefix: "o/team2/" },
        to: { client: "new", bucket: "b", prefix: "n/team2/" },
      },
    ]);
    const last = snapshots[snapshots.length - 1]!;
    expect(last).toMatchObject({
      finished: true,
      listing: false,
      total: { objects: 6, bytes: 210 },
      done: { objects: 6, bytes: 210 },
    });
  });

  it("in a dry run, copies nothing and reports what would be copied", async () => {
    const { router, copied } = setup(fallbackObjects, primaryObjects, outcomes);
    const report = await migrate(router, { bucket: "b", prefix: "team2/", dryRun: true });
    expect(copied).toEqual([]);
    expect(report.dryRun).toBe(true);
    expect(report.copied).toEqual({ objects: 3, bytes: 130 });
    expect(report.present.objects + report.newer.objects).toBe(3);
  });

  it("classifies a copy that finds the key present by comparing it with the fallback's", async () => {
    // The primary's listing missed them (written meanwhile): copyToPrimary says present.
    const { router } = setup([o("o/team2/p", 7, "p1"), o("o/team2/q", 8, "q1")], [], (key) =>
      key === "team2/p" ? { outcome: "present", size: 7, etag: '"p1"' } : { outcome: "present", size: 9, etag: '"q2"' },
    );
    const report = await migrate(router, { bucket: "b", prefix: "team2/" });
    expect(report.present.objects).toBe(1);
    expect(report.newer.objects).toBe(1);
  });

  it("refuses an address no profile with a fallback serves, naming what it reaches", async () => {
    const { router } = setup([], [], outcomes);
    await expect(migrate(router, { bucket: "other-bucket", prefix: "" })).rejects.toThrow(
      /nothing to migrate under s3:\/\/other-bucket\/: .*"default"/,
    );
  });
});
