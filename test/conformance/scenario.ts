/**
 * @module test/conformance/scenario — how a scenario is registered: under its id, skipped (with
 * the reason in its title) when the target's skip list names it, or run as an expected failure
 * when the list names it as a known bug. Every id registered is recorded,
 * so that a skip list naming a scenario that no longer exists is caught (a stale skip hides
 * nothing, but misleads whoever reads the list).
 */
import { it, type TestContext } from "vitest";
import type { ConformanceTarget, ScenarioId, SkipList } from "./target.js";

/** A group of scenarios: registers its describe/it blocks for one target. */
export type ConformanceSuite = (target: () => ConformanceTarget, skips: SkipList) => void;

const registered = new Set<ScenarioId>();

/** Every scenario id registered so far in this file. */
export const registeredScenarios = (): ReadonlySet<ScenarioId> => registered;

/**
 * Registers one scenario: skipped when `skips` names it, expected to fail when `skips` names it as
 * a known bug; the reason goes in the title either way.
 */
export function scenario(
  skips: SkipList,
  id: ScenarioId,
  title: string,
  fn: (context: TestContext) => Promise<void>,
  timeout?: number,
): void {
  registered.add(id);
  const skip = skips.get(id);
  if (skip === undefined) it(title, fn, timeout);
  else if (skip.kind === "known-bug") it.fails(`${title} [known bug: ${skip.reason}]`, fn, timeout);
  else it.skip(`${title} [skipped: ${skip.reason}]`, fn, timeout);
}
