import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 16 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * `n` bytes from the operating system's CSPRNG, drawn from a pool refilled 16 KiB at a time:
 * every event needs a fresh IV and every new subject a key seed, and one `randomBytes` call per
 * value cost more (a call into OpenSSL each) than the encryption it feeds. Each call gets bytes
 * no other call gets, copied out of the pool.
 */
export function randomFromPool(n: number): Buffer {
  if (n > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at a time`);
  if (offset + n > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + n));
  // Used bytes are overwritten at once: none stays readable in the pool after it was handed out.
  pool.fill(0, offset, offset + n);
  offset += n;
  return bytes;
}
