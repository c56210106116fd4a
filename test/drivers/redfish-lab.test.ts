import { join } from 'node:path';
import { ValidationError } from '../../common/errors';
import { StaticSecretStore, type SecretStore } from '../../common/secrets';
import type { Machine, RedfishBmc } from '../../inventory/topology-schema';
import {
  BmcAuthError,
  BmcProtocolError,
  BmcUnreachableError,
  UnsupportedActionError,
} from '../../drivers/power/power-errors';
import { RedfishPowerDriver } from '../../drivers/power/redfish';
import { BmcTlsError } from '../../drivers/power/power-errors';
import { DEFAULT_REDFISH_SETTINGS, type LabRedfishBmc } from '../../lab/bmc/redfish-bmc';
import type { Lab } from '../../lab/lab';
import type { LabMachine } from '../../lab/lab-machine';
import { ROOT } from '../support/lab-fixtures';
import { labRedfishBmc, startRedfishLab } from '../support/redfish-topology';
import { until } from '../support/until';

jest.setTimeout(30_000);

let lab: Lab;
let secrets: SecretStore;
let stopLab: () => Promise<void>;
const drivers: RedfishPowerDriver[] = [];

beforeAll(async () => {
  ({ lab, secrets, stop: stopLab } = await startRedfishLab('rackshift-redfish-lab-'));
});

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  for (const m of lab.machines.values()) {
    m.setDark(false);
    m.rejectAuth = false;
  }
  for (const id of lab.machines.keys())
    if (lab.machine(id).spec.bmc.driver === 'redfish') bmc(id).settings = DEFAULT_REDFISH_SETTINGS;
});

afterAll(async () => {
  await stopLab?.();
});

function bmc(machineId: string): LabRedfishBmc {
  return labRedfishBmc(lab, machineId);
}

function spec(machineId: string, bmcPatch: Partial<RedfishBmc> = {}): Machine {
  const m = lab.index.machine(machineId);
  return { ...m, bmc: { ...(m.bmc as RedfishBmc), ...bmcPatch } };
}

function driver(machine: Machine, store: SecretStore = secrets): RedfishPowerDriver {
  const d = new RedfishPowerDriver({
    machine,
    secrets: store,
    timeoutMs: 5_000,
    pollIntervalMs: 50,
  });
  drivers.push(d);
  return d;
}

/** Puts a lab machine into a known power state without going through any BMC. */
async function settle(m: LabMachine, power: 'on' | 'off'): Promise<void> {
  if (m.powerState !== power) {
    if (power === 'on') m.powerOn();
    else m.powerOff();
  }
  await until(
    `${m.id} ${power}`,
    () => m.powerState === power && (power === 'off' || m.osState === 'running'),
  );
}

describe('sessions', () => {
  it('logs in once, reuses the session and leaves none behind after close', async () => {
    const b = bmc('m-r1-03');
    const loginsBefore = b.logins;
    const d = driver(spec('m-r1-03'));
    await Promise.all([d.powerState(), d.powerState(), d.bootDevice()]);
    expect(b.logins - loginsBefore).toBe(1);
    expect(b.sessions.size).toBe(1);
    await d.close();
    expect(b.sessions.size).toBe(0);
    await d.close();
  });

  it('logs in again once when the BMC expired the session mid-way', async () => {
    const b = bmc('m-r1-04');
    const d = driver(spec('m-r1-04'));
    await d.powerState();
    const loginsBefore = b.logins;
    b.expireSessions();
    await expect(d.powerState()).resolves.toMatch(/^(on|off)$/);
    expect(b.logins - loginsBefore).toBe(1);
  });

  it('discovers the system id from /redfish/v1/Systems when the topology names none', async () => {
    const m = spec('m-r1-04');
    const { systemId: _omitted, ...bmcWithoutId } = m.bmc as RedfishBmc;
    const d = driver({ ...m, bmc: bmcWithoutId });
    await expect(d.powerState()).resolves.toBe(lab.machine('m-r1-04').powerState);
  });

  it('refuses a system id the BMC does not have, naming the field', async () => {
    const d = driver(spec('m-r1-04', { systemId: 'System.Embedded.9' }));
    const e = await d.powerState().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).issues[0]?.path).toBe('bmc.systemId');
  });
});

