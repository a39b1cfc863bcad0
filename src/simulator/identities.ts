import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

/**
 * Deterministic WeChat identities without storing users. A "person" is an index 0, 1, 2… in a
 * seeded universe (one Open Platform account): their unionid depends on (seed, person) only, so
 * it is the same in every app of that universe, while their openid differs per appid.
 *
 * The openid is reversible, so a million followers cost no memory: it is one AES-128 block of
 * (person, check tag) under a key derived from (seed, appid), base64url-encoded behind a 5-char
 * per-app prefix — 28 characters, like a real openid ("oEmYbw…"). Decoding an openid of another
 * app or a made-up one fails the tag check.
 */
export type AccountIdentities = {
  openidOf(person: number): string;
  /** The same as mapping openidOf, with one cipher call for a whole page. */
  openidsOf(persons: readonly number[]): string[];
  personOf(openid: string): number | null;
};

const BLOCK = 16;

const digest = (text: string) => createHash('sha256').update(text).digest();

export function unionidOf(seed: string, person: number): string {
  return `o${digest(`unionid\u0000${seed}\u0000${person}`).toString('base64url').slice(0, 27)}`;
}

export function createIdentities(appid: string, seed: string): AccountIdentities {
  const key = digest(`openid-key\u0000${seed}\u0000${appid}`).subarray(0, 16);
  const tag = digest(`openid-tag\u0000${seed}\u0000${appid}`).subarray(0, 8);
  const prefix = `o${digest(`prefix\u0000${appid}`).toString('base64url').slice(0, 5)}`;

  const openidsOf = (persons: readonly number[]) => {
    const plain = Buffer.alloc(persons.length * BLOCK);
    persons.forEach((person, i) => {
      plain.writeBigUInt64BE(BigInt(person), i * BLOCK);
      tag.copy(plain, i * BLOCK + 8);
    });
    const cipher = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    return persons.map((_, i) => prefix + sealed.subarray(i * BLOCK, (i + 1) * BLOCK).toString('base64url'));
  };

  return {
    openidOf: (person) => openidsOf([person])[0] as string,
    openidsOf,
    personOf(openid) {
      if (openid.length !== prefix.length + 22 || !openid.startsWith(prefix)) return null;
      const sealed = Buffer.from(openid.slice(prefix.length), 'base64url');
      if (sealed.length !== BLOCK) return null;
      const decipher = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
      const plain = Buffer.concat([decipher.update(sealed), decipher.final()]);
      if (!plain.subarray(8).equals(tag)) return null;
      const person = plain.readBigUInt64BE(0);
      return person <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(person) : null;
    },
  };
}
