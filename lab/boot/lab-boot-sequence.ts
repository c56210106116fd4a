import { PERSONA_ARG } from '../../drivers/boot/ipxe-script';
import { LUN_NUMBER, lunIdOfTarget } from '../../drivers/storage/lun-target';
import type { DrillBoot } from '../../inventory/ledger-records';
import type { Persona } from '../../inventory/topology-schema';
import type { Lab } from '../lab';
import type { LabBmcAction, LabBootResult, LabMachine } from '../lab-machine';
import { chapProblems, cloneProblems, lunProblems, vlanProblems } from './boot-checks';
import { drillCopyOf } from './drill-copy';
import { parseIpxeScript, type ParsedIpxe } from './ipxe-script-parser';
import { onLoopback, startPersonaEndpoint, type PersonaEndpoint } from './persona-endpoint';

const FETCH_TIMEOUT_MS = 10_000;
/**
 * While the boot server does not answer (or answers 5xx), try again this often for as long as
 * the machine stays on: server firmware retries its boot sequence after a failed network boot
 * (Dell "Boot Sequence Retry", HPE "Network Boot Retry", on by default), so a machine that was
 * booting when the control plane went down boots once it is back.
 */
const FETCH_RETRY_MS = 2_000;

/** `login`: the target a sanboot logs in to (its CHAP is checked with the script's credentials). */
type Found = { persona: Persona; login?: { array: string; lun: string } } | { reason: string };

/** The boot agent's section of the lab state file. */
export interface LabBootSnapshot {
  readonly missingImages: readonly string[];
  readonly booted: Readonly<Record<string, ParsedIpxe>>;
}

/**
 * The firmware and OS of every lab machine. On a PXE boot it fetches
 * `<apiBaseUrl>/boot/ipxe?mac=<first NIC>`, runs the script, and comes up healthy only when
 * the image exists, every NIC's port carries the persona's VLANs and every LUN of the persona
 * is masked to the machine's initiator; then it answers the persona's health check on
 * loopback until the machine powers off. Otherwise the boot result's reason names each
 * missing piece. A DR drill's copy (drill facts in the script) needs its bubble VLANs and no
 * production VLAN on its ports, and its LUNs' clones (never the production LUNs) masked to
 * it; it answers on the drill's health host, beside production on the persona's own.
 */
