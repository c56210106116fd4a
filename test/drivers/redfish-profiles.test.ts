import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { SecretStore } from '../../common/secrets';
import { RedfishPowerDriver } from '../../drivers/power/redfish';
import type { RedfishBmc } from '../../inventory/topology-schema';
import { DEFAULT_REDFISH_SETTINGS, type LabRedfishBmc } from '../../lab/bmc/redfish-bmc';
import { REDFISH_PROFILE_NAMES, type RedfishProfileName } from '../../lab/bmc/redfish-profiles';
import type { Lab } from '../../lab/lab';
import type { LabMachine } from '../../lab/lab-machine';
import { startLab } from '../../lab/start-lab';
import { labRedfishBmc, redfishLabTopology, startRedfishLab } from '../support/redfish-topology';
import { until } from '../support/until';

/**
 * The Redfish driver against the lab BMC in every quirk profile (lab/bmc/redfish-profiles):
 * the same operations must work on each, and each profile's refusals are proven to happen.
 */
jest.setTimeout(60_000);

/** One lab machine per profile, so the profiles run side by side. */
const MACHINE: Readonly<Record<RedfishProfileName, string>> = {
  default: 'm-r1-03',
  idrac: 'm-r1-04',
  ilo: 'm-r2-03',
  openbmc: 'm-r2-04',
};
/**
 * The busy window after a reset; the driver waits it out (Retry-After is whole seconds, capped
 * here).
 */
const POST_MS = 400;

let lab: Lab;
let secrets: SecretStore;
let stopLab: () => Promise<void>;
const drivers: RedfishPowerDriver[] = [];

beforeAll(async () => {
  ({ lab, secrets, stop: stopLab } = await startRedfishLab('rackshift-redfish-profiles-'));
});

beforeEach(() => {
  for (const [profile, id] of Object.entries(MACHINE))
    bmc(id).settings = {
      ...DEFAULT_REDFISH_SETTINGS,
      profile: profile as RedfishProfileName,
      postMs: POST_MS,
    };
});

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

afterAll(async () => {
  await stopLab?.();
});

function bmc(machineId: string): LabRedfishBmc {
  return labRedfishBmc(lab, machineId);
}

function driver(machineId: string): RedfishPowerDriver {
  const d = new RedfishPowerDriver({
    machine: lab.index.machine(machineId),
    secrets,
    timeoutMs: 5_000,
    pollIntervalMs: 50,
    busyPolicy: { delayMs: 300, maxDelayMs: 300, budgetMs: 5_000 },
  });
  drivers.push(d);
  return d;
}

async function settleOff(m: LabMachine): Promise<void> {
  if (m.powerState !== 'off') m.powerOff();
  await until(`${m.id} off`, () => m.powerState === 'off');
}

describe.each(REDFISH_PROFILE_NAMES)('profile %s', (profile) => {
  const id = MACHINE[profile];

  it('a cycle of a machine that is off leaves it on; a cycle of one that is on restarts it', async () => {
    const m = lab.machine(id);
    await settleOff(m);
    const d = driver(id);
    await expect(d.power('cycle')).resolves.toMatchObject({ action: 'cycle', already: false });
    await until('power on', () => m.powerState === 'on' && m.osState === 'running');
    const restarts = m.count('cycle') + m.count('reset');
    await expect(d.power('cycle')).resolves.toMatchObject({ action: 'cycle', already: false });
    expect(m.count('cycle') + m.count('reset')).toBe(restarts + 1);
    await until('back on', () => m.powerState === 'on' && m.osState === 'running');
  });

  it('sets the boot override and the machine boots from it, also right after a power-on (POST)', async () => {
    const m = lab.machine(id);
    await settleOff(m);
    const d = driver(id);
    await d.power('on');
    // Straight into POST: the profiles that are busy then make the driver wait. Persistent, so
    // that the boot under way does not use up the override before it is read back.
    await expect(d.setBootDevice({ device: 'pxe', persistent: true, uefi: true })).resolves.toEqual(
      { device: 'pxe', persistent: true, uefi: true },
    );
    await until('the OS to run', () => m.osState === 'running');
    await expect(
      d.setBootDevice({ device: 'disk', persistent: false, uefi: true }),
    ).resolves.toEqual({ device: 'disk', persistent: false, uefi: true });
    await expect(
      d.setBootDevice({ device: 'pxe', persistent: false, uefi: false }),
    ).resolves.toEqual({ device: 'pxe', persistent: false, uefi: false });
    const boots: string[] = [];
    m.on('boot', () => boots.push('boot'));
    await d.power('cycle');
    await until('booted again', () => boots.length > 0);
    expect(m.actions.filter((a) => a.action === 'bootdev').at(-1)?.detail).toBe('pxe');
  });
});

