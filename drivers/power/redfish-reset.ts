import type { PowerAction, PowerState } from './power-driver';

/**
 * How power actions become Redfish ResetTypes, as data. Each action lists reset sequences,
 * best first; the first whose every step the BMC allows is used.
 *
 * `cycle` prefers PowerCycle (a true off/on), then ForceRestart (what BMCs without
 * PowerCycle offer, sushy-tools among them), then ForceOff followed by On once the system
 * reports Off. A cycle of a system that is off is planned as `on` by the driver, because
 * many BMCs ignore a restart of a system that is off. No graceful variant is
 * ever chosen for `cycle` or `off`: the runbook asks for `soft` explicitly when it wants one.
 */
const PLANS: Readonly<Record<PowerAction, ReadonlyArray<readonly string[]>>> = {
  on: [['On'], ['ForceOn']],
  off: [['ForceOff']],
  soft: [['GracefulShutdown']],
  cycle: [['PowerCycle'], ['ForceRestart'], ['ForceOff', 'On']],
};

/**
 * What a BMC that publishes neither AllowableValues nor an ActionInfo is assumed to accept:
 * the reset types every implementation seen in the field takes. PowerCycle is not assumed.
 */
export const ASSUMED_RESET_TYPES: readonly string[] = [
  'On',
  'ForceOff',
  'GracefulShutdown',
  'ForceRestart',
];

/** The reset sequence for `action`, or undefined when the BMC allows none of the candidates. */
export function resetPlan(
  action: PowerAction,
  allowable: readonly string[] = ASSUMED_RESET_TYPES,
): readonly string[] | undefined {
  return PLANS[action].find((plan) => plan.every((step) => allowable.includes(step)));
}

/** Every reset type `action` could use, for error messages. */
export function candidateResetTypes(action: PowerAction): readonly string[] {
  return [...new Set(PLANS[action].flat())];
}

/** Redfish PowerState → chassis power as IPMI reports it: power is on until it is off. */
const REPORTED: Readonly<Record<string, PowerState>> = {
  On: 'on',
  PoweringOff: 'on',
  Paused: 'on',
  Off: 'off',
  PoweringOn: 'off',
};

/** States in which an action has nothing left to do (a transition already under way counts). */
const ALREADY: Readonly<Record<PowerAction, readonly string[]>> = {
  on: ['On', 'PoweringOn'],
  off: ['Off'],
  soft: ['Off', 'PoweringOff'],
  cycle: [],
};

export function reportedPowerState(redfishState: string): PowerState | undefined {
  return REPORTED[redfishState];
}

export function isAlreadyDone(action: PowerAction, redfishState: string): boolean {
  return ALREADY[action].includes(redfishState);
}
