import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { startServer } from '../../src/serve.ts';
import { createLogger } from '../../src/observability/logger.ts';

const reachable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, host, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

describe('the service on the demo configuration', () => {
  it('listens on 127.0.0.1 only, whatever HOST says', async () => {
    const previous = process.env.HOST;
    process.env.HOST = '0.0.0.0';
    const config = loadConfig({ env: { LEDGER_DATA_DIR: 'memory://', PORT: '0' } });
    const server = await startServer(config, { logger: createLogger({ level: 'silent' }) });
    try {
      expect(server.hostname).toBe('127.0.0.1');
      expect(await reachable('127.0.0.1', server.port)).toBe(true);
      const external = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === 'IPv4');
      for (const address of external) expect(await reachable(address!.address, server.port)).toBe(false);
    } finally {
      await server.close();
      if (previous === undefined) delete process.env.HOST;
      else process.env.HOST = previous;
    }
  });
});
