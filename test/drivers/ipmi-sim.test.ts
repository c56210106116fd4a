import { mkdtemp, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticSecretStore, type Secret } from '../../common/secrets';
import {
  SpawnCommandRunner,
  type CommandOptions,
  type CommandResult,
} from '../../common/command-runner';
import { IpmiPowerDriver } from '../../drivers/power/ipmi';
import { CipherSuiteMemory } from '../../drivers/power/ipmi-cipher-suites';
import {
  BmcAuthError,
  BmcUnreachableError,
  UnsupportedActionError,
} from '../../drivers/power/power-errors';
import type { Machine, Topology } from '../../inventory/topology-schema';
import type { LabIpmiBmcs } from '../../lab/bmc/ipmi-sim-bmcs';
import type { Lab, LabOptions } from '../../lab/lab';
import type { LabMachine, LabTiming } from '../../lab/lab-machine';
import { startLab } from '../../lab/start-lab';
import { ipmiLabTopology } from '../support/ipmi-topology';
import { requireTool } from '../support/require-tool';
import { until } from '../support/until';

/** The IPMI driver against real OpenIPMI ipmi_sim BMCs (the lab's) through real ipmitool. */

jest.setTimeout(30_000);

const TIMING: LabTiming = { powerDelayMs: 100, bootMs: 250, shutdownMs: 100 };
/** Small enough that a dark BMC fails fast (ipmitool -N 1 -R 1 gives up after ~2 s). */
const DRIVER_TIMEOUT_MS = 3000;

let topology: Topology;
let lab: Lab;
let dataDir: string;

beforeAll(async () => {
  requireTool('ipmi_sim');
  requireTool('ipmitool');
  topology = await ipmiLabTopology();
  dataDir = await mkdtemp(join(tmpdir(), 'rackshift-ipmi-'));
  lab = await startLab({ topology, dataDir, only: ['ipmi'], timing: TIMING });
});

afterAll(async () => {
  await lab?.stop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

function driver(
  machineId: string,
  secret?: Secret,
  options: { suites?: number[]; memory?: CipherSuiteMemory } = {},
): IpmiPowerDriver {
  const secrets = new StaticSecretStore(
    secret === undefined ? lab.credentials : { 'lab-bmc': secret },
  );
  const base = lab.index.machine(machineId);
  const machine =
    options.suites === undefined
      ? base
      : ({ ...base, bmc: { ...base.bmc, cipherSuites: options.suites } } as Machine);
  return new IpmiPowerDriver({
    machine,
    secrets,
    timeoutMs: DRIVER_TIMEOUT_MS,
    ...(options.memory !== undefined && { cipherSuiteMemory: options.memory }),
  });
}

/** Counts the ipmitool runs of a driver and the cipher suite of each. */
class CountingRunner extends SpawnCommandRunner {
  readonly suites: string[] = [];
  override run(
    file: string,
    args: readonly string[],
    options: CommandOptions,
  ): Promise<CommandResult> {
    this.suites.push(args[args.indexOf('-C') + 1] ?? '');
    return super.run(file, args, options);
  }
}

function powerEvents(machine: LabMachine): string[] {
  const events: string[] = [];
  machine.on('power', (state: string) => events.push(state));
  return events;
}

function ipmiBmcs(): LabIpmiBmcs {
  const component = lab.components.find((c) => c.kind === 'ipmi');
  if (component === undefined) throw new Error('the lab started no ipmi component');
  return component as LabIpmiBmcs;
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

/**
 * A lab of its own for one describe, its BMCs set to quirk profiles: started before its tests,
 * stopped after.
 */
function profileLab(
  name: string,
  options: Pick<LabOptions, 'bmcProfiles' | 'ipmiBootFlagTimeoutMs'>,
): () => Lab {
  let own: Lab | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `rackshift-ipmi-${name}-`));
    own = await startLab({
      topology: await ipmiLabTopology(),
      dataDir: dir,
      only: ['ipmi'],
      timing: TIMING,
      ...options,
    });
  });
  afterAll(async () => {
    await own?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (own === undefined) throw new Error(`the ${name} lab did not start`);
    return own;
  };
}

