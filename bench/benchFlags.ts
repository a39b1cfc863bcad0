/** `--name=value` flags after the benchmark name; `--name` alone means "true". */
export function benchFlags(args: string[]): { number(name: string, fallback: number): number; string(name: string, fallback: string): string; list(name: string, fallback: number[]): number[] } {
  const flags = new Map<string, string>();
  for (const arg of args) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`not a flag: ${arg} (expected --name=value)`);
    flags.set(match[1]!, match[2] ?? 'true');
  }
  const number = (name: string, fallback: number) => {
    const value = flags.get(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new Error(`--${name}: not a number: ${value}`);
    return parsed;
  };
  return {
    number,
    string: (name, fallback) => flags.get(name) ?? fallback,
    list: (name, fallback) => flags.get(name)?.split(',').filter(Boolean).map(Number) ?? fallback,
  };
}
