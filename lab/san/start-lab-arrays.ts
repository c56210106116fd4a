import { readFile } from 'node:fs/promises';
import express from 'express';
import { z } from 'zod';
import type { Lab, LabComponent } from '../lab';
import { labKeyFile } from '../lab-keys';
import type { LabSanView } from '../lab-views';
import { arrayProfileNames } from './array-profiles';
import { LabArray } from './lab-array';
import { LabDrbdLink } from './lab-drbd';
import { startLabSshExecServer, type LabSshExecServer } from '../ssh/lab-ssh-exec-server';

const grantSchema = z.union([z.literal('all'), z.array(z.number().int())]);
const targetSchema = z.strictObject({
  tid: z.number().int(),
  name: z.string(),
  luns: z.array(z.tuple([z.number().int(), z.string()])),
  acl: z.array(z.tuple([z.string(), grantSchema])),
  chap: z
    .array(z.tuple([z.string(), z.strictObject({ user: z.string(), secret: z.string() })]))
    .default([]),
  authentication: z.boolean().default(false),
});
const backstoresSchema = z.array(
  z.tuple([z.string(), z.strictObject({ kind: z.enum(['fileio', 'block']), path: z.string() })]),
);
const drbdLinkSchema = z.strictObject({
  resource: z.string(),
  nodes: z.array(
    z.strictObject({
      array: z.string(),
      lun: z.string(),
      role: z.enum(['Primary', 'Secondary']),
      disk: z.enum(['UpToDate', 'Consistent']),
      wantsConnection: z.boolean(),
      generation: z.number().int().min(0),
      generationAtBreak: z.number().int().min(0),
    }),
  ),
  reachable: z.boolean(),
  lastSyncAt: z.number(),
});
const snapshotSchema = z.record(
  z.string(),
  z.strictObject({
    targets: z.array(targetSchema),
    backstores: backstoresSchema,
    confFiles: z.array(z.tuple([z.string(), z.string()])).default([]),
    saved: z
      .strictObject({ targets: z.array(targetSchema), backstores: backstoresSchema })
      .optional(),
    files: z.array(z.string()),
    copiedFrom: z.array(z.tuple([z.string(), z.string()])),
    latencyMs: z.number().int().min(0),
    dark: z.boolean().default(false),
    generations: z.array(z.tuple([z.string(), z.number().int().min(0)])).default([]),
    drbd: z.array(drbdLinkSchema).default([]),
  }),
);

const latencySchema = z.strictObject({ ms: z.number().int().min(0).max(600_000) });
const profileSchema = z.strictObject({ profile: z.string().min(1).max(64) });

export interface LabArraysComponent extends LabComponent {
  readonly sanView: LabSanView;
  array(id: string): LabArray;
}

/**
 * A lab array per topology array, each an SSH server at the array's address and port with
 * the lab host key (pinned in the example topologies) and the array credential's password.
 * Personas placed at home start with their LUNs masked to their home machine, and a cluster's
 * resting hosts with its datastores masked to them. The slow-array fault is
 * `POST /lab/arrays/<id>/latency {"ms": N}` on the control server; a restart of the target
 * daemon (state kept only where persisted) is `POST /lab/arrays/<id>/restart`; a quirk
 * profile (./array-profiles) is `POST /lab/arrays/<id>/profile {"profile": "<name>"}`.
 */
