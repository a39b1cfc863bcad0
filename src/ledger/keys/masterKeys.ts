import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { randomFromPool } from './randomPool.ts';

/**
 * The master key(s) from the configuration: they wrap every key the ledger keeps in the database
 * (the pseudonym secret, each subject's data key), so a copy of the database alone reveals no
 * personal data — and once a master key is rotated away and destroyed, neither do the copies the
 * database cannot delete (dead tuples, WAL, backups) of keys that were erased under it. The first key wraps; any listed key unwraps what
 * it wrapped, which is how a master key is rotated (README: "Key management"). A key id (`kid`)
 * is stored with each wrapped secret, so the right master key is found without trying them all.
 */
export type Keyring = {
  /** The id of the key new secrets are wrapped under. */
  readonly kid: string;
  wrap(key: Buffer, context: string): { kid: string; wrapped: Buffer };
  /** Throws when `kid` names no configured master key, or the wrapped key was altered. */
  unwrap(kid: string, wrapped: Buffer, context: string): Buffer;
  /**
   * A subject's data key (32 random bytes), wrapped for its row: XOR with HMAC-SHA256 of the
   * master key over the key's id. The key is random and the id unique, so the pad is never
   * reused; one HMAC instead of a cipher per new subject keeps the append path cheap. Without
   * integrity: an altered wrapped key opens to a wrong key, and the events sealed under it fail
   * their authentication tag (GCM) instead of opening.
   */
  wrapSubjectKey(id: string, key: Buffer): { kid: string; wrapped: Buffer };
  unwrapSubjectKey(kid: string, id: string, wrapped: Buffer): Buffer;
};

export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

/** Decodes a configured master key: 32 bytes, base64 (e.g. `openssl rand -base64 32`). */
export function parseMasterKey(encoded: string, field = 'masterKey'): Buffer {
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== encoded.trim().replace(/=+$/, '')) {
    throw new MasterKeyError(`${field}: must be 32 random bytes, base64-encoded (openssl rand -base64 32)`);
  }
  return key;
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('identity-ledger master key id\u0000').update(key).digest('hex').slice(0, 16);
}

export function createKeyring(current: Buffer, previous: readonly Buffer[] = []): Keyring {
  const byKid = new Map<string, Buffer>();
  for (const key of [current, ...previous]) byKid.set(keyIdOf(key), key);
  const kid = keyIdOf(current);
  return {
    kid,
    wrap(key, context) {
      const iv = randomFromPool(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      return { kid, wrapped: Buffer.concat([iv, cipher.update(key), cipher.final(), cipher.getAuthTag()]) };
    },
    unwrap(keyId, wrapped, context) {
      const master = byKid.get(keyId);
      if (!master) throw new MasterKeyError(`a key is wrapped under master key ${keyId}, which is not configured (masterKey / previousMasterKeys)`);
      const decipher = createDecipheriv('aes-256-gcm', master, wrapped.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
      return Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()]);
    },
    wrapSubjectKey(id, key) {
      return { kid, wrapped: xor(key, subjectKeyPad(current, id)) };
    },
    unwrapSubjectKey(keyId, id, wrapped) {
      const master = byKid.get(keyId);
      if (!master) throw new MasterKeyError(`a key is wrapped under master key ${keyId}, which is not configured (masterKey / previousMasterKeys)`);
      return xor(wrapped, subjectKeyPad(master, id));
    },
  };
}

function subjectKeyPad(master: Buffer, id: string): Buffer {
  return createHmac('sha256', master).update('subject-key\u0000').update(id).digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw new MasterKeyError('a wrapped subject key has the wrong length');
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/**
 * The key tests and benchmarks run with when none is given. Public, so never for real data: the
 * service requires a configured master key in production mode and generates one per data
 * directory in embedded mode (src/config/masterKey.ts).
 */
export const DEVELOPMENT_MASTER_KEY = Buffer.from('identity-ledger development key!', 'utf8');
