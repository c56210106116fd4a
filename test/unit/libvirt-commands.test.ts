import { ValidationError } from '../../common/errors';
import {
  HypervisorCommandError,
  HypervisorUnavailableError,
  VmNotFoundError,
} from '../../drivers/hypervisor/hypervisor-errors';
import { libvirtDomainXml } from '../../drivers/hypervisor/libvirt-domain-xml';
import { LibvirtSshDriver } from '../../drivers/hypervisor/libvirt-ssh';
import type { VmSpec } from '../../drivers/hypervisor/vm-spec';
import type {
  ExecOptions,
  ExecResult,
  SshConnector,
  SshSession,
  SshTarget,
} from '../../drivers/ssh/ssh-transport';
import { machineSchema, type Machine } from '../../inventory/topology-schema';

const FP = 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I';
const V = 'virsh -c qemu:///system';

const host: Machine = machineSchema.parse({
  id: 'kvm-1',
  rack: 'r1',
  bmc: { driver: 'ipmi', address: '127.0.0.1', port: 6231, credential: 'bmc' },
  nics: [{ name: 'eth0', mac: '52:54:00:00:00:01', switch: 'sw1', port: 'Gi1/0/1' }],
  arch: 'x86_64',
  cores: 32,
  memoryGiB: 256,
  pool: 'spare',
  hypervisor: { address: '192.0.2.10', port: 2222, credential: 'hv', hostKeyFingerprint: FP },
});

const spec: VmSpec = {
  name: 'web-01',
  arch: 'x86_64',
  vcpus: 2,
  memoryGiB: 4,
  nics: [{ mac: '52:54:00:aa:00:01', bridge: 'br-trunk', vlans: [110] }],
  disks: [
    {
      targetIqn: 'iqn.2026-11.example:array-1',
      lun: 1,
      portal: { address: '10.0.0.5', port: 3260 },
      initiatorIqn: 'iqn.2026-11.example:kvm-1',
      boot: true,
    },
  ],
};

const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', code: 0 });
const fail = (stderr: string): ExecResult => ({ stdout: '', stderr, code: 1 });

const DOMINFO_RUNNING = `Id:             7
Name:           web-01
UUID:           4b1f3c9e-2a5d-4c8e-9f10-7d6e5c4b3a21
OS Type:        hvm
State:          running
CPU(s):         2
CPU time:       12.3s
Max memory:     4194304 KiB
Used memory:    4194304 KiB
Persistent:     yes
Autostart:      disable
Managed save:   no
Security model: none
Security DOI:   0

`;
const DOMINFO_OFF = DOMINFO_RUNNING.replace('Id:             7', 'Id:             -')
  .replace('running', 'shut off')
  .replace('CPU time:       12.3s\n', '');

/** Answers each command from a script, in order, and records what it was sent. */
class RecordingConnector implements SshConnector {
  readonly sent: Array<{ command: string; stdin?: string }> = [];
  readonly targets: SshTarget[] = [];
  opened = 0;
  closed = 0;
  constructor(private readonly answers: ExecResult[] = []) {}

  async connect(target: SshTarget): Promise<SshSession> {
    this.targets.push(target);
    this.opened += 1;
    return {
      exec: async (command: string, options?: ExecOptions) => {
        this.sent.push({ command, ...(options?.stdin !== undefined && { stdin: options.stdin }) });
        const answer = this.answers.shift();
        if (answer === undefined) throw new Error(`unexpected command: ${command}`);
        return answer;
      },
      shell: () => Promise.reject(new Error('virsh needs no shell')),
      close: async () => {
        this.closed += 1;
      },
    };
  }

  get commands(): string[] {
    return this.sent.map((s) => s.command);
  }
}

function driver(connector: SshConnector, sleeps: number[] = []): LibvirtSshDriver {
  return new LibvirtSshDriver(host, connector, { sleep: async (ms) => void sleeps.push(ms) });
}

