import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomFromPool } from './randomPool.ts';

/**
 * Personal fields of one event, encrypted with AES-256-GCM under the data key of the event's
 * subject, with the event id as associated data: a sealed value copied onto another event does
 * not open. Stored in the event's data as `sealed` (base64 of iv ‖ ciphertext ‖ tag).
 */
export function seal(key: Buffer, eventId: string, plaintext: string): string {
  const iv = randomFromPool(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(eventId, 'utf8'));
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

/** Throws when the sealed value was altered, or belongs to another event or key. */
export function unseal(key: Buffer, eventId: string, sealed: string): string {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(eventId, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
}
