/**
 * The configuration cannot be used; the message names the setting. At start it stops the service
 * (the command line prints the message alone). Met while serving — an EncodingAESKey no schema
 * checked reaching the message crypto — it is our fault, not the request's: 500 with `code`.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly status = 500;
  constructor(
    message: string,
    readonly code: string = 'invalid_configuration',
  ) {
    super(message);
  }
}
