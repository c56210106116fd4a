import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileTokenStore } from '../api/token-store';

/** The token store's name for the dev stack's own admin token. */
const DEV_ADMIN = 'dev-admin';

/**
 * The dev stack's admin token: kept in `<data>/admin.token` (0600, where the CLI finds it) and as
 * a salted hash in `<data>/tokens.json`. A restarted stack reuses it while the store still knows
 * it; a revoked or lost one is replaced.
 */
export function devAdminToken(dataDir: string): { token: string; file: string; store: string } {
  const store = new FileTokenStore(join(dataDir, 'tokens.json'));
  const file = join(dataDir, 'admin.token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (store.verify(token)?.role === 'admin') return { token, file, store: store.file };
  }
  store.revoke(DEV_ADMIN);
  const { token } = store.create(DEV_ADMIN, 'admin');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file, store: store.file };
}
