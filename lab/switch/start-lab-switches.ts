import { readFileSync } from 'node:fs';
import type { Response } from 'express';
import { z } from 'zod';
import { fieldIssues } from '../../common/field-path';
import type { SwitchVendor } from '../../inventory/topology-schema';
import type { Lab, LabComponent } from '../lab';
import { labKeyFile } from '../lab-keys';
import type { LabPortState, LabSwitchView } from '../lab-views';
import { initialSwitchConfig } from './initial-switch-config';
import { LabSwitch } from './lab-switch';
import type { LabSwitchFamily } from './lab-switch-config';

/**
 * The CLI family the lab speaks for each vendor; OVS has none (tests run the real Open vSwitch).
 */
const FAMILY: Partial<Record<SwitchVendor, LabSwitchFamily>> = {
  'cisco-ios': 'ios',
  'arista-eos': 'ios',
  'dell-os10': 'ios',
  junos: 'junos',
  'cumulus-nvue': 'nvue',
  sonic: 'sonic',
};

const portSchema = z.strictObject({
  mode: z.enum(['access', 'trunk']).optional(),
  accessVlan: z.number().int().optional(),
  vlans: z.array(z.number().int()).optional(),
  /** Junos: `vlan members` as typed (names or vlan-ids). */
  members: z.array(z.string()).optional(),
  shutdown: z.boolean(),
});
const configDataSchema = z.strictObject({
  vlans: z.array(z.tuple([z.number().int(), z.string()])),
  ports: z.record(z.string(), portSchema),
});
const snapshotSchema = z.record(
  z.string(),
  z.strictObject({
    running: configDataSchema,
    saved: configDataSchema.optional(),
    faults: z.strictObject({
      rejectAuth: z.boolean(),
      refuseCommands: z.number().int().min(0),
      hang: z.boolean(),
      dropSessions: z.number().int().min(0),
    }),
  }),
);

const faultBodySchema = z.strictObject({
  rejectAuth: z.boolean().optional(),
  refuseCommands: z.number().int().min(0).max(10_000).optional(),
  hang: z.boolean().optional(),
  dropSessions: z.number().int().min(0).max(10_000).optional(),
  /** Clears every fault first. */
  clear: z.boolean().optional(),
});

const profileBodySchema = z.strictObject({
  profile: z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be a quirk profile name'),
});

export interface LabSwitchesComponent extends LabComponent {
  readonly switchView: LabSwitchView;
  switch(id: string): LabSwitch;
  describe(): Record<
    string,
    {
      vendor: string;
      profile: string;
      running: string;
      startup: string;
      faults: object;
      stats: object;
    }
  >;
}

/**
 * Every topology switch as an SSH peer at its address and port. Faults through the lab
 * control server: POST /lab/switches/<id>/faults { rejectAuth, refuseCommands, hang,
 * dropSessions, clear }; a quirk profile (switch-profiles.ts) through POST
 * /lab/switches/<id>/profile { profile }; the running configuration at GET
 * /lab/switches/<id>/running-config.
 */
export async function startLabSwitches(lab: Lab): Promise<LabSwitchesComponent | undefined> {
  const specs = lab.topology.sites.flatMap((s) => s.switches);
  if (specs.length === 0) return undefined;
  const unspoken = specs.filter((s) => FAMILY[s.vendor] === undefined);
  if (unspoken.length > 0) {
    throw new Error(
      `the lab speaks cisco-ios, arista-eos, dell-os10, junos, cumulus-nvue and sonic switches only; ${unspoken.map((s) => `${s.id} is ${s.vendor}`).join(', ')}`,
    );
  }
  const hostKey = readFileSync(labKeyFile('lab_host_ed25519'));
  const switches = new Map<string, LabSwitch>();
  const kept = lab.restoredSection('switches', snapshotSchema);
  try {
    for (const spec of specs) {
      const credential = lab.credentials[spec.credential];
      if (credential === undefined)
        throw new Error(
          `lab switch ${spec.id}: credential ${spec.credential} is not in the topology`,
        );
      const sw = new LabSwitch(
        spec,
        initialSwitchConfig(lab.index, spec, FAMILY[spec.vendor] as LabSwitchFamily),
        credential,
        kept?.[spec.id],
      );
      sw.onChange = () => lab.changed();
      await sw.start(hostKey);
      switches.set(spec.id, sw);
    }
  } catch (e) {
    for (const sw of switches.values()) await sw.stop();
    throw e;
  }

  const get = (id: string): LabSwitch => {
    const sw = switches.get(id);
    if (sw === undefined) throw new Error(`lab has no switch "${id}"`);
    return sw;
  };
  /**
   * A control route on one switch: 404 for no such switch, 400 naming the fields when the body is
   * wrong.
   */
  const onSwitch = <T>(
    path: string,
    schema: z.ZodType<T>,
    act: (sw: LabSwitch, body: T, res: Response) => void,
  ): void => {
    lab.control.post(`/lab/switches/:id/${path}`, (req, res) => {
      const sw = switches.get(req.params.id);
      const parsed = schema.safeParse(req.body);
      if (sw === undefined) {
        res
          .status(404)
          .json({ error: 'NotFound', message: `lab has no switch "${req.params.id}"` });
        return;
      }
      if (!parsed.success) {
        res.status(400).json({ error: 'ValidationError', issues: fieldIssues(parsed.error) });
        return;
      }
      act(sw, parsed.data, res);
    });
  };
  onSwitch('faults', faultBodySchema, (sw, { clear, ...faults }, res) => {
    if (clear) sw.clearFaults();
    Object.assign(sw.faults, faults);
    res.json({ switch: sw.spec.id, faults: sw.faults });
  });
  onSwitch('profile', profileBodySchema, (sw, { profile }, res) => {
    try {
      sw.useProfile(profile);
    } catch (e) {
      res.status(400).json({
        error: 'ValidationError',
        issues: [{ path: 'profile', message: (e as Error).message }],
      });
      return;
    }
    res.json({ switch: sw.spec.id, profile: sw.profile });
  });
  lab.control.get('/lab/switches/:id/running-config', (req, res) => {
    const sw = switches.get(req.params.id);
    if (sw === undefined)
      res.status(404).json({ error: 'NotFound', message: `lab has no switch "${req.params.id}"` });
    else res.type('text/plain').send(sw.config.render());
  });

  const switchView: LabSwitchView = {
    portState: (switchId: string, port: string): LabPortState | undefined =>
      switches.get(switchId)?.config.effective(port),
  };
  return {
    kind: 'switches',
    switchView,
    switch: get,
    snapshot: () => Object.fromEntries([...switches].map(([id, sw]) => [id, sw.snapshot()])),
    describe: () =>
      Object.fromEntries(
        [...switches.values()].map((sw) => [
          sw.spec.id,
          {
            vendor: sw.spec.vendor,
            profile: sw.profile,
            running: sw.config.render(),
            startup: sw.startup,
            faults: { ...sw.faults },
            stats: { ...sw.stats },
          },
        ]),
      ),
    stop: async () => {
      for (const sw of switches.values()) await sw.stop();
    },
  };
}
