/**
 * @module test/conformance/deep-freeze — freezes a command input and everything it holds, so that
 * any write to it — however deep — throws in strict mode instead of passing unnoticed.
 */

/** Freezes `value` and every object it reaches; returns it. Buffers and streams are left alone. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  // Typed arrays cannot be frozen (their elements are not configurable), and a Body is the SDK's
  // to read, not a name or option the router might rewrite.
  if (ArrayBuffer.isView(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
