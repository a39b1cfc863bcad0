/**
 * A Bloom filter of the keys a version's table holds, kept by the processor that folded that version
 * from position 0 itself. A key it has never seen cannot have a row, so the batch's load skips
 * it: a rebuild meets every key for the first time once, and each such miss would otherwise cost
 * an index probe. A false positive only costs the probe; there are no false negatives. Fixed
 * size (4 MiB by default): past its design capacity it loses precision, never correctness.
 */
export type KeyFilter = { add(key: string): void; mightContain(key: string): boolean };

/**
 * The filter's key for a row or a key: deduplicates cheaply (NUL cannot occur in PostgreSQL
 * text); the folds' own `keyOf` is JSON, and they already call it often enough.
 */
export function filterKeyOf(key: { appid: string; openid: string }): string {
  return `${key.appid}\u0000${key.openid}`;
}

export function createKeyFilter(bits = 1 << 25, hashes = 5): KeyFilter {
  const words = new Uint32Array(Math.ceil(bits / 32));
  const size = words.length * 32;
  const positions = (key: string, visit: (bit: number) => boolean): boolean => {
    // Double hashing (Kirsch–Mitzenmacher) from two independent 32-bit string hashes.
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h2 |= 1;
    for (let i = 0; i < hashes; i++) {
      if (!visit(((h1 + Math.imul(i, h2)) >>> 0) % size)) return false;
    }
    return true;
  };
  return {
    add(key) {
      positions(key, (bit) => {
        words[bit >>> 5]! |= 1 << (bit & 31);
        return true;
      });
    },
    mightContain(key) {
      return positions(key, (bit) => (words[bit >>> 5]! & (1 << (bit & 31))) !== 0);
    },
  };
}