describe('power', () => {
  it('turns on, and "on" while on is already done without a second On', async () => {
    const m = lab.machine('m-r1-03');
    await settle(m, 'off');
    const ons = m.count('on');
    const d = driver(spec('m-r1-03'));
    await expect(d.power('on')).resolves.toMatchObject({ action: 'on', already: false });
    await until('power on', () => m.powerState === 'on');
    await expect(d.power('on')).resolves.toEqual({ action: 'on', already: true, stateAfter: 'on' });
    await expect(d.powerState()).resolves.toBe('on');
    expect(m.count('on') - ons).toBe(1);
  });

  it('turns off with ForceOff, and "off" while off sends nothing', async () => {
    const m = lab.machine('m-r1-03');
    await settle(m, 'on');
    const offs = m.count('off');
    const d = driver(spec('m-r1-03'));
    await expect(d.power('off')).resolves.toMatchObject({ action: 'off', already: false });
    await until('power off', () => m.powerState === 'off');
    await expect(d.power('off')).resolves.toEqual({
      action: 'off',
      already: true,
      stateAfter: 'off',
    });
    expect(m.count('off') - offs).toBe(1);
  });

  it('soft-off is a GracefulShutdown the running OS honours; on a machine that is off it is already done', async () => {
    const m = lab.machine('m-r1-03');
    await settle(m, 'on');
    const d = driver(spec('m-r1-03'));
    await expect(d.power('soft')).resolves.toMatchObject({
      action: 'soft',
      already: false,
      stateAfter: 'on',
    });
    await until('soft off', () => m.powerState === 'off');
    const softs = m.count('soft');
    await expect(d.power('soft')).resolves.toEqual({
      action: 'soft',
      already: true,
      stateAfter: 'off',
    });
    expect(m.count('soft')).toBe(softs);
  });

  it('cycles with PowerCycle when the BMC allows it', async () => {
    const m = lab.machine('m-r1-03');
    await settle(m, 'on');
    bmc('m-r1-03').settings = { ...DEFAULT_REDFISH_SETTINGS, taskResets: [] };
    const before = { cycle: m.count('cycle'), reset: m.count('reset') };
    await expect(driver(spec('m-r1-03')).power('cycle')).resolves.toMatchObject({
      action: 'cycle',
      already: false,
    });
    expect(m.count('cycle') - before.cycle).toBe(1);
    expect(m.count('reset') - before.reset).toBe(0);
  });

  it('falls back to ForceRestart for a cycle when PowerCycle is not allowed', async () => {
    const m = lab.machine('m-r2-04');
    await settle(m, 'on');
    bmc('m-r2-04').settings = {
      ...DEFAULT_REDFISH_SETTINGS,
      resetTypes: ['On', 'ForceOff', 'ForceRestart'],
      taskResets: [],
    };
    const before = { cycle: m.count('cycle'), reset: m.count('reset') };
    await driver(spec('m-r2-04')).power('cycle');
    expect(m.count('reset') - before.reset).toBe(1);
    expect(m.count('cycle') - before.cycle).toBe(0);
  });

  it('cycles as ForceOff, then On once Off is reported, when only those are allowed', async () => {
    const m = lab.machine('m-r2-04');
    await settle(m, 'on');
    bmc('m-r2-04').settings = {
      ...DEFAULT_REDFISH_SETTINGS,
      resetTypes: ['On', 'ForceOff'],
      taskResets: [],
    };
    const start = m.actions.length;
    await expect(driver(spec('m-r2-04')).power('cycle')).resolves.toMatchObject({ already: false });
    expect(m.actions.slice(start).map((a) => a.action)).toEqual(['off', 'on']);
    await until('power back on', () => m.powerState === 'on');
  });

  it('refuses an action none of whose ResetTypes the BMC allows, and sends nothing', async () => {
    const m = lab.machine('m-r2-04');
    await settle(m, 'on');
    bmc('m-r2-04').settings = { ...DEFAULT_REDFISH_SETTINGS, resetTypes: ['On'] };
    const start = m.actions.length;
    const e = await driver(spec('m-r2-04'))
      .power('off')
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(UnsupportedActionError);
    expect((e as UnsupportedActionError).retryable).toBe(false);
    expect((e as Error).message).toMatch(/allows ResetType On, none of ForceOff/);
    expect(m.actions.length).toBe(start);
  });
});

