/**
 * @module test/unit/fault-proxy — the test proxy's faults do what the fault tests rely on, checked
 * against a plain local HTTP server: a reset cuts a body after exactly N bytes, a burst answers
 * exactly `count` requests, a black hole never answers nor forwards, a refused port refuses and
 * reopens on the same port, shaping keeps every byte in order.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";

const BODY = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
let server: Server;
let proxy: FaultProxy;
let received = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    received++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const echo = Buffer.concat(chunks);
      const body = req.method === "PUT" ? Buffer.from(String(echo.length)) : BODY;
      res.writeHead(200, { "content-length": body.length });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  proxy = await startFaultProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

// Each test sets its own faults; one that fails before its clear() must not leave them to the next.
afterEach(() => proxy?.clear());

afterAll(async () => {
  await proxy?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

interface Outcome {
  status?: number;
  body: Buffer;
  error?: string;
}

/** One request through the proxy, on a fresh connection unless `agent` says otherwise. */
function call(method: "GET" | "PUT", upload?: Buffer, abortAfterMs?: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    const req = request(
      `${proxy.url}/x`,
      { method, agent: false, headers: upload ? { "content-length": upload.length } : {} },
      (res) => {
        status = res.statusCode;
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ ...(status !== undefined && { status }), body: Buffer.concat(chunks) }));
        res.on("error", (e) =>
          resolve({
            ...(status !== undefined && { status }),
            body: Buffer.concat(chunks),
            error: (e as NodeJS.ErrnoException).code ?? e.message,
          }),
        );
      },
    );
    req.on("error", (e) =>
      resolve({
        ...(status !== undefined && { status }),
        body: Buffer.concat(chunks),
        error: (e as NodeJS.ErrnoException).code ?? e.message,
      }),
    );
    if (abortAfterMs !== undefined) setTimeout(() => req.destroy(new Error("gave up")), abortAfterMs);
    req.end(upload);
  });
}

describe("fault proxy", () => {
  it("forwards faithfully without a fault", async () => {
    const out = await call("GET");
    expect(out.status).toBe(200);
    expect(out.body.equals(BODY)).toBe(true);
  });

  it("cuts a response after exactly N body-and-header bytes, once", async () => {
    await proxy.set({ reset: { direction: "downstream", afterBytes: 50_000 } });
    const cut = await call("GET");
    expect(cut.error).toMatch(/ECONNRESET|aborted/);
    // Headers came first, so fewer than 50,000 body bytes arrived, and never the whole body.
    expect(cut.body.length).toBeLessThan(50_000);
    expect(cut.body.equals(BODY.subarray(0, cut.body.length))).toBe(true);
    expect((await call("GET")).body.equals(BODY)).toBe(true);
    await proxy.clear();
  });

  it("cuts an upload mid-body: the server never gets the whole request", async () => {
    const before = received;
    await proxy.set({ reset: { direction: "upstream", afterBytes: 10_000 } });
    const out = await call("PUT", Buffer.alloc(100_000, 7));
    expect(out.error).toMatch(/ECONNRESET|EPIPE/);
    await proxy.clear();
    const whole = await call("PUT", Buffer.alloc(100_000, 7));
    expect(whole.body.toString()).toBe("100000");
    // The cut request reached the handler at most (its headers), never its end.
    expect(received - before).toBeLessThanOrEqual(2);
  });

  it("answers exactly `count` requests with 503 SlowDown, then forwards again", async () => {
    const before = proxy.stats.httpErrors; // counted since the proxy started, over every test
    await proxy.set({ httpError: { count: 2 } });
    const answers = [await call("GET"), await call("PUT", Buffer.alloc(1000)), await call("GET")];
    expect(answers.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(answers[0]!.body.toString()).toContain("<Code>SlowDown</Code>");
    expect(proxy.stats.httpErrors - before).toBe(2);
    await proxy.clear();
  });

  it("black hole: the request is neither answered nor forwarded", async () => {
    const before = received;
    await proxy.set({ blackhole: true });
    const out = await call("GET", undefined, 300);
    expect(out).toMatchObject({ error: "gave up", body: Buffer.alloc(0) });
    expect(out.status).toBeUndefined();
    expect(received).toBe(before);
    await proxy.clear();
    expect((await call("GET")).status).toBe(200);
  });

  it("refuse: the port refuses, then reopens on the same port", async () => {
    await proxy.set({ refuse: true });
    expect((await call("GET")).error).toBe("ECONNREFUSED");
    await proxy.clear();
    expect((await call("GET")).body.equals(BODY)).toBe(true);
  });

  it("latency, bandwidth and a slow reader keep every byte in order", async () => {
    await proxy.set({ latencyMs: 5, bytesPerSecond: 4_000_000, slowReader: 2_000_000 });
    const [get, put] = await Promise.all([call("GET"), call("PUT", Buffer.alloc(150_000, 3))]);
    expect(get.body.equals(BODY)).toBe(true);
    expect(put.body.toString()).toBe("150000");
    await proxy.clear();
  });
});