describe('IPMI driver ↔ ipmi_sim', () => {
  it('writes each BMC config with mode 0600', async () => {
    const mode = (await stat(join(dataDir, 'ipmi', 'm-r1-01', 'lan.conf'))).mode;
    expect(mode & 0o777).toBe(0o600);
  });

  it('reports the LabMachine power state; on and off are idempotent', async () => {
    const m = lab.machine('m-r1-01');
    const d = driver('m-r1-01');
    expect(await d.powerState()).toBe('off');

    expect(await d.power('on')).toMatchObject({ action: 'on', already: false });
    await until('power on', () => m.powerState === 'on');
    expect(await d.powerState()).toBe('on');
    expect(await d.power('on')).toEqual({ action: 'on', already: true, stateAfter: 'on' });
    expect(m.count('on')).toBe(1);

    expect(await d.power('off')).toMatchObject({ action: 'off', already: false });
    await until('power off', () => m.powerState === 'off');
    expect(await d.power('off')).toEqual({ action: 'off', already: true, stateAfter: 'off' });
    expect(m.count('off')).toBe(1);
  });

  it('soft-off is honoured only once the OS runs', async () => {
    const m = lab.machine('m-r1-02');
    const d = driver('m-r1-02');
    m.bootHangs = true;
    await d.power('on');
    await until('the hung boot', () => m.powerState === 'on' && m.bootResult?.healthy === false);
    expect(await d.power('soft')).toEqual({ action: 'soft', already: false, stateAfter: 'on' });
    expect(m.count('soft')).toBe(1);
    expect(m.osState).toBe('booting');

    m.bootHangs = false;
    await d.power('off');
    await until('power off', () => m.powerState === 'off');
    await d.power('on');
    await until('the OS to run', () => m.osState === 'running');
    expect(await d.power('soft')).toMatchObject({ action: 'soft', already: false });
    await until('soft-off', () => m.powerState === 'off');
    expect(m.count('soft')).toBe(2);
    expect(m.count('off')).toBe(1);
  });

  it('cycle turns an off machine on, and takes an on machine off and on again', async () => {
    const m = lab.machine('m-r2-01');
    const d = driver('m-r2-01');
    expect(await d.power('cycle')).toMatchObject({ action: 'cycle', already: false });
    await until('power on', () => m.powerState === 'on');
    expect(m.count('on')).toBe(1);
    expect(m.count('off')).toBe(0);

    const events = powerEvents(m);
    expect(await d.power('cycle')).toMatchObject({ action: 'cycle', already: false });
    // ipmi_sim performs a cycle as "set power 0", then "set power 1" once it reads the chassis off
    // (it polls every second).
    await until('off then on', () => events.join(',') === 'off,on');
    expect(await d.powerState()).toBe('on');
  });

  it('boot device: the device round-trips and reaches the LabMachine; ipmi_sim drops persistent/efiboot', async () => {
    const m = lab.machine('m-r2-02');
    const d = driver('m-r2-02');
    const boots: Array<{ device?: string }> = [];
    m.on('boot', (b: { device?: string }) => boots.push(b));

    const set = await d.setBootDevice({ device: 'pxe', persistent: true, uefi: true });
    expect(set).toEqual({ device: 'pxe', persistent: false, uefi: false });
    expect(await d.bootDevice()).toEqual(set);
    expect(m.bootOverride).toEqual({ device: 'pxe', persistent: false, uefi: false });

    await d.power('on');
    await until('the OS to run', () => m.osState === 'running');
    expect(boots.map((b) => b.device)).toEqual(['pxe']);
    // Next boot only: after the PXE boot the override is gone, and the BMC says so.
    expect(await d.bootDevice()).toEqual({ device: 'disk', persistent: false, uefi: false });

    await d.setBootDevice({ device: 'pxe', persistent: false, uefi: false });
    expect(await d.setBootDevice({ device: 'disk', persistent: false, uefi: false })).toEqual({
      device: 'disk',
      persistent: false,
      uefi: false,
    });
    expect(m.bootOverride.device).toBe('disk');
    // No override at all (what an undo puts back on a machine that had none): selector 0.
    expect(await d.setBootDevice({ device: 'none', persistent: false, uefi: false })).toEqual({
      device: 'none',
      persistent: false,
      uefi: false,
    });
    expect(m.bootOverride.device).toBe('none');
    expect(m.count('bootdev')).toBe(4);
  });

  it('ipmi_sim refuses cipher suite 17 with the real Open Session error: the default list falls back to 3 and keeps it', async () => {
    const runner = new CountingRunner();
    const memory = new CipherSuiteMemory();
    const make = () =>
      new IpmiPowerDriver({
        machine: lab.index.machine('m-r1-01'),
        secrets: new StaticSecretStore(lab.credentials),
        timeoutMs: DRIVER_TIMEOUT_MS,
        runner,
        cipherSuiteMemory: memory,
      });
    expect(await make().powerState()).toBe(lab.machine('m-r1-01').powerState);
    expect(await make().powerState()).toBe(lab.machine('m-r1-01').powerState);
    expect(runner.suites).toEqual(['17', '3', '3']);
  });

  it('a BMC that accepts none of the configured suites → UnsupportedActionError (not unreachable, not retried)', async () => {
    const error = await errorOf(
      driver('m-r1-01', undefined, { suites: [17], memory: new CipherSuiteMemory() }).powerState(),
    );
    expect(error).toBeInstanceOf(UnsupportedActionError);
    expect((error as UnsupportedActionError).retryable).toBe(false);
    expect(error.message).toContain(
      'Error in open session response message : invalid authentication algorithm',
    );
  });

  it.each([
    ['a wrong password', { username: 'admin', password: 'not-the-password' }],
    ['an unknown user', { username: 'nobody', password: 'not-the-password' }],
  ])('%s → BmcAuthError, not retryable, nothing done', async (_what, secret) => {
    const m = lab.machine('m-r1-01');
    const before = m.actions.length;
    const error = await errorOf(driver('m-r1-01', secret).power('on'));
    expect(error).toBeInstanceOf(BmcAuthError);
    expect((error as BmcAuthError).retryable).toBe(false);
    expect(error.message).not.toContain('not-the-password');
    expect(m.actions.length).toBe(before);
  });

  it('rejectAuth makes logins fail like a wrong password, and clearing it restores them', async () => {
    const m = lab.machine('m-r1-02');
    const d = driver('m-r1-02');
    const state = await d.powerState();
    m.rejectAuth = true;
    await ipmiBmcs().settled();
    const error = await errorOf(d.powerState());
    expect(error).toBeInstanceOf(BmcAuthError);
    expect(error.message).toContain('wrong password');

    m.rejectAuth = false;
    await ipmiBmcs().settled();
    expect(await d.powerState()).toBe(state);
  });

  it('a dark machine does not answer: BmcUnreachableError (retryable); it answers again when lit', async () => {
    const m = lab.machine('m-r2-01');
    const d = driver('m-r2-01');
    m.setDark(true);
    const error = await errorOf(d.powerState());
    expect(error).toBeInstanceOf(BmcUnreachableError);
    expect((error as BmcUnreachableError).retryable).toBe(true);
    expect(m.count('on')).toBe(2);

    m.setDark(false);
    expect(await d.powerState()).toBe('off');
  });
});

