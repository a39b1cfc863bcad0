import { JobKind, JobStatus } from '../jobs/job.ts';

/**
 * Every `identity-ledger` command with exactly the flags it takes: arguments are parsed strictly
 * against this, so a typo (`--dryrun`) is an error naming the flag meant, never a silently
 * ignored flag that turns a dry run into an irreversible conversion.
 */
export type OptionSpec = {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder in the help: `--from <appid>`. */
  value?: string;
  description: string;
  /** The only values a string option accepts. */
  choices?: readonly string[];
};

export type CommandSpec = {
  name: string;
  summary: string;
  /** After `identity-ledger <name>`: positionals and flags. */
  usage: string;
  positionals: { min: number; max: number };
  options: Record<string, OptionSpec>;
  /** More lines for `<command> --help`. */
  details?: string;
};

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', value: 'file', description: 'configuration file (default: $LEDGER_CONFIG, else the embedded demo)' },
  help: { type: 'boolean', short: 'h', description: 'this help' },
};

const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print the job as JSON on stdout (progress stays on stderr)' };
const DETACH_OPTION: OptionSpec = { type: 'boolean', description: 'only queue the job for a running service; print its id' };
const JOB_DETAILS =
  'The job runs in this process with a progress bar (plain lines when not a terminal); Ctrl-C hands it back\n' +
  'and `identity-ledger resume <job id>` continues it. JOB_LEASE_SECONDS (default 30): how soon another\n' +
  'instance may take over the job of a process that died.';

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'serve', summary: 'run the service (HTTP API, webhook, relay, projections)', usage: '', positionals: { min: 0, max: 0 }, options: {} },
  { name: 'migrate', summary: 'apply pending schema migrations and exit', usage: '', positionals: { min: 0, max: 0 }, options: {} },
  {
    name: 'verify',
    summary: "check the ledger's hash chain and compare each projection with a fresh fold; exits 2 when anything differs",
    usage: '',
    positionals: { min: 0, max: 0 },
    options: {},
  },
  {
    name: 'rebuild',
    summary: 'rebuild projections from position 0, blue/green',
    usage: '[identity-links|follow-state ...]',
    positionals: { min: 0, max: 2 },
    options: {},
    details: 'Without a name both projections are rebuilt.',
  },
  { name: 'simulate', summary: 'run the WeChat simulator (SIMULATOR_PORT, default 3100)', usage: '', positionals: { min: 0, max: 0 }, options: {} },
  {
    name: 'send-push',
    summary: 'sign (and encrypt) a push like WeChat and POST it to the service',
    usage: '[--appid <appid>] [--openid <openid>] [--event subscribe|unsubscribe] [--mode plain|compatible|safe] [--url <url>] [--event-key <key>]',
    positionals: { min: 0, max: 0 },
    options: {
      appid: { type: 'string', value: 'appid', description: 'a configured account with a callback token (default: the first Official Account)' },
      openid: { type: 'string', value: 'openid', description: "the user (default: one of the simulator's followers)" },
      event: { type: 'string', value: 'event', description: 'subscribe (default) or unsubscribe', choices: ['subscribe', 'unsubscribe'] },
      mode: { type: 'string', value: 'mode', description: "message mode (default: safe when the account has an EncodingAESKey, else plain)", choices: ['plain', 'compatible', 'safe'] },
      url: { type: 'string', value: 'url', description: 'the service (default: http://127.0.0.1:$PORT)' },
      'event-key': { type: 'string', value: 'key', description: 'EventKey of a subscribe, e.g. qrscene_1' },
    },
  },
  {
    name: 'reconcile',
    summary: "reconcile an Official Account's follow state with WeChat's follower list (user/get)",
    usage: '<appid> [--detach] [--json]',
    positionals: { min: 1, max: 1 },
    options: { detach: DETACH_OPTION, json: JSON_OPTION },
    details: JOB_DETAILS,
  },
  {
    name: 'backfill-unionids',
    summary: 'look up the unionid of every openid of the account that lacks one (batchget)',
    usage: '<appid> [--detach] [--json]',
    positionals: { min: 1, max: 1 },
    options: { detach: DETACH_OPTION, json: JSON_OPTION },
    details: JOB_DETAILS,
  },
  {
    name: 'convert-openids',
    summary: 'convert openids after an account migration (changeopenid, 15-day window)',
    usage: '--from <old appid|gh_id> --to <new appid> [--dry-run] [--all] [--openids-file <file>] [--backfill] [--detach] [--json]',
    positionals: { min: 0, max: 0 },
    options: {
      from: { type: 'string', value: 'appid|gh_id', description: "the OLD account: its appid or gh_ original id (need not be configured any more)" },
      to: { type: 'string', value: 'appid', description: "the NEW account (configured; its token calls changeopenid)" },
      'dry-run': { type: 'boolean', description: 'count what would be converted; append nothing' },
      all: { type: 'boolean', description: 'every openid of the old account the ledger knows, not only its followers' },
      'openids-file': { type: 'string', value: 'file', description: 'openids captured from the old account before it was frozen, one per line' },
      backfill: { type: 'boolean', description: 'queue a unionid backfill of the new account when done' },
      detach: DETACH_OPTION,
      json: JSON_OPTION,
    },
    details: `A real conversion cannot be undone: run it with --dry-run first.\n${JOB_DETAILS}`,
  },
  {
    name: 'resume',
    summary: 'continue a paused, failed or interrupted job where it stopped',
    usage: '<job id> [--detach] [--json]',
    positionals: { min: 1, max: 1 },
    options: { detach: DETACH_OPTION, json: JSON_OPTION },
    details: JOB_DETAILS,
  },
  {
    name: 'erase',
    summary: "forget one account's user or a person under a unionid (PIPL art. 47); prints what was erased (counts)",
    usage: '--appid <appid> --openid <openid> | --unionid <unionid>',
    positionals: { min: 0, max: 0 },
    options: {
      appid: { type: 'string', value: 'appid', description: 'the account of the user to erase (with --openid)' },
      openid: { type: 'string', value: 'openid', description: 'the user to erase (with --appid); - reads it from stdin' },
      unionid: { type: 'string', value: 'unionid', description: 'erase the person in every app under this unionid; - reads it from stdin' },
    },
    details:
      "Deletes the person's keys (the ledger's events about them read as redacted from then on), projection rows,\n" +
      'session keys and job work lists, and appends identity.erased. It cannot be undone.\n' +
      'With - for --openid or --unionid the identifier is read from stdin (one line), so it stays out of\n' +
      'the process list and the shell history: printf %s "$OPENID" | identity-ledger erase --appid wx… --openid -',
  },
  {
    name: 'rewrap-keys',
    summary: 'after a master-key rotation: rewrap every stored key under the current masterKey',
    usage: '',
    positionals: { min: 0, max: 0 },
    options: {},
    details: 'Set masterKey to the new key and previousMasterKeys to the old one, run this, then drop the old key.',
  },
  {
    name: 'jobs',
    summary: 'list recent jobs, or show one',
    usage: '[<job id>] [--kind k] [--appid a] [--status s] [--limit n] [--json]',
    positionals: { min: 0, max: 1 },
    options: {
      kind: { type: 'string', value: 'kind', description: 'only jobs of this kind', choices: JobKind.options },
      appid: { type: 'string', value: 'appid', description: 'only jobs of this (configured) account' },
      status: { type: 'string', value: 'status', description: 'only jobs in this status', choices: JobStatus.options },
      limit: { type: 'string', value: 'n', description: 'at most n jobs (default 20)' },
      json: { type: 'boolean', description: 'print {jobs: [...]} as JSON (the shape of GET /v1/jobs)' },
    },
  },
];

