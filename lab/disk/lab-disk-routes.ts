import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { CHUNK_SHA256_HEADER, sha256Hex } from '../../drivers/disk/http-chunk-client';
import { fieldIssues } from '../../common/field-path';
import { idSchema } from '../../inventory/patterns';
import { LabDiskRefusal } from './lab-disk-refusal';
import type { LabDiskConfig, LabMachineDisks } from './lab-machine-disks';
import type { LabVolumes } from './lab-volumes';

const MAX_CHUNK = 64 * 1024 * 1024;
const MAX_DISK = 64 * 1024 * 1024 * 1024;
const offsetSchema = z.coerce.number().int().min(0).max(MAX_DISK);
const readSchema = z.strictObject({
  offset: offsetSchema,
  length: z.coerce.number().int().min(1).max(MAX_CHUNK),
});
const helperSchema = z.strictObject({ running: z.boolean() });
const volumeSchema = z.strictObject({ sizeBytes: z.number().int().min(1).max(MAX_DISK) });
const configSchema = z.strictObject({
  defaultSizeBytes: z.number().int().min(1).max(MAX_DISK).optional(),
  sizes: z.record(idSchema, z.number().int().min(1).max(MAX_DISK)).optional(),
  bytesPerSecond: z.number().int().min(1).nullable().optional(),
});
const faultSchema = z.discriminatedUnion('fault', [
  z.strictObject({
    fault: z.literal('drop-stream'),
    machine: idSchema,
    afterChunks: z.number().int().min(0).max(1_000_000),
  }),
  z.strictObject({ fault: z.literal('corrupt-volume'), array: idSchema, lun: idSchema }),
]);

/** Parses with `schema` or answers 400 naming the fields; undefined when it answered. */
function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  res: Response,
): z.output<S> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  res.status(400).json({ error: 'ValidationError', issues: fieldIssues(parsed.error) });
  return undefined;
}

function answer(res: Response, work: () => unknown): void {
  try {
    res.json(work());
  } catch (e) {
    if (!(e instanceof LabDiskRefusal)) throw e;
    res.status(e.status).json({ error: 'Refused', message: e.message });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The P2V helper's API on each lab machine and the arrays' volume data API, on the lab control
 * server (loopback): `/lab/machines/<id>/p2v-helper|disk|disk/data|disk/sha256`,
 * `/lab/arrays/<array>/volumes/<lun>[/data]`, plus `/lab/disk/config` and `/lab/disk/faults`.
 */
export function labDiskRoutes(
  disks: LabMachineDisks,
  volumes: LabVolumes,
  configure: (c: Partial<LabDiskConfig>) => LabDiskConfig,
): express.Router {
  const routes = express.Router();
  const raw = express.raw({ type: 'application/octet-stream', limit: MAX_CHUNK });
  const linkFreeAt = new Map<string, number>();

  routes.post('/lab/machines/:id/p2v-helper', (req, res) => {
    const body = parse(helperSchema, req.body, res);
    if (body !== undefined)
      answer(res, () =>
        body.running ? disks.startHelper(req.params.id) : disks.stopHelper(req.params.id),
      );
  });
  routes.get('/lab/machines/:id/disk', (req, res) => answer(res, () => disks.disk(req.params.id)));
  routes.get('/lab/machines/:id/disk/sha256', (req, res) =>
    answer(res, () => ({ sha256: disks.sha256(req.params.id) })),
  );
  routes.get('/lab/machines/:id/disk/data', async (req: Request<{ id: string }>, res) => {
    const q = parse(readSchema, req.query, res);
    if (q === undefined) return;
    let chunk: { data: Buffer; drop: boolean };
    try {
      chunk = disks.read(req.params.id, q.offset, q.length);
    } catch (e) {
      if (!(e instanceof LabDiskRefusal)) throw e;
      res.status(e.status).json({ error: 'Refused', message: e.message });
      return;
    }
    // The helper's link carries the configured rate: a chunk leaves once the link has sent the
    // ones before it, so a client reading ahead overlaps its own work with the transfer.
    const rate = disks.config.bytesPerSecond;
    if (rate !== null) {
      const now = Date.now();
      const done = Math.max(now, linkFreeAt.get(req.params.id) ?? 0) + (q.length / rate) * 1000;
      linkFreeAt.set(req.params.id, done);
      await sleep(done - now);
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': chunk.data.length,
      [CHUNK_SHA256_HEADER]: sha256Hex(chunk.data),
    });
    if (!chunk.drop) {
      res.end(chunk.data);
      return;
    }
    res.write(chunk.data.subarray(0, Math.floor(chunk.data.length / 2)), () =>
      res.socket?.destroy(),
    );
  });

  routes.put('/lab/arrays/:array/volumes/:lun', (req, res) => {
    const body = parse(volumeSchema, req.body, res);
    if (body !== undefined)
      answer(res, () => volumes.create(req.params.array, req.params.lun, body.sizeBytes));
  });
  routes.get('/lab/arrays/:array/volumes/:lun', (req, res) =>
    answer(res, () => volumes.digest(req.params.array, req.params.lun)),
  );
  routes.put(
    '/lab/arrays/:array/volumes/:lun/data',
    raw,
    (req: Request<{ array: string; lun: string }>, res) => {
      const q = parse(z.strictObject({ offset: offsetSchema }), req.query, res);
      if (q === undefined) return;
      const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      answer(res, () => {
        volumes.write(
          req.params.array,
          req.params.lun,
          q.offset,
          data,
          req.get(CHUNK_SHA256_HEADER) ?? '',
        );
        return { written: data.length };
      });
    },
  );

  routes.put('/lab/disk/config', (req, res) => {
    const body = parse(configSchema, req.body, res);
    if (body !== undefined) answer(res, () => configure(dropUndefined(body)));
  });
  routes.post('/lab/disk/faults', (req, res) => {
    const fault = parse(faultSchema, req.body, res);
    if (fault === undefined) return;
    answer(res, () => {
      if (fault.fault === 'drop-stream') disks.dropStreamAfter(fault.machine, fault.afterChunks);
      else volumes.corruptNextWrite(fault.array, fault.lun);
      return { applied: fault };
    });
  });
  return routes;
}

function dropUndefined(c: z.output<typeof configSchema>): Partial<LabDiskConfig> {
  return Object.fromEntries(
    Object.entries(c).filter(([, v]) => v !== undefined),
  ) as Partial<LabDiskConfig>;
}
