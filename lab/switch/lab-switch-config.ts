import { formatVlanList } from '../../drivers/switch/vlan-list';
import type { LabPortState } from '../lab-views';

/** The CLI families the lab speaks; every vendor maps to one. */
export type LabSwitchFamily = 'ios' | 'junos' | 'sonic' | 'nvue';

/**
 * One port's configuration as the switch stores it. IOS-like: `vlans` is the trunk allowed
 * list (undefined: not configured, which means every VLAN) and `accessVlan` the access VLAN.
 * Junos-like: `members` is `vlan members` as typed (VLAN names, or vlan-ids), the others unused.
 * SONiC and NVUE: `accessVlan` is the untagged (`-u`) or `access` VLAN, `vlans` the tagged ones.
 */
export interface LabPortConfig {
  mode?: 'access' | 'trunk';
  accessVlan?: number;
  vlans?: number[];
  members?: string[];
  shutdown: boolean;
}

const ALL_VLANS: readonly number[] = Array.from({ length: 4094 }, (_, i) => i + 1);

/** A switch configuration as the lab state file holds it. */
export interface LabSwitchConfigData {
  readonly vlans: ReadonlyArray<readonly [number, string]>;
  readonly ports: Readonly<Record<string, LabPortConfig>>;
}

function natural(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * The configuration of one lab switch: its VLAN database and its ports. Ports cabled in the
 * topology always exist; other names of the right shape appear once configured and vanish
 * again when their configuration is removed, so an undo leaves the text as it was.
 */
export class LabSwitchConfig {
  readonly vlans = new Map<number, string>();
  private readonly ports = new Map<string, LabPortConfig>();

  constructor(
    readonly family: LabSwitchFamily,
    readonly hostname: string,
    private readonly cabled: ReadonlySet<string>,
  ) {
    for (const p of cabled) this.ports.set(p, { shutdown: false });
  }

  portNames(): string[] {
    return [...this.ports.keys()].sort(natural);
  }

  /** The port's configuration, created empty when the name is new. */
  port(name: string): LabPortConfig {
    let p = this.ports.get(name);
    if (p === undefined) {
      p = { shutdown: false };
      this.ports.set(name, p);
    }
    return p;
  }

  /** Forgets uncabled ports with no configuration left. */
  prune(): void {
    for (const [name, p] of this.ports) {
      if (
        !this.cabled.has(name) &&
        p.mode === undefined &&
        p.accessVlan === undefined &&
        p.vlans === undefined &&
        p.members === undefined &&
        !p.shutdown
      ) {
        this.ports.delete(name);
      }
    }
  }

  data(): LabSwitchConfigData {
    return {
      vlans: [...this.vlans],
      ports: Object.fromEntries(
        [...this.ports].map(([name, p]) => [
          name,
          { ...p, ...(p.vlans !== undefined && { vlans: [...p.vlans] }) },
        ]),
      ),
    };
  }

  /**
   * The configuration `data()` wrote down, on this switch (cabled ports it does not name come back
   * empty).
   */
  withData(data: LabSwitchConfigData): LabSwitchConfig {
    const config = new LabSwitchConfig(this.family, this.hostname, this.cabled);
    for (const [id, name] of data.vlans) config.vlans.set(id, name);
    for (const [name, p] of Object.entries(data.ports))
      config.ports.set(name, { ...p, ...(p.vlans !== undefined && { vlans: [...p.vlans] }) });
    return config;
  }

  clone(): LabSwitchConfig {
    const copy = new LabSwitchConfig(this.family, this.hostname, this.cabled);
    for (const [id, name] of this.vlans) copy.vlans.set(id, name);
    for (const [name, p] of this.ports) {
      copy.ports.set(name, {
        ...p,
        ...(p.vlans !== undefined && { vlans: [...p.vlans] }),
        ...(p.members !== undefined && { members: [...p.members] }),
      });
    }
    return copy;
  }

  /** A Junos `vlan members` entry → its vlan-id: a defined VLAN's name, or a defined vlan-id. */
  vlanId(member: string): number | undefined {
    if (/^\d+$/.test(member)) return this.vlans.has(Number(member)) ? Number(member) : undefined;
    return [...this.vlans].find(([, name]) => name === member)?.[0];
  }

  /** What a machine cabled to the port gets. */
  effective(name: string): LabPortState | undefined {
    const p = this.ports.get(name);
    if (p === undefined) return undefined;
    const mode = p.mode ?? 'access';
    if (this.family === 'ios') {
      return mode === 'access'
        ? { mode, accessVlan: p.accessVlan ?? 1, trunkVlans: [], shutdown: p.shutdown }
        : { mode, trunkVlans: p.vlans ?? ALL_VLANS, shutdown: p.shutdown };
    }
    if (this.family === 'sonic' || this.family === 'nvue') {
      return p.vlans !== undefined && p.vlans.length > 0
        ? { mode: 'trunk', trunkVlans: [...p.vlans], shutdown: p.shutdown }
        : {
            mode: 'access',
            ...(p.accessVlan !== undefined && { accessVlan: p.accessVlan }),
            trunkVlans: [],
            shutdown: p.shutdown,
          };
    }
    const members = (p.members ?? []).flatMap((m) => this.vlanId(m) ?? []);
    return mode === 'access'
      ? {
          mode,
          ...(members[0] !== undefined && { accessVlan: members[0] }),
          trunkVlans: [],
          shutdown: p.shutdown,
        }
      : { mode, trunkVlans: [...members], shutdown: p.shutdown };
  }

  /** `show running-config interface X` body (IOS) or `show configuration interfaces X` (Junos). */
  renderPort(name: string, indent = ' '): string {
    const p = this.ports.get(name) ?? { shutdown: false };
    if (this.family === 'ios') {
      return [
        `interface ${name}`,
        ...(p.accessVlan !== undefined ? [`${indent}switchport access vlan ${p.accessVlan}`] : []),
        ...(p.vlans !== undefined
          ? [
              `${indent}switchport trunk allowed vlan ${p.vlans.length === 0 ? 'none' : formatVlanList(p.vlans, { separator: ',', ranges: true })}`,
            ]
          : []),
        ...(p.mode !== undefined ? [`${indent}switchport mode ${p.mode}`] : []),
        ...(p.shutdown ? [`${indent}shutdown`] : []),
      ].join('\n');
    }
    const lines: string[] = [];
    if (p.shutdown) lines.push('disable;');
    if (p.mode !== undefined || p.members !== undefined) {
      const members = p.members ?? [];
      lines.push('unit 0 {', '    family ethernet-switching {');
      if (p.mode !== undefined) lines.push(`        interface-mode ${p.mode};`);
      if (members.length > 0) {
        lines.push(
          '        vlan {',
          `            members ${members.length === 1 ? String(members[0]) : `[ ${members.join(' ')} ]`};`,
          '        }',
        );
      }
      lines.push('    }', '}');
    }
    return lines.join('\n');
  }

  /** Junos `show configuration vlans`: a block per VLAN, by name. */
  renderVlans(): string {
    const ids = [...this.vlans.keys()].sort((a, b) => a - b);
    return ids
      .flatMap((id) => [`${this.vlans.get(id) || `vlan-${id}`} {`, `    vlan-id ${id};`, '}'])
      .join('\n');
  }

  /** The whole running configuration, in a stable order (tests diff it byte for byte). */
  render(): string {
    const names = this.portNames();
    const vlanIds = [...this.vlans.keys()].sort((a, b) => a - b);
    if (this.family === 'ios') {
      return [
        `hostname ${this.hostname}`,
        '!',
        ...vlanIds.flatMap((id) => [
          `vlan ${id}`,
          ...(this.vlans.get(id) ? [` name ${this.vlans.get(id)}`] : []),
          '!',
        ]),
        ...names.flatMap((n) => [this.renderPort(n), '!']),
        'end',
        '',
      ].join('\n');
    }
    if (this.family === 'sonic' || this.family === 'nvue') {
      const list = (v: readonly number[]): string =>
        formatVlanList(v, { separator: ',', ranges: true });
      return [
        `hostname ${this.hostname}`,
        `vlans ${list(vlanIds)}`,
        ...names.map((n) => {
          const p = this.ports.get(n) ?? { shutdown: false };
          const access = p.accessVlan === undefined ? '' : ` untagged ${p.accessVlan}`;
          const tagged =
            p.vlans === undefined || p.vlans.length === 0 ? '' : ` tagged ${list(p.vlans)}`;
          return `port ${n}${access}${tagged} admin ${p.shutdown ? 'down' : 'up'}`;
        }),
        '',
      ].join('\n');
    }
    const indent = (text: string, by: string): string[] =>
      text === '' ? [] : text.split('\n').map((l) => `${by}${l}`);
    return [
      `system {`,
      `    host-name ${this.hostname};`,
      '}',
      'interfaces {',
      ...names.flatMap((n) => {
        const body = this.renderPort(n);
        return body === '' ? [] : [`    ${n} {`, ...indent(body, '        '), '    }'];
      }),
      '}',
      'vlans {',
      ...this.renderVlans()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => `    ${l}`),
      '}',
      '',
    ].join('\n');
  }
}
