/** What the BMC says about chassis power. */
export type PowerState = 'on' | 'off';

/** What an operator asks for. `soft` is an ACPI shutdown request the OS may ignore. */
export type PowerAction = 'on' | 'off' | 'soft' | 'cycle';

export type BootDevice = 'pxe' | 'disk';

export interface BootDeviceRequest {
  /**
   * `none` clears the override: the machine boots by its firmware's boot order again (IPMI
   * `chassis bootdev none`, Redfish BootSourceOverrideEnabled Disabled). An undo that found no
   * override puts back exactly that.
   */
  readonly device: BootDevice | 'none';
  /** Keep the override across reboots (IPMI options=persistent, Redfish Continuous). */
  readonly persistent: boolean;
  /** Boot in UEFI mode (IPMI options=efiboot, Redfish BootSourceOverrideMode=UEFI). */
  readonly uefi: boolean;
}

export interface BootDeviceState {
  readonly device: BootDevice | 'none' | 'other';
  readonly persistent: boolean;
  readonly uefi: boolean;
}

export interface PowerActionResult {
  readonly action: PowerAction;
  /** True when nothing had to be done (on while on, off while off). */
  readonly already: boolean;
  /** The state read back right after the request (a transition may still be under way). */
  readonly stateAfter: PowerState;
}

/**
 * One machine's BMC. Every method is idempotent where the action is (on, off, boot device),
 * translates transport and library failures into the errors of ./power-errors, and never
 * puts a secret into argv, a log line or an error message.
 */
export interface PowerDriver {
  /** Fast, synchronous check of the configuration; throws ValidationError naming the field. */
  validate(): void;
  powerState(): Promise<PowerState>;
  power(action: PowerAction): Promise<PowerActionResult>;
  setBootDevice(request: BootDeviceRequest): Promise<BootDeviceState>;
  bootDevice(): Promise<BootDeviceState>;
  /** Releases sessions (Redfish logout). Safe to call twice. */
  close(): Promise<void>;
}
