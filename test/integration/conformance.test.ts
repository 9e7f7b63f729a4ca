/**
 * @module test/integration/conformance — the shared S3 conformance suite (test/conformance/) run
 * over every target: the backend directly (the reference), the library router, and the gateway
 * driven by the SDK. A scenario that passes on `direct` and fails on another target is a
 * difference a caller would see; the skip lists (test/conformance/target-skips.ts) say why a
 * target does not run a scenario.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registeredScenarios, type ConformanceSuite } from "../conformance/scenario.js";
import { suiteBatchDelete } from "../conformance/suite-batch-delete.js";
import { suiteCopies } from "../conformance/suite-copies.js";
import { suiteErrors } from "../conformance/suite-errors.js";
import { suiteInputs } from "../conformance/suite-inputs.js";
import { suiteListingProperty } from "../conformance/suite-listing-property.js";
import { suiteListings } from "../conformance/suite-listings.js";
import { suiteMultipart } from "../conformance/suite-multipart.js";
import { suiteObjects } from "../conformance/suite-objects.js";
import { suitePresign } from "../conformance/suite-presign.js";
import { suiteWaiters } from "../conformance/suite-waiters.js";
import type { ConformanceTarget, RunningTarget } from "../conformance/target.js";
import { conformanceTargets } from "../conformance/targets.js";

const SUITES: readonly ConformanceSuite[] = [
  suiteObjects,
  suiteMultipart,
  suiteCopies,
  suiteListings,
  suiteListingProperty,
  suiteBatchDelete,
  suiteErrors,
  suitePresign,
  suiteWaiters,
  suiteInputs,
];

const targets = conformanceTargets();

for (const definition of targets) {
  describe(definition.name, () => {
    let running: RunningTarget | undefined;
    beforeAll(async () => {
      running = await definition.start();
    });
    afterAll(async () => {
      await running?.stop();
    });
    const target = (): ConformanceTarget => {
      if (running === undefined) throw new Error(`the ${definition.name} target did not start`);
      return running.target;
    };
    for (const suite of SUITES) suite(target, definition.skips);
  });
}

describe("skip lists", () => {
  it("name only scenarios that exist", () => {
    const known = registeredScenarios();
    for (const { name, skips } of targets)
      for (const id of skips.keys()) expect(known.has(id), `${name} skips unknown scenario ${id}`).toBe(true);
  });
});
