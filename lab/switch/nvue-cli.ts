import { formatVlanList, parseVlanList } from '../../drivers/switch/vlan-list';
import type { CliAnswer, CliFaults, LabCli } from './lab-cli';
import type { LabSwitchConfig } from './lab-switch-config';

const PORT = /^swp\d+(?:s\d+)?$/;
const DOMAIN = 'bridge domain br_default';

/**
 * What the NVUE daemon keeps between one user's commands: the pending revision, and the revision
 * counter.
 */
export interface NvueDatabase {
  applied(): LabSwitchConfig;
  apply(config: LabSwitchConfig): number;
  /** The user's pending revision: created from the applied one by the first `nv set`/`nv unset`. */
  pending(): LabSwitchConfig | undefined;
  setPending(config: LabSwitchConfig | undefined): void;
  /** Whether `nv config apply` without `-y` stops at its confirmation prompt. */
  applyPrompts(): boolean;
}

/**
 * The NVUE command line of a lab Cumulus Linux switch, one command per SSH exec: `nv set` and
 * `nv unset` stage a pending revision, `nv config apply` checks it and makes it the applied
 * one (`-y`/`--assume-yes` answers its confirmation), `nv config detach` drops it, `nv show
 * … -o json` reads the applied configuration, `nv config save` makes it the startup one.
 */
export class NvueCli implements LabCli {
  constructor(
    private readonly db: NvueDatabase,
    private readonly user: string,
    private readonly faults: CliFaults,
    private readonly onSave: () => void,
  ) {}

  prompt(): string {
    return `${this.user}@${this.db.applied().hostname}:mgmt:~$ `;
  }

  handle(raw: string): CliAnswer {
    const line = raw.trim().replace(/\s+/g, ' ');
    let m: RegExpExecArray | null;
    if (line === '') return { output: '' };
    if (line === 'exit' || line === 'logout') return { output: '', close: true };
    if ((m = /^nv show interface (\S+) -o json$/.exec(line))) return this.show(m[1] as string);
    if ((m = /^nv config apply(?: (-y|--assume-yes))?$/.exec(line)))
      return this.apply(m[1] !== undefined);
    if (line === 'nv config detach') {
      this.db.setPending(undefined);
      return { output: '' };
    }
    if (line === 'nv config save') {
      this.onSave();
      return { output: 'saved' };
    }
    if ((m = /^nv (set|unset) (.+)$/.exec(line))) {
      if (this.faults.takeRefusal())
        return {
          output: 'Error: Invalid parameter: the request was refused by nvued',
          exitCode: 1,
        };
      const pending = this.db.pending() ?? this.db.applied().clone();
      const answer = this.edit(m[1] === 'set', m[2] as string, pending);
      if ((answer.exitCode ?? 0) === 0) this.db.setPending(pending);
      return answer;
    }
    return { output: `-bash: ${line.split(' ')[0]}: command not found`, exitCode: 127 };
  }

  private invalid(what: string): CliAnswer {
    return { output: `Error: Invalid parameter: ${what}`, exitCode: 1 };
  }

  private edit(set: boolean, path: string, c: LabSwitchConfig): CliAnswer {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^${DOMAIN} vlan (\\S+)$`).exec(path))) {
      const vlans = parseVlanList(m[1] as string);
      if (vlans === undefined) return this.invalid(`'${m[1]}' is not a valid VLAN list`);
      for (const v of vlans) {
        if (set) c.vlans.set(v, c.vlans.get(v) ?? '');
        else c.vlans.delete(v);
      }
      return { output: '' };
    }
    m = /^interface (\S+) (.+)$/.exec(path);
    if (m === null) return this.invalid(`'${path}' is not a valid path`);
    const [, port, rest] = m as unknown as [string, string, string];
    if (!PORT.test(port) || !c.portNames().includes(port))
      return this.invalid(`${port} is not a physical interface on this switch`);
    const p = c.port(port);
    if ((m = /^link state (up|down)$/.exec(rest)) && set) {
      p.shutdown = m[1] === 'down';
      return { output: '' };
    }
    if (rest === 'link state' && !set) {
      p.shutdown = false;
      return { output: '' };
    }
    if ((m = new RegExp(`^${DOMAIN} access(?: (\\d+))?$`).exec(rest))) {
      if (!set) delete p.accessVlan;
      else if (m[1] === undefined || Number(m[1]) < 1 || Number(m[1]) > 4094)
        return this.invalid(`access: '${m[1] ?? ''}' is not a VLAN`);
      else p.accessVlan = Number(m[1]);
      return { output: '' };
    }
    if ((m = new RegExp(`^${DOMAIN} vlan(?: (\\S+))?$`).exec(rest))) {
      const vlans = m[1] === undefined ? undefined : parseVlanList(m[1]);
      if (m[1] !== undefined && vlans === undefined)
        return this.invalid(`'${m[1]}' is not a valid VLAN list`);
      if (set && vlans === undefined) return this.invalid('vlan: a VLAN list is needed');
      const next = set
        ? [...(p.vlans ?? []), ...(vlans as number[])]
        : vlans === undefined
          ? []
          : (p.vlans ?? []).filter((v) => !vlans.includes(v));
      if (next.length === 0) delete p.vlans;
      else p.vlans = [...new Set(next)].sort((a, b) => a - b);
      return { output: '' };
    }
    return this.invalid(`'${rest}' is not a valid path under interface ${port}`);
  }

  private apply(assumeYes: boolean): CliAnswer {
    const pending = this.db.pending();
    if (pending === undefined) return { output: 'Warning: There are no pending changes to apply.' };
    const errors = pending.portNames().flatMap((name) => {
      const p = pending.port(name);
      return [...(p.accessVlan === undefined ? [] : [p.accessVlan]), ...(p.vlans ?? [])]
        .filter((v) => !pending.vlans.has(v))
        .map((v) => `  ${name}: VLAN ${v} is not a VLAN of bridge domain br_default`);
    });
    if (errors.length > 0)
      return { output: `Invalid config [rev_id: pending]\n${errors.join('\n')}`, exitCode: 1 };
    if (this.db.applyPrompts() && !assumeYes) {
      // An exec has no terminal to answer the prompt on: the apply stops there.
      return {
        output:
          'Warning: The following files have been changed since the last save, and they WILL be overwritten.\n - /etc/network/interfaces\nAre you sure? [y/N] \nError: Aborted!',
        exitCode: 1,
      };
    }
    const rev = this.db.apply(pending);
    this.db.setPending(undefined);
    return { output: `applied [rev_id: ${rev}]` };
  }

  /** `nv show interface X -o json`: the applied configuration of the port, as NVUE nests it. */
  private show(port: string): CliAnswer {
    const c = this.db.applied();
    if (!c.portNames().includes(port))
      return { output: `Error: The requested item does not exist.`, exitCode: 1 };
    const p = c.port(port);
    const domain: Record<string, unknown> = { learning: 'on', stp: { admin_edge: 'off' } };
    if (p.accessVlan !== undefined) domain.access = p.accessVlan;
    if (p.vlans !== undefined && p.vlans.length > 0) {
      domain.vlan = Object.fromEntries(
        formatVlanList(p.vlans, { separator: ',', ranges: true })
          .split(',')
          .map((k) => [k, {}]),
      );
    }
    const doc = {
      bridge: { domain: { br_default: domain } },
      link: { mtu: 9216, state: { [p.shutdown ? 'down' : 'up']: {} } },
      type: 'swp',
    };
    return { output: JSON.stringify(doc, null, 2) };
  }
}
