/**
 * A request the command refuses, with a stable `code` for `{error: {code, message}}` and the
 * HTTP status it maps to (commands are also run from the CLI, which prints the message).
 */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
