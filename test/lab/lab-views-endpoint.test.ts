import type { Lab } from '../../lab/lab';
import { bootMachine, powerOff, startBootLab, type BootLab } from '../support/boot-lab';
import { readLab } from '../support/lab-reading';

jest.setTimeout(60_000);

let bootLab: BootLab;
let lab: Lab;

beforeAll(async () => {
  bootLab = await startBootLab('rackshift-lab-views-');
  lab = bootLab.lab;
});

afterAll(async () => {
  await bootLab?.stop();
});

/**
 * GET /lab/views (and readLab over it, what the ledger/lab checker reads of a `rackshift dev`
 * lab) says what the lab's own switch and SAN views say, port by port and initiator by
 * initiator, after drivers changed a port and a mask, and what GET /lab/state says of a machine.
 */
describe('a lab read over its control server', () => {
  it('reads every port, every mask and a running machine as the Lab object does', async () => {
    const iqn = 'iqn.2026-11.lab.rackshift:m-r1-03';
    await bootLab.switch('sw-r1').setAccessVlan('GigabitEthernet1/0/3', 110);
    await bootLab.array.mask('web-02-boot', iqn);
    await bootLab.store.set({
      mac: lab.index.machine('m-r1-03').nics[0]!.mac,
      persona: 'web-02',
      image: 'ubuntu-24-pxe',
      machine: 'm-r1-03',
    });
    expect(await bootMachine(lab.machine('m-r1-03'))).toMatchObject({
      healthy: true,
      persona: 'web-02',
    });

    const remote = await readLab(lab.controlUrl);
    expect(remote.switchView?.portState('sw-r1', 'GigabitEthernet1/0/3')).toMatchObject({
      mode: 'access',
      accessVlan: 110,
      shutdown: false,
    });
    expect(remote.sanView?.lunsVisibleTo('array-1', iqn)).toEqual(['web-02-boot']);
    expect(remote.machine('m-r1-03')).toEqual({
      powerState: 'on',
      dark: false,
      bootResult: { healthy: true, persona: 'web-02' },
    });
    for (const m of lab.index.allMachines()) {
      for (const nic of m.nics)
        expect({
          nic: `${nic.switch} ${nic.port}`,
          state: remote.switchView?.portState(nic.switch, nic.port),
        }).toEqual({
          nic: `${nic.switch} ${nic.port}`,
          state: lab.switchView?.portState(nic.switch, nic.port),
        });
      if (m.storage.iqn !== undefined)
        expect({
          iqn: m.storage.iqn,
          luns: remote.sanView?.lunsVisibleTo('array-1', m.storage.iqn),
        }).toEqual({
          iqn: m.storage.iqn,
          luns: lab.sanView?.lunsVisibleTo('array-1', m.storage.iqn),
        });
    }
    await powerOff(lab.machine('m-r1-03'));
  });
});
