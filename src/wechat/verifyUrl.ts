import { PayloadError, SignatureError } from './errors.ts';
import { checkTimestamp } from './checkTimestamp.ts';
import { verifySignature } from './signature.ts';

export interface VerifyCallbackUrlInput {
  token: string;
  query: { signature?: string | undefined; timestamp?: string | undefined; nonce?: string | undefined };
  /** As for pushes (decodePush): a verification URL signs exactly what a push URL signs. */
  timestampToleranceSeconds?: number | null | undefined;
  now?: number | undefined;
}

export interface VerifyUrlInput extends VerifyCallbackUrlInput {
  query: VerifyCallbackUrlInput['query'] & { echostr?: string | undefined };
}

/**
 * What every callback request must prove before anything else is looked at: `signature` over
 * token, timestamp and nonce (constant time), and a timestamp inside the window. It covers only
 * the URL, so it is checked before the body is read (an unsigned request costs no read or parse).
 */
export function verifyCallbackUrl({ token, query, timestampToleranceSeconds, now }: VerifyCallbackUrlInput): void {
  if (!verifySignature(token, query.timestamp, query.nonce, query.signature)) {
    throw new SignatureError('invalid_signature', 'signature does not match');
  }
  checkTimestamp(query.timestamp ?? '', timestampToleranceSeconds, now ?? Date.now());
}

/**
 * The GET handshake WeChat sends when a callback URL is saved: answer `echostr` verbatim if the
 * signature holds. OA and MP send echostr in plain text in every mode (the encrypted echostr is
 * WeCom's), so nothing is decrypted here.
 */
export function verifyUrl({ token, query, timestampToleranceSeconds, now }: VerifyUrlInput): string {
  verifyCallbackUrl({ token, query, timestampToleranceSeconds, now });
  if (query.echostr === undefined) throw new PayloadError('invalid_push', 'echostr is missing');
  return query.echostr;
}
