import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout. Redaction is a second line of defence: the code never logs secrets,
 * tokens, session keys or encrypted payloads in the first place.
 */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'identity-ledger' },
      redact: {
        paths: [
          '*.secret',
          '*.token',
          '*.session_key',
          '*.sessionKey',
          '*.encryptedData',
          '*.access_token',
          '*.authorization',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}
