/**
 * @module test/support/fault-proxy — a TCP proxy on 127.0.0.1 that sits between a client (the
 * router, the gateway, an SDK client) and a server (a real Ceph RGW, a gateway) and breaks the
 * connection on demand: added latency, a bandwidth limit, a reset after N bytes either way, a
 * black hole, a refused port, a burst of S3 `500`/`503 SlowDown` answers, a slow reader.
 *
 * It works on bytes, not on HTTP, so what the client sees is what a real network or a real
 * overloaded server does to it: a reset mid-body, a body shorter than its Content-Length, a
 * request that is never answered. Only the error burst speaks HTTP, just enough to answer a
 * request instead of forwarding it.
 *
 * Faults apply to open (keep-alive) connections as well as new ones: a client's pool does not
 * escape a fault armed after it connected.
 *
 * @example
 * const proxy = await startFaultProxy("http://127.0.0.1:33877");
 * await proxy.set({ reset: { direction: "downstream", afterBytes: 64 * 1024 } });
 * // … the next response longer than 64 KiB is cut by a TCP RST …
 * await proxy.stop();
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/** Which way bytes flow: client → server ("upstream") or server → client ("downstream"). */
export type Direction = "upstream" | "downstream";

/** What the proxy does to traffic. Fields combine; an empty object forwards faithfully. */
export interface Fault {
  /** Delay added to every chunk, each way (order is kept). */
  readonly latencyMs?: number;
  /** Bandwidth limit each way, in bytes per second. */
  readonly bytesPerSecond?: number;
  /**
   * Reset the connection (TCP RST to the client, the server's side closed) once `afterBytes`
   * have passed in `direction` on one connection since the fault was set; the bytes before the
   * cut are delivered. `times` connections are cut, then this part of the fault is spent.
   * @default times 1
   */
  readonly reset?: { readonly direction: Direction; readonly afterBytes: number; readonly times?: number };
  /** Accept and read, never forward and never answer (a hung server, a dropped route). */
  readonly blackhole?: boolean;
  /** Close the listening port: connections are refused (ECONNREFUSED), open ones are reset. */
  readonly refuse?: boolean;
  /**
   * Answer the next `count` requests with this S3 error instead of forwarding them, then close
   * their connection (what an overloaded S3 endpoint does).
   * @default status 503, code SlowDown
   */
  readonly httpError?: { readonly count: number; readonly status?: 500 | 503; readonly code?: string };
  /**
   * The client reads the server's answer at this rate (bytes per second): the server sees TCP
   * backpressure, as from a client on a slow link. Applies downstream only.
   */
  readonly slowReader?: number;
}

/** What the proxy saw since it started. */
export interface FaultProxyStats {
  /** Connections accepted. */
  accepted: number;
  /** Connections cut by a `reset` fault or by `refuse`. */
  resets: number;
  /** Requests answered by the `httpError` fault. */
  httpErrors: number;
  /** Chunks swallowed by the black hole. */
  swallowed: number;
  bytesUp: number;
  bytesDown: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: put this where the client would put the server's endpoint. */
  readonly url: string;
  readonly port: number;
  readonly stats: Readonly<FaultProxyStats>;
  /** Replaces the fault in force (waits for the port to close or reopen when `refuse` changes). */
  set(fault: Fault): Promise<void>;
  /** Back to faithful forwarding. */
  clear(): Promise<void>;
  /** Connections open right now (client side). */
  openConnections(): number;
  /** Resets every open connection now (a server crash as the client sees it). */
  resetAll(): void;
  /** Closes the port and every connection. Idempotent. */
  stop(): Promise<void>;
}

interface Connection {
  readonly client: Socket;
  readonly server: Socket;
  /** Bytes per direction since the reset fault in force was set. */
  counted: { generation: number; upstream: number; downstream: number };
  /** Once black-holed, a connection stays so: the client must not get a late answer. */
  blackholed: boolean;
  /** Time at which the last scheduled chunk is released, per direction (shaping). */
  releaseAt: { upstream: number; downstream: number };
  /**
   * Settles once the last chunk scheduled in a direction has been written: a half-close waits for
   * it, since two timers due in the same millisecond may fire in either order.
   */
  written: { upstream: Promise<void>; downstream: Promise<void> };
}

/** A request line at the start of a chunk: how the error burst tells a new request from a body. */
const REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/;

/**
 * Starts a proxy to `target` (`http://host:port`) on a free loopback port (or `port`).
 */
