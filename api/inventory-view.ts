import type { Lease, LedgerState, MachineRecord, Placement } from '../inventory/ledger-records';
import type { Machine, Persona, Pool, Topology } from '../inventory/topology-schema';
import type {
  InventoryIssue,
  InventoryView,
  LeaseView,
  MachineView,
  PersonaView,
  SiteSummary,
} from './inventory-view-schema';

/** Code-unit order, not localeCompare: the answer must not depend on the process's ICU data. */
const compareKeys = ([a]: [string, unknown], [b]: [string, unknown]): number =>
  a < b ? -1 : a > b ? 1 : 0;
const byKey = <T>(record: Readonly<Record<string, T>>): Array<[string, T]> =>
  Object.entries(record).sort(compareKeys);

const leaseView = (lease: Lease): LeaseView => ({
  holder: lease.holder,
  purpose: lease.purpose,
  since: lease.acquiredAt,
});

const emptyLedger = (site: string): LedgerState => ({
  site,
  placements: {},
  leases: {},
  machines: {},
  bootAssignments: {},
  version: 0,
});

interface Found<T> {
  readonly value: T;
  /** The site whose ledger holds it. */
  readonly ledger: string;
}

/**
 * Everything the ledgers say, checked against the topology. An entry that names something
 * the topology lacks, or that another entry already claims, is left out and reported: the
 * view shows what is usable and the issues say what an operator should look at.
 */
class LedgerJoin {
  readonly issues: InventoryIssue[] = [];
  readonly placements = new Map<string, Found<Placement>>();
  readonly personaLeases = new Map<string, Found<Lease>>();
  readonly machineLeases = new Map<string, Lease>();
  readonly records = new Map<string, MachineRecord>();
  readonly boots = new Map<string, { persona: string; image: string }>();
  readonly leaseCount = new Map<string, number>();

  constructor(
    private readonly siteOf: ReadonlyMap<string, string>,
    private readonly personas: ReadonlyMap<string, Persona>,
    private readonly macOwner: ReadonlyMap<string, string>,
  ) {}

  private report(
    site: string,
    entry: string,
    message: string,
    about: { machine?: string; persona?: string } = {},
  ): void {
    this.issues.push({ site, entry, ...about, message });
  }

  /**
   * Machine leases and records belong in the machine's own site ledger: elsewhere they guard
   * nothing.
   */
  private machineInSite(site: string, entry: string, machine: string): boolean {
    const home = this.siteOf.get(machine);
    if (home === undefined) this.report(site, entry, `unknown machine "${machine}"; ignored`);
    else if (home !== site)
      this.report(
        site,
        entry,
        `machine "${machine}" is at site ${home}, so its entry belongs in that site's ledger; ignored`,
        { machine },
      );
    return home === site;
  }

  /**
   * True when the lease is shown: on a known machine of this site, or the first lease of a known
   * persona.
   */
  private addLease(site: string, resource: string, lease: Lease): boolean {
    const entry = `leases.${resource}`;
    const [kind, id = ''] = resource.split(':');
    if (kind === 'machine') {
      if (this.machineInSite(site, entry, id)) this.machineLeases.set(id, lease);
      return this.machineLeases.get(id) === lease;
    }
    const earlier = this.personaLeases.get(id);
    if (!this.personas.has(id)) this.report(site, entry, `unknown persona "${id}"; ignored`);
    else if (earlier !== undefined)
      this.report(
        site,
        entry,
        `also leased in the ledger of site ${earlier.ledger} (by ${earlier.value.holder}), which is shown; ignored`,
        { persona: id },
      );
    else this.personaLeases.set(id, { value: lease, ledger: site });
    return this.personaLeases.get(id)?.value === lease;
  }

