/**
 * @module test/conformance/scenario — how a scenario is registered: under its id, skipped (with
 * the reason in its title) when the target's skip list names it. Every id registered is recorded,
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

/** Registers one scenario; skipped, with its reason in the title, when `skips` names it. */
export function scenario(
  skips: SkipList,
  id: ScenarioId,
  title: string,
  fn: (context: TestContext) => Promise<void>,
  timeout?: number,
): void {
  registered.add(id);
  const reason = skips.get(id);
  it.skipIf(reason !== undefined)(reason === undefined ? title : `${title} [skipped: ${reason}]`, fn, timeout);
}