describe('a BMC with cipher suite 3 disabled (lab profile no-suite-3: ipmi_sim behind the cipher gate)', () => {
  const gated = profileLab('gated', { bmcProfiles: { 'm-r1-01': 'no-suite-3' } });

  function gatedDriver(suites: number[] | undefined, runner: CountingRunner): IpmiPowerDriver {
    const base = gated().index.machine('m-r1-01');
    const machine =
      suites === undefined
        ? base
        : ({ ...base, bmc: { ...base.bmc, cipherSuites: suites } } as Machine);
    return new IpmiPowerDriver({
      machine,
      secrets: new StaticSecretStore(gated().credentials),
      timeoutMs: DRIVER_TIMEOUT_MS,
      runner,
      cipherSuiteMemory: new CipherSuiteMemory(),
    });
  }

  it("is not reported unreachable: both refusals, with ipmitool's real texts, end in UnsupportedActionError", async () => {
    const runner = new CountingRunner();
    const error = await errorOf(gatedDriver(undefined, runner).powerState());
    expect(error).toBeInstanceOf(UnsupportedActionError);
    expect(error.message).toContain(
      '17 (the BMC does not accept this cipher suite (ipmitool: Error in open session response message : invalid authentication algorithm))',
    );
    expect(error.message).toContain(
      '3 (the BMC does not accept this cipher suite (ipmitool: Error in open session response message : no matching cipher suite))',
    );
    expect(runner.suites).toEqual(['17', '3']);
  });

  it('the driver walks the configured list to a suite the BMC accepts and works through it', async () => {
    const runner = new CountingRunner();
    const d = gatedDriver([17, 3, 2], runner);
    expect(await d.power('on')).toMatchObject({ action: 'on', already: false });
    await until('power on', () => gated().machine('m-r1-01').powerState === 'on');
    expect(runner.suites).toEqual(['17', '3', '2', '2', '2']);
  });

  it('a dark gated BMC is silent, refusals included', async () => {
    gated().machine('m-r1-01').setDark(true);
    try {
      const error = await errorOf(gatedDriver([3], new CountingRunner()).powerState());
      expect(error).toBeInstanceOf(BmcUnreachableError);
    } finally {
      gated().machine('m-r1-01').setDark(false);
    }
  });
});

