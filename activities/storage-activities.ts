import type { LunAccessDriver, StorageArrayDriver } from '../drivers/storage/lun-access-driver';
import { UnsupportedStorageOperationError } from '../drivers/storage/storage-errors';
import type { ActivityDeps } from './activity-deps';
import { heartbeat } from './activity-context';
import { withFailureMapping } from './application-failure';
import { FcZoning } from './fc-zoning';

/**
 * Where masking happens: an iSCSI array's target ACLs (and, for an array with `fc`, the zones
 * of its machines' WWPNs on its fabric), or the zones of one array's LUNs on a fabric alone.
 */
export type StorageDevice =
  | { readonly array: string }
  | { readonly fabric: string; readonly array: string };

export interface LunMask {
  readonly lun: string;
  /** IQN for an array, WWPN for a fabric. */
  readonly initiator: string;
}

/** LUN id → initiators that saw it: what a compensation hands to restoreLunHolders. */
export type LunHolders = Readonly<Record<string, readonly string[]>>;

export interface MaskLunsResult {
  /** The masks this call actually changed (the rest were already so). */
  readonly changed: readonly LunMask[];
  /** Holders of every LUN named in the input, before this call changed anything. */
  readonly prior: LunHolders;
}

export type StorageActivityDeps = Pick<ActivityDeps, 'topology' | 'storageDriver' | 'zoningDriver'>;

/** Targets that ACL lists may carry but rackshift neither grants nor revokes. */
const UNMANAGED = new Set(['ALL']);

/**
 * LUN masking for runbooks: "make these LUNs masked (or not) to these initiators", each call
 * idempotent and returning the prior holders so a saga can put them back. The driver refuses
 * a second holder on a LUN that is not shared, which surfaces as a non-retryable
 * LunMaskConflictError naming both holders.
 */
