import type { ChapAccount } from '../drivers/storage/chap-account';
/**
 * Read-only views that lab components offer each other. A booting lab machine consults the
 * switch view (do my ports carry my persona's VLANs?) and the SAN view (are my LUNs masked
 * to my initiator?) instead of reaching into another component's internals.
 */
export interface LabPortState {
  readonly mode: 'access' | 'trunk';
  /** Access VLAN (mode access) or native VLAN (mode trunk), if any. */
  readonly accessVlan?: number;
  /** Allowed VLANs on a trunk. */
  readonly trunkVlans: readonly number[];
  readonly shutdown: boolean;
}

export interface LabSwitchView {
  /** Undefined when the switch or port does not exist in the lab. */
  portState(switchId: string, port: string): LabPortState | undefined;
}

export interface LabSanView {
  /** LUN ids of `arrayId` that are masked to `initiator` (IQN) right now. */
  lunsVisibleTo(arrayId: string, initiator: string): readonly string[];
  /** Whether the LUN exists on the array (created, with a backing store). */
  lunExists(arrayId: string, lunId: string): boolean;
  /**
   * For a snapshot clone, the LUN of the same array it was copied from; undefined for any other
   * LUN.
   */
  cloneSource(arrayId: string, lunId: string): string | undefined;
  /**
   * Why a login to the LUN's target as `initiator` offering `offered` fails CHAP; undefined when it
   * passes.
   */
  loginRefusal(
    arrayId: string,
    lunId: string,
    initiator: string,
    offered: ChapAccount | undefined,
  ): string | undefined;
}

export interface LabFabricView {
  /**
   * Whether the effective zoning of the array's fabric lets one of `wwpns` reach the LUN
   * (a zone holding it and an array target port); undefined when the array has no FC path.
   */
  zoned(arrayId: string, lunId: string, wwpns: readonly string[]): boolean | undefined;
}

/** Lab components that offer a view implement this, so the lab can find them by kind. */
export interface LabViewProvider {
  readonly switchView?: LabSwitchView;
  readonly sanView?: LabSanView;
  readonly fabricView?: LabFabricView;
}
