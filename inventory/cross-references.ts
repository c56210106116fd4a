import type { FieldIssue } from '../common/errors';
import type { Cluster, Topology } from './topology-schema';
import { twoSiteIssues } from './two-site-references';

/**
 * Checks that the schema alone cannot: names that must exist, values that must be unique
 * across the whole topology. Every issue names the exact path of the offending field.
 */
export function crossReferenceIssues(t: Topology): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Map<string, string>();
  /** Record `key` at `path`; report it if an earlier path already holds the same key. */
  const unique = (key: string, path: string, what: string): void => {
    const earlier = seen.get(key);
    if (earlier !== undefined)
      issues.push({ path, message: `${what} is already used at ${earlier}` });
    else seen.set(key, path);
  };

  const credentials = new Set(t.credentials.map((c) => c.name));
  const networks = new Set(t.networks.map((n) => n.name));
  const images = new Map(t.bootImages.map((i) => [i.name, i]));
  const personas = new Set(t.personas.map((p) => p.name));
  const machines = new Map<
    string,
    { site: string; hypervisor: boolean; initiator: boolean; occupant?: string }
  >();
  const arrays = new Map<string, Map<string, { shared: boolean }>>();
  const needCredential = (name: string, path: string): void => {
    if (!credentials.has(name))
      issues.push({ path, message: `unknown credential "${name}" (declare it under credentials)` });
  };

  const sites = new Set(t.sites.map((s) => s.name));
  const restingHosts = new Set(t.clusters.flatMap((c) => c.hosts));
  const clusterIssues = (c: Cluster, p: string): void => {
    unique(`cluster:${c.name}`, `${p}.name`, `cluster "${c.name}"`);
    // A host's boot assignment names its cluster where a machine's names its persona.
    if (personas.has(c.name))
      issues.push({
        path: `${p}.name`,
        message: `"${c.name}" is also a persona's name; a cluster needs a name of its own`,
      });
    const image = images.get(c.image);
    if (image === undefined)
      issues.push({ path: `${p}.image`, message: `unknown boot image "${c.image}"` });
    else if (image.kind !== 'hypervisor')
      issues.push({
        path: `${p}.image`,
        message: `boot image "${c.image}" is of kind ${image.kind}; a cluster boots a hypervisor image`,
      });
    c.networks.forEach((n, j) => {
      if (!networks.has(n))
        issues.push({ path: `${p}.networks[${j}]`, message: `unknown network "${n}"` });
    });
    c.datastores.forEach((d, j) => {
      const lun = arrays.get(d.array)?.get(d.lun);
      if (!arrays.has(d.array))
        issues.push({ path: `${p}.datastores[${j}].array`, message: `unknown array "${d.array}"` });
      else if (lun === undefined)
        issues.push({
          path: `${p}.datastores[${j}].lun`,
          message: `unknown LUN "${d.lun}" on array "${d.array}"`,
        });
      else if (!lun.shared)
        issues.push({
          path: `${p}.datastores[${j}].lun`,
          message: `LUN "${d.lun}" on array "${d.array}" is not shared: true, but every host of the cluster sees it`,
        });
    });
    c.sites?.forEach((s, j) => {
      if (!sites.has(s)) issues.push({ path: `${p}.sites[${j}]`, message: `unknown site "${s}"` });
    });
    c.hosts.forEach((h, j) => {
      const at = `${p}.hosts[${j}]`;
      unique(`resting-host:${h}`, at, `resting host "${h}"`);
      const m = machines.get(h);
      if (m === undefined) return void issues.push({ path: at, message: `unknown machine "${h}"` });
      if (!m.hypervisor)
        issues.push({
          path: at,
          message: `machine "${h}" has no hypervisor endpoint (a "hypervisor" block), so it cannot be a host`,
        });
      if (!m.initiator)
        issues.push({
          path: at,
          message: `machine "${h}" has no storage initiator (storage.iqn or wwpns) to see the datastores with`,
        });
      const resident =
        m.occupant ??
        t.personas.find((x) => x.home !== undefined && 'machine' in x.home && x.home.machine === h)
          ?.name;
      if (resident !== undefined)
        issues.push({
          path: at,
          message: `machine "${h}" rests as persona ${resident}'s machine; a resting host runs its cluster's hypervisor`,
        });
      if (c.sites !== undefined && !c.sites.includes(m.site))
        issues.push({
          path: at,
          message: `machine "${h}" is in site ${m.site}, which the cluster does not serve`,
        });
    });
  };

  t.credentials.forEach((c, i) =>
    unique(`credential:${c.name}`, `credentials[${i}].name`, `credential "${c.name}"`),
  );
  t.networks.forEach((n, i) => {
    unique(`network:${n.name}`, `networks[${i}].name`, `network "${n.name}"`);
    unique(`vlan:${n.vlan}`, `networks[${i}].vlan`, `VLAN ${n.vlan}`);
  });
  t.bootImages.forEach((b, i) =>
    unique(`image:${b.name}`, `bootImages[${i}].name`, `boot image "${b.name}"`),
  );

  t.sites.forEach((site, s) => {
    const at = `sites[${s}]`;
    unique(`site:${site.name}`, `${at}.name`, `site "${site.name}"`);
    const racks = new Set(site.racks.map((r) => r.name));
    site.racks.forEach((r, i) =>
      unique(`rack:${site.name}:${r.name}`, `${at}.racks[${i}].name`, `rack "${r.name}"`),
    );
    const switches = new Set(site.switches.map((w) => w.id));

    site.switches.forEach((w, i) => {
      const p = `${at}.switches[${i}]`;
      unique(`switch:${w.id}`, `${p}.id`, `switch id "${w.id}"`);
      unique(`endpoint:${w.address}:${w.port}`, `${p}.port`, `address ${w.address}:${w.port}`);
      needCredential(w.credential, `${p}.credential`);
      if (w.rack !== undefined && !racks.has(w.rack))
        issues.push({
          path: `${p}.rack`,
          message: `unknown rack "${w.rack}" in site "${site.name}"`,
        });
      if (w.vendor === 'ovs' && w.bridge === undefined)
        issues.push({
          path: `${p}.bridge`,
          message: 'an ovs switch needs the bridge whose ports it manages',
        });
    });

    const fabrics = new Set(site.fabrics.map((f) => f.id));
    site.arrays.forEach((a, i) => {
      const p = `${at}.arrays[${i}]`;
      if (a.fc !== undefined && !fabrics.has(a.fc.fabric))
        issues.push({
          path: `${p}.fc.fabric`,
          message: `unknown fabric "${a.fc.fabric}" in site "${site.name}"`,
        });
      a.fc?.targetWwpns.forEach((w, j) =>
        unique(`wwpn:${w}`, `${p}.fc.targetWwpns[${j}]`, `WWPN ${w}`),
      );
      unique(`array:${a.id}`, `${p}.id`, `array id "${a.id}"`);
      unique(`endpoint:${a.address}:${a.port}`, `${p}.port`, `address ${a.address}:${a.port}`);
      unique(`iqn:${a.targetIqn}`, `${p}.targetIqn`, `IQN ${a.targetIqn}`);
      needCredential(a.credential, `${p}.credential`);
      const luns = new Map<string, { shared: boolean }>();
      a.luns.forEach((l, j) => {
        if (luns.has(l.id))
          issues.push({
            path: `${p}.luns[${j}].id`,
            message: `LUN "${l.id}" appears twice on array "${a.id}"`,
          });
        luns.set(l.id, { shared: l.shared });
      });
      arrays.set(a.id, luns);
    });

    site.fabrics.forEach((f, i) => {
      const p = `${at}.fabrics[${i}]`;
      unique(`fabric:${f.id}`, `${p}.id`, `fabric id "${f.id}"`);
      unique(`endpoint:${f.address}:${f.port}`, `${p}.port`, `address ${f.address}:${f.port}`);
      needCredential(f.credential, `${p}.credential`);
    });

    site.machines.forEach((m, i) => {
      const p = `${at}.machines[${i}]`;
      unique(`machine:${m.id}`, `${p}.id`, `machine id "${m.id}"`);
      machines.set(m.id, {
        site: site.name,
        hypervisor: m.hypervisor !== undefined,
        initiator: m.storage.iqn !== undefined || m.storage.wwpns.length > 0,
        ...(m.occupant !== undefined && { occupant: m.occupant }),
      });
      if (!racks.has(m.rack))
        issues.push({
          path: `${p}.rack`,
          message: `unknown rack "${m.rack}" in site "${site.name}"`,
        });
      unique(
        `endpoint:${m.bmc.address}:${m.bmc.port}`,
        `${p}.bmc.port`,
        `address ${m.bmc.address}:${m.bmc.port}`,
      );
      needCredential(m.bmc.credential, `${p}.bmc.credential`);
      if (m.hypervisor !== undefined) {
        unique(
          `endpoint:${m.hypervisor.address}:${m.hypervisor.port}`,
          `${p}.hypervisor.port`,
          `address ${m.hypervisor.address}:${m.hypervisor.port}`,
        );
        needCredential(m.hypervisor.credential, `${p}.hypervisor.credential`);
      }
      m.nics.forEach((n, j) => {
        const np = `${p}.nics[${j}]`;
        unique(`mac:${n.mac}`, `${np}.mac`, `MAC ${n.mac}`);
        if (!switches.has(n.switch))
          issues.push({
            path: `${np}.switch`,
            message: `unknown switch "${n.switch}" in site "${site.name}"`,
          });
        else unique(`cable:${n.switch}:${n.port}`, `${np}.port`, `port ${n.switch} ${n.port}`);
      });
      if (m.storage.iqn !== undefined)
        unique(`iqn:${m.storage.iqn}`, `${p}.storage.iqn`, `IQN ${m.storage.iqn}`);
      m.storage.wwpns.forEach((w, j) =>
        unique(`wwpn:${w}`, `${p}.storage.wwpns[${j}]`, `WWPN ${w}`),
      );
      if (m.occupant !== undefined && !personas.has(m.occupant))
        issues.push({ path: `${p}.occupant`, message: `unknown persona "${m.occupant}"` });
    });
  });

  t.personas.forEach((persona, i) => {
    const p = `personas[${i}]`;
    unique(`persona:${persona.name}`, `${p}.name`, `persona "${persona.name}"`);
    const image = images.get(persona.image);
    if (image === undefined)
      issues.push({ path: `${p}.image`, message: `unknown boot image "${persona.image}"` });
    if (image?.kind === 'hypervisor') {
      issues.push({
        path: `${p}.image`,
        message: `boot image "${image.name}" is a hypervisor image: a hypervisor host is no persona; declare a cluster instead (clusters[].image, with its networks, datastores and hosts)`,
      });
    }
    const nics = new Set<number>();
    persona.networks.forEach((nic, j) => {
      if (nics.has(nic.nic))
        issues.push({ path: `${p}.networks[${j}].nic`, message: `NIC ${nic.nic} is listed twice` });
      nics.add(nic.nic);
      nic.networks.forEach((n, k) => {
        if (!networks.has(n))
          issues.push({
            path: `${p}.networks[${j}].networks[${k}]`,
            message: `unknown network "${n}"`,
          });
      });
      if (nic.mac !== undefined)
        unique(`mac:${nic.mac}`, `${p}.networks[${j}].mac`, `MAC ${nic.mac}`);
    });
    let bootLuns = 0;
    persona.luns.forEach((l, j) => {
      const luns = arrays.get(l.array);
      if (luns === undefined)
        issues.push({ path: `${p}.luns[${j}].array`, message: `unknown array "${l.array}"` });
      else if (!luns.has(l.lun))
        issues.push({
          path: `${p}.luns[${j}].lun`,
          message: `unknown LUN "${l.lun}" on array "${l.array}"`,
        });
      else if (persona.chap !== undefined && luns.get(l.lun)?.shared === true) {
        issues.push({
          path: `${p}.luns[${j}].lun`,
          message: `LUN "${l.lun}" is shared, so other initiators log in to it without this persona's CHAP secret: a persona with chap owns its LUNs`,
        });
      }
      if (l.boot) bootLuns += 1;
    });
    if (bootLuns > 1)
      issues.push({ path: `${p}.luns`, message: 'at most one LUN may be the boot LUN' });
    if (persona.chap !== undefined) needCredential(persona.chap, `${p}.chap`);
    if (persona.chap !== undefined && persona.luns.length === 0)
      issues.push({
        path: `${p}.chap`,
        message: 'CHAP protects iSCSI LUNs, and this persona has none',
      });
    if (persona.chap !== undefined && image?.kind === 'san' && image.protocol === 'fc')
      issues.push({
        path: `${p}.chap`,
        message: `boot image "${image.name}" boots over FC, where iSCSI CHAP does not apply`,
      });
    if (image?.kind === 'san' && bootLuns === 0)
      issues.push({
        path: `${p}.luns`,
        message: `boot image "${image.name}" boots from SAN, so one LUN needs boot: true`,
      });
    if (persona.home !== undefined) {
      const ref = 'machine' in persona.home ? persona.home.machine : persona.home.host;
      const field = 'machine' in persona.home ? 'machine' : 'host';
      if (!machines.has(ref))
        issues.push({ path: `${p}.home.${field}`, message: `unknown machine "${ref}"` });
      else if (field === 'host' && !restingHosts.has(ref))
        issues.push({
          path: `${p}.home.host`,
          message: `machine "${ref}" is no resting host of any cluster (list it in a cluster's hosts)`,
        });
    }
  });

  t.clusters.forEach((c, i) => clusterIssues(c, `clusters[${i}]`));

  return [...issues, ...twoSiteIssues(t)];
}