export function createStorageActivities(deps: StorageActivityDeps) {
  const fc = new FcZoning(deps);

  function driverFor(device: StorageDevice): LunAccessDriver {
    if (!('fabric' in device)) return arrayDriver(device.array);
    deps.topology.fabric(device.fabric);
    const array = deps.topology.array(device.array);
    const zoning = array.fc?.fabric === device.fabric ? fc.driverFor(array) : undefined;
    if (zoning === undefined)
      throw new UnsupportedStorageOperationError(
        device.fabric,
        `zone LUNs of ${array.id}`,
        `array ${array.id} is not reachable through fabric ${device.fabric} (its fc.fabric)`,
      );
    return zoning;
  }

  /**
   * The zones that follow an array's masks: each initiator's machine WWPNs, on the array's fabric.
   */
  async function follow(
    device: StorageDevice,
    work: (zoning: LunAccessDriver) => Promise<void>,
  ): Promise<void> {
    if ('fabric' in device) return;
    const zoning = fc.driverFor(deps.topology.array(device.array));
    if (zoning !== undefined) await using(zoning, work);
  }

  function arrayDriver(id: string): StorageArrayDriver {
    const array = deps.topology.array(id);
    if (deps.storageDriver === undefined)
      throw new UnsupportedStorageOperationError(
        array.id,
        'mask LUNs',
        'this worker has no storage driver configured',
      );
    return deps.storageDriver(array);
  }

  async function using<D extends LunAccessDriver, T>(
    driver: D,
    work: (d: D) => Promise<T>,
  ): Promise<T> {
    driver.validate();
    try {
      return await work(driver);
    } finally {
      await driver.close().catch(() => undefined);
    }
  }

  async function apply(
    device: StorageDevice,
    masks: readonly LunMask[],
    want: 'mask' | 'unmask',
  ): Promise<MaskLunsResult> {
    const result = await using(driverFor(device), async (d) => {
      const prior: Record<string, readonly string[]> = {};
      const changed: LunMask[] = [];
      for (const m of masks) {
        const r =
          want === 'mask' ? await d.mask(m.lun, m.initiator) : await d.unmask(m.lun, m.initiator);
        prior[m.lun] ??= r.holdersBefore;
        if (!r.already) changed.push(m);
        heartbeat({ done: changed.length, of: masks.length });
      }
      return { changed, prior };
    });
    // Every mask, changed or not: a retry after a zoning failure finds the mask already there.
    await follow(device, async (zoning) => {
      for (const m of masks) {
        for (const wwpn of fc.wwpnsOf(m.initiator))
          await (want === 'mask' ? zoning.mask(m.lun, wwpn) : zoning.unmask(m.lun, wwpn));
        heartbeat({ zoned: m.lun });
      }
    });
    return result;
  }

  return withFailureMapping({
    async readLunHolders(
      input: StorageDevice & { readonly luns: readonly string[] },
    ): Promise<LunHolders> {
      return using(driverFor(input), async (d) => {
        const out: Record<string, readonly string[]> = {};
        for (const lun of input.luns) out[lun] = await d.listHolders(lun);
        return out;
      });
    },

    async maskLuns(
      input: StorageDevice & { readonly masks: readonly LunMask[] },
    ): Promise<MaskLunsResult> {
      return apply(input, input.masks, 'mask');
    },

    async unmaskLuns(
      input: StorageDevice & { readonly masks: readonly LunMask[] },
    ): Promise<MaskLunsResult> {
      return apply(input, input.masks, 'unmask');
    },

    /**
     * The compensation: makes each named LUN's holders exactly the given set again. Revokes
     * first, so restoring a non-shared LUN never trips the one-holder rule on the way.
     */
    async restoreLunHolders(input: StorageDevice & { readonly holders: LunHolders }): Promise<{
      readonly changed: readonly (LunMask & { readonly action: 'mask' | 'unmask' })[];
    }> {
      const restored = await using(driverFor(input), async (d) => {
        const changed: (LunMask & { action: 'mask' | 'unmask' })[] = [];
        const entries = Object.entries(input.holders);
        const wanted = (list: readonly string[]): string[] => list.filter((h) => !UNMANAGED.has(h));
        for (const [lun, holders] of entries) {
          for (const initiator of wanted(await d.listHolders(lun)).filter(
            (h) => !holders.includes(h),
          )) {
            if (!(await d.unmask(lun, initiator)).already)
              changed.push({ lun, initiator, action: 'unmask' });
          }
        }
        for (const [lun, holders] of entries) {
          for (const initiator of wanted(holders)) {
            if (!(await d.mask(lun, initiator)).already)
              changed.push({ lun, initiator, action: 'mask' });
          }
          heartbeat({ lun });
        }
        return { changed };
      });
      // The zones follow: exactly the WWPNs of the machines behind the restored holders.
      await follow(input, async (zoning) => {
        for (const [lun, holders] of Object.entries(input.holders)) {
          const wanted = holders.flatMap((h) => fc.wwpnsOf(h));
          for (const wwpn of (await zoning.listHolders(lun)).filter((w) => !wanted.includes(w)))
            await zoning.unmask(lun, wwpn);
          for (const wwpn of wanted) await zoning.mask(lun, wwpn);
          heartbeat({ zoned: lun });
        }
      });
      return restored;
    },

    async listLunsVisibleTo(
      input: StorageDevice & { readonly initiator: string },
    ): Promise<readonly string[]> {
      return using(driverFor(input), (d) => d.listVisibleTo(input.initiator));
    },

    async ensureLuns(input: {
      readonly array: string;
      readonly luns: readonly string[];
    }): Promise<{ readonly created: readonly string[] }> {
      return using(arrayDriver(input.array), async (d) => {
        const created: string[] = [];
        for (const lun of input.luns) if ((await d.ensureLun(lun)).created) created.push(lun);
        return { created };
      });
    },

    async createSnapshotClone(input: {
      readonly array: string;
      readonly lun: string;
      readonly cloneId: string;
    }): Promise<{ readonly created: boolean }> {
      return using(arrayDriver(input.array), (d) =>
        d.createSnapshotClone(input.lun, input.cloneId),
      );
    },

    async deleteSnapshotClone(input: {
      readonly array: string;
      readonly cloneId: string;
    }): Promise<{ readonly deleted: boolean }> {
      return using(arrayDriver(input.array), (d) => d.deleteSnapshotClone(input.cloneId));
    },
  });
}

export type StorageActivities = ReturnType<typeof createStorageActivities>;
