import { readFile } from 'node:fs/promises';
import express from 'express';
import { z } from 'zod';
import { fieldIssues } from '../../common/field-path';
import { zoneNameOf } from '../../drivers/storage/brocade-commands';
import type { Lab, LabComponent } from '../lab';
import type { LabFabricView } from '../lab-views';
import { labKeyFile } from '../lab-keys';
import { startLabSshShellServer, type LabSshShellServer } from '../ssh/lab-ssh-shell-server';
import { FOS_PROFILE_NAMES, type FosProfileName } from './fos-profiles';
import { LabFabric } from './lab-fabric';
import { withLineHook } from '../ssh/with-line-hook';

const entriesSchema = z.array(z.tuple([z.string(), z.array(z.string())]));
const snapshotSchema = z.record(
  z.string(),
  z.strictObject({
    profile: z.enum(FOS_PROFILE_NAMES as [FosProfileName, ...FosProfileName[]]),
    defined: z.strictObject({ cfgs: entriesSchema, zones: entriesSchema }),
    effective: z.strictObject({ cfg: z.string(), zones: entriesSchema }).nullable(),
    refuseEnable: z.number().int().min(0),
  }),
);

const controlSchema = z.strictObject({
  profile: z.enum(FOS_PROFILE_NAMES as [FosProfileName, ...FosProfileName[]]).optional(),
  refuseEnable: z.number().int().min(0).max(10_000).optional(),
});

export interface LabFabricsComponent extends LabComponent {
  readonly fabricView: LabFabricView;
  fabric(id: string): LabFabric;
}

/**
 * A lab Brocade switch per topology fabric: an SSH shell at the fabric's address and port
 * speaking FOS zoning (./fos-cli). Personas placed at home on an FC machine start zoned to the
 * arrays of their LUNs, as the data center runs today. Profile and faults through the control
 * server: POST /lab/fabrics/<id> { profile, refuseEnable }.
 */
export async function startLabFabrics(lab: Lab): Promise<LabFabricsComponent | undefined> {
  const sites = lab.topology.sites;
  const specs = sites.flatMap((s) => s.fabrics);
  if (specs.length === 0) return undefined;
  const hostKey = await readFile(labKeyFile('lab_host_ed25519'));
  const fabrics = new Map<string, LabFabric>();
  const servers: LabSshShellServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (const spec of specs) {
      const credential = lab.credentials[spec.credential];
      if (credential === undefined)
        throw new Error(
          `lab fabric ${spec.id}: credential "${spec.credential}" is not in the topology`,
        );
      const fabric = new LabFabric(spec, credential.username);
      fabrics.set(spec.id, fabric);
      servers.push(
        await startLabSshShellServer({
          address: spec.address,
          port: spec.port,
          hostKey,
          credential,
          newCli: () => withLineHook(fabric.newCli(), () => lab.changed()),
        }),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  for (const persona of lab.topology.personas) {
    const home =
      persona.home !== undefined && 'machine' in persona.home
        ? lab.index.machine(persona.home.machine)
        : undefined;
    if (home === undefined || home.storage.wwpns.length === 0) continue;
    for (const l of persona.luns) {
      const fc = lab.index.array(l.array).fc;
      if (fc !== undefined)
        fabrics
          .get(fc.fabric)
          ?.seedZone(zoneNameOf(l.array, l.lun), [...home.storage.wwpns, ...fc.targetWwpns]);
    }
  }
  const kept = lab.restoredSection('fabrics', snapshotSchema);
  for (const [id, saved] of Object.entries(kept ?? {})) fabrics.get(id)?.restore(saved);
  const fabric = (id: string): LabFabric => {
    const found = fabrics.get(id);
    if (found === undefined) throw new Error(`lab has no fabric "${id}"`);
    return found;
  };
  const routes = express.Router();
  routes.post('/lab/fabrics/:id', (req, res) => {
    const target = fabrics.get(req.params.id);
    const parsed = controlSchema.safeParse(req.body);
    if (target === undefined) {
      res.status(404).json({ error: 'NotFound', message: `lab has no fabric "${req.params.id}"` });
      return;
    }
    if (!parsed.success) {
      res.status(400).json({ error: 'ValidationError', issues: fieldIssues(parsed.error) });
      return;
    }
    if (parsed.data.profile !== undefined) target.setProfile(parsed.data.profile);
    if (parsed.data.refuseEnable !== undefined)
      target.faults.refuseEnable = parsed.data.refuseEnable;
    lab.changed();
    res.json({ fabric: target.spec.id, profile: target.profileId, faults: target.faults });
  });
  lab.control.use(routes);
  const fabricView: LabFabricView = {
    zoned: (arrayId, lunId, wwpns) => {
      const fc = lab.index.array(arrayId).fc;
      if (fc === undefined) return undefined;
      const members =
        fabrics.get(fc.fabric)?.zoning.effective?.zones.get(zoneNameOf(arrayId, lunId)) ?? [];
      return (
        members.some((m) => fc.targetWwpns.includes(m)) && members.some((m) => wwpns.includes(m))
      );
    },
  };
  return {
    kind: 'fabrics',
    fabricView,
    fabric,
    describe: () => Object.fromEntries([...fabrics].map(([id, f]) => [id, f.describe()])),
    snapshot: () => Object.fromEntries([...fabrics].map(([id, f]) => [id, f.snapshot()])),
    stop,
  };
}
