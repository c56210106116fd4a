import { setTimeout as sleep } from 'node:timers/promises';
import { StaticSecretStore, type SecretStore } from '../../common/secrets';
import type { Machine, RedfishBmc } from '../../inventory/topology-schema';
import { BmcAuthError } from '../../drivers/power/power-errors';
import type { PowerState } from '../../drivers/power/power-driver';
import { RedfishPowerDriver } from '../../drivers/power/redfish';
import { BmcTlsError } from '../../drivers/power/power-errors';
import { labSmall } from '../support/lab-fixtures';
import { startSushy, type SushyEmulator } from '../support/sushy-emulator';

/**
 * The Redfish driver against an implementation it was not written with: sushy-tools'
 * emulator with its fake driver. sushy-tools applies a power change 1–11 s after the
 * request (at random), so these tests wait for states by polling, never by time.
 */
jest.setTimeout(90_000);

const LAB_FINGERPRINT =
  'A0:E8:C3:06:E0:17:AF:34:B2:60:69:D4:2A:96:97:3D:B1:D4:3B:B8:DF:D1:B7:12:57:91:78:94:3A:14:AE:8F';

let sushy: SushyEmulator;
let template: Machine;
let secrets: SecretStore;
const drivers: RedfishPowerDriver[] = [];

beforeAll(async () => {
  sushy = await startSushy();
  template = (await labSmall()).sites[0]!.machines.find((m) => m.bmc.driver === 'redfish')!;
  secrets = new StaticSecretStore({
    'lab-bmc': { username: sushy.username, password: sushy.password },
  });
});

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

afterAll(async () => {
  await sushy?.stop();
});

function machine(bmc: Partial<RedfishBmc> = {}): Machine {
  const base: RedfishBmc = {
    driver: 'redfish',
    address: '127.0.0.1',
    port: sushy.port,
    credential: 'lab-bmc',
    scheme: 'https',
    tls: { fingerprint: LAB_FINGERPRINT, insecure: false },
  };
  return { ...template, id: 'sushy-fake', bmc: { ...base, ...bmc } };
}

function driver(m: Machine = machine(), store: SecretStore = secrets): RedfishPowerDriver {
  const d = new RedfishPowerDriver({
    machine: m,
    secrets: store,
    timeoutMs: 20_000,
    pollIntervalMs: 200,
  });
  drivers.push(d);
  return d;
}

async function untilState(d: RedfishPowerDriver, wanted: PowerState): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await d.powerState()) !== wanted) {
    if (Date.now() > deadline)
      throw new Error(
        `sushy did not report ${wanted} within 30 s; its log:\n${sushy.log().slice(-2000)}`,
      );
    await sleep(250);
  }
}

it('discovers the fake system and authenticates with HTTP Basic, as sushy has no SessionService', async () => {
  await expect(driver().powerState()).resolves.toBe('off');
  await expect(driver(machine({ systemId: sushy.systemId })).powerState()).resolves.toBe('off');
  expect(sushy.log()).not.toMatch(/SessionService/);
});

it('turns the fake system on, and "on" while on sends nothing', async () => {
  const d = driver(machine({ systemId: sushy.systemId }));
  await expect(d.power('on')).resolves.toMatchObject({ action: 'on', already: false });
  await untilState(d, 'on');
  const posts = (
    sushy.log().match(/POST \/redfish\/v1\/Systems\/[^ ]+\/Actions\/ComputerSystem\.Reset/g) ?? []
  ).length;
  await expect(d.power('on')).resolves.toEqual({ action: 'on', already: true, stateAfter: 'on' });
  expect(
    (sushy.log().match(/POST \/redfish\/v1\/Systems\/[^ ]+\/Actions\/ComputerSystem\.Reset/g) ?? [])
      .length,
  ).toBe(posts);
});

it('cycles with ForceRestart, since sushy does not offer PowerCycle', async () => {
  const d = driver();
  await untilState(d, 'on');
  // sushy turns a system Off at once on a *Restart and back On later: Off read back right
  // after the request shows a restart was sent (an On to a system that is on changes nothing).
  await expect(d.power('cycle')).resolves.toEqual({
    action: 'cycle',
    already: false,
    stateAfter: 'off',
  });
  await untilState(d, 'on');
});

it('turns the fake system off, and "off" and "soft" while off send nothing', async () => {
  const d = driver();
  await untilState(d, 'on');
  await expect(d.power('off')).resolves.toMatchObject({ action: 'off', already: false });
  await untilState(d, 'off');
  await expect(d.power('off')).resolves.toEqual({
    action: 'off',
    already: true,
    stateAfter: 'off',
  });
  await expect(d.power('soft')).resolves.toEqual({
    action: 'soft',
    already: true,
    stateAfter: 'off',
  });
});

it('sets the boot override; sushy keeps every override Continuous', async () => {
  const d = driver();
  await expect(d.setBootDevice({ device: 'pxe', persistent: true, uefi: true })).resolves.toEqual({
    device: 'pxe',
    persistent: true,
    uefi: true,
  });
  await expect(
    d.setBootDevice({ device: 'disk', persistent: false, uefi: false }),
  ).resolves.toEqual({ device: 'disk', persistent: true, uefi: false });
  await expect(d.bootDevice()).resolves.toEqual({ device: 'disk', persistent: true, uefi: false });
});

it('refuses sushy with a certificate other than the pinned one', async () => {
  const wrong = LAB_FINGERPRINT.replace(/^A0/, 'A1');
  await expect(
    driver(machine({ tls: { fingerprint: wrong, insecure: false } })).powerState(),
  ).rejects.toThrow(BmcTlsError);
});

it('ends in BmcAuthError when sushy refuses the Basic credentials', async () => {
  const d = driver(
    machine(),
    new StaticSecretStore({ 'lab-bmc': { username: sushy.username, password: 'wrong' } }),
  );
  const e = await d.powerState().catch((err: unknown) => err);
  expect(e).toBeInstanceOf(BmcAuthError);
  expect((e as BmcAuthError).retryable).toBe(false);
});
