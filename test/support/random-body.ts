/**
 * @module test/support/random-body — large request bodies for tests, generated as they stream
 * (never held whole), and the SHA-256 of bodies that come back.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";

/**
 * `size` random bytes as a stream, in chunks of a little over 1 MiB (random, not a repeated
 * pattern: parts swapped or repeated change the hash). `sha256()` is their hash once the stream
 * has been read to its end.
 */
export function randomBody(size: number): { body: Readable; sha256: () => string } {
  const hash = createHash("sha256");
  let left = size;
  const body = Readable.from(
    (function* () {
      while (left > 0) {
        const chunk = randomBytes(Math.min(1024 * 1024 + 17, left));
        left -= chunk.length;
        hash.update(chunk);
        yield chunk;
      }
    })(),
  );
  return { body, sha256: () => hash.digest("hex") };
}

/** SHA-256 (hex) of a streamed body, read to its end. */
export async function sha256OfStream(body: AsyncIterable<unknown>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
