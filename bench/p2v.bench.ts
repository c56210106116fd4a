/**
 * "Four-minute P2V", timed in the lab under a latency profile (bench/latency-profiles.ts; default
 * real): machine power, POST and OS boot, OS shutdown, VM start, array commands, and a P2V
 * helper that streams its disk at 1 Gb/s (125 MB/s). Three runbooks over the same full stack
 * (Temporal, API, lab, worker): repurpose (a physical move, the baseline), p2v in san mode, and
 * p2v in copy mode of a 512 MiB disk. Each is split into hardware time (what the profile makes
 * the lab wait: shutdown, power, VM start, array commands, the disk stream) and orchestration
 * time (the rest). Copy mode for 10, 50 and 100 GiB disks is extrapolated from the measured
 * stream and verify rates, not run. Run: npm run bench -- p2v --profile real [--scale 0.25]
 */
import { createDiskCopyActivities } from '../activities/disk-copy-activities';
import { createStorageActivities } from '../activities/storage-activities';
import { labDisks } from '../lab/disk/start-lab-disks';
import type { LabArraysComponent } from '../lab/san/start-lab-arrays';
import type { StepRecord } from '../workflows/run-journal';
import type { RunbookReport } from '../workflows/runbook-report';
import { bringUpHost, onMachine, runbook, startP2vStack } from '../test/support/p2v-stack';
import { benchArgs } from './bench-args';
import { writeResults } from './bench-results';
import { ARRAY_COMMANDS_PER_MASK } from './critical-path';
import { latencyProfile, scaledProfile, type LatencyProfile } from './latency-profiles';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const DISK = 512 * MIB;
const RATE = 125_000_000;
const CLAIM_S = 240;

const ms = (s: StepRecord): number =>
  Date.parse(s.endedAt ?? s.startedAt) - Date.parse(s.startedAt);
const sec = (n: number): string => `${(n / 1000).toFixed(1)} s`;

function slowest(report: RunbookReport, n = 5): string {
  return [...report.steps]
    .sort((a, b) => ms(b) - ms(a))
    .slice(0, n)
    .map((s) => `${s.name} ${sec(ms(s))}`)
    .join(', ');
}

/**
 * What the profile makes the lab wait for in each runbook (lab-small's IOS switches answer at
 * once, so no switch time): for a P2V the source's graceful shutdown and power-off (the
 * repurpose baseline starts from a persona that is not running), the target's power-on and boot
 * (a machine: POST and OS; a VM: its start), and the LUN masks moved (off the source, onto the
 * target).
 */
function hardwareMs(kind: 'repurpose' | 'p2v', p: LatencyProfile, luns: number): number {
  const stop = kind === 'p2v' ? p.shutdownMs + p.powerDelayMs : 0;
  const masks = 2 * luns * ARRAY_COMMANDS_PER_MASK * p.arrayCommandMs;
  const start = kind === 'repurpose' ? p.powerDelayMs + p.postMs + p.osBootMs : p.vmBootMs;
  return stop + masks + start;
}

