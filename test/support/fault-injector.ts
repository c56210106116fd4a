import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** Activities that change something (hardware or the ledger); reads are never counted. */
export const CHANGING_ACTIVITIES: ReadonlySet<string> = new Set([
  'ledgerAcquire',
  'ledgerPlace',
  'ledgerSetBoot',
  'ledgerSetMachine',
  'configurePorts',
  'maskLuns',
  'unmaskLuns',
  'setBootDevice',
  'requestPower',
  'defineVm',
  'startVm',
  'shutdownVm',
  'removeVm',
  'defineVmOnVolume',
  'startDiskHelper',
  'stopDiskHelper',
  'createCopyVolume',
  'copyDisk',
]);

/**
 * Fails the k-th first attempt of a changing activity, once, with a non-retryable
 * `InjectedFault`, then lets everything through (the compensations must run unhindered).
 * With `failAt` 0 it only counts, to learn how many changing calls a clean run makes.
 */
export class FaultInjector {
  calls: string[] = [];
  fired: string | undefined;
  failAt = 0;

  reset(failAt: number): void {
    this.calls = [];
    this.fired = undefined;
    this.failAt = failAt;
  }

  readonly factory: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute: async (input, next) => {
        const type = ctx.info.activityType;
        if (this.fired === undefined && ctx.info.attempt === 1 && CHANGING_ACTIVITIES.has(type)) {
          this.calls.push(type);
          if (this.calls.length === this.failAt) {
            this.fired = `${type} #${this.failAt}`;
            throw ApplicationFailure.create({
              type: 'InjectedFault',
              nonRetryable: true,
              message: `injected fault at changing call ${this.failAt} (${type})`,
            });
          }
        }
        return next(input);
      },
    },
  });
}
