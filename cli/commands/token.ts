import { InvalidArgumentError, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { roleSchema, ROLES, type Role } from '../../api/roles';
import { FileTokenStore } from '../../api/token-store';
import { textTable } from '../text-table';

interface StoreOptions {
  readonly data: string;
  readonly store?: string;
  readonly json?: boolean;
}

const storeOf = (opts: StoreOptions): FileTokenStore =>
  new FileTokenStore(opts.store ?? join(opts.data, 'tokens.json'));

function roleOption(value: string): Role {
  const parsed = roleSchema.safeParse(value);
  if (!parsed.success)
    throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}, got "${value}"`);
  return parsed.data;
}

const storeOptions = (cmd: Command): Command =>
  cmd
    .option('--data <dir>', 'data folder whose tokens.json the API reads', '.rackshift')
    .option('--store <file>', 'token store file (default <data>/tokens.json)')
    .option('--json', 'print JSON');

/**
 * `rackshift token create|list|revoke`: edits the token store on the API's host (file access is
 * the right to manage tokens). The store keeps salted hashes only; a new token is shown once.
 */
export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description(
      'API tokens: create (shown once), list, revoke; the API picks changes up without a restart',
    );

  storeOptions(
    token
      .command('create')
      .description('create a token; prints it once (or writes it to --out, mode 0600)')
      .requiredOption(
        '--name <name>',
        'who holds it: shown in the audit log, run memos and approvals',
      )
      .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, roleOption)
      .option('--out <file>', 'write the token to this file (mode 0600) instead of printing it'),
  ).action((opts: StoreOptions & { name: string; role: Role; out?: string }) => {
    const store = storeOf(opts);
    const { token: secret, record } = store.create(opts.name, opts.role);
    if (opts.out !== undefined) writeFileSync(opts.out, `${secret}\n`, { mode: 0o600 });
    const shown = opts.out === undefined ? secret : undefined;
    if (opts.json)
      console.log(
        JSON.stringify({
          name: record.name,
          role: record.role,
          id: record.id,
          createdAt: record.createdAt,
          store: store.file,
          ...(shown !== undefined ? { token: shown } : { tokenFile: opts.out }),
        }),
      );
    else
      console.log(
        shown ?? `token ${record.name} (${record.role}) written to ${opts.out} (mode 0600)`,
      );
  });

  storeOptions(
    token.command('list').description('the tokens: name, role, id, created (never the secrets)'),
  ).action((opts: StoreOptions) => {
    const records = storeOf(opts)
      .list()
      .map(({ name, role, id, createdAt }) => ({ name, role, id, createdAt }));
    if (opts.json) console.log(JSON.stringify({ tokens: records }));
    else
      console.log(
        textTable(
          ['NAME', 'ROLE', 'ID', 'CREATED'],
          records.map((r) => [r.name, r.role, r.id, r.createdAt]),
        ),
      );
  });

  storeOptions(
    token
      .command('revoke')
      .description('revoke a token by name; the API refuses it from its next request')
      .argument('<name>'),
  ).action((name: string, opts: StoreOptions) => {
    if (!storeOf(opts).revoke(name)) {
      process.exitCode = 1;
      console.error(`rackshift: no token named "${name}"`);
      return;
    }
    console.log(opts.json ? JSON.stringify({ name, revoked: true }) : `${name}: revoked`);
  });
}
