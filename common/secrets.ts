import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CredentialError } from './errors';

/**
 * What a named credential resolves to. Never logged, never passed through argv or workflow history.
 */
export interface Secret {
  readonly username: string;
  readonly password?: string;
  /** PEM private key for SSH devices that use key authentication. */
  readonly privateKey?: string;
  /** What a switch CLI asks after `enable` when the login lands in user EXEC (`>`). */
  readonly enableSecret?: string;
}

export interface SecretStore {
  /** Throws CredentialError when the name cannot be resolved. */
  resolve(name: string): Secret;
}

const secretSchema = z.strictObject({
  username: z.string().min(1),
  password: z.string().optional(),
  privateKey: z.string().optional(),
  enableSecret: z.string().optional(),
});
const secretsFileSchema = z.record(z.string(), secretSchema);

/** `lab-bmc` → `RACKSHIFT_CRED_LAB_BMC` */
function envPrefix(name: string): string {
  return `RACKSHIFT_CRED_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Resolves credentials from the environment (`RACKSHIFT_CRED_<NAME>_USERNAME`, `_PASSWORD`,
 * `_PRIVATE_KEY`, `_ENABLE_SECRET`) first, then from a YAML/JSON secrets file that must not be
 * readable by
 * group or others. The file is read once, at construction.
 */
export class EnvAndFileSecretStore implements SecretStore {
  private readonly fromFile: Record<string, Secret>;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    file: string | undefined = env.RACKSHIFT_SECRETS_FILE,
  ) {
    this.fromFile = file === undefined ? {} : EnvAndFileSecretStore.readFile(file);
  }

  private static readFile(file: string): Record<string, Secret> {
    let mode: number;
    try {
      mode = statSync(file).mode;
    } catch (e) {
      throw new CredentialError(
        '*',
        `secrets file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    if ((mode & 0o077) !== 0) {
      throw new CredentialError(
        '*',
        `secrets file ${file} has mode ${(mode & 0o777).toString(8)}; it must be 0600 (chmod 600 ${file})`,
      );
    }
    const parsed = secretsFileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      throw new CredentialError(
        '*',
        `secrets file ${file} is not a map of name → { username, password?, privateKey?, enableSecret? }`,
      );
    }
    return parsed.data;
  }

  resolve(name: string): Secret {
    const prefix = envPrefix(name);
    const username = this.env[`${prefix}_USERNAME`];
    if (username !== undefined) {
      const password = this.env[`${prefix}_PASSWORD`];
      const privateKey = this.env[`${prefix}_PRIVATE_KEY`];
      const enableSecret = this.env[`${prefix}_ENABLE_SECRET`];
      return {
        username,
        ...(password !== undefined && { password }),
        ...(privateKey !== undefined && { privateKey }),
        ...(enableSecret !== undefined && { enableSecret }),
      };
    }
    const secret = this.fromFile[name];
    if (secret === undefined)
      throw new CredentialError(
        name,
        `not found: set ${prefix}_USERNAME/_PASSWORD or add it to the secrets file`,
      );
    return secret;
  }
}

/** A fixed map, for tests and for the lab. */
export class StaticSecretStore implements SecretStore {
  constructor(private readonly secrets: Readonly<Record<string, Secret>>) {}
  resolve(name: string): Secret {
    const s = this.secrets[name];
    if (s === undefined) throw new CredentialError(name, 'not found');
    return s;
  }
}
