import { randomUUID } from 'node:crypto';
import type { ExecResult } from '../../drivers/ssh/ssh-transport';
import type { Lab } from '../lab';
import type { LabMachine, LabTiming } from '../lab-machine';
import { readDomainConfig, type LabDomainConfig } from './lab-domain-config';
import { LabVm, type LabVmSnapshot } from './lab-vm';

/** The host's section of the lab state file. */
export interface LabHypervisorHostSnapshot {
  readonly nextId: number;
  readonly domains: readonly LabVmSnapshot[];
}
import { LabVmRules } from './lab-vm-rules';

const VIRSH = /^virsh(?: -c qemu:\/\/\/system)? (.+)$/;
const ON_DOMAIN = /^(start|shutdown|destroy|undefine|dominfo) (\S+)$/;

const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', code: 0 });
const fail = (...lines: string[]): ExecResult => ({
  stdout: '',
  stderr: lines.map((l) => `error: ${l}\n`).join(''),
  code: 1,
});
const notRunning = (verb: string, name: string): ExecResult =>
  fail(
    `Failed to ${verb} domain '${name}'`,
    'Requested operation is not valid: domain is not running',
  );

/**
 * A lab machine that runs a hypervisor image, as virsh on it sees things: defined domains,
 * their states and guests. SSH is open only while the machine is on and its OS runs; virsh
 * reaches libvirt only when the OS it booted is a hypervisor image. When the machine loses
 * power or boots again, its VMs are gone (their definitions stay).
 */
export class LabHypervisorHost {
  readonly domains = new Map<string, LabVm>();
  /** Every command received, for tests that prove what was (and was not) on a command line. */
  readonly commands: string[] = [];
  private readonly rules: LabVmRules;
  private nextId = 1;
  /** Called after every change to a domain (a command, a guest that booted or stopped). */
  onChange: () => void = () => undefined;

  constructor(
    readonly machine: LabMachine,
    private readonly lab: Lab,
    private readonly timing: LabTiming,
  ) {
    this.rules = new LabVmRules(lab, machine.spec);
    const killAll = (): void => void this.destroyAll();
    machine.on('power', (state: string) => state === 'off' && killAll());
    machine.on('boot', killAll);
  }

  snapshot(): LabHypervisorHostSnapshot {
    return { nextId: this.nextId, domains: [...this.domains.values()].map((vm) => vm.snapshot()) };
  }

  /**
   * The domains an earlier lab wrote down; those that ran run again if the host still runs libvirt.
   */
  restore(kept: LabHypervisorHostSnapshot): void {
    this.nextId = kept.nextId;
    for (const saved of kept.domains) {
      const vm = this.newVm(saved.config, saved.uuid);
      vm.persistent = saved.persistent;
      vm.ignoresShutdown = saved.ignoresShutdown;
      if (saved.running !== undefined && this.libvirtRunning)
        vm.resumeRunning(saved.running.id, saved.running.live);
      else if (!vm.persistent) continue;
      this.domains.set(vm.name, vm);
    }
  }

  private newVm(config: LabDomainConfig, uuid: string): LabVm {
    const vm = new LabVm(config, uuid, this.timing, (v) =>
      this.rules.bootGuest(v.live ?? v.config),
    );
    vm.on('stopped', () => {
      if (!vm.persistent) this.domains.delete(vm.name);
      this.onChange();
    });
    vm.on('boot', () => this.onChange());
    return vm;
  }

  /** Whether the machine answers SSH at all. */
  get reachable(): boolean {
    return (
      !this.machine.dark && this.machine.powerState === 'on' && this.machine.osState === 'running'
    );
  }

  /**
   * libvirtd runs when the machine booted a hypervisor image, as a cluster's host (or a boot the
   * lab cannot name, if healthy).
   */
  private get libvirtRunning(): boolean {
    if (!this.reachable) return false;
    const boot = this.machine.bootResult;
    if (boot?.persona === undefined) return boot?.healthy === true;
    const image =
      this.lab.topology.clusters.find((c) => c.name === boot.persona)?.image ??
      this.lab.topology.personas.find((p) => p.name === boot.persona)?.image;
    return (
      image !== undefined &&
      this.lab.topology.bootImages.find((i) => i.name === image)?.kind === 'hypervisor'
    );
  }

  vm(name: string): LabVm | undefined {
    return (
      this.domains.get(name) ??
      [...this.domains.values()].find(
        (d) => (d.id !== undefined && String(d.id) === name) || d.uuid === name,
      )
    );
  }

  run(command: string, stdin: string): ExecResult {
    const result = this.virsh(command, stdin);
    this.onChange();
    return result;
  }