export async function startFaultProxy(target: string, options: { port?: number } = {}): Promise<FaultProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const stats: FaultProxyStats = { accepted: 0, resets: 0, httpErrors: 0, swallowed: 0, bytesUp: 0, bytesDown: 0 };
  const connections = new Set<Connection>();
  let fault: Fault = {};
  let generation = 0;
  let resetsLeft = 0;
  let errorsLeft = 0;
  let server: Server | undefined;
  let stopped = false;

  const cut = (conn: Connection): void => {
    stats.resets++;
    connections.delete(conn);
    conn.client.resetAndDestroy();
    conn.server.destroy();
  };

  /** Answers the request that starts `chunk` with an S3 error and closes the connection. */
  const answerError = (conn: Connection): void => {
    errorsLeft--;
    stats.httpErrors++;
    const { status = 503, code = status === 503 ? "SlowDown" : "InternalError" } = fault.httpError ?? {};
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by the fault proxy</Message><RequestId>fault-proxy</RequestId></Error>`;
    const reason = status === 503 ? "Slow Down" : "Internal Server Error";
    conn.server.destroy();
    conn.client.removeAllListeners("data");
    // Whatever body follows is read and dropped, so the client is not reset while it still writes.
    conn.client.on("data", () => undefined);
    conn.client.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/xml\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };

  /** Delay before a chunk of `size` bytes may go on in `direction` under the current fault. */
  const delayFor = (conn: Connection, direction: Direction, size: number): number => {
    const rate = direction === "downstream" && fault.slowReader !== undefined ? fault.slowReader : fault.bytesPerSecond;
    const latency = fault.latencyMs ?? 0;
    if (rate === undefined && latency === 0) return 0;
    const now = Date.now();
    const start = Math.max(now, conn.releaseAt[direction]);
    const release = start + (rate === undefined ? 0 : (size / rate) * 1000);
    conn.releaseAt[direction] = release;
    return release - now + latency;
  };

  /** Moves one chunk from `from` to `to`, applying the fault in force. */
  const forward = (conn: Connection, direction: Direction, chunk: Buffer): void => {
    const from = direction === "upstream" ? conn.client : conn.server;
    const to = direction === "upstream" ? conn.server : conn.client;
    if (direction === "upstream" && errorsLeft > 0 && REQUEST_LINE.test(chunk.subarray(0, 256).toString("latin1"))) {
      answerError(conn);
      return;
    }
    if (fault.blackhole || conn.blackholed) {
      conn.blackholed = true;
      stats.swallowed++;
      return;
    }
    let piece = chunk;
    let cutAfter = false;
    if (fault.reset && resetsLeft > 0 && fault.reset.direction === direction) {
      if (conn.counted.generation !== generation) conn.counted = { generation, upstream: 0, downstream: 0 };
      const room = fault.reset.afterBytes - conn.counted[direction];
      if (chunk.length >= room && (room > 0 || chunk.length > 0)) {
        piece = chunk.subarray(0, Math.max(0, room));
        cutAfter = true;
        resetsLeft--;
      }
      conn.counted[direction] += piece.length;
    }
    stats[direction === "upstream" ? "bytesUp" : "bytesDown"] += piece.length;
    const send = () => {
      if (to.destroyed) return;
      if (cutAfter) {
        // The bytes before the cut reach the peer first, as on a real link that breaks.
        if (piece.length > 0) to.write(piece, () => cut(conn));
        else cut(conn);
        return;
      }
      if (to.write(piece)) from.resume();
      else to.once("drain", () => from.resume());
    };
    from.pause();
    const delay = delayFor(conn, direction, piece.length);
    if (delay <= 0) send();
    else conn.written[direction] = new Promise<void>((done) => setTimeout(() => (send(), done()), delay));
  };

  const onConnection = (client: Socket): void => {
    stats.accepted++;
    const upstream = connect({ host: hostname, port: Number(targetPort) });
    const conn: Connection = {
      client,
      server: upstream,
      counted: { generation, upstream: 0, downstream: 0 },
      blackholed: false,
      releaseAt: { upstream: 0, downstream: 0 },
      written: { upstream: Promise.resolve(), downstream: Promise.resolve() },
    };
    connections.add(conn);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on("data", (chunk: Buffer) => forward(conn, "upstream", chunk));
    upstream.on("data", (chunk: Buffer) => forward(conn, "downstream", chunk));
    // A half-close is passed on, unless the connection is black-holed (then nothing is).
    client.on("end", () => passEnd(conn, "upstream"));
    upstream.on("end", () => passEnd(conn, "downstream"));
    const drop = () => {
      connections.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    // The server refusing or resetting is passed on as a reset, as a direct connection would see it.
    upstream.on("error", () => {
      connections.delete(conn);
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.on("error", drop);
    client.on("close", drop);
  };

  /** Passes a half-close on after the chunks still held back (latency), unless black-holed. */
  const passEnd = (conn: Connection, direction: Direction): void => {
    if (conn.blackholed) return;
    const to = direction === "upstream" ? conn.server : conn.client;
    const wait = Math.max(0, conn.releaseAt[direction] - Date.now()) + (fault.latencyMs ?? 0);
    const end = () => void conn.written[direction].then(() => (to.destroyed ? undefined : to.end()));
    if (wait <= 0) end();
    else setTimeout(end, wait);
  };

  const listen = (port: number): Promise<Server> =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer(onConnection);
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve(s));
    });

  const close = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const conn of [...connections]) cut(conn);
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  server = await listen(options.port ?? 0);
  const port = (server.address() as AddressInfo).port;

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    async set(next) {
      fault = next;
      generation++;
      resetsLeft = next.reset ? (next.reset.times ?? 1) : 0;
      errorsLeft = next.httpError?.count ?? 0;
      if (next.refuse && server) await close();
      // The same port again: the client's configuration names it.
      if (!next.refuse && !server && !stopped) server = await listen(port);
    },
    clear: () => proxy.set({}),
    openConnections: () => connections.size,
    resetAll() {
      for (const conn of [...connections]) cut(conn);
    },
    async stop() {
      stopped = true;
      await close();
    },
  };
  return proxy;
}
