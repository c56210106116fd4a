import { spawnSync } from 'node:child_process';
import { libvirtDomainXml } from '../../drivers/hypervisor/libvirt-domain-xml';
import { personaVmSpec } from '../../drivers/hypervisor/persona-vm-spec';
import { classifyVirshFailure, virshCommands } from '../../drivers/hypervisor/virsh-commands';
import { parseDominfo, parseNameList } from '../../drivers/hypervisor/virsh-output';
import { iscsiLunAddress } from '../../drivers/storage/lun-target';
import { TopologyIndex } from '../../inventory/topology-index';
import { requireTool } from '../support/require-tool';
import { labSmall } from '../support/lab-fixtures';

/**
 * The driver's XML, command syntax, output parsers and error patterns against the real
 * virsh of Debian, on libvirt's built-in test hypervisor (test:///default: in-process, no
 * daemon). Each run is one virsh process, so a scenario is one `;`-separated command line.
 */
const virsh = requireTool('virsh');

/** `virsh -c qemu:///system start web-01` → `start web-01`: the driver's own subcommand syntax. */
function sub(command: string): string {
  const prefix = 'virsh -c qemu:///system ';
  if (!command.startsWith(prefix)) throw new Error(`unexpected command shape: ${command}`);
  return command.slice(prefix.length);
}

/**
 * Node hands a child its stdin as a socket, which /dev/stdin cannot be opened on; sshd hands
 * it a pipe (checked against the real sshd). `cat |` gives virsh the pipe it gets over SSH.
 */
function run(
  commands: string[],
  stdin = '',
): { stdout: string; stderr: string; code: number | null } {
  const r = spawnSync(
    'sh',
    ['-c', 'cat | "$0" -c test:///default "$1"', virsh, commands.join('; ')],
    { input: stdin, encoding: 'utf8' },
  );
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

describe('libvirt driver against the real virsh (test:///default)', () => {
  let index: TopologyIndex;
  let web01: string;

  beforeAll(async () => {
    index = new TopologyIndex(await labSmall());
    web01 = libvirtDomainXml(
      personaVmSpec(index.persona('web-01'), index.machine('m-r2-03'), index, iscsiLunAddress),
    );
  });

  it("validates the domain XML of every lab persona that can be a VM against libvirt's schema", () => {
    const vmReady = index.topology.personas.filter(
      (p) => p.vmAllowed && p.networks.every((n) => n.mac !== undefined),
    );
    expect(vmReady.map((p) => p.name).sort()).toEqual(['app-01', 'web-01', 'web-02']);
    for (const persona of vmReady) {
      const xml = libvirtDomainXml(
        personaVmSpec(persona, index.machine('m-r2-03'), index, iscsiLunAddress),
      );
      const r = run([`${sub(virshCommands.define).replace('define', 'define --validate')}`], xml);
      expect({ persona: persona.name, ...r }).toEqual({
        persona: persona.name,
        stdout: `Domain '${persona.name}' defined from /dev/stdin\n\n`,
        stderr: '',
        code: 0,
      });
    }
  });

  it('is checking: the schema refuses what libvirt does not know', () => {
    const r = run(
      ['define --validate /dev/stdin'],
      web01.replace('<acpi/>', '<acpi/><no-such-feature/>'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed to validate against schema');
  });

  it('parses the dominfo of a running and of a stopped domain', () => {
    const running = run(
      [
        sub(virshCommands.define),
        sub(virshCommands.start('web-01')),
        sub(virshCommands.dominfo('web-01')),
      ],
      web01,
    );
    expect(running.code).toBe(0);
    const info = running.stdout.slice(running.stdout.indexOf('Id:'));
    expect(parseDominfo(info)).toEqual({
      name: 'web-01',
      state: 'running',
      vcpus: 8,
      memoryKiB: 32 * 1024 * 1024,
      persistent: true,
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const off = run([sub(virshCommands.define), sub(virshCommands.dominfo('web-01'))], web01);
    expect(parseDominfo(off.stdout.slice(off.stdout.indexOf('Id:')))).toMatchObject({
      state: 'shut-off',
      persistent: true,
    });
  });

  it('lists every domain by name', () => {
    const r = run([sub(virshCommands.define), sub(virshCommands.list)], web01);
    expect(parseNameList(r.stdout.slice(r.stdout.indexOf('\n\n') + 2))).toEqual(['test', 'web-01']);
  });

  it.each<[string, (name: string) => string[], string]>([
    [
      'start while running',
      (n) => [sub(virshCommands.define), sub(virshCommands.start(n)), sub(virshCommands.start(n))],
      'already-running',
    ],
    [
      'shutdown while off',
      (n) => [sub(virshCommands.define), sub(virshCommands.shutdown(n))],
      'not-running',
    ],
    [
      'destroy while off',
      (n) => [sub(virshCommands.define), sub(virshCommands.destroy(n))],
      'not-running',
    ],
    ['undefine while absent', (n) => [sub(virshCommands.undefine(n))], 'not-found'],
    ['dominfo while absent', (n) => [sub(virshCommands.dominfo(n))], 'not-found'],
  ])("reads virsh's own error for %s", (_what, commands, failure) => {
    const r = run(commands('web-01'), web01);
    expect(r.code).toBe(1);
    expect(classifyVirshFailure(r.stderr)).toBe(failure);
  });
});
