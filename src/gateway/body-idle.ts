/**
 * @module gateway/body-idle — ends a request body its client stopped sending: without it, an
 * upload that sends one byte and stalls holds a backend connection until the backend gives up,
 * and a few hundred of them hold every connection.
 */
import type { IncomingMessage } from "node:http";
import type { Readable, Writable } from "node:stream";
import { S3Error } from "./s3-error.js";

/**
 * Watches `req` while its body streams into `body` (the stream the backend reads): when no byte
 * arrives for `ms` although the gateway is ready for more, `body` fails with S3's
 * `RequestTimeout` (400), which the handler answers before closing the connection. Time the
 * backend spends not reading (backpressure) does not count against the client.
 * @returns a function that stops watching (also stopped when the body ends).
 */
export function watchBodyIdle(req: IncomingMessage, body: Readable, ms: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(timer);
    req.off("data", arm);
    req.off("end", stop);
    req.off("close", stop);
  };
  function arm(): void {
    clearTimeout(timer);
    timer = setTimeout(fire, ms);
    timer.unref();
  }
  function fire(): void {
    // Paused or holding unread data: the gateway's side is what waits, not the client.
    if (req.complete) return stop();
    if (
      req.readableFlowing !== true ||
      req.readableLength > 0 ||
      (body as Readable & Partial<Pick<Writable, "writableNeedDrain">>).writableNeedDrain === true
    )
      return arm();
    stop();
    body.destroy(
      new S3Error(
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the timeout period.",
      ),
    );
  }
  req.on("data", arm);
  req.once("end", stop);
  req.once("close", stop);
  arm();
  return stop;
}
