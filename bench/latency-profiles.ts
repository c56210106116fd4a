/**
 * Hardware latencies as named data. `fast` makes the hardware nearly free, so a run measures
 * rackshift itself; `real` is what a data center's hardware takes (docs/benchmarks.md says where
 * each figure comes from, and which are estimates). The lab plays them: machine and VM timing,
 * every array command answered `arrayCommandMs` late, every Junos commit `switchCommitMs` late
 * (the lab's slow-commit switch profile).
 */
export interface LatencyProfile {
  readonly name: 'fast' | 'real';
  /** From the BMC accepting a power change until it reports the new state. */
  readonly powerDelayMs: number;
  /** Power-on self test until the boot loader runs (a machine's firmware; a VM has none). */
  readonly postMs: number;
  /** From the boot loader until the OS answers its health check. */
  readonly osBootMs: number;
  /** An OS shutting down after an ACPI soft-off. */
  readonly shutdownMs: number;
  /** A VM's start until its guest answers its health check. */
  readonly vmBootMs: number;
  /** One array management command (a mask, an unmask, a read of the ACLs). */
  readonly arrayCommandMs: number;
  /** One switch configuration commit (Junos `commit`; an IOS line is far less). */
  readonly switchCommitMs: number;
  /** The lab switch profile that plays `switchCommitMs` (lab/switch/switch-profiles.ts). */
  readonly switchProfile: 'private-candidate' | 'slow-commit';
}

export const LATENCY_PROFILES: Readonly<Record<LatencyProfile['name'], LatencyProfile>> = {
  fast: {
    name: 'fast',
    powerDelayMs: 20,
    postMs: 0,
    osBootMs: 30,
    shutdownMs: 20,
    vmBootMs: 30,
    arrayCommandMs: 0,
    switchCommitMs: 0,
    switchProfile: 'private-candidate',
  },
  real: {
    name: 'real',
    powerDelayMs: 5_000,
    postMs: 120_000,
    osBootMs: 45_000,
    shutdownMs: 30_000,
    vmBootMs: 20_000,
    arrayCommandMs: 250,
    switchCommitMs: 1_200,
    switchProfile: 'slow-commit',
  },
};

/**
 * A profile with its hardware times multiplied by `scale` (a real run of 20 racks would take
 * hours; scaled down, rackshift's own overhead weighs more, so wall / critical path only grows).
 * The switch commit stays as the lab's profile plays it.
 */
export function scaledProfile(profile: LatencyProfile, scale: number): LatencyProfile {
  if (!(scale > 0 && scale <= 1)) throw new Error(`scale must be in (0, 1], got ${scale}`);
  const s = (ms: number): number => Math.round(ms * scale);
  return {
    ...profile,
    powerDelayMs: s(profile.powerDelayMs),
    postMs: s(profile.postMs),
    osBootMs: s(profile.osBootMs),
    shutdownMs: s(profile.shutdownMs),
    vmBootMs: s(profile.vmBootMs),
    arrayCommandMs: s(profile.arrayCommandMs),
  };
}

export function latencyProfile(name: string): LatencyProfile {
  if (name !== 'fast' && name !== 'real')
    throw new Error(`--profile must be fast or real, got "${name}"`);
  return LATENCY_PROFILES[name];
}
