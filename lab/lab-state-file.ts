import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../common/errors';
import { fieldIssues } from '../common/field-path';

/** The file under the lab's data folder that holds what the simulated hardware keeps. */
export const LAB_STATE_FILE = 'lab-state.json';

const bootDevice = z.enum(['none', 'pxe', 'disk', 'cdrom', 'bios']);

export const labMachineStateSchema = z.strictObject({
  power: z.enum(['on', 'off']),
  bootOverride: z.strictObject({ device: bootDevice, persistent: z.boolean(), uefi: z.boolean() }),
  dark: z.boolean(),
  rejectAuth: z.boolean(),
  bootHangs: z.boolean(),
  os: z
    .strictObject({
      from: bootDevice,
      boot: z
        .strictObject({
          healthy: z.boolean(),
          persona: z.string().optional(),
          reason: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
});

/**
 * Version 1: machines (power, boot override, faults, the OS they run) and one opaque section
 * per lab component (`switches`, `arrays`, `boot`, `hypervisors`, `disks`, `redfish`), each
 * checked by the component that reads it back.
 */
const labStateSchema = z.strictObject({
  version: z.literal(1),
  savedAt: z.string(),
  machines: z.record(z.string(), labMachineStateSchema),
  components: z.record(z.string(), z.unknown()),
});

export type LabState = z.output<typeof labStateSchema>;

/** Parses a component's section of the state file, or throws a ValidationError naming the field. */
export function parseSection<S extends z.ZodType>(
  file: string,
  kind: string,
  schema: S,
  value: unknown,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError(`lab state ${file}`, fieldIssues(parsed.error, ['components', kind]));
}

/**
 * The lab's state on disk: one JSON file, rewritten whole on every change (temporary file, then
 * rename, so a killed lab leaves either the old state or the new one, never half of one).
 * Written synchronously: a peer answers a command only once what it did is on disk.
 */
export class LabStateFile {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, LAB_STATE_FILE);
  }

  /** The saved state, or undefined when the lab never ran on this folder (or was reset). */
  read(): LabState | undefined {
    if (!existsSync(this.path)) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (e) {
      throw new ValidationError(`lab state ${this.path}`, [
        {
          path: '',
          message: `is not JSON (${(e as Error).message}); \`rackshift lab reset\` starts the lab afresh`,
        },
      ]);
    }
    const parsed = labStateSchema.safeParse(raw);
    if (!parsed.success)
      throw new ValidationError(`lab state ${this.path}`, fieldIssues(parsed.error));
    return parsed.data;
  }

  write(state: LabState): void {
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
    renameSync(temp, this.path);
  }
}