describe('profile-specific behaviour', () => {
  it('idrac: the override goes to the SettingsObject with a strong ETag, only changed properties, and applies at the reset', async () => {
    const id = MACHINE.idrac;
    const m = lab.machine(id);
    await settleOff(m);
    await sleep(POST_MS);
    const b = bmc(id);
    const before = b.bootPatches.length;
    const d = driver(id);
    const current = m.bootOverride;
    await expect(
      d.setBootDevice({ device: 'pxe', persistent: current.persistent, uefi: current.uefi }),
    ).resolves.toMatchObject({ device: 'pxe' });
    const [patch] = b.bootPatches.slice(before);
    expect(patch?.path).toMatch(/\/Settings$/);
    expect(patch?.ifMatch).toMatch(/^"[0-9a-f]{16}"$/);
    expect(patch?.boot).toEqual({ BootSourceOverrideTarget: 'Pxe' });
    expect(m.bootOverride.device).toBe(current.device);
    await d.power('on');
    await until('booted', () => m.osState === 'running');
    expect(m.bootOverride.device).toBe('pxe');
  });

  it('ilo: a weak ETag is refused as If-Match; the driver re-reads, then sends it as strong (sushy)', async () => {
    const id = MACHINE.ilo;
    await sleep(POST_MS);
    const b = bmc(id);
    const before = b.bootPatches.length;
    await driver(id).setBootDevice({ device: 'disk', persistent: true, uefi: false });
    const sent = b.bootPatches.slice(before).map((p) => `${p.status} ${p.ifMatch}`);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatch(/^412 W\/"[0-9a-f]{16}"$/);
    expect(sent[1]).toMatch(/^412 W\//);
    expect(sent[2]).toMatch(/^204 "[0-9a-f]{16}"$/);
  });

  it('ilo: a Boot PATCH during POST is refused with UnableToModifyDuringSystemPOST and asked again until POST is over', async () => {
    const id = MACHINE.ilo;
    const m = lab.machine(id);
    await settleOff(m);
    bmc(id).settings = { ...bmc(id).settings, postMs: 1_000 };
    const before = bmc(id).bootPatches.length;
    const d = driver(id);
    await d.power('on');
    await expect(
      d.setBootDevice({ device: 'pxe', persistent: true, uefi: false }),
    ).resolves.toMatchObject({ device: 'pxe' });
    const statuses = bmc(id)
      .bootPatches.slice(before)
      .map((p) => p.status);
    // 412s are the weak ETag this firmware hands out and refuses (the test below); the 400s are
    // POST.
    expect(statuses.at(-1)).toBe(204);
    expect(statuses).toContain(400);
    expect(statuses.slice(0, -1).every((s) => s === 400 || s === 412)).toBe(true);
  });

  it('openbmc: no ETag, so no If-Match', async () => {
    const id = MACHINE.openbmc;
    const b = bmc(id);
    const before = b.bootPatches.length;
    await driver(id).setBootDevice({ device: 'pxe', persistent: false, uefi: false });
    expect(b.bootPatches.slice(before).map((p) => [p.status, p.ifMatch])).toEqual([
      [204, undefined],
    ]);
  });

  it('the lab refuses an unknown profile at start, naming the machine and the profiles', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rackshift-redfish-badprofile-'));
    try {
      await expect(
        startLab({
          topology: await redfishLabTopology(),
          dataDir,
          only: ['redfish'],
          bmcProfiles: { 'm-r1-03': 'supermicro' },
        }),
      ).rejects.toThrow(
        'lab redfish: m-r1-03 has BMC profile "supermicro"; Redfish profiles are default, idrac, ilo, openbmc',
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refusals carry the Redfish error body with the Base registry MessageId', async () => {
    const id = MACHINE.default;
    const port = (lab.index.machine(id).bmc as RedfishBmc).port;
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const base = `https://127.0.0.1:${port}/redfish/v1`;
      const login = await request(`${base}/SessionService/Sessions`, {
        dispatcher,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          UserName: secrets.resolve('lab-bmc').username,
          Password: secrets.resolve('lab-bmc').password,
        }),
      });
      await login.body.dump();
      const token = String(login.headers['x-auth-token']);
      const patch = (ifMatch?: string) =>
        request(`${base}/Systems/${bmc(id).systemId}`, {
          dispatcher,
          method: 'PATCH',
          headers: {
            'content-type': 'application/json',
            'x-auth-token': token,
            ...(ifMatch !== undefined && { 'if-match': ifMatch }),
          },
          body: JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Pxe' } }),
        });
      for (const [ifMatch, status, messageId] of [
        [undefined, 428, 'PreconditionRequired'],
        ['W/"0000000000000000"', 412, 'PreconditionFailed'],
      ] as const) {
        const res = await patch(ifMatch);
        const body = (await res.body.json()) as {
          error: {
            code: string;
            '@Message.ExtendedInfo': Array<{
              MessageId: string;
              Message: string;
              Resolution: string;
            }>;
          };
        };
        expect(res.statusCode).toBe(status);
        expect(body.error['@Message.ExtendedInfo'][0]).toMatchObject({
          MessageId: `Base.1.8.${messageId}`,
          Message: expect.stringMatching(/\.$/),
          Resolution: expect.any(String),
        });
      }
    } finally {
      await dispatcher.destroy();
    }
  });
});
