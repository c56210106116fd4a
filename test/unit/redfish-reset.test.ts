import fc from 'fast-check';
import type { PowerAction } from '../../drivers/power/power-driver';
import {
  ASSUMED_RESET_TYPES,
  isAlreadyDone,
  reportedPowerState,
  resetPlan,
} from '../../drivers/power/redfish-reset';

const ALL = [
  'On',
  'ForceOn',
  'ForceOff',
  'GracefulShutdown',
  'GracefulRestart',
  'ForceRestart',
  'PowerCycle',
  'Nmi',
  'PushPowerButton',
];
const SUSHY = [
  'On',
  'ForceOff',
  'GracefulShutdown',
  'GracefulRestart',
  'ForceRestart',
  'Nmi',
  'ForceOn',
];

describe('resetPlan', () => {
  it.each<[PowerAction, readonly string[], readonly string[] | undefined]>([
    ['on', ALL, ['On']],
    ['on', ['ForceOn', 'ForceOff'], ['ForceOn']],
    ['off', ALL, ['ForceOff']],
    ['soft', ALL, ['GracefulShutdown']],
    ['cycle', ALL, ['PowerCycle']],
    ['cycle', SUSHY, ['ForceRestart']],
    ['cycle', ['On', 'ForceOff'], ['ForceOff', 'On']],
    ['cycle', ['ForceOff'], undefined],
    ['off', ['On', 'GracefulShutdown'], undefined],
    ['soft', ['On', 'ForceOff'], undefined],
    ['on', [], undefined],
  ])('%s with AllowableValues %j → %j', (action, allowable, plan) => {
    expect(resetPlan(action, allowable)).toEqual(plan);
  });

  it('assumes the common set without PowerCycle when the BMC publishes no AllowableValues', () => {
    expect(resetPlan('cycle')).toEqual(['ForceRestart']);
    expect(resetPlan('on')).toEqual(['On']);
    expect(ASSUMED_RESET_TYPES).not.toContain('PowerCycle');
  });

  it('only ever plans reset types the BMC allows', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<PowerAction>('on', 'off', 'soft', 'cycle'),
        fc.subarray(ALL),
        (action, allowable) => {
          const plan = resetPlan(action, allowable);
          return (
            plan === undefined ||
            (plan.length > 0 && plan.every((step) => allowable.includes(step)))
          );
        },
      ),
    );
  });
});

describe('power state', () => {
  it.each([
    ['On', 'on'],
    ['PoweringOff', 'on'],
    ['Paused', 'on'],
    ['Off', 'off'],
    ['PoweringOn', 'off'],
  ])('reports Redfish %s as %s', (redfish, state) => {
    expect(reportedPowerState(redfish)).toBe(state);
  });

  it('does not guess at unknown states', () => {
    expect(reportedPowerState('on')).toBeUndefined();
    expect(reportedPowerState('Unknown')).toBeUndefined();
  });

  it.each<[PowerAction, string, boolean]>([
    ['on', 'On', true],
    ['on', 'PoweringOn', true],
    ['on', 'Off', false],
    ['off', 'Off', true],
    ['off', 'PoweringOff', false],
    ['soft', 'PoweringOff', true],
    ['soft', 'On', false],
    ['cycle', 'On', false],
    ['cycle', 'Off', false],
  ])('%s while %s is already done: %s', (action, state, done) => {
    expect(isAlreadyDone(action, state)).toBe(done);
  });
});
