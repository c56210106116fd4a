import { Context } from '@temporalio/activity';
import type { DiskChunk, DiskSource } from '../drivers/disk/disk-source';
import type { VolumeSink } from '../drivers/disk/volume-sink';
import { DiskCopyMismatchError } from '../drivers/disk/disk-errors';
import { UnsupportedActionError } from '../drivers/power/power-errors';
import type { ActivityDeps } from './activity-deps';
import { cancellationSignal, heartbeat } from './activity-context';
import { withFailureMapping } from './application-failure';

/** What copyDisk heartbeats after each chunk the volume has stored: where a retry resumes. */
export interface CopyProgress {
  readonly volume: string;
  readonly sizeBytes: number;
  readonly offset: number;
}

export interface CopyDiskResult {
  readonly sizeBytes: number;
  /** Where this attempt started: 0, or the offset of the last heartbeat of a failed attempt. */
  readonly resumedFrom: number;
  /** Bytes this attempt streamed. */
  readonly copiedBytes: number;
  readonly attempt: number;
  readonly chunkBytes: number;
  /** The whole disk's SHA-256, equal on the machine and on the volume. */
  readonly sha256: string;
  /** Time this attempt spent streaming, then comparing the whole-disk checksums. */
  readonly streamMs: number;
  readonly verifyMs: number;
}

export interface CopyDiskInput {
  readonly machine: string;
  readonly array: string;
  readonly volume: string;
  readonly chunkBytes: number;
}

type Deps = Pick<ActivityDeps, 'topology' | 'diskSource' | 'volumeSink'>;

/** Chunks requested from the helper ahead of the one being written. */
const READ_AHEAD = 3;

function resumePoint(volume: string, sizeBytes: number, chunkBytes: number): number {
  let details: unknown;
  try {
    details = Context.current().info.heartbeatDetails;
  } catch {
    return 0;
  }
  const p = details as Partial<CopyProgress> | undefined;
  // Only a beat of this very copy counts; a chunk is stored whole or not at all, so its offset is
  // safe.
  if (p?.volume !== volume || p.sizeBytes !== sizeBytes || typeof p.offset !== 'number') return 0;
  return p.offset >= 0 &&
    (p.offset === sizeBytes || (p.offset < sizeBytes && p.offset % chunkBytes === 0))
    ? p.offset
    : 0;
}

function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/**
 * Copy-mode P2V: the machine's disk, served by its P2V helper, streamed chunk by chunk into a
 * volume on an array. Each chunk carries the helper's SHA-256 to the array, which checks it
 * before it stores the bytes (end to end, so the worker hashes nothing); after each
 * stored chunk the offset is heartbeated, so a retry (worker crash, dropped stream) resumes
 * there; at the end the whole disk's SHA-256 must equal the volume's.
 */
export function createDiskCopyActivities(deps: Deps) {
  function source(machineId: string): DiskSource {
    const machine = deps.topology.machine(machineId);
    if (deps.diskSource === undefined)
      throw new UnsupportedActionError(
        { machineId, bmcAddress: machine.bmc.address },
        'disk copy',
        'this worker has no disk source (P2V helper): start it with --disk-transfer <url>',
      );
    const s = deps.diskSource(machine);
    s.validate();
    return s;
  }

  function sink(arrayId: string, volume: string): VolumeSink {
    const array = deps.topology.array(arrayId);
    if (deps.volumeSink === undefined)
      throw new UnsupportedActionError(
        { machineId: arrayId, bmcAddress: array.address },
        'volume write',
        'this worker has no volume sink: start it with --disk-transfer <url>',
      );
    const s = deps.volumeSink(array, volume);
    s.validate();
    return s;
  }

  return withFailureMapping({
    /** Boots the machine (which must be off) into the P2V helper; the undo is stopDiskHelper. */
    async startDiskHelper(input: {
      machine: string;
    }): Promise<{ readonly already: boolean; readonly sizeBytes: number }> {
      const s = source(input.machine);
      const r = await s.startHelper();
      return { ...r, sizeBytes: await s.size() };
    },

    async stopDiskHelper(input: { machine: string }): Promise<{ readonly already: boolean }> {
      return source(input.machine).stopHelper();
    },

    /**
     * Creates the copy volume (kept when it exists with that size); deleted with
     * deleteSnapshotClone.
     */
    async createCopyVolume(input: {
      array: string;
      volume: string;
      sizeBytes: number;
    }): Promise<{ readonly created: boolean }> {
      return sink(input.array, input.volume).create(input.sizeBytes);
    },

    async copyDisk(input: CopyDiskInput): Promise<CopyDiskResult> {
      const from = source(input.machine);
      const to = sink(input.array, input.volume);
      const signal = cancellationSignal();
      const volume = `${input.array}/${input.volume}`;
      const sizeBytes = await from.size();
      const resumedFrom = resumePoint(volume, sizeBytes, input.chunkBytes);
      const read = (offset: number): Promise<DiskChunk> => {
        const chunk = from.read(offset, Math.min(input.chunkBytes, sizeBytes - offset), signal);
        // Read ahead: a failure surfaces when the chunk is awaited, not as an unhandled rejection
        // meanwhile.
        chunk.catch(() => undefined);
        return chunk;
      };
      heartbeat({ volume, sizeBytes, offset: resumedFrom } satisfies CopyProgress);
      const started = Date.now();
      // READ_AHEAD chunks are in flight from the helper while one is written, so its link stays
      // busy; writes stay in order, so the heartbeated offset always has every byte before it.
      const pending: Array<{ at: number; chunk: Promise<DiskChunk> }> = [];
      let queued = resumedFrom;
      const fill = (): void => {
        while (pending.length < READ_AHEAD && queued < sizeBytes) {
          pending.push({ at: queued, chunk: read(queued) });
          queued += Math.min(input.chunkBytes, sizeBytes - queued);
        }
      };
      fill();
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        const chunk = await next.chunk;
        fill();
        await to.write(next.at, chunk, signal);
        heartbeat({
          volume,
          sizeBytes,
          offset: next.at + chunk.data.length,
        } satisfies CopyProgress);
      }
      const streamMs = Date.now() - started;
      const [disk, copy] = await Promise.all([from.sha256(signal), to.sha256(signal)]);
      if (copy.sizeBytes !== sizeBytes || copy.sha256 !== disk) {
        throw new DiskCopyMismatchError(
          input.machine,
          volume,
          `disk ${sizeBytes} bytes SHA-256 ${disk}, volume ${copy.sizeBytes} bytes SHA-256 ${copy.sha256}`,
        );
      }
      const verifyMs = Date.now() - started - streamMs;
      return {
        sizeBytes,
        resumedFrom,
        copiedBytes: sizeBytes - resumedFrom,
        attempt: attempt(),
        chunkBytes: input.chunkBytes,
        sha256: disk,
        streamMs,
        verifyMs,
      };
    },
  });
}

export type DiskCopyActivities = ReturnType<typeof createDiskCopyActivities>;
