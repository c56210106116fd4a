import { patched } from '@temporalio/workflow';
import { replication } from '../activity-proxies/replication';
import { storage } from '../activity-proxies/storage';
import type { RunJournal } from '../run-journal';
import { waitUntilInSync } from '../steps/replicas-in-sync';

/**
 * Failbacks started before moved a persona restored at another site straight home: the home
 * site's LUNs, still primary on their side of the split brain, were masked and booted with the
 * data of the failover (stale), and the writes made away were lost.
 */
export const REPROTECT_PATCH = 'failback-reprotects-before-moving-home';

/**
 * Failbacks started before reversed replication with whatever masks the home LUNs still had: a
 * failover whose home array was dark left its fence there to do by hand, and the home side's
 * demotion was then refused (held open).
 */
export const UNMASK_HOME_PATCH = 'failback-unmasks-home-luns-before-reprotect';

export interface ReprotectHome {
  readonly persona: string;
  /** The site the persona runs at now (a failover restored it there from replicas). */
  readonly away: string;
  /** The site of its home machine. */
  readonly home: string;
  /** Stops the persona at `away` (a `release` child): nothing writes while the data goes home. */
  readonly stopAway: () => Promise<unknown>;
  readonly syncTimeoutSeconds: number;
}

/**
 * Reprotect before the move home (SRM's reprotect + planned migration): unmask the home LUNs (a
 * failover whose home array was dark could not; nothing away uses them, and a stale mask would
 * make the persona look placed at both sites), stop the persona away, reverse replication (the
 * home side gives up what it wrote since the split and resyncs from the away primary), wait
 * until every home side is in sync, then switch over (away demoted, home promoted). The move
 * home then masks and boots home LUNs holding the newest data. False (and nothing done) when
 * none of the persona's LUNs is replicated between the two sites.
 */
export async function reprotectHome(journal: RunJournal, o: ReprotectHome): Promise<boolean> {
  const { persona, away, home } = o;
  const sides = await journal.step(
    'replicated-luns',
    `which of ${persona}'s LUNs are replicated to ${home}`,
    () =>
      replication.replicaSidesAt.executeWithOptions({ summary: `replicas of ${persona}` }, [
        { persona, site: home },
      ]),
    (s) => `${s.length} replicated LUN(s)`,
  );
  if (sides.length === 0) return false;

  if (patched(UNMASK_HOME_PATCH))
    await journal.step(
      'unmask-home',
      `unmask ${persona}'s LUNs at ${home} from every initiator before they resync`,
      async () => {
        let n = 0;
        for (const array of [...new Set(sides.map((s) => s.here.array))].sort()) {
          const luns = sides.filter((s) => s.here.array === array).map((s) => s.here.lun);
          const holders = await storage.readLunHolders.executeWithOptions(
            { summary: `holders of ${luns.join(', ')} on ${array}` },
            [{ array, luns }],
          );
          const masks = Object.entries(holders).flatMap(([lun, who]) =>
            who.filter((i) => i !== 'ALL').map((initiator) => ({ lun, initiator })),
          );
          n += masks.length;
          if (masks.length > 0)
            await storage.unmaskLuns.executeWithOptions({ summary: `unmask on ${array}` }, [
              { array, masks },
            ]);
        }
        return n;
      },
      (n) => (n === 0 ? 'nothing masked' : `${n} mask(s) the failover left removed`),
    );
  await journal.step('stop-away', `stop ${persona} at ${away}`, o.stopAway);
  await journal.step(
    'reprotect',
    `replicate ${persona}'s LUNs from ${away} back to ${home}`,
    () =>
      replication.reprotectReplicas.executeWithOptions({ summary: `reprotect ${persona}` }, [
        { personas: [persona], site: away },
      ]),
    (r) => `${r.length} pair(s) reversed`,
  );
  await journal.step(
    'wait-in-sync',
    `wait until ${home} holds ${persona}'s newest data`,
    () =>
      waitUntilInSync(
        sides.map((s) => s.here),
        o.syncTimeoutSeconds,
        (behind) =>
          `${persona}'s home LUNs are not in sync after ${o.syncTimeoutSeconds}s: ${behind}; it is stopped at ${away}`,
      ),
    (n) => `${n} LUN(s) in sync`,
  );
  await journal.step(
    'switchover',
    `make ${persona}'s LUNs at ${home} primary again`,
    () =>
      replication.switchoverReplicas.executeWithOptions({ summary: `switch over ${persona}` }, [
        { personas: [persona], site: home },
      ]),
    (r) => `${r.length} LUN(s) primary at ${home}`,
  );
  return true;
}
