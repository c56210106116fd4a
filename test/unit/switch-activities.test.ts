import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSwitchActivities } from '../../activities/switch-activities';
import { parseTopology } from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';
import { FakeSwitchDriver } from '../support/fake-switch-driver';

const sw = (id: string, port: number) => ({
  id,
  vendor: 'cisco-ios',
  address: '127.0.0.1',
  port,
  credential: 'c',
  hostKeyFingerprint: 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
});
const topology = new TopologyIndex(
  parseTopology({
    version: 1,
    credentials: [{ name: 'c' }],
    sites: [
      { name: 'dc1', racks: [{ name: 'r1' }], switches: [sw('sw-a', 2201), sw('sw-b', 2202)] },
    ],
  }),
);

function setup() {
  const drivers = { 'sw-a': new FakeSwitchDriver('sw-a'), 'sw-b': new FakeSwitchDriver('sw-b') };
  const activities = createSwitchActivities(
    { topology, switchDriver: (s) => drivers[s.id as keyof typeof drivers] },
    { heartbeatMs: 5 },
  );
  return { drivers, activities };
}

describe('switch activities', () => {
  it('heartbeat while the switch is busy, then return the prior state of every port', async () => {
    const { drivers, activities } = setup();
    drivers['sw-a'].ports.set('Gi1', { mode: 'access', accessVlan: 10, shutdown: false });
    let release = (): void => undefined;
    drivers['sw-a'].gate = new Promise((r) => (release = r));
    const env = new MockActivityEnvironment();
    const beats: Array<{ queued: number }> = [];
    env.on('heartbeat', (d: { queued: number }) => {
      beats.push(d);
      if (beats.length === 5) release();
    });
    const result = await env.run(activities.configurePorts, {
      ports: [{ switchId: 'sw-a', port: 'Gi1', mode: 'trunk' as const, trunkVlans: [10, 20] }],
    });
    expect(beats.length).toBeGreaterThanOrEqual(5);
    expect(beats[1]?.queued).toBe(1);
    expect(result).toEqual({
      prior: [{ switchId: 'sw-a', port: 'Gi1', mode: 'access', accessVlan: 10, shutdown: false }],
      changed: [{ switchId: 'sw-a', port: 'Gi1' }],
    });
    expect(drivers['sw-a'].saves).toBe(1);
  });

  it('saves only the switches it changed, once each; ports already as asked are not reported changed', async () => {
    const { drivers, activities } = setup();
    drivers['sw-b'].ports.set('Gi1', { mode: 'access', accessVlan: 10, shutdown: false });
    const r = await activities.configurePorts({
      ports: [
        { switchId: 'sw-a', port: 'Gi1', mode: 'access', accessVlan: 20 },
        { switchId: 'sw-a', port: 'Gi2', mode: 'access', accessVlan: 20 },
        { switchId: 'sw-b', port: 'Gi1', mode: 'access', accessVlan: 10 },
      ],
    });
    expect(r.changed).toEqual([
      { switchId: 'sw-a', port: 'Gi1' },
      { switchId: 'sw-a', port: 'Gi2' },
    ]);
    expect([drivers['sw-a'].saves, drivers['sw-b'].saves]).toEqual([1, 0]);
  });

  it('puts back the ports it changed when another one is refused, then throws the refusal', async () => {
    const { drivers, activities } = setup();
    drivers['sw-a'].ports.set('Gi1', { mode: 'access', accessVlan: 10, shutdown: false });
    drivers['sw-b'].refuse.add('Gi9');
    const err = await activities
      .configurePorts({
        ports: [
          { switchId: 'sw-a', port: 'Gi1', mode: 'access', accessVlan: 30 },
          { switchId: 'sw-b', port: 'Gi9', mode: 'access', accessVlan: 30 },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('CommandRejectedError');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect(drivers['sw-a'].ports.get('Gi1')).toEqual({
      mode: 'access',
      accessVlan: 10,
      shutdown: false,
    });
    expect(drivers['sw-a'].calls.filter((c) => c.startsWith('configure'))).toEqual([
      'configure Gi1 access 30',
      'configure Gi1 access 10',
    ]);
    expect(drivers['sw-a'].saves + drivers['sw-b'].saves).toBe(0);
  });

  it('checks every port before touching any', async () => {
    const { drivers, activities } = setup();
    await expect(
      activities.configurePorts({
        ports: [
          { switchId: 'sw-a', port: 'Gi1', mode: 'access', accessVlan: 30 },
          { switchId: 'sw-b', port: 'Gi1/x:y', mode: 'access', accessVlan: 30 },
        ],
      }),
    ).rejects.toMatchObject({ type: 'ValidationError', nonRetryable: true });
    expect(drivers['sw-a'].calls).toEqual([]);
  });

  it('a worker without switch drivers fails non-retryably, naming the switch', async () => {
    const activities = createSwitchActivities({ topology });
    await expect(
      activities.readPorts({ ports: [{ switchId: 'sw-a', port: 'Gi1' }] }),
    ).rejects.toMatchObject({
      type: 'SwitchNotConfiguredError',
      nonRetryable: true,
      message: expect.stringContaining('sw-a'),
    });
  });
});