export class LabBootAgent {
  private readonly endpoints = new Map<string, PersonaEndpoint>();
  private readonly generations = new Map<string, number>();
  /**
   * The script each machine's running OS was booted from: what it keeps running across a lab
   * restart.
   */
  private readonly booted = new Map<string, ParsedIpxe>();
  /** Images the lab's image server lacks (the missing-image fault). */
  readonly missingImages = new Set<string>();
  /** Machines whose network boot waits for the boot server, and why. */
  private readonly retrying = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly lab: Lab,
    private readonly apiBaseUrl: string,
  ) {}

  install(machine: LabMachine): void {
    machine.on('power', (state: string) => {
      if (state !== 'on') void this.stopEndpoint(machine.id);
    });
    machine.on('action', (action: LabBmcAction) => {
      if (action.action === 'cycle' || action.action === 'reset')
        void this.stopEndpoint(machine.id);
    });
    machine.setBootSequence((m) => this.boot(m));
  }

  /**
   * What survives a lab restart: the missing-image faults and the script each running OS booted.
   */
  snapshot(): LabBootSnapshot {
    return {
      missingImages: [...this.missingImages].sort(),
      booted: Object.fromEntries(this.booted),
    };
  }

  /**
   * After a lab restart: the fault list comes back, and each machine whose OS ran healthy runs
   * the same OS again, as firmware that never lost power would. It does not fetch its script
   * again (the assignment may have changed since it booted); the checks and the health
   * endpoint are those of the script it booted.
   */
  async restore(saved: LabBootSnapshot): Promise<void> {
    for (const image of saved.missingImages) this.missingImages.add(image);
    for (const [id, script] of Object.entries(saved.booted)) {
      const machine = this.lab.machines.get(id);
      if (
        machine === undefined ||
        machine.powerState !== 'on' ||
        machine.osState !== 'running' ||
        machine.bootResult?.healthy !== true
      )
        continue;
      this.booted.set(id, script);
      machine.restoredBoot(await this.bootScript(machine, script, this.generations.get(id)));
    }
  }

  private async stopEndpoint(machineId: string): Promise<void> {
    this.retrying.delete(machineId);
    this.generations.set(machineId, (this.generations.get(machineId) ?? 0) + 1);
    const endpoint = this.endpoints.get(machineId);
    this.endpoints.delete(machineId);
    await endpoint?.stop();
  }

  private async boot(machine: LabMachine): Promise<LabBootResult> {
    await this.stopEndpoint(machine.id);
    this.booted.delete(machine.id);
    const generation = this.generations.get(machine.id);
    const device = machine.bootingFrom;
    if (device !== 'pxe')
      return {
        healthy: false,
        reason: `booted from ${device}: lab machines have no local OS, set the boot device to pxe`,
      };
    const mac = machine.spec.nics[0]?.mac ?? '';
    const url = `${this.apiBaseUrl.replace(/\/$/, '')}/boot/ipxe?mac=${encodeURIComponent(mac)}`;
    let text: string | undefined;
    for (let attempt = 1; text === undefined; attempt += 1) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, FETCH_RETRY_MS));
      if (this.stopped || this.generations.get(machine.id) !== generation)
        return { healthy: false, reason: 'powered off while booting' };
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
        const body = await res.text();
        if (res.status === 200) text = body;
        else if (res.status < 500)
          return {
            healthy: false,
            reason: `GET ${url} answered ${res.status}: ${body.trim().slice(0, 120)}`,
          };
        else
          this.retrying.set(machine.id, `GET ${url} answered ${res.status} (attempt ${attempt})`);
      } catch (e) {
        this.retrying.set(
          machine.id,
          `boot script from ${url}: ${(e as Error).message} (attempt ${attempt})`,
        );
      }
    }
    this.retrying.delete(machine.id);
    let script: ParsedIpxe;
    try {
      script = parseIpxeScript(text);
    } catch (e) {
      return {
        healthy: false,
        reason: `the iPXE script for ${mac} does not run: ${(e as Error).message}`,
      };
    }
    const result = await this.bootScript(machine, script, generation);
    if (result.healthy) this.booted.set(machine.id, script);
    return result;
  }

  /** Boots what the script says: healthy only when the image, VLANs and LUNs are really there. */
  private async bootScript(
    machine: LabMachine,
    script: ParsedIpxe,
    generation: number | undefined,
  ): Promise<LabBootResult> {
    const mac = machine.spec.nics[0]?.mac ?? '';
    const copy = drillCopyOf(script);
    if (copy !== undefined && 'reason' in copy) return { healthy: false, reason: copy.reason };
    const drill = copy?.drill;
    const found =
      script.kind === 'kernel'
        ? this.fromKernel(machine, script)
        : script.kind === 'sanboot'
          ? this.fromSan(machine, script, drill !== undefined)
          : {
              reason: `the iPXE script for ${mac} exits to the next boot device (no boot assignment)`,
            };
    if ('reason' in found) return { healthy: false, reason: found.reason };
    const { persona } = found;
    const login =
      found.login === undefined || script.kind !== 'sanboot'
        ? []
        : chapProblems(machine.spec, script.settings, found.login, this.lab.sanView);
    if (login.length > 0)
      return { healthy: false, persona: persona.name, reason: login.join('; ') };
    const problems =
      drill === undefined
        ? [
            ...vlanProblems(this.lab.index, machine.spec, persona, this.lab.switchView),
            ...lunProblems(
              machine.spec,
              this.lab.index.personaAt(persona, this.lab.index.machineSite(machine.id).name),
              this.lab.sanView,
              this.lab.fabricView,
            ),
          ]
        : [
            ...vlanProblems(
              this.lab.index,
              machine.spec,
              persona,
              this.lab.switchView,
              drill.bubble,
            ),
            // At another site the copy runs on snapshots of the LUNs' replicas there.
            ...cloneProblems(
              machine.spec,
              this.lab.index.personaAt(persona, this.lab.index.machineSite(machine.id).name),
              this.lab.sanView,
              drill.luns,
              this.lab.fabricView,
            ),
          ];
    if (problems.length > 0)
      return { healthy: false, persona: persona.name, reason: problems.join('; ') };
    return this.serve(machine, persona, generation, drill);
  }

  private fromKernel(machine: LabMachine, script: Extract<ParsedIpxe, { kind: 'kernel' }>): Found {
    const site = this.lab.index.machineSite(machine.spec.id).name;
    // Each site's boot server serves the images it names.
    const image = this.lab.topology.bootImages.find((i) => {
      const served = this.lab.index.bootImageAt(i.name, site);
      return served.kind !== 'san' && served.kernel === script.kernel;
    });
    if (image === undefined)
      return { reason: `kernel ${script.kernel} is not an image the lab serves` };
    if (this.missingImages.has(image.name))
      return { reason: `image ${image.name} is missing from the image server` };
    const name = script.args
      .find((a) => a.startsWith(`${PERSONA_ARG}=`))
      ?.slice(PERSONA_ARG.length + 1);
    // A cluster's host boots as the cluster's host profile on this machine.
    const persona =
      name !== undefined && this.lab.index.hasCluster(name)
        ? this.lab.index.bootSubject(name, machine.id)
        : this.lab.topology.personas.find((p) => p.name === name);
    return persona === undefined
      ? {
          reason: `the kernel command line names no known persona or cluster (${PERSONA_ARG}=${name ?? ''})`,
        }
      : { persona };
  }

  /**
   * The persona whose boot LUN the script boots; for a drill copy, whose boot LUN the booted clone
   * was copied from.
   */
  private fromSan(
    machine: LabMachine,
    script: Extract<ParsedIpxe, { kind: 'sanboot' }>,
    drillCopy: boolean,
  ): Found {
    if (script.initiatorIqn !== machine.spec.storage.iqn) {
      return {
        reason: `the script logs in as ${script.initiatorIqn ?? '(no initiator-iqn)'} but ${machine.id}'s initiator is ${machine.spec.storage.iqn ?? '(none)'}`,
      };
    }
    const array = this.lab.topology.sites
      .flatMap((s) => s.arrays)
      .find(
        (a) =>
          a.portal.address === script.server &&
          a.portal.port === script.port &&
          lunIdOfTarget(a.targetIqn, script.target) !== undefined,
      );
    const lun = array === undefined ? undefined : lunIdOfTarget(array.targetIqn, script.target);
    if (array === undefined || lun === undefined || script.lun !== LUN_NUMBER)
      return {
        reason: `no lab array has ${script.target} LUN ${script.lun} at ${script.server}:${script.port}`,
      };
    const source = drillCopy ? this.lab.sanView?.cloneSource(array.id, lun) : lun;
    if (source === undefined)
      return {
        reason: `the drill copy boots LUN ${lun} on ${array.id}, which is no clone of another LUN`,
      };
    // At another site a persona boots from its boot LUN's replica there.
    const site = this.lab.index.machineSite(machine.id).name;
    const persona = this.lab.topology.personas.find((p) =>
      this.lab.index
        .personaAt(p, site)
        .luns.some((l) => l.boot && l.array === array.id && l.lun === source),
    );
    return persona === undefined
      ? { reason: `LUN ${source} on ${array.id} is no persona's boot LUN` }
      : { persona, login: { array: array.id, lun } };
  }

  /**
   * Answers the persona's health check (a drill copy's on the drill's health host, same port) until
   * power-off.
   */
  private async serve(
    machine: LabMachine,
    persona: Persona,
    generation: number | undefined,
    drill: DrillBoot | undefined,
  ): Promise<LabBootResult> {
    const own = persona.health;
    if (own === undefined) return { healthy: true, persona: persona.name };
    const check = drill?.healthHost === undefined ? own : { ...own, host: drill.healthHost };
    if (!onLoopback(check))
      return {
        healthy: false,
        persona: persona.name,
        reason: `health address ${check.host} is not loopback; the lab listens on loopback only`,
      };
    let endpoint: PersonaEndpoint;
    try {
      endpoint = await startPersonaEndpoint(persona.name, check);
    } catch (e) {
      return {
        healthy: false,
        persona: persona.name,
        reason: `cannot serve ${persona.name}'s health on ${check.host}:${check.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      };
    }
    if (this.generations.get(machine.id) !== generation || machine.powerState !== 'on') {
      await endpoint.stop();
      return { healthy: false, persona: persona.name, reason: 'powered off while booting' };
    }
    this.endpoints.set(machine.id, endpoint);
    return { healthy: true, persona: persona.name };
  }

  describe(): unknown {
    return {
      apiBaseUrl: this.apiBaseUrl,
      serving: Object.fromEntries([...this.endpoints].map(([m, e]) => [m, e.persona])),
      retryingBoot: Object.fromEntries(this.retrying),
      missingImages: [...this.missingImages].sort(),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.endpoints.keys()].map((id) => this.stopEndpoint(id)));
  }
}
