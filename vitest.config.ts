import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests share one PostgreSQL and one NATS; each file uses its own schema/stream
    // names, so files may run in parallel, but keep it modest on a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
