import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../ledger/database.ts';

/**
 * MP session keys, encrypted at rest with AES-256-GCM (key from `sessionKeySecret`), kept out of
 * the ledger (they are secrets, not facts) and never returned by the API. Later calls that need
 * them (decrypting more user data) read them back here.
 */
export function createSessionKeyVault(db: Db, secret: string | undefined) {
  const key = secret ? deriveKey(secret) : null;
  return {
    async store(appid: string, openid: string, sessionKey: string): Promise<void> {
      if (!key) return;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([iv, cipher.update(sessionKey, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
      await db
        .insertInto('mp_sessions')
        .values({ appid, openid, session_key_enc: sealed })
        .onConflict((oc) => oc.columns(['appid', 'openid']).doUpdateSet({ session_key_enc: sealed, updated_at: sql`now()` }))
        .execute();
    },
    async read(appid: string, openid: string): Promise<string | null> {
      if (!key) return null;
      const row = await db.selectFrom('mp_sessions').select('session_key_enc').where('appid', '=', appid).where('openid', '=', openid).executeTakeFirst();
      if (!row) return null;
      const sealed = Buffer.from(row.session_key_enc, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8');
    },
  };
}

function deriveKey(secret: string): Buffer {
  const raw = Buffer.from(secret, 'base64');
  // A 32-byte base64 secret is used as is; anything else is stretched by a hash so a passphrase works.
  return raw.length === 32 ? raw : createHash('sha256').update(secret).digest();
}

export type SessionKeyVault = ReturnType<typeof createSessionKeyVault>;
