import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../common/errors';
import { fieldIssues } from '../common/field-path';

/** The CLI's config file: where the API is and the token to use. YAML or JSON, mode 0600. */
const cliConfigSchema = z.strictObject({
  api: z.url({ protocol: /^https?$/ }).optional(),
  token: z.string().min(16).max(512).optional(),
  /** A file holding the token (mode 0600 too), e.g. the dev stack's admin.token. */
  tokenFile: z.string().min(1).optional(),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;

/** Thrown when a file the CLI reads a secret from is readable by group or others. */
export class SecretFileModeError extends ValidationError {
  override readonly name = 'SecretFileModeError';
  constructor(file: string, mode: number) {
    super(`${file} holds a token`, [
      {
        path: 'mode',
        message: `is ${mode.toString(8).padStart(4, '0')}; it must not be readable by group or others (chmod 600 ${file})`,
      },
    ]);
  }
}

/** `$RACKSHIFT_CONFIG`, else `$XDG_CONFIG_HOME/rackshift/config.yaml` (~/.config/…). */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.RACKSHIFT_CONFIG ??
    join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'rackshift', 'config.yaml')
  );
}

/** The contents of a file that holds a secret, refused when group or others may read it. */
export function readSecretFile(file: string): string {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new SecretFileModeError(file, mode);
  return readFileSync(file, 'utf8');
}

/**
 * The config file's settings; none when there is no file. A file that is unsafe or malformed is
 * refused.
 */
export function readCliConfig(file: string = configPath()): CliConfig {
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = parse(readSecretFile(file)) ?? {};
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new ValidationError(`config file ${file}`, [
      { path: '(file)', message: `is not YAML or JSON: ${(e as Error).message}` },
    ]);
  }
  const parsed = cliConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`config file ${file}`, fieldIssues(parsed.error));
  return parsed.data;
}
