/** @module test/support/ports — a free loopback port for a server the test or benchmark starts. */
import { createServer, type AddressInfo } from "node:net";

/** A free loopback port (probed, then released: a small race, fine on a test machine). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, ko) => {
    server.once("error", ko);
    server.listen(0, "127.0.0.1", ok);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}