async function main(): Promise<void> {
  const args = benchArgs({ profile: { type: 'string' }, scale: { type: 'string' } });
  const scale = Number(args.scale ?? '1');
  const profile = scaledProfile(latencyProfile(String(args.profile ?? 'real')), scale);
  const stack = await startP2vStack({
    diskBytes: DISK,
    timing: {
      powerDelayMs: profile.powerDelayMs,
      bootMs: profile.postMs + profile.osBootMs,
      shutdownMs: profile.shutdownMs,
      vmBootMs: profile.vmBootMs,
    },
  });
  const rows: string[] = [];
  const data: Record<string, unknown> = { profile, scale };
  try {
    labDisks(stack.lab).configure({ bytesPerSecond: RATE });
    (stack.lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent).array(
      'array-1',
    ).latencyMs = profile.arrayCommandMs;
    await bringUpHost(stack);
    const timed = async (
      label: string,
      run: () => Promise<RunbookReport>,
    ): Promise<{ report: RunbookReport; wall: number }> => {
      const start = Date.now();
      const report = await run();
      const wall = Date.now() - start;
      if (report.outcome !== 'completed') throw new Error(`${label} ended ${report.outcome}`);
      return { report, wall };
    };

    const baseline = await timed('repurpose', () =>
      runbook(stack, 'repurpose', 'repurpose', { persona: 'web-01', healthTimeoutSeconds: 300 }),
    );
    const san = await timed('p2v san', () =>
      runbook(stack, 'p2v', 'p2v', {
        persona: 'web-01',
        mode: 'san',
        graceSeconds: 60,
        healthTimeoutSeconds: 300,
      }),
    );
    await onMachine(stack, 'web-02');
    const copy = await timed('p2v copy', () =>
      runbook(stack, 'p2v', 'p2v', {
        persona: 'web-02',
        mode: 'copy',
        graceSeconds: 60,
        healthTimeoutSeconds: 300,
        copyChunkMiB: 8,
      }),
    );
    const copyStep = copy.report.steps.find((s) => s.name === 'copy-disk')!;
    const [, streamMs = 'NaN', verifyMs = 'NaN'] =
      /streamed in (\d+) ms, verified in (\d+) ms/.exec(copyStep.detail ?? '') ?? [];
    const stream = Number(streamMs);
    const verify = Number(verifyMs);

    // The pipeline alone (chunks, checksums both ways, heartbeats) without the 1 Gb/s limit:
    // web-01's old machine is off and its disk still holds web-01.
    labDisks(stack.lab).configure({ bytesPerSecond: null });
    const machine = baseline.report.endedOn;
    const disk = createDiskCopyActivities(stack.deps);
    await disk.startDiskHelper({ machine });
    await disk.createCopyVolume({ array: 'array-1', volume: 'bench-copy', sizeBytes: DISK });
    const pipe = (
      await disk.copyDisk({ machine, array: 'array-1', volume: 'bench-copy', chunkBytes: 8 * MIB })
    ).streamMs;
    await disk.stopDiskHelper({ machine });
    await createStorageActivities(stack.deps).deleteSnapshotClone({
      array: 'array-1',
      cloneId: 'bench-copy',
    });

    const ratio = (x: number): string => `x${(x / baseline.wall).toFixed(2)}`;
    const luns = stack.topology.personas.find((p) => p.name === 'web-01')?.luns.length ?? 1;
    const split = (wall: number, hw: number): string =>
      `hardware ${sec(hw)}, orchestration ${sec(wall - hw)}`;
    const hwRepurpose = hardwareMs('repurpose', profile, luns);
    const hwSan = hardwareMs('p2v', profile, luns);
    const hwCopy = hwSan + stream;
    rows.push(
      `repurpose (baseline)   ${sec(baseline.wall).padStart(9)}  x1.00   ${split(baseline.wall, hwRepurpose)}; slowest: ${slowest(baseline.report)}`,
      `p2v san                ${sec(san.wall).padStart(9)}  ${ratio(san.wall)}   ${split(san.wall, hwSan)}; slowest: ${slowest(san.report)}`,
      `p2v copy (512 MiB)     ${sec(copy.wall).padStart(9)}  ${ratio(copy.wall)}   ${split(copy.wall, hwCopy)} (the stream counted as hardware); slowest: ${slowest(copy.report)}`,
      `  copy-disk: streamed 512 MiB in ${sec(stream)} = ${(((DISK / stream) * 1000) / 1e6).toFixed(0)} MB/s at a 125 MB/s link, whole-disk SHA-256 on both sides in ${sec(verify)}; pipeline without the link limit: ${(((DISK / pipe) * 1000) / 1e6).toFixed(0)} MB/s (lab helper, worker and array share one process)`,
    );
    const fixed = copy.wall - ms(copyStep);
    const measured = (stream + verify) / DISK;
    const atLink = 1000 / RATE + verify / DISK;
    const sizes = [];
    for (const gib of [10, 50, 100]) {
      const bytes = gib * GIB;
      sizes.push({ gib, measuredMs: fixed + bytes * measured, atLinkMs: fixed + bytes * atLink });
      rows.push(
        `  copy mode, ${String(gib).padStart(3)} GiB disk (extrapolated, not run): ~${sec(fixed + bytes * measured)} at the measured rates, ~${sec(fixed + bytes * atLink)} if the copy kept up with the link; san mode ${sec(san.wall)} whatever the size`,
      );
    }
    Object.assign(data, {
      repurpose: { wallMs: baseline.wall, hardwareMs: hwRepurpose },
      san: { wallMs: san.wall, hardwareMs: hwSan },
      copy512MiB: { wallMs: copy.wall, hardwareMs: hwCopy, streamMs: stream, verifyMs: verify },
      pipelineBytesPerSecond: (DISK / pipe) * 1000,
      copyExtrapolated: sizes,
    });
    const fits = (perByte: number): string =>
      `${((CLAIM_S * 1000 - fixed) / perByte / GIB).toFixed(1)} GiB`;
    rows.push(
      `  copy mode fits in four minutes up to ${fits(measured)} of disk at the measured rates, ${fits(atLink)} at the link rate`,
    );
    rows.push(
      `  san mode: ${sec(san.wall)} (${san.wall / 1000 <= CLAIM_S ? 'within' : 'beyond'} the four-minute claim), whatever the disk size`,
    );
  } finally {
    await stack.stop();
  }
  console.log(
    [
      `p2v: wall time of each runbook to completion (profile ${profile.name}${scale !== 1 ? ` x${scale}` : ''}: power ${sec(profile.powerDelayMs)}, POST+boot ${sec(profile.postMs + profile.osBootMs)}, shutdown ${sec(profile.shutdownMs)}, VM start ${sec(profile.vmBootMs)}, array ${profile.arrayCommandMs} ms/command, helper 1 Gb/s)`,
      ...rows,
    ].join('\n'),
  );
  console.log(`results: ${writeResults(`p2v-${profile.name}`, data, args.out)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
