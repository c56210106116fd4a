import type { LabMachine } from '../lab-machine';

/** An IPMI request read off the wire: network function, command, request data. */
export interface IpmiRequest {
  readonly netFn: number;
  readonly cmd: number;
  readonly data: Buffer;
}

const RMCP_IPMI = [0x06, 0x00, 0xff, 0x07];
const CHASSIS = 0x00;
const CHASSIS_CONTROL = 0x02;
const SET_SYSTEM_BOOT_OPTIONS = 0x08;

/**
 * The IPMI request in an RMCP+ packet whose payload is not encrypted (cipher suites 0–2);
 * undefined for anything else. Layout: RMCP header, format 0x06, payload type (bit 7
 * encrypted, 0x00 IPMI message), session id, sequence, payload length (LE), then the IPMB
 * message rsAddr, netFn/LUN, checksum, rqAddr, rqSeq/LUN, cmd, data…, checksum.
 */
export function cleartextIpmiRequest(packet: Buffer): IpmiRequest | undefined {
  if (packet.length < 16 || RMCP_IPMI.some((b, i) => packet[i] !== b) || packet[4] !== 0x06)
    return undefined;
  const type = packet[5] ?? 0;
  if ((type & 0x80) !== 0 || (type & 0x3f) !== 0x00) return undefined;
  const msg = packet.subarray(16, 16 + packet.readUInt16LE(14));
  if (msg.length < 7) return undefined;
  return { netFn: (msg[1] ?? 0) >> 2, cmd: msg[5] ?? 0, data: msg.subarray(6, msg.length - 1) };
}

/**
 * The boot flags' valid bit as the IPMI 2.0 spec has it (Set System Boot Options,
 * parameters 3 and 5): a next-boot-only override set with the valid bit is cleared when no
 * Chassis Control arrives within the timeout (60 s; each Chassis Control restarts the
 * countdown), unless parameter 3 bit 3 says "don't clear on timeout". ipmi_sim accepts
 * parameter 3 and ignores it and never expires anything, so the lab watches the requests
 * and expires the LabMachine's override itself. Persistent overrides are left alone.
 */
export class BootFlagTimeout {
  private clearOnTimeout = true;
  private timer: NodeJS.Timeout | undefined;
  /**
   * The last boot flags (parameter 5) as requested on the wire: ipmi_sim keeps only the
   * device selector, so this is where the lab sees a persistent or EFI override asked for.
   */
  requested:
    | { readonly selector: number; readonly persistent: boolean; readonly efi: boolean }
    | undefined;

  constructor(
    private readonly machine: LabMachine,
    private readonly timeoutMs: number,
  ) {}

  observe(request: IpmiRequest): void {
    if (request.netFn !== CHASSIS) return;
    if (request.cmd === CHASSIS_CONTROL) {
      this.timer?.refresh();
      return;
    }
    if (request.cmd !== SET_SYSTEM_BOOT_OPTIONS) return;
    const parameter = (request.data[0] ?? 0) & 0x7f;
    const value = request.data[1] ?? 0;
    if (parameter === 3) this.clearOnTimeout = (value & 0x08) === 0;
    if (parameter !== 5) return;
    this.stop();
    const valid = (value & 0x80) !== 0;
    const persistent = (value & 0x40) !== 0;
    // Byte 2 bits 5:2: the device selector (0001b PXE, 0010b hard drive).
    this.requested = {
      selector: ((request.data[2] ?? 0) >> 2) & 0x0f,
      persistent,
      efi: (value & 0x20) !== 0,
    };
    if (valid && !persistent && this.clearOnTimeout)
      this.timer = setTimeout(() => this.expire(), this.timeoutMs);
  }

  /** The valid bit is cleared: the next boot follows the normal boot order (disk). */
  private expire(): void {
    this.timer = undefined;
    this.machine.setBootDevice({
      device: 'disk',
      persistent: true,
      uefi: this.machine.bootOverride.uefi,
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
