// `npm start`: the service, configured by the environment only (shared/DESIGN.md §5).
import { main } from './cli.ts';

main(['serve']).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