export const EXIT_CODES = {
  ok: 0,
  /** The command ran and was refused or failed (a refused job request, an unreachable service). */
  error: 1,
  /** `verify` found a difference; a job failed. */
  failed: 2,
  /** A job paused (WeChat quota 45009): it resumes by itself, or with `resume`. */
  paused: 3,
  /** Unknown command, unknown or misspelt flag, a bad value, an unknown appid. */
  usage: 64,
  /** Ctrl-C: the job can be resumed. */
  interrupted: 130,
} as const;

export function commandNamed(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}

const flag = (name: string, option: OptionSpec) => `${option.short ? `-${option.short}, ` : ''}--${name}${option.value ? ` <${option.value}>` : ''}`;

function optionLines(options: Record<string, OptionSpec>): string[] {
  const entries = Object.entries(options);
  const width = Math.max(...entries.map(([name, option]) => flag(name, option).length));
  return entries.map(([name, option]) => `  ${flag(name, option).padEnd(width)}  ${option.description}${option.choices ? ` (${option.choices.join('|')})` : ''}`);
}

export function commandHelp(command: CommandSpec): string {
  const lines = [`identity-ledger ${command.name}${command.usage ? ` ${command.usage}` : ''}`, '', command.summary];
  if (command.details) lines.push('', command.details);
  lines.push('', 'Options:', ...optionLines({ ...command.options, ...COMMON_OPTIONS }));
  return lines.join('\n');
}

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'identity-ledger <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    '`identity-ledger <command> --help` shows a command\'s options. Every command also takes:',
    ...optionLines(COMMON_OPTIONS),
    '',
    'Exit codes: 0 done; 1 error (refused or failed to run); 2 verify found a difference, or the job failed;',
    '3 the job paused (WeChat quota); 64 usage error (unknown command or flag, bad value, unknown appid);',
    '130 interrupted (resume continues the job).',
    '',
    'Environment: DATABASE_URL (PostgreSQL; unset = embedded PGlite in ./data), NATS_URL (JetStream;',
    'unset = in-process bus), PORT (3000), LEDGER_CONFIG, WECHAT_API_BASE, LOG_LEVEL, PG_*_TIMEOUT_MS.',
  ].join('\n');
}
