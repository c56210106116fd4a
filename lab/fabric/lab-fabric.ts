import type { Fabric } from '../../inventory/topology-schema';
import { FosCli, type FosFaults } from './fos-cli';
import { FOS_PROFILES, type FosProfile, type FosProfileName } from './fos-profiles';
import { FosZoning, emptyDb, type ZoneDb } from './fos-zone-db';

type Entries = ReadonlyArray<readonly [string, readonly string[]]>;

/**
 * What a fabric keeps across a lab restart: its defined and effective zoning, profile and
 * faults. An open transaction is not kept: FOS ends it with the session that owns it.
 */
export interface LabFabricSnapshot {
  readonly profile: FosProfileName;
  readonly defined: { readonly cfgs: Entries; readonly zones: Entries };
  readonly effective: { readonly cfg: string; readonly zones: Entries } | null;
  readonly refuseEnable: number;
}

const entries = (m: Map<string, string[]>): Entries => [...m].map(([k, v]) => [k, [...v]] as const);
const mapOf = (e: Entries): Map<string, string[]> => new Map(e.map(([k, v]) => [k, [...v]]));

/**
 * Session number of the administrator outside the lab whose transaction the foreign-transaction
 * profile leaves open.
 */
const FOREIGN_SESSION = 0;

/**
 * One lab Brocade fabric: its zoning databases, the quirk profile it answers with, its faults,
 * and a log of every line each CLI session sent (tests assert what a driver did and did not do).
 */
export class LabFabric {
  readonly zoning = new FosZoning();
  readonly faults: FosFaults = { refuseEnable: 0 };
  readonly log: Array<{ readonly session: number; readonly line: string }> = [];
  private sessions = 0;
  private profileName: FosProfileName = 'fos-8';

  constructor(
    readonly spec: Fabric,
    private readonly user: string,
  ) {}

  get profile(): FosProfile {
    return FOS_PROFILES[this.profileName];
  }

  get profileId(): FosProfileName {
    return this.profileName;
  }

  /**
   * Takes on a quirk profile; the foreign-transaction one opens another session's transaction (with
   * one edit pending).
   */
  setProfile(name: FosProfileName): void {
    this.profileName = name;
    const token = this.profile.foreignTransaction;
    if (token !== undefined) {
      if (this.zoning.transaction !== undefined) this.zoning.transaction = undefined;
      const transaction = this.zoning.open(FOREIGN_SESSION);
      transaction?.working.zones.set('ops_pending', ['10:00:00:00:c9:ff:ff:01']);
    } else if (this.zoning.transaction?.owner === FOREIGN_SESSION) {
      this.zoning.transaction = undefined;
    }
  }

  /** Puts a zone in the defined and effective configuration, as the data center runs it today. */
  seedZone(zone: string, members: readonly string[]): void {
    const cfg = this.spec.zoneConfig;
    const db = this.zoning.defined;
    db.zones.set(zone, [...members]);
    db.cfgs.set(cfg, [...new Set([...(db.cfgs.get(cfg) ?? []), zone])]);
    this.zoning.enable(db, cfg);
  }

  /** Forgets all zoning (a factory-default fabric). */
  clear(): void {
    this.zoning.defined = emptyDb();
    this.zoning.effective = undefined;
    this.zoning.transaction = undefined;
  }

  snapshot(): LabFabricSnapshot {
    const z = this.zoning;
    return {
      profile: this.profileName,
      defined: { cfgs: entries(z.defined.cfgs), zones: entries(z.defined.zones) },
      effective:
        z.effective === undefined
          ? null
          : { cfg: z.effective.cfg, zones: entries(z.effective.zones) },
      refuseEnable: this.faults.refuseEnable,
    };
  }

  /** Replaces the topology's first state with what an earlier lab wrote down. */
  restore(kept: LabFabricSnapshot): void {
    const defined: ZoneDb = { cfgs: mapOf(kept.defined.cfgs), zones: mapOf(kept.defined.zones) };
    this.zoning.defined = defined;
    this.zoning.effective =
      kept.effective === null
        ? undefined
        : { cfg: kept.effective.cfg, zones: mapOf(kept.effective.zones) };
    this.zoning.transaction = undefined;
    this.faults.refuseEnable = kept.refuseEnable;
    this.setProfile(kept.profile);
  }

  newCli(): FosCli {
    this.sessions += 1;
    const prompt = this.profile.prompt(this.spec.id, this.user);
    return new FosCli(
      this.sessions,
      this.zoning,
      this.profile,
      prompt,
      this.faults,
      (session, line) => this.log.push({ session, line }),
    );
  }

  /** Zones in effect that hold `wwpn` (what a booting FC machine can reach). */
  zonesOf(wwpn: string): string[] {
    return [...(this.zoning.effective?.zones ?? [])]
      .filter(([, members]) => members.includes(wwpn))
      .map(([zone]) => zone)
      .sort();
  }

  describe(): unknown {
    const db = (d: { cfgs: Map<string, string[]>; zones: Map<string, string[]> }) => ({
      cfgs: Object.fromEntries(d.cfgs),
      zones: Object.fromEntries(d.zones),
    });
    return {
      profile: this.profileName,
      defined: db(this.zoning.defined),
      effective:
        this.zoning.effective === undefined
          ? null
          : {
              cfg: this.zoning.effective.cfg,
              zones: Object.fromEntries(this.zoning.effective.zones),
            },
      transaction:
        this.zoning.transaction === undefined
          ? null
          : { owner: this.zoning.transaction.owner, token: this.zoning.transaction.token },
    };
  }
}
