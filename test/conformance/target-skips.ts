/**
 * @module test/conformance/target-skips — the scenarios each target does not run, and why. Most
 * scenarios are target-neutral (they ask the target where things are instead of assuming), so
 * these lists stay short; each entry must say what makes the scenario meaningless or impossible
 * on that target, not merely that it fails.
 */
import type { SkipList, TargetName } from "./target.js";

export const TARGET_SKIPS: Readonly<Record<TargetName, SkipList>> = {
  direct: new Map(),
  library: new Map([
    [
      "objects/list-buckets-hides-physical",
      "the library lists a renamed-into bucket of the default store (here <split>-csv) under its own " +
        "name, because that name still routes there and reaches it (src/spanning/list-buckets.ts says " +
        "so); the gateway refuses such names outright, so only it hides them",
    ],
  ]),
  gateway: new Map(),
};