describe('a BMC with no free session slot (lab profile busy-sessions: two Open Sessions in three refused)', () => {
  const busyLab = profileLab('busy', { bmcProfiles: { 'm-r1-01': 'busy-sessions' } });

  it('real ipmitool says "insufficient resources for session"; the driver runs the command again and gets through on the third run', async () => {
    const runner = new CountingRunner();
    const machine = busyLab().index.machine('m-r1-01');
    const d = new IpmiPowerDriver({
      machine: { ...machine, bmc: { ...machine.bmc, cipherSuites: [3] } } as Machine,
      secrets: new StaticSecretStore(busyLab().credentials),
      timeoutMs: DRIVER_TIMEOUT_MS,
      runner,
      cipherSuiteMemory: new CipherSuiteMemory(),
      busyRetryDelayMs: 50,
    });
    expect(await d.powerState()).toBe('off');
    expect(runner.suites).toEqual(['3', '3', '3']);
    expect(busyLab().describe().ipmi).toMatchObject({ 'm-r1-01': { busyRefusals: 2 } });
  });
});

describe('the boot flags valid bit (lab profile spec-boot-flags: expires as the IPMI spec says)', () => {
  /** Shortened from the spec's 60 s. */
  const VALID_MS = 300;
  const lab2 = profileLab('bootflags', {
    bmcProfiles: { 'm-r1-01': 'spec-boot-flags', 'm-r1-02': 'spec-boot-flags' },
    ipmiBootFlagTimeoutMs: VALID_MS,
  });

  function suite2Driver(machineId: string): IpmiPowerDriver {
    const base = lab2().index.machine(machineId);
    const machine = { ...base, bmc: { ...base.bmc, cipherSuites: [2] } } as Machine;
    return new IpmiPowerDriver({
      machine,
      secrets: new StaticSecretStore(lab2().credentials),
      timeoutMs: DRIVER_TIMEOUT_MS,
    });
  }

  it('a plain "chassis bootdev pxe" loses its valid bit when no chassis control follows in time', async () => {
    const m = lab2().machine('m-r1-01');
    const bmc = lab2().index.machine('m-r1-01').bmc;
    const result = await new SpawnCommandRunner().run(
      'ipmitool',
      [
        '-I',
        'lanplus',
        '-C',
        '2',
        '-H',
        bmc.address,
        '-p',
        String(bmc.port),
        '-U',
        lab2().credentials['lab-bmc']?.username ?? '',
        '-E',
        'chassis',
        'bootdev',
        'pxe',
      ],
      { env: { IPMI_PASSWORD: lab2().credentials['lab-bmc']?.password ?? '' }, timeoutMs: 10_000 },
    );
    expect(result.stdout).toContain('Set Boot Device to pxe');
    await until(
      'the valid bit to expire',
      () => m.bootOverride.device === 'disk' && m.count('bootdev') === 2,
    );
    expect(m.actions.filter((a) => a.action === 'bootdev').map((a) => a.detail)).toEqual([
      'pxe',
      'disk persistent',
    ]);
  });

  it('the driver keeps the valid bit (parameter 3), so an override set long before the reset still holds', async () => {
    const m = lab2().machine('m-r1-02');
    const d = suite2Driver('m-r1-02');
    await d.setBootDevice({ device: 'pxe', persistent: false, uefi: false });
    // Longer than the valid bit's timeout, as when a runbook re-VLANs and masks LUNs before the
    // power-on.
    await sleep(VALID_MS * 3);
    await d.power('on');
    await until('the OS to run', () => m.osState === 'running');
    expect(m.actions.filter((a) => a.action === 'bootdev').map((a) => a.detail)).toEqual(['pxe']);
    expect(lab2().describe().ipmi).toMatchObject({ 'm-r1-02': { refusedCipherSuites: [3] } });
  });

  it('a persistent EFI override goes out with the persistent and EFI bits (the lab reads them off the wire; ipmi_sim keeps only the device)', async () => {
    const d = suite2Driver('m-r1-02');
    expect(await d.setBootDevice({ device: 'pxe', persistent: true, uefi: true })).toEqual({
      device: 'pxe',
      persistent: false,
      uefi: false,
    });
    expect(lab2().describe().ipmi).toMatchObject({
      'm-r1-02': { bootFlagsRequested: { selector: 0b0001, persistent: true, efi: true } },
    });
    await d.setBootDevice({ device: 'disk', persistent: false, uefi: false });
    expect(lab2().describe().ipmi).toMatchObject({
      'm-r1-02': { bootFlagsRequested: { selector: 0b0010, persistent: false, efi: false } },
    });
  });
});

describe('lab IPMI BMCs', () => {
  it('refuse to share a UDP port with a BMC that already answers there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rackshift-ipmi-busy-'));
    try {
      await expect(
        startLab({ topology, dataDir: dir, only: ['ipmi'], timing: TIMING }),
      ).rejects.toThrow(/already answers IPMI at 127\.0\.0\.1:\d+/);
      expect(await driver('m-r1-01').powerState()).toBe(lab.machine('m-r1-01').powerState);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stop leaves no ipmi_sim behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rackshift-ipmi-stop-'));
    const second = await startLab({
      topology: await ipmiLabTopology(),
      dataDir: dir,
      only: ['ipmi'],
      timing: TIMING,
    });
    try {
      second.machine('m-r1-01').setDark(true);
      const described = second.describe().ipmi as Record<string, { pid: number | null }>;
      const pids = Object.values(described).map((b) => b.pid);
      expect(pids).toHaveLength(4);
      for (const pid of pids) expect(pid).toEqual(expect.any(Number));
      await second.stop();
      for (const pid of pids)
        expect(() => process.kill(pid as number, 0)).toThrow(
          expect.objectContaining({ code: 'ESRCH' }),
        );
    } finally {
      await second.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
