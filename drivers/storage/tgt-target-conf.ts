import type { ChapAccount } from './chap-account';
import { fillTemplate } from './command-template';

/**
 * tgt-admin binds ALL to a target whose configuration has no `initiator-address` line, even
 * when it lists `initiator-name`s (Debian tgt's tgt-admin, add_targets). Every target file
 * therefore carries this address, which no peer ever has, so only the names grant access.
 */
export const TGT_NO_PEER_ADDRESS = '0.0.0.0';

/**
 * Where the target of `lunId` is persisted: one file per target, as Cinder's tgt target writes per
 * volume.
 */
export function tgtConfFile(confDir: string, lunId: string): string {
  return fillTemplate('{conf}', { conf: `${confDir}/rackshift-${lunId}.conf` });
}

/**
 * The tgt-admin configuration of one per-LUN target: its backing store as logical unit 1
 * and its ACL. `holders` are IQNs (initiator-name) or `ALL`/addresses (initiator-address).
 * `chap` becomes an `incominguser` line, as Cinder's tgt target writes from the volume's
 * auth: tgt-admin creates and binds the account from it, so the secret travels in this file
 * (written through stdin) and never in the argv rackshift sends. Built only from validated values.
 */
export function tgtTargetConf(
  target: string,
  backing: string,
  holders: readonly string[],
  chap?: ChapAccount,
): string {
  const names = holders.filter((h) => h.startsWith('iqn.') || h.startsWith('eui.'));
  const addresses = [
    TGT_NO_PEER_ADDRESS,
    ...holders.filter((h) => !names.includes(h) && h !== TGT_NO_PEER_ADDRESS),
  ];
  return [
    '# Written by rackshift; applied with tgt-admin --update and read again by tgt-admin -e when tgtd starts.',
    fillTemplate('<target {target}>', { target }),
    fillTemplate('    backing-store {backing}', { backing }),
    ...addresses.map((address) => fillTemplate('    initiator-address {address}', { address })),
    ...names.map((initiator) => fillTemplate('    initiator-name {initiator}', { initiator })),
    ...(chap === undefined
      ? []
      : [
          fillTemplate('    incominguser {chapUser} {chapSecret}', {
            chapUser: chap.user,
            chapSecret: chap.secret,
          }),
        ]),
    '</target>',
    '',
  ].join('\n');
}

/**
 * Whether a tgt-admin `include` takes `file`. tgt-admin reads its configuration with Perl's
 * Config::General (`-IncludeGlob`, `-IncludeDirectories`): a glob (`*`, `?` within one path
 * component), or a directory, whose files are all read.
 */
export function tgtIncludeMatches(pattern: string, file: string): boolean {
  if (!/[*?]/.test(pattern))
    return file === pattern || file.slice(0, file.lastIndexOf('/')) === pattern.replace(/\/+$/, '');
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${source}$`).test(file);
}

/** The `include` patterns of a tgt-admin configuration file (comments dropped). */
export function tgtIncludes(conf: string): string[] {
  return conf
    .split('\n')
    .map((l) => /^\s*include\s+(\S+)\s*$/.exec(l.replace(/#.*$/, ''))?.[1])
    .filter((p): p is string => p !== undefined);
}
