import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvAndFileSecretStore } from '../../common/secrets';

describe('a switch credential carries its enable secret', () => {
  it('from RACKSHIFT_CRED_<NAME>_ENABLE_SECRET', () => {
    const store = new EnvAndFileSecretStore(
      {
        RACKSHIFT_CRED_CORE_SW_USERNAME: 'netops',
        RACKSHIFT_CRED_CORE_SW_PASSWORD: 'p',
        RACKSHIFT_CRED_CORE_SW_ENABLE_SECRET: 'e',
      },
      undefined,
    );
    expect(store.resolve('core-sw')).toEqual({
      username: 'netops',
      password: 'p',
      enableSecret: 'e',
    });
  });

  it('from the 0600 secrets file; an unknown field is still refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rackshift-secrets-'));
    try {
      const file = join(dir, 'secrets.yaml');
      writeFileSync(file, 'core-sw:\n  username: netops\n  password: p\n  enableSecret: e\n');
      chmodSync(file, 0o600);
      expect(new EnvAndFileSecretStore({}, file).resolve('core-sw')).toEqual({
        username: 'netops',
        password: 'p',
        enableSecret: 'e',
      });
      writeFileSync(file, 'core-sw:\n  username: netops\n  enable: e\n');
      expect(() => new EnvAndFileSecretStore({}, file)).toThrow(/enableSecret\?/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
