import type { CliAnswer, CliFaults, LabCli } from './lab-cli';
import type { LabSwitchConfig } from './lab-switch-config';

const PORT = /^Ethernet\d+$/;
const SUDO_NEEDS_TERMINAL =
  'sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required';

/**
 * How `sudo` treats the switch user: NOPASSWD (as NGS's SONiC notes assume once `sudo su` is done)
 * or a password it cannot read.
 */
export interface SonicLogin {
  readonly user: string;
  readonly sudoNeedsPassword: boolean;
}

/**
 * The SONiC command line of a lab switch, one command per SSH exec as in a bash login: `show`
 * commands as any user, `config` only as root (so through `sudo`), click's usage errors with
 * exit status 2. Membership is per VLAN: a port is untagged (`-u`) in at most one VLAN and
 * tagged in others, and a VLAN must exist before a port joins it.
 */
export class SonicCli implements LabCli {
  constructor(
    private readonly config: LabSwitchConfig,
    private readonly login: SonicLogin,
    private readonly faults: CliFaults,
    private readonly onSave: () => void,
  ) {}

  prompt(): string {
    return `${this.login.user}@${this.config.hostname}:~$ `;
  }

  handle(raw: string): CliAnswer {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (line === '') return { output: '' };
    if (line === 'exit' || line === 'logout') return { output: '', close: true };
    if (line === 'show vlan brief') return { output: this.vlanBrief() };
    const status = /^show interfaces status (\S+)$/.exec(line);
    if (status !== null) return this.interfaceStatus(status[1] as string);
    if (/^config( |$)/.test(line))
      return { output: 'Root privileges are required for this operation', exitCode: 1 };
    const sudo = /^sudo (config .*)$/.exec(line);
    if (sudo === null)
      return { output: `-bash: ${line.split(' ')[0]}: command not found`, exitCode: 127 };
    if (this.login.sudoNeedsPassword) return { output: SUDO_NEEDS_TERMINAL, exitCode: 1 };
    if (this.faults.takeRefusal())
      return this.fail('config', 'Error: Failed to apply the change to CONFIG_DB');
    const answer = this.configure(sudo[1] as string);
    this.config.prune();
    return answer;
  }

  private fail(command: string, error: string, usage = ''): CliAnswer {
    return {
      output: `Usage: ${command} [OPTIONS] ${usage}\nTry "${command} -h" for help.\n\n${error}`,
      exitCode: 2,
    };
  }

  private configure(line: string): CliAnswer {
    let m: RegExpExecArray | null;
    if (line === 'config save -y') {
      this.onSave();
      return {
        output:
          'Running command: /usr/local/bin/sonic-cfggen -d --print-data > /etc/sonic/config_db.json',
      };
    }
    if ((m = /^config vlan add (\d+)$/.exec(line))) {
      const vid = Number(m[1]);
      if (vid < 1 || vid > 4094)
        return this.fail(
          'config vlan add',
          'Error: Invalid VLAN ID 0 (1-4094)'.replace('0', String(vid)),
          '<vid>',
        );
      if (this.config.vlans.has(vid))
        return this.fail('config vlan add', `Error: Vlan${vid} already exists`, '<vid>');
      this.config.vlans.set(vid, '');
      return { output: '' };
    }
    if ((m = /^config vlan member (add|del)( -u)? (\d+) (\S+)$/.exec(line)))
      return this.member(m[1] === 'add', m[2] !== undefined, Number(m[3]), m[4] as string);
    if ((m = /^config interface (shutdown|startup) (\S+)$/.exec(line))) {
      if (!this.config.portNames().includes(m[2] as string))
        return this.fail(
          `config interface ${m[1]}`,
          'Error: Interface name is invalid. Please enter a valid interface name!!',
          '<interface_name>',
        );
      this.config.port(m[2] as string).shutdown = m[1] === 'shutdown';
      return { output: '' };
    }
    return this.fail(
      'config',
      `Error: No such command "${line.split(' ')[1] ?? ''}".`,
      'COMMAND [ARGS]...',
    );
  }