  add(ledger: LedgerState): void {
    const site = ledger.site;
    for (const [persona, placement] of byKey(ledger.placements)) {
      const entry = `placements.${persona}`;
      const target =
        placement.kind === 'machine'
          ? placement.machine
          : placement.kind === 'vm'
            ? placement.host
            : undefined;
      const earlier = this.placements.get(persona);
      if (!this.personas.has(persona))
        this.report(site, entry, `unknown persona "${persona}"; ignored`);
      else if (target !== undefined && !this.siteOf.has(target))
        this.report(site, entry, `placed on unknown machine "${target}"; ignored`, { persona });
      else if (
        earlier !== undefined &&
        (earlier.value.kind === 'none' || placement.kind === 'none')
      ) {
        // A cross-site move leaves an explicit none in the old site's ledger: the other site's
        // placement is where the persona runs, whichever ledger comes first.
        if (earlier.value.kind === 'none')
          this.placements.set(persona, { value: placement, ledger: site });
      } else if (earlier !== undefined)
        this.report(
          site,
          entry,
          `also placed by the ledger of site ${earlier.ledger}, which is shown; ignored`,
          { persona },
        );
      else this.placements.set(persona, { value: placement, ledger: site });
    }
    let leases = 0;
    for (const [resource, lease] of byKey(ledger.leases))
      if (this.addLease(site, resource, lease)) leases += 1;
    this.leaseCount.set(site, leases);
    for (const [machine, record] of byKey(ledger.machines)) {
      if (this.machineInSite(site, `machines.${machine}`, machine))
        this.records.set(machine, record);
    }
    for (const [mac, assignment] of byKey(ledger.bootAssignments)) {
      const entry = `bootAssignments.${mac}`;
      const owner = this.macOwner.get(mac);
      if (owner === undefined)
        this.report(site, entry, `no NIC of the topology has MAC ${mac}; ignored`);
      else if (owner !== assignment.machine)
        this.report(
          site,
          entry,
          `MAC ${mac} belongs to machine "${owner}", not "${assignment.machine}"; ignored`,
          { machine: owner },
        );
      else if (this.machineInSite(site, entry, owner))
        this.boots.set(mac, { persona: assignment.persona, image: assignment.image });
    }
  }
}

function machineView(
  site: string,
  m: Machine,
  join: LedgerJoin,
  placedOn: ReadonlyMap<string, string>,
  vmsOn: ReadonlyMap<string, string[]>,
): MachineView {
  const record = join.records.get(m.id);
  const lease = join.machineLeases.get(m.id);
  return {
    id: m.id,
    site,
    rack: m.rack,
    pool: m.pool,
    priority: m.priority ?? null,
    arch: m.arch,
    cores: m.cores,
    memoryGiB: m.memoryGiB,
    bmc: { driver: m.bmc.driver, address: m.bmc.address, port: m.bmc.port },
    nics: m.nics.map((n) => ({
      name: n.name,
      mac: n.mac,
      switch: n.switch,
      port: n.port,
      boot: join.boots.get(n.mac) ?? null,
    })),
    occupant: m.occupant ?? null,
    record:
      record === undefined
        ? null
        : {
            power: record.power,
            role: record.role,
            ...(record.cluster !== undefined && { cluster: record.cluster }),
            updatedAt: record.updatedAt,
            ...(record.healthy !== undefined && { healthy: record.healthy }),
          },
    persona: placedOn.get(m.id) ?? null,
    vms: vmsOn.get(m.id) ?? [],
    lease: lease === undefined ? null : leaseView(lease),
  };
}

function personaView(
  p: Persona,
  join: LedgerJoin,
  siteOf: ReadonlyMap<string, string>,
): PersonaView {
  const placement = join.placements.get(p.name)?.value ?? { kind: 'none' };
  const target =
    placement.kind === 'machine'
      ? placement.machine
      : placement.kind === 'vm'
        ? placement.host
        : undefined;
  const lease = join.personaLeases.get(p.name)?.value;
  return {
    name: p.name,
    priority: p.priority,
    image: p.image,
    vmAllowed: p.vmAllowed,
    requirements: p.requirements,
    home: p.home ?? null,
    placement,
    site: target === undefined ? null : (siteOf.get(target) ?? null),
    lease: lease === undefined ? null : leaseView(lease),
  };
}