describe('202 Accepted and task monitors', () => {
  it('follows the task monitor to Completed before reading the state back', async () => {
    const m = lab.machine('m-r1-04');
    await settle(m, 'on');
    const b = bmc('m-r1-04');
    b.settings = {
      ...DEFAULT_REDFISH_SETTINGS,
      taskResets: ['PowerCycle', 'ForceOff'],
      taskMs: 300,
    };
    const d = driver(spec('m-r1-04'));
    await expect(d.power('cycle')).resolves.toMatchObject({ already: false });
    // The lab forgets a task once its monitor has reported Completed: none left means it was
    // followed to the end.
    expect(b.describe()).toMatchObject({ tasks: 0 });
    await until('on after cycle', () => m.powerState === 'on' && m.osState === 'running');
    await expect(d.power('off')).resolves.toMatchObject({ already: false });
    expect(b.describe()).toMatchObject({ tasks: 0 });
  });

  it('gives up on a task that does not finish within the timeout', async () => {
    const m = lab.machine('m-r1-04');
    await settle(m, 'on');
    bmc('m-r1-04').settings = {
      ...DEFAULT_REDFISH_SETTINGS,
      taskResets: ['PowerCycle'],
      taskMs: 60_000,
    };
    const d = new RedfishPowerDriver({
      machine: spec('m-r1-04'),
      secrets,
      timeoutMs: 400,
      pollIntervalMs: 50,
    });
    drivers.push(d);
    const e = await d.power('cycle').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BmcProtocolError);
    expect((e as Error).message).toMatch(
      /task \/redfish\/v1\/TaskService\/TaskMonitors\/\w+ did not finish within 400 ms/,
    );
  });
});

describe('boot override', () => {
  it('round-trips target, Once/Continuous and UEFI/Legacy through the PATCH with the ETag', async () => {
    const m = lab.machine('m-r1-04');
    const d = driver(spec('m-r1-04'));
    await expect(
      d.setBootDevice({ device: 'pxe', persistent: false, uefi: true }),
    ).resolves.toEqual({ device: 'pxe', persistent: false, uefi: true });
    expect(m.bootOverride).toEqual({ device: 'pxe', persistent: false, uefi: true });
    await expect(d.bootDevice()).resolves.toEqual({ device: 'pxe', persistent: false, uefi: true });
    await expect(
      d.setBootDevice({ device: 'disk', persistent: true, uefi: false }),
    ).resolves.toEqual({ device: 'disk', persistent: true, uefi: false });
    expect(m.bootOverride).toEqual({ device: 'disk', persistent: true, uefi: false });
    // Clearing the override (what an undo puts back on a machine that had none): Disabled, read
    // back as none.
    await expect(
      d.setBootDevice({ device: 'none', persistent: false, uefi: false }),
    ).resolves.toMatchObject({ device: 'none', persistent: false });
    expect(m.bootOverride.device).toBe('none');
  });

  it('reads the system again and retries once when its ETag changed between read and write (412)', async () => {
    const m = lab.machine('m-r1-04');
    const b = bmc('m-r1-04');
    const patchSystem = (
      b as unknown as { patchSystem: (...args: unknown[]) => void }
    ).patchSystem.bind(b);
    let patches = 0;
    jest
      .spyOn(b as unknown as { patchSystem: (...args: unknown[]) => void }, 'patchSystem')
      .mockImplementation((...args: unknown[]) => {
        patches += 1;
        // Someone else changes the override after the driver read the system: its ETag is stale
        // now.
        if (patches === 1) m.setBootDevice({ device: 'cdrom', persistent: true, uefi: false });
        patchSystem(...args);
      });
    try {
      await expect(
        driver(spec('m-r1-04')).setBootDevice({ device: 'pxe', persistent: true, uefi: true }),
      ).resolves.toEqual({ device: 'pxe', persistent: true, uefi: true });
      expect(patches).toBe(2);
    } finally {
      jest.restoreAllMocks();
    }
  });
});