  private virsh(command: string, stdin: string): ExecResult {
    this.commands.push(command);
    const virsh = VIRSH.exec(command);
    if (virsh === null)
      return {
        stdout: '',
        stderr: `bash: ${command.split(' ')[0] ?? ''}: command not found\n`,
        code: 127,
      };
    if (!this.libvirtRunning)
      return fail(
        'failed to connect to the hypervisor',
        "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory",
      );
    const args = virsh[1] ?? '';
    if (args === 'define /dev/stdin') return this.define(stdin);
    if (args === 'list --all --name')
      return ok(`${[...this.domains.keys()].sort().join('\n')}\n\n`);
    const m = ON_DOMAIN.exec(args);
    if (m === null) return fail(`unknown command or options: '${args}'`);
    const [, verb = '', name = ''] = m;
    const vm = this.vm(name);
    if (vm === undefined) return fail(`failed to get domain '${name}'`);
    switch (verb) {
      case 'start':
        return this.start(vm);
      case 'shutdown':
        if (vm.state !== 'running') return notRunning('shutdown', vm.name);
        vm.shutdown();
        return ok(`Domain '${vm.name}' is being shutdown\n\n`);
      case 'destroy':
        if (vm.state === 'shut off') return notRunning('destroy', vm.name);
        void vm.destroy();
        return ok(`Domain '${vm.name}' destroyed\n\n`);
      case 'undefine':
        return this.undefine(vm);
      default:
        return ok(this.dominfo(vm));
    }
  }

  private define(xml: string): ExecResult {
    let config;
    try {
      config = readDomainConfig(xml);
    } catch (e) {
      return fail('Failed to define domain from /dev/stdin', (e as Error).message);
    }
    const existing = this.domains.get(config.name);
    if (existing !== undefined) {
      existing.config = config;
      existing.persistent = true;
    } else {
      this.domains.set(config.name, this.newVm(config, randomUUID()));
    }
    return ok(`Domain '${config.name}' defined from /dev/stdin\n\n`);
  }

  private start(vm: LabVm): ExecResult {
    if (vm.state !== 'shut off')
      return fail(
        `Failed to start domain '${vm.name}'`,
        'Requested operation is not valid: domain is already running',
      );
    const refusal = this.rules.startRefusal(vm.config);
    if (refusal !== undefined) return fail(`Failed to start domain '${vm.name}'`, refusal);
    vm.start(this.nextId++);
    return ok(`Domain '${vm.name}' started\n\n`);
  }

  private undefine(vm: LabVm): ExecResult {
    if (!vm.persistent)
      return fail(
        `Failed to undefine domain '${vm.name}'`,
        'Requested operation is not valid: cannot undefine transient domain',
      );
    if (vm.state === 'shut off') this.domains.delete(vm.name);
    else vm.persistent = false;
    return ok(`Domain '${vm.name}' has been undefined\n\n`);
  }

  private dominfo(vm: LabVm): string {
    const config = vm.live ?? vm.config;
    const rows: Array<[string, string | undefined]> = [
      ['Id', vm.id === undefined ? '-' : String(vm.id)],
      ['Name', vm.name],
      ['UUID', vm.uuid],
      ['OS Type', 'hvm'],
      ['State', vm.state],
      ['CPU(s)', String(config.vcpus)],
      ['CPU time', vm.state === 'shut off' ? undefined : '0.1s'],
      ['Max memory', `${config.memoryKiB} KiB`],
      ['Used memory', `${config.memoryKiB} KiB`],
      ['Persistent', vm.persistent ? 'yes' : 'no'],
      ['Autostart', 'disable'],
      ['Managed save', 'no'],
      ['Security model', 'none'],
      ['Security DOI', '0'],
    ];
    return `${rows
      .filter((r): r is [string, string] => r[1] !== undefined)
      .map(([k, v]) => `${`${k}:`.padEnd(16)}${v}`)
      .join('\n')}\n\n`;
  }

  /** A guest fault: the VM's OS ignores ACPI power-off, so only destroy stops it. */
  setGuestIgnoresShutdown(name: string, on: boolean): void {
    const vm = this.domains.get(name);
    if (vm === undefined) throw new Error(`lab hypervisor ${this.machine.id} has no VM "${name}"`);
    vm.ignoresShutdown = on;
  }

  describe(): unknown {
    return {
      reachable: this.reachable,
      libvirt: this.libvirtRunning,
      domains: Object.fromEntries(
        [...this.domains.values()].map((vm) => [
          vm.name,
          { state: vm.state, persistent: vm.persistent, boot: vm.boot ?? null },
        ]),
      ),
    };
  }

  destroyAll(): Promise<void> {
    return Promise.all([...this.domains.values()].map((vm) => vm.destroy())).then(() => undefined);
  }
}
