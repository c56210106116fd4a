import type { ArrayState, ProvisionedLun } from './array-dialect';
import { LUN_NUMBER, lunIdOfTarget } from './lun-target';
import { TGT_NO_PEER_ADDRESS } from './tgt-target-conf';

interface TgtTarget {
  tid: number;
  name: string;
  backings: Map<number, string>;
  acl: string[];
  accounts: string[];
}

/**
 * Reads `tgtadm --mode target --op show`: `Target <tid>: <name>` blocks with `LUN: <n>` /
 * `Backing store path:` pairs under "LUN information:" and one entry per line under
 * "ACL information:" (initiator names, addresses, or ALL); incoming CHAP users under
 * "Account information:" (outgoing ones end in `(outgoing)`).
 */
export function parseTgtShow(output: string, arrayTargetIqn: string): ArrayState {
  const targets: TgtTarget[] = [];
  let current: TgtTarget | undefined;
  let section = '';
  let lun: number | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const target = /^Target (\d+): (\S+)$/.exec(line);
    if (target !== null) {
      current = {
        tid: Number(target[1]),
        name: target[2] ?? '',
        backings: new Map(),
        acl: [],
        accounts: [],
      };
      targets.push(current);
      section = '';
      continue;
    }
    if (current === undefined || line === '') continue;
    if (/^[A-Za-z_ ]+ information:$/.test(line)) {
      section = line;
      lun = undefined;
      continue;
    }
    if (section === 'LUN information:') {
      const lunLine = /^LUN: (\d+)$/.exec(line);
      if (lunLine !== null) lun = Number(lunLine[1]);
      const backing = /^Backing store path: (\S+)$/.exec(line);
      if (backing !== null && lun !== undefined && backing[1] !== 'None')
        current.backings.set(lun, backing[1] ?? '');
    } else if (section === 'ACL information:' && line !== TGT_NO_PEER_ADDRESS) {
      // The address no peer has only keeps tgt-admin from binding ALL (./tgt-target-conf).
      current.acl.push(line);
    } else if (section === 'Account information:' && !line.endsWith('(outgoing)')) {
      current.accounts.push(line);
    }
  }
  const luns = new Map<string, ProvisionedLun>();
  for (const t of targets) {
    const lunId = lunIdOfTarget(arrayTargetIqn, t.name);
    if (lunId === undefined) continue;
    const backing = t.backings.get(LUN_NUMBER);
    luns.set(lunId, {
      lunId,
      targetIqn: t.name,
      tid: t.tid,
      ...(backing !== undefined && { backing }),
      holders: [...t.acl].sort(),
      acls: [],
      chapUsers: [...t.accounts].sort(),
    });
  }
  return { luns, backstores: new Map() };
}
