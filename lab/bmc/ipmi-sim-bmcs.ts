import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpawnCommandRunner } from '../../common/command-runner';
import type { Lab, LabComponent } from '../lab';
import { CHASSIS_CONTROL_SCRIPT } from './chassis-control-script';
import { registerChassisControlRoute } from './ipmi-chassis-control';
import { IPMI_PROFILES, isIpmiProfile } from './ipmi-profiles';
import { chassisControlCommand } from './ipmi-sim-config';
import { LabIpmiBmc } from './lab-ipmi-bmc';

/**
 * The lab's IPMI BMCs, one ipmi_sim each; `settled()` waits for fault-triggered restarts (tests use
 * it).
 */
export interface LabIpmiBmcs extends LabComponent {
  readonly kind: 'ipmi';
  settled(): Promise<void>;
}

/**
 * Runs the chassis_control program once as ipmi_sim would: a bash without /dev/tcp or a broken
 * route shows here, not as odd IPMI errors later.
 */
async function selfTest(script: string, controlPort: number, machineId: string): Promise<void> {
  const result = await new SpawnCommandRunner().run(
    script,
    [String(controlPort), machineId, 'get', 'power'],
    { timeoutMs: 5000 },
  );
  if (result.code !== 0 || !/^power:[01]\n$/.test(result.stdout)) {
    throw new Error(
      `lab ipmi: the chassis_control program ${script} does not work (exit ${result.code}): ${(result.stderr || result.stdout).trim() || 'no output'}; it needs bash with /dev/tcp`,
    );
  }
}

/**
 * Starts an OpenIPMI ipmi_sim for every machine whose BMC driver is 'ipmi', at the topology's
 * loopback address and UDP port, with files under `<dataDir>/ipmi/<machine>/`. Their
 * chassis_control program calls back into the lab control server, so the LabMachine holds
 * power and boot-device state.
 */
export async function startIpmiBmcs(lab: Lab): Promise<LabIpmiBmcs | undefined> {
  const machines = [...lab.machines.values()].filter((m) => m.spec.bmc.driver === 'ipmi');
  if (machines.length === 0) return undefined;
  const control = /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(lab.controlUrl);
  if (control?.[1] === undefined)
    throw new Error(
      `lab ipmi: needs the control server on http://127.0.0.1:<port> started first (control URL is "${lab.controlUrl}")`,
    );
  const root = join(lab.options.dataDir, 'ipmi');
  await mkdir(root, { recursive: true, mode: 0o700 });
  const script = join(root, 'chassis-control.sh');
  await writeFile(script, CHASSIS_CONTROL_SCRIPT, { mode: 0o700 });
  registerChassisControlRoute(lab);
  // A dark machine's BMC answers nothing (a lab restarted after a fire): test through one that
  // answers.
  const answering = machines.find((m) => !m.dark);
  if (answering !== undefined) await selfTest(script, Number(control[1]), answering.id);

  const bmcs = machines.map((machine) => {
    const secret = lab.credentials[machine.spec.bmc.credential];
    if (secret === undefined)
      throw new Error(
        `lab ipmi: ${machine.id} names credential "${machine.spec.bmc.credential}", which the lab does not have`,
      );
    const chassisControl = chassisControlCommand(script, Number(control[1]), machine.id);
    const profile = lab.options.bmcProfiles?.[machine.id] ?? 'default';
    if (!isIpmiProfile(profile))
      throw new Error(
        `lab ipmi: ${machine.id} has BMC profile "${profile}"; IPMI profiles are ${Object.keys(IPMI_PROFILES).join(', ')}`,
      );
    return new LabIpmiBmc(machine, {
      dir: join(root, machine.id),
      secret,
      chassisControl,
      quirks: IPMI_PROFILES[profile],
      ...(lab.options.ipmiBootFlagTimeoutMs !== undefined && {
        bootFlagTimeoutMs: lab.options.ipmiBootFlagTimeoutMs,
      }),
    });
  });
  const started = await Promise.allSettled(bmcs.map((b) => b.start()));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(bmcs.map((b) => b.stop()));
    throw failed.reason;
  }
  return {
    kind: 'ipmi',
    settled: async () => {
      await Promise.all(bmcs.map((b) => b.settled()));
    },
    describe: () => Object.fromEntries(bmcs.map((b) => [b.machineId, b.describe()])),
    stop: async () => {
      await Promise.all(bmcs.map((b) => b.stop()));
    },
  };
}
