import os, { loadavg } from 'node:os';
import { PayloadError } from '../src/wechat/errors.ts';
import { parseJson } from '../src/wechat/parseJson.ts';
import { parseXml } from '../src/wechat/parseXml.ts';
import { hostileBodies, MiB } from '../test/wechat/hostileBodies.ts';
import { benchFlags } from './benchFlags.ts';
import { printTable } from './printTable.ts';
import { quantile } from './quantile.ts';

/**
 * Push-body parsing of hostile bodies (test/wechat/hostileBodies.ts): how long parseXml or
 * parseJson takes to parse or refuse each 1 MiB shape — the body limit, and what an attacker who
 * holds one signed callback URL can send before msg_signature is checked. Each shape is parsed
 * `--runs` times after one unmeasured run; this process only, no database.
 *
 *   npm run bench -- parse [--runs=15] [--size=1048576]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const runs = flags.number('runs', 15);
  const size = flags.number('size', MiB);
  console.log(`parse: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown cpu'}), Node ${process.version}; ${runs} runs per shape after one unmeasured; load average ${loadavg()[0]!.toFixed(1)} at start\n`);
  const rows: (string | number)[][] = [];
  for (const shape of hostileBodies(size)) {
    const body = shape.build();
    const parse = () => {
      try {
        if (shape.format === 'xml') parseXml(body, 2 * size);
        else parseJson(body, 2 * size);
        return 'parsed';
      } catch (error) {
        if (error instanceof PayloadError) return error.code;
        throw error;
      }
    };
    const outcome = parse();
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      parse();
      ms.push(performance.now() - started);
    }
    ms.sort((a, b) => a - b);
    rows.push([shape.name, body.length, outcome, quantile(ms, 0.5), ms[ms.length - 1]!]);
    console.error(`  ${shape.name}: ${quantile(ms, 0.5).toFixed(2)} ms`);
  }
  console.log('');
  printTable(['body', 'characters', 'outcome', 'median ms', 'max ms'], rows);
}
