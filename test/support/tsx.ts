import { fileURLToPath } from 'node:url';

/** The project's tsx, to run a TypeScript worker or the CLI in a child process of its own. */
export const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