describe('LibvirtSshDriver commands', () => {
  it('defines from stdin: the XML is never on a command line', async () => {
    const c = new RecordingConnector([
      ok('db-02\n\n'),
      ok("Domain 'web-01' defined from /dev/stdin\n"),
    ]);
    await expect(driver(c).define(spec)).resolves.toEqual({ already: false });
    expect(c.sent).toEqual([
      { command: `${V} list --all --name` },
      { command: `${V} define /dev/stdin`, stdin: libvirtDomainXml(spec) },
    ]);
    expect(c.targets).toEqual([
      {
        deviceId: 'kvm-1',
        host: '192.0.2.10',
        port: 2222,
        hostKeyFingerprint: FP,
        credential: 'hv',
      },
    ]);
    expect([c.opened, c.closed]).toEqual([1, 1]);
  });

  it('says when define replaced an existing definition', async () => {
    const c = new RecordingConnector([ok('web-01\n\n'), ok()]);
    await expect(driver(c).define(spec)).resolves.toEqual({ already: true });
  });

  it('refuses a bad spec before connecting', async () => {
    const c = new RecordingConnector();
    await expect(driver(c).define({ ...spec, name: 'web 01' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(c.opened).toBe(0);
  });

  it.each<[string, (d: LibvirtSshDriver) => Promise<unknown>, string]>([
    ['start', (d) => d.start('web-01'), `${V} start web-01`],
    ['destroy', (d) => d.destroy('web-01'), `${V} destroy web-01`],
    ['undefine', (d) => d.undefine('web-01'), `${V} undefine web-01`],
  ])('%s sends one command and reports it did something', async (_op, run, command) => {
    const c = new RecordingConnector([ok()]);
    await expect(run(driver(c))).resolves.toEqual({ already: false });
    expect(c.commands).toEqual([command]);
    expect(c.closed).toBe(1);
  });

  it.each<[string, (d: LibvirtSshDriver) => Promise<unknown>, string]>([
    [
      'start while running',
      (d) => d.start('web-01'),
      "error: Failed to start domain 'web-01'\nerror: Requested operation is not valid: domain is already running\n",
    ],
    [
      'destroy while off',
      (d) => d.destroy('web-01'),
      "error: Failed to destroy domain 'web-01'\nerror: Requested operation is not valid: domain is not running\n",
    ],
    [
      'undefine while absent',
      (d) => d.undefine('web-01'),
      "error: failed to get domain 'web-01'\n",
    ],
  ])('%s is already done', async (_op, run, stderr) => {
    const c = new RecordingConnector([fail(stderr)]);
    await expect(run(driver(c))).resolves.toEqual({ already: true });
  });

  it.each<[string, (d: LibvirtSshDriver) => Promise<unknown>]>([
    ['start', (d) => d.start('web-01')],
    ['destroy', (d) => d.destroy('web-01')],
    ['info', (d) => d.info('web-01')],
    ['shutdown', (d) => d.shutdown('web-01', { graceMs: 1000 })],
  ])('%s of an absent VM throws VmNotFoundError', async (_op, run) => {
    const c = new RecordingConnector([fail("error: failed to get domain 'web-01'\n")]);
    const error = await run(driver(c)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VmNotFoundError);
    expect((error as VmNotFoundError).context).toEqual({ hostId: 'kvm-1', vm: 'web-01' });
    expect(c.closed).toBe(1);
  });

  it('shuts down gracefully, polling the state until the guest is off', async () => {
    const sleeps: number[] = [];
    const c = new RecordingConnector([
      ok("Domain 'web-01' is being shutdown\n"),
      ok(DOMINFO_RUNNING),
      ok(DOMINFO_RUNNING),
      ok(DOMINFO_OFF),
    ]);
    await expect(
      driver(c, sleeps).shutdown('web-01', { graceMs: 600_000, pollMs: 250 }),
    ).resolves.toEqual({ already: false, forced: false });
    expect(c.commands).toEqual([
      `${V} shutdown web-01`,
      `${V} dominfo web-01`,
      `${V} dominfo web-01`,
      `${V} dominfo web-01`,
    ]);
    expect(sleeps).toEqual([250, 250]);
    expect(c.opened).toBe(1);
  });

  it('destroys a guest that ignores the graceful request for the whole grace time', async () => {
    const c = new RecordingConnector([
      ok(),
      ok(DOMINFO_RUNNING),
      ok("Domain 'web-01' destroyed\n"),
    ]);
    await expect(driver(c).shutdown('web-01', { graceMs: 0 })).resolves.toEqual({
      already: false,
      forced: true,
    });
    expect(c.commands).toEqual([
      `${V} shutdown web-01`,
      `${V} dominfo web-01`,
      `${V} destroy web-01`,
    ]);
  });

  it('shutdown of a VM that is not running is already done', async () => {
    const c = new RecordingConnector([
      fail(
        "error: Failed to shutdown domain 'web-01'\nerror: Requested operation is not valid: domain is not running\n",
      ),
    ]);
    await expect(driver(c).shutdown('web-01', { graceMs: 1000 })).resolves.toEqual({
      already: true,
      forced: false,
    });
    expect(c.commands).toEqual([`${V} shutdown web-01`]);
  });

  it('reads dominfo', async () => {
    const c = new RecordingConnector([ok(DOMINFO_RUNNING)]);
    await expect(driver(c).info('web-01')).resolves.toEqual({
      name: 'web-01',
      state: 'running',
      vcpus: 2,
      memoryKiB: 4194304,
      persistent: true,
      uuid: '4b1f3c9e-2a5d-4c8e-9f10-7d6e5c4b3a21',
    });
    expect(c.commands).toEqual([`${V} dominfo web-01`]);
  });

  it('lists every VM, sorted', async () => {
    const c = new RecordingConnector([ok('web-01\ndb-02\n\n')]);
    await expect(driver(c).list()).resolves.toEqual(['db-02', 'web-01']);
    expect(c.commands).toEqual([`${V} list --all --name`]);
  });

  it('translates a host without libvirtd into HypervisorUnavailableError', async () => {
    const c = new RecordingConnector([
      fail(
        "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n",
      ),
    ]);
    await expect(driver(c).list()).rejects.toBeInstanceOf(HypervisorUnavailableError);
  });

  it("keeps virsh's text in HypervisorCommandError", async () => {
    const text =
      "error: Failed to define domain from /dev/stdin\nerror: unsupported configuration: vlan tag not supported on bridge 'br-trunk'";
    const c = new RecordingConnector([ok(''), fail(text)]);
    const error = await driver(c)
      .define(spec)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HypervisorCommandError);
    expect((error as HypervisorCommandError).output).toBe(text);
    expect((error as HypervisorCommandError).context).toEqual({
      hostId: 'kvm-1',
      command: `${V} define /dev/stdin`,
      exitCode: 1,
    });
  });

  it.each([
    'web-01; reboot',
    'web-01 --graceful',
    '$(reboot)',
    'Web-01',
    '7',
    '4b1f3c9e-2a5d-4c8e-9f10-7d6e5c4b3a21',
    '',
  ])('refuses the name %j before connecting', async (name) => {
    const c = new RecordingConnector();
    const d = driver(c);
    for (const run of [
      () => d.start(name),
      () => d.destroy(name),
      () => d.undefine(name),
      () => d.info(name),
      () => d.shutdown(name, { graceMs: 0 }),
    ]) {
      await expect(run()).rejects.toBeInstanceOf(ValidationError);
    }
    expect(c.opened).toBe(0);
  });

  it('validate() names the missing hypervisor endpoint', () => {
    const { hypervisor: _omitted, ...plain } = host;
    const error = (() => {
      try {
        new LibvirtSshDriver(plain, new RecordingConnector()).validate();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['hypervisor']);
  });
});