  private member(add: boolean, untagged: boolean, vid: number, port: string): CliAnswer {
    const command = `config vlan member ${add ? 'add' : 'del'}`;
    if (!this.config.vlans.has(vid))
      return this.fail(command, `Error: Vlan${vid} doesn't exist`, '<vid> <port>');
    if (!PORT.test(port) || !this.config.portNames().includes(port))
      return this.fail(command, 'Error: Interface name is invalid!!', '<vid> <port>');
    const p = this.config.port(port);
    const member = p.accessVlan === vid || (p.vlans ?? []).includes(vid);
    if (!add) {
      if (!member)
        return this.fail(command, `Error: ${port} is not a member of Vlan${vid}`, '<vid> <port>');
      if (p.accessVlan === vid) delete p.accessVlan;
      p.vlans = (p.vlans ?? []).filter((v) => v !== vid);
      if (p.vlans.length === 0) delete p.vlans;
      return { output: '' };
    }
    if (member)
      return this.fail(command, `Error: ${port} is already a member of Vlan${vid}`, '<vid> <port>');
    if (untagged && p.accessVlan !== undefined)
      return this.fail(command, `Error: ${port} is already untagged member!`, '<vid> <port>');
    if (untagged) p.accessVlan = vid;
    else p.vlans = [...(p.vlans ?? []), vid].sort((a, b) => a - b);
    return { output: '' };
  }

  /**
   * `show vlan brief`: a bordered table, one row per member port, the VLAN ID only on its first
   * row.
   */
  private vlanBrief(): string {
    const header = [
      'VLAN ID',
      'IP Address',
      'Ports',
      'Port Tagging',
      'Proxy ARP',
      'DHCP Helper Address',
    ];
    const rows: string[][] = [];
    for (const vid of [...this.config.vlans.keys()].sort((a, b) => a - b)) {
      const members = this.config.portNames().flatMap((name) => {
        const p = this.config.port(name);
        return p.accessVlan === vid
          ? [[name, 'untagged']]
          : (p.vlans ?? []).includes(vid)
            ? [[name, 'tagged']]
            : [];
      });
      if (members.length === 0) rows.push([String(vid), '', '', '', 'disabled', '']);
      members.forEach(([name, tagging], i) =>
        rows.push([
          i === 0 ? String(vid) : '',
          '',
          name as string,
          tagging as string,
          i === 0 ? 'disabled' : '',
          '',
        ]),
      );
    }
    const widths = header.map(
      (h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)) + 2,
    );
    const border = (c: string): string => `+${widths.map((w) => c.repeat(w + 1)).join('+')}+`;
    const row = (cells: string[]): string =>
      `|${cells.map((c, i) => (i === 0 ? ` ${c.padStart(widths[i] as number)}` : ` ${c.padEnd(widths[i] as number)}`)).join('|')}|`;
    return [border('-'), row(header), border('='), ...rows.map(row), border('-')].join('\n');
  }

  private interfaceStatus(port: string): CliAnswer {
    if (!this.config.portNames().includes(port))
      return { output: 'Invalid interface name', exitCode: 1 };
    const p = this.config.port(port);
    const vlan =
      (p.vlans ?? []).length > 0 ? 'trunk' : p.accessVlan !== undefined ? 'untagged' : 'routed';
    const cols = [
      'Interface',
      'Lanes',
      'Speed',
      'MTU',
      'FEC',
      'Alias',
      'Vlan',
      'Oper',
      'Admin',
      'Type',
      'Asym PFC',
    ];
    const values = [
      port,
      '0,1,2,3',
      '100G',
      '9100',
      'rs',
      `etp${Number(port.slice(8)) / 4 + 1}`,
      vlan,
      p.shutdown ? 'down' : 'up',
      p.shutdown ? 'down' : 'up',
      'QSFP28 or later',
      'N/A',
    ];
    const widths = cols.map((c, i) => Math.max(c.length, (values[i] as string).length));
    const line = (cells: string[]): string =>
      cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
    return {
      output: [line(cols), widths.map((w) => '-'.repeat(w)).join('  '), line(values)].join('\n'),
    };
  }
}