export async function startLabArrays(lab: Lab): Promise<LabArraysComponent | undefined> {
  const specs = lab.topology.sites.flatMap((s) => s.arrays);
  if (specs.length === 0) return undefined;
  const hostKey = await readFile(labKeyFile('lab_host_ed25519'));
  const arrays = new Map(specs.map((spec) => [spec.id, new LabArray(spec)]));
  for (const persona of lab.topology.personas) {
    const home =
      persona.home !== undefined && 'machine' in persona.home
        ? lab.index.machine(persona.home.machine)
        : undefined;
    if (home?.storage.iqn === undefined) continue;
    for (const l of persona.luns) arrays.get(l.array)?.grant(l.lun, home.storage.iqn);
  }
  // A cluster's resting hosts see its datastores, as they would in a running data center.
  for (const cluster of lab.topology.clusters) {
    for (const host of cluster.hosts) {
      const iqn = lab.index.machine(host).storage.iqn;
      if (iqn !== undefined)
        for (const d of cluster.datastores) arrays.get(d.array)?.grant(d.lun, iqn);
    }
  }
  // Each replication is a DRBD resource with a node on both its arrays.
  const links = lab.topology.replication.map((r) => new LabDrbdLink(r));
  for (const link of links)
    for (const node of link.nodes) arrays.get(node.array)?.drbd.set(link.resource, link);
  const kept = lab.restoredSection('arrays', snapshotSchema);
  for (const array of arrays.values()) {
    const saved = kept?.[array.spec.id];
    if (saved !== undefined) array.restore(saved);
    else array.persistSeed();
    array.onChange = () => lab.changed();
  }
  const servers: LabSshExecServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (const array of arrays.values()) {
      const credential = lab.credentials[array.spec.credential];
      if (credential === undefined)
        throw new Error(
          `lab array ${array.spec.id}: credential "${array.spec.credential}" is not in the topology`,
        );
      servers.push(
        await startLabSshExecServer({
          port: array.spec.port,
          hostKey,
          credential,
          readStdin: true,
          reachable: () => !array.dark,
          handle: (c, stdin) => array.exec(c, stdin),
        }),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const array = (id: string): LabArray => {
    const found = arrays.get(id);
    if (found === undefined) throw new Error(`lab has no array "${id}"`);
    return found;
  };
  const routes = express.Router();
  /**
   * A control route on one array: its id from the path, its body checked by `schema` (400 and the
   * rule when wrong, 404 for no such array).
   */
  const onArray = <T>(
    path: string,
    schema: z.ZodType<T>,
    rule: string,
    act: (target: LabArray, body: T) => { status?: number; body: unknown },
  ): void => {
    routes.post(`/lab/arrays/:id/${path}`, (req, res) => {
      const parsed = schema.safeParse(req.body);
      const target = arrays.get(req.params.id);
      if (!parsed.success || target === undefined) {
        res
          .status(parsed.success ? 404 : 400)
          .json({ error: parsed.success ? `no array "${req.params.id}"` : rule });
        return;
      }
      const answer = act(target, parsed.data);
      res.status(answer.status ?? 200).json(answer.body);
    });
  };
  onArray('latency', latencySchema, 'body must be {"ms": 0…600000}', (target, { ms }) => {
    target.latencyMs = ms;
    return { body: { array: target.spec.id, latencyMs: target.latencyMs } };
  });
  onArray('profile', profileSchema, 'body must be {"profile": "<name>"}', (target, { profile }) => {
    const known = arrayProfileNames(target.spec.kind);
    if (!known.includes(profile))
      return {
        status: 400,
        body: { error: `profile: a ${target.spec.kind} array has profiles ${known.join(', ')}` },
      };
    target.useProfile(profile);
    return { body: { array: target.spec.id, profile } };
  });
  // A site goes dark (or comes back): the replication links with a node at that site break.
  routes.post('/lab/sites/:site/replication', (req, res) => {
    const parsed = z.strictObject({ reachable: z.boolean() }).safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'body must be {"reachable": true|false}' });
      return;
    }
    const arraysThere = new Set(
      lab.topology.sites.find((s) => s.name === req.params.site)?.arrays.map((a) => a.id),
    );
    const touched = links.filter((l) => l.nodes.some((n) => arraysThere.has(n.array)));
    for (const link of touched) link.setReachable(parsed.data.reachable);
    lab.changed();
    res.json({ site: req.params.site, links: touched.map((l) => l.resource) });
  });
  onArray('restart', z.unknown(), '', (target) => {
    target.restart();
    return { body: { array: target.spec.id, restarted: true } };
  });
  lab.control.use(routes);
  return {
    kind: 'arrays',
    sanView: {
      lunsVisibleTo: (arrayId, initiator) => arrays.get(arrayId)?.lunsVisibleTo(initiator) ?? [],
      lunExists: (arrayId, lunId) => arrays.get(arrayId)?.lunExists(lunId) ?? false,
      cloneSource: (arrayId, lunId) => arrays.get(arrayId)?.cloneSource(lunId),
      loginRefusal: (arrayId, lunId, initiator, offered) =>
        arrays.get(arrayId)?.loginRefusal(lunId, initiator, offered),
    },
    array,
    setSiteDark(site, dark) {
      const here = new Set(
        lab.topology.sites.find((s) => s.name === site)?.arrays.map((a) => a.id),
      );
      for (const a of arrays.values()) if (here.has(a.spec.id)) a.dark = dark;
      for (const link of links.filter((l) => l.nodes.some((n) => here.has(n.array))))
        link.setReachable(!dark);
    },
    snapshot: () => Object.fromEntries([...arrays].map(([id, a]) => [id, a.snapshot()])),
    describe: () => Object.fromEntries([...arrays].map(([id, a]) => [id, a.describe()])),
    stop,
  };
}
