import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../../common/validate';
import { bootAssignmentSchema } from '../../inventory/ledger-records';
import { macSchema } from '../../inventory/patterns';
import type { BootAssignment, BootAssignmentStore } from './boot-assignment-store';
import { BootStoreBusyError, BootStoreCorruptError } from './boot-store-errors';

const fileSchema = z.strictObject({
  version: z.literal(1),
  assignments: z.record(z.string(), bootAssignmentSchema),
});
type StoreFile = z.output<typeof fileSchema>;

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

async function fsyncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Boot assignments in `<dataDir>/boot-assignments.json`. Every read goes to the file, so the
 * API process sees what worker processes wrote. Writes take a lock file (O_EXCL, stale after
 * 30 s), write a temp file, fsync it, rename it over the old one and fsync the folder: a
 * crash leaves either the old or the new file, never half of one.
 */
export class FileBootAssignmentStore implements BootAssignmentStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly file: string) {}

  static async open(dataDir: string): Promise<FileBootAssignmentStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const store = new FileBootAssignmentStore(join(dataDir, 'boot-assignments.json'));
    await store.read();
    return store;
  }

  private async read(): Promise<StoreFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, assignments: {} };
      throw new BootStoreCorruptError(this.file, (e as NodeJS.ErrnoException).code ?? String(e));
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new BootStoreCorruptError(this.file, `not JSON: ${(e as Error).message}`);
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success)
      throw new BootStoreCorruptError(
        this.file,
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    return parsed.data;
  }

  private async write(content: StoreFile): Promise<void> {
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, this.file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    await fsyncPath(dirname(this.file), 'r');
  }

  private async lock(): Promise<() => Promise<void>> {
    const lockFile = `${this.file}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lockFile, 'wx', 0o600);
        await handle.close();
        return () => unlink(lockFile).catch(() => undefined);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const age = await stat(lockFile).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      // A writer that died holding the lock leaves it behind; no write takes this long.
      if (age > LOCK_STALE_MS) await unlink(lockFile).catch(() => undefined);
      else if (Date.now() > deadline) throw new BootStoreBusyError(this.file);
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async change(
    mac: string,
    next: BootAssignment | undefined,
  ): Promise<BootAssignment | undefined> {
    const key = parseOrThrow('MAC address', macSchema, mac);
    const work = async (): Promise<BootAssignment | undefined> => {
      const release = await this.lock();
      try {
        const content = await this.read();
        const prior = content.assignments[key];
        const assignments = { ...content.assignments };
        if (next === undefined) delete assignments[key];
        else assignments[key] = next;
        await this.write({ version: 1, assignments });
        return prior;
      } finally {
        await release();
      }
    };
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async get(mac: string): Promise<BootAssignment | undefined> {
    return (await this.read()).assignments[parseOrThrow('MAC address', macSchema, mac)];
  }

  async set(assignment: BootAssignment): Promise<BootAssignment | undefined> {
    const valid = parseOrThrow('boot assignment', bootAssignmentSchema, assignment);
    return this.change(valid.mac, valid);
  }

  async delete(mac: string): Promise<BootAssignment | undefined> {
    return this.change(mac, undefined);
  }

  async list(): Promise<Readonly<Record<string, BootAssignment>>> {
    return (await this.read()).assignments;
  }
}
