import express from 'express';
import { z } from 'zod';
import type { Lab, LabComponent } from '../lab';
import { parsedIpxeSchema } from './ipxe-script-parser';
import { LabBootAgent } from './lab-boot-sequence';

const imageSchema = z.strictObject({ present: z.boolean() });
const snapshotSchema = z.strictObject({
  missingImages: z.array(z.string()),
  booted: z.record(z.string(), parsedIpxeSchema),
});

/**
 * Makes every lab machine boot for real when the lab knows the API's URL (options.apiBaseUrl).
 * The missing-image fault is `POST /lab/images/<name> {"present": false}` on the control server.
 */
export async function startLabBoot(lab: Lab): Promise<LabComponent | undefined> {
  const apiBaseUrl = lab.options.apiBaseUrl;
  if (apiBaseUrl === undefined) return undefined;
  const agent = new LabBootAgent(lab, apiBaseUrl);
  for (const machine of lab.machines.values()) agent.install(machine);
  const saved = lab.restoredSection('boot', snapshotSchema);
  if (saved !== undefined) await agent.restore(saved);
  const routes = express.Router();
  routes.post('/lab/images/:name', (req, res) => {
    const parsed = imageSchema.safeParse(req.body);
    const known = lab.topology.bootImages.some((i) => i.name === req.params.name);
    if (!parsed.success || !known) {
      res.status(parsed.success ? 404 : 400).json({
        error: parsed.success
          ? `no boot image "${req.params.name}"`
          : 'body must be {"present": true|false}',
      });
      return;
    }
    if (parsed.data.present) agent.missingImages.delete(req.params.name);
    else agent.missingImages.add(req.params.name);
    res.json({ image: req.params.name, present: parsed.data.present });
  });
  lab.control.use(routes);
  return {
    kind: 'boot',
    describe: () => agent.describe(),
    snapshot: () => agent.snapshot(),
    stop: () => agent.stop(),
  };
}