describe('trust and credentials', () => {
  it('refuses a BMC whose certificate does not have the pinned fingerprint, before sending credentials', async () => {
    const b = bmc('m-r2-03');
    const loginsBefore = b.logins;
    const wrong =
      '00:E8:C3:06:E0:17:AF:34:B2:60:69:D4:2A:96:97:3D:B1:D4:3B:B8:DF:D1:B7:12:57:91:78:94:3A:14:AE:8F';
    const e = await driver(spec('m-r2-03', { tls: { fingerprint: wrong, insecure: false } }))
      .powerState()
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BmcTlsError);
    expect((e as BmcTlsError).retryable).toBe(false);
    expect((e as Error).message).toContain('A0:E8:C3:06');
    expect(b.logins).toBe(loginsBefore);
  });

  it('trusts the BMC through a pinned CA file', async () => {
    const d = driver(
      spec('m-r2-03', {
        tls: { caFile: join(ROOT, 'lab', 'keys', 'redfish-lab.crt'), insecure: false },
      }),
    );
    await expect(d.powerState()).resolves.toMatch(/^(on|off)$/);
  });

  it('refuses the self-signed BMC certificate when nothing is pinned', async () => {
    const { tls: _none, ...bmcWithoutTls } = spec('m-r2-03').bmc as RedfishBmc;
    const d = driver({ ...spec('m-r2-03'), bmc: bmcWithoutTls });
    await expect(d.powerState()).rejects.toThrow(BmcTlsError);
  });

  it('ends in a non-retryable BmcAuthError on wrong credentials, without the password in the message', async () => {
    const password = 'not-the-lab-password-4711';
    const d = driver(
      spec('m-r2-03'),
      new StaticSecretStore({ 'lab-bmc': { username: 'admin', password } }),
    );
    const e = await d.power('on').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BmcAuthError);
    expect((e as BmcAuthError).retryable).toBe(false);
    expect((e as Error).message).not.toContain(password);
    expect(JSON.stringify((e as BmcAuthError).context)).not.toContain(password);
  });

  it('ends in BmcAuthError when the BMC rejects every login (lab fault)', async () => {
    lab.machine('m-r2-03').rejectAuth = true;
    await expect(driver(spec('m-r2-03')).powerState()).rejects.toThrow(BmcAuthError);
  });

  it('reports a dark BMC as unreachable (retryable), also on a connection it had kept alive', async () => {
    const m = lab.machine('m-r2-03');
    const d = driver(spec('m-r2-03'));
    await d.powerState();
    m.setDark(true);
    const e = await d.powerState().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BmcUnreachableError);
    expect((e as BmcUnreachableError).retryable).toBe(true);
    await expect(driver(spec('m-r2-03')).powerState()).rejects.toThrow(BmcUnreachableError);
  });
});

describe('validate()', () => {
  it('names the field when tls is given for plain http', () => {
    const d = driver(spec('m-r2-03', { scheme: 'http' }));
    expect(() => d.validate()).toThrow(/bmc\.tls: tls conflicts with scheme http/);
  });

  it('names an unreadable CA file', () => {
    const d = driver(
      spec('m-r2-03', {
        tls: { caFile: join(lab.options.dataDir, 'missing.pem'), insecure: false },
      }),
    );
    expect(() => d.validate()).toThrow(/bmc\.tls\.caFile: cannot read .*ENOENT/);
  });

  it('accepts the example topology as it is', () => {
    expect(() => driver(spec('m-r2-03')).validate()).not.toThrow();
  });
});

describe('lab control route', () => {
  it('changes a BMC setting through PUT /lab/redfish/:machine and rejects bad bodies', async () => {
    const put = (machine: string, body: unknown) =>
      fetch(`${lab.controlUrl}/lab/redfish/${machine}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await put('m-r2-04', { taskResets: ['ForceOff'] });
    expect(ok.status).toBe(200);
    expect(bmc('m-r2-04').settings.taskResets).toEqual(['ForceOff']);
    expect((await put('m-r2-04', { taskResets: ['Explode'] })).status).toBe(400);
    expect((await put('m-r1-01', {})).status).toBe(404);
  });
});
