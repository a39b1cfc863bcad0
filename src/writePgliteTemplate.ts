// `npm run pglite-template`: remakes src/ledger/pgliteTemplate/ from the installed PGlite (after
// upgrading @electric-sql/pglite; test/ledger/pgliteTemplate.int.spec.ts fails until this is run).
import { MANIFEST_FILE, TEMPLATE_FILE, writeTemplate } from './ledger/pgliteTemplate.ts';

const manifest = await writeTemplate();
console.log(`wrote ${TEMPLATE_FILE} (${manifest.bytes} bytes, PGlite ${manifest.pglite}, PostgreSQL ${manifest.postgres}) and ${MANIFEST_FILE}`);
