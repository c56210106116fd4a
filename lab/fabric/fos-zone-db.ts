/**
 * One zoning database: configurations (cfg → zones) and zones (zone → members), in insertion order.
 */
export interface ZoneDb {
  readonly cfgs: Map<string, string[]>;
  readonly zones: Map<string, string[]>;
}

export function emptyDb(): ZoneDb {
  return { cfgs: new Map(), zones: new Map() };
}

function copyDb(db: ZoneDb): ZoneDb {
  return {
    cfgs: new Map([...db.cfgs].map(([k, v]) => [k, [...v]])),
    zones: new Map([...db.zones].map(([k, v]) => [k, [...v]])),
  };
}

/** The effective configuration: a copy of one cfg's zones taken when it was enabled. */
export interface EffectiveDb {
  readonly cfg: string;
  readonly zones: Map<string, string[]>;
}

export interface FosTransaction {
  /**
   * The CLI session that opened it (0: a session outside the lab, as in the foreign-transaction
   * profile).
   */
  readonly owner: number;
  readonly token: number;
  /** The working copy of the defined database that the transaction's edits change. */
  readonly working: ZoneDb;
}

/**
 * A fabric's zoning as FOS keeps it: the defined database (saved to flash), the effective
 * configuration (what the fabric enforces), and at most one open transaction per switch, owned
 * by the CLI session whose first edit opened it. Edits change the transaction's working copy;
 * cfgsave makes it the defined database, cfgenable also makes one of its cfgs effective, and
 * cfgdisable ends zoning (committing the transaction), as the FOS command reference describes.
 */
export class FosZoning {
  defined: ZoneDb = emptyDb();
  effective: EffectiveDb | undefined;
  transaction: FosTransaction | undefined;
  private nextToken = 0x571d;

  /** The database `session` sees: its own uncommitted edits, or the defined one. */
  view(session: number): ZoneDb {
    return this.transaction?.owner === session ? this.transaction.working : this.defined;
  }

  /**
   * Opens a transaction for `session` if it has none; undefined when another session owns the open
   * one.
   */
  open(session: number): FosTransaction | undefined {
    if (this.transaction === undefined) {
      this.transaction = { owner: session, token: this.nextToken, working: copyDb(this.defined) };
      this.nextToken += 0x101;
    }
    return this.transaction.owner === session ? this.transaction : undefined;
  }

  /** Ends `session`'s transaction, making its working copy the defined database. */
  commit(session: number): void {
    if (this.transaction?.owner !== session) return;
    this.defined = this.transaction.working;
    this.transaction = undefined;
  }

  abort(session: number): boolean {
    if (this.transaction?.owner !== session) return false;
    this.transaction = undefined;
    return true;
  }

  /** Makes `cfg` of `db` effective: the fabric enforces a copy of its zones from now on. */
  enable(db: ZoneDb, cfg: string): void {
    const zones = new Map((db.cfgs.get(cfg) ?? []).map((z) => [z, [...(db.zones.get(z) ?? [])]]));
    this.effective = { cfg, zones };
  }
}
