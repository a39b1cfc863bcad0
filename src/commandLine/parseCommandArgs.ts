import { parseArgs } from 'node:util';
import { closestMatch } from './closestMatch.ts';
import { COMMON_OPTIONS, type CommandSpec } from './commandSpecs.ts';

/** Wrong arguments: the message says what is wrong and what was probably meant (exit 64). */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** The command whose --help to point at, if any. */
    readonly command?: string,
  ) {
    super(message);
  }
}

export type CommandArgs = {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  text(name: string): string | undefined;
  flag(name: string): boolean;
};

/** Parses a command's arguments strictly against its spec: unknown flags, missing values, bad choices and extra positionals are errors. */
export function parseCommandArgs(command: CommandSpec, args: string[]): CommandArgs {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const parseOptions = Object.fromEntries(
    Object.entries(options).map(([name, option]) => [name, { type: option.type, ...(option.short ? { short: option.short } : {}) }]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string }>;
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: parseOptions, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(explain(error as Error & { code?: string }, Object.keys(options), command.name), command.name);
  }
  const { values, positionals } = parsed;
  if (values.help) return withAccessors(values, positionals);
  for (const [name, option] of Object.entries(options)) {
    const value = values[name];
    if (option.choices && typeof value === 'string' && !option.choices.includes(value)) {
      const meant = closestMatch(value, option.choices);
      throw new UsageError(`--${name} must be one of ${option.choices.join(', ')}, not ${JSON.stringify(value)}${meant ? ` (did you mean ${meant}?)` : ''}`, command.name);
    }
  }
  if (positionals.length > command.positionals.max) {
    throw new UsageError(`${command.name} takes ${command.positionals.max === 0 ? 'no arguments' : `at most ${command.positionals.max}`}, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`, command.name);
  }
  if (positionals.length < command.positionals.min) throw new UsageError(`usage: identity-ledger ${command.name} ${command.usage}`, command.name);
  return withAccessors(values, positionals);
}

function withAccessors(values: CommandArgs['values'], positionals: string[]): CommandArgs {
  return {
    values,
    positionals,
    text: (name) => (typeof values[name] === 'string' ? (values[name] as string) : undefined),
    flag: (name) => values[name] === true,
  };
}

/** node's parseArgs errors, in words, with the flag that was probably meant. */
function explain(error: Error & { code?: string }, known: string[], command: string): string {
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'(-{1,2}[^']*)'/.exec(error.message)?.[1] ?? '';
    const name = given.replace(/^-+/, '').replace(/=.*$/, '');
    const meant = closestMatch(name, known);
    return `${command} has no option ${given}${meant ? ` (did you mean --${meant}?)` : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return error.message.replace(/\.$/, '').replace(/^Option/, `${command}: option`);
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `${command}: unexpected argument (${error.message})`;
  return `${command}: ${error.message}`;
}
