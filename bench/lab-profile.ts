import type { Topology } from '../inventory/topology-schema';
import type { Lab } from '../lab/lab';
import type { LabTiming } from '../lab/lab-machine';
import type { LabArraysComponent } from '../lab/san/start-lab-arrays';
import type { LabSwitchesComponent } from '../lab/switch/start-lab-switches';
import type { LatencyProfile } from './latency-profiles';

/** The lab's machine and VM timing that plays a latency profile. */
export function labTiming(profile: LatencyProfile): Partial<LabTiming> {
  return {
    powerDelayMs: profile.powerDelayMs,
    bootMs: profile.postMs + profile.osBootMs,
    shutdownMs: profile.shutdownMs,
    vmBootMs: profile.vmBootMs,
  };
}

/** Sets the profile's array latency and switch commit profile on a running lab (first site). */
export function applyLabProfile(lab: Lab, topology: Topology, profile: LatencyProfile): void {
  const arrays = lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
  for (const a of topology.sites[0]!.arrays) arrays.array(a.id).latencyMs = profile.arrayCommandMs;
  const switches = lab.components.find((c) => c.kind === 'switches') as LabSwitchesComponent;
  for (const s of topology.sites[0]!.switches)
    switches.switch(s.id).useProfile(profile.switchProfile);
}