function homeSite(
  home: PersonaView['home'],
  siteOf: ReadonlyMap<string, string>,
): string | undefined {
  if (home === null) return undefined;
  return siteOf.get('machine' in home ? home.machine : home.host);
}

/**
 * The topology joined with the live state of every site's ledger: per machine its hardware,
 * ledger record, placed persona or VMs and lease; per persona its placement and lease; per
 * site the counts. Pure, so it is tested with hand-made ledger states. `ledgers` holds one
 * state per site; a site without one is read as an empty ledger.
 */
export function inventoryView(topology: Topology, ledgers: readonly LedgerState[]): InventoryView {
  const siteOf = new Map<string, string>();
  const macOwner = new Map<string, string>();
  for (const site of topology.sites) {
    for (const m of site.machines) {
      siteOf.set(m.id, site.name);
      for (const n of m.nics) macOwner.set(n.mac, m.id);
    }
  }
  const personas = new Map(topology.personas.map((p) => [p.name, p]));
  const join = new LedgerJoin(siteOf, personas, macOwner);
  const bySite = new Map(ledgers.map((l) => [l.site, l]));
  const sites = new Set(topology.sites.map((s) => s.name));
  for (const l of ledgers)
    if (!sites.has(l.site))
      join.issues.push({
        site: l.site,
        entry: '(ledger)',
        message: `the topology has no site "${l.site}"; its ledger is ignored`,
      });
  for (const site of topology.sites) join.add(bySite.get(site.name) ?? emptyLedger(site.name));

  const placedOn = new Map<string, string>();
  const vmsOn = new Map<string, string[]>();
  for (const [persona, { value: placement, ledger }] of [...join.placements].sort(compareKeys)) {
    if (placement.kind === 'vm')
      vmsOn.set(placement.host, [...(vmsOn.get(placement.host) ?? []), persona]);
    if (placement.kind !== 'machine') continue;
    const other = placedOn.get(placement.machine);
    if (other === undefined) placedOn.set(placement.machine, persona);
    else
      join.issues.push({
        site: ledger,
        entry: `placements.${persona}`,
        machine: placement.machine,
        persona,
        message: `machine "${placement.machine}" also has "${other}" placed on it, which the machine shows`,
      });
  }

  const machines = topology.sites.flatMap((s) =>
    s.machines.map((m) => machineView(s.name, m, join, placedOn, vmsOn)),
  );
  const personaViews = topology.personas.map((p) => personaView(p, join, siteOf));
  const summaries: SiteSummary[] = topology.sites.map((site) => {
    const here = machines.filter((m) => m.site === site.name);
    const byPool: Record<Pool, number> = { spare: 0, repurposable: 0, dedicated: 0 };
    const byRole = { idle: 0, persona: 0, hypervisor: 0, unrecorded: 0 };
    for (const m of here) {
      byPool[m.pool] += 1;
      byRole[m.record?.role ?? 'unrecorded'] += 1;
    }
    return {
      name: site.name,
      ledgerVersion: bySite.get(site.name)?.version ?? 0,
      machines: { total: here.length, byPool, byRole },
      leases: join.leaseCount.get(site.name) ?? 0,
      personas: {
        placed: personaViews.filter((p) => p.site === site.name).length,
        notPlaced: personaViews.filter(
          (p) => p.placement.kind === 'none' && homeSite(p.home, siteOf) === site.name,
        ).length,
      },
    };
  });
  const placed = personaViews.filter((p) => p.placement.kind !== 'none').length;
  const clusters = topology.clusters.map((c) => ({
    name: c.name,
    image: c.image,
    sites: c.sites ?? null,
    restingHosts: [...c.hosts],
    hosts: machines
      .filter((m) => m.record?.role === 'hypervisor' && m.record.cluster === c.name)
      .map((m) => m.id),
  }));
  return {
    sites: summaries,
    clusters,
    totals: {
      machines: machines.length,
      personas: personaViews.length,
      placed,
      notPlaced: personaViews.length - placed,
      leases: summaries.reduce((n, s) => n + s.leases, 0),
    },
    machines,
    personas: personaViews,
    issues: join.issues,
  };
}
