import { describe, expect, it } from "vitest";
import { UserSlots } from "../../src/gateway/user-slots.js";

describe("UserSlots", () => {
  it("caps each caller apart, refuses beyond the cap with SlowDown, and frees on release (once)", () => {
    let limit = 2;
    const slots = new UserSlots(() => limit);
    const a1 = slots.take("a");
    const a2 = slots.take("a");
    expect(() => slots.take("a")).toThrow(expect.objectContaining({ code: "SlowDown", status: 503 }));
    // Another caller is not affected by a's share.
    const b1 = slots.take("b");
    a1();
    a1(); // a second release frees nothing more
    expect(slots.inFlight("a")).toBe(1);
    slots.take("a");
    expect(() => slots.take("a")).toThrow(expect.objectContaining({ code: "SlowDown" }));
    // The cap is read at each request: a reload that raises it applies at once.
    limit = 3;
    slots.take("a");
    a2();
    b1();
    expect(slots.inFlight("b")).toBe(0);
  });
});
