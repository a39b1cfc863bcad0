import { timingSafeEqual } from 'node:crypto';

/**
 * Compares a signature we computed with one a caller sent, in time independent of where they
 * differ. `timingSafeEqual` throws on different lengths, and an early `return false` would leak
 * the expected length, so a wrong-length input is compared against the expected value itself.
 * Hex digests are compared case-insensitively: the digest is the same whichever case was sent.
 */
export function constantTimeEqual(expected: string, actual: string | undefined): boolean {
  const want = Buffer.from(expected.toLowerCase(), 'utf8');
  const got = Buffer.from((actual ?? '').toLowerCase(), 'utf8');
  if (got.length !== want.length) {
    timingSafeEqual(want, want);
    return false;
  }
  return timingSafeEqual(want, got);
}
