import type { SwitchVendor } from '../../inventory/topology-schema';
import type { PortVlanState } from './port-vlan-state';
import type { VlanListFormat } from './vlan-list';

/**
 * Command templates are readonly lists of lines. Placeholders:
 * `{port}` `{bridge}` `{vlan}` `{vlans}` (required: a missing value is refused),
 * `{addedVlans}` `{removedVlans}` (a list; the line is dropped when it is empty),
 * `{eachAddedVlan}` `{eachRemovedVlan}` (the line is repeated once per VLAN).
 */
export type CommandTemplate = readonly string[];

/**
 * Whether the access VLAN and the trunk list are separate settings that survive a mode
 * change (IOS keeps `switchport access vlan` on a trunk port) or one membership list whose
 * meaning depends on the mode (Junos `vlan members`, SONiC tagged/untagged membership).
 */
export type VlanModel =
  | {
      readonly kind: 'independent';
      readonly accessMode: CommandTemplate;
      readonly trunkMode: CommandTemplate;
      /** Back to the device's default mode. */
      readonly clearMode: CommandTemplate;
      readonly clearAccessVlan: CommandTemplate;
      readonly clearTrunkVlans: CommandTemplate;
    }
  | {
      readonly kind: 'combined';
      /** Removes every VLAN from the port (back to an unconfigured access port). */
      readonly clearVlans: CommandTemplate;
    };

/**
 * IOS and EOS let a login land in user EXEC (`sw>`), where configuration and `show
 * running-config` are refused; `enable` then asks for the enable secret (netmiko's
 * `enable()`, which networking-generic-switch calls before every configuration).
 */
export interface PrivilegeEscalation {
  /** The prompt of user EXEC. */
  readonly userPrompt: RegExp;
  /** The prompt of privileged EXEC: where `enable` must land. */
  readonly privilegedPrompt: RegExp;
  readonly command: string;
  /** The device asking for the enable secret. */
  readonly secretPrompt: RegExp;
}

export type VendorTransport =
  | {
      /** An interactive CLI over a PTY. */
      readonly kind: 'shell';
      /** Matches the tail of the output when the CLI waits for the next command. */
      readonly prompt: RegExp;
      /** Sent once per session (paging off). */
      readonly setup: CommandTemplate;
      /** How a login that lands in user EXEC reaches privileged EXEC before anything else. */
      readonly privilege?: PrivilegeEscalation;
    }
  | {
      /** One SSH exec per line; a non-zero exit status is a rejection. */
      readonly kind: 'exec';
      /**
       * Consecutive lines starting with `prefix` are joined into one atomic command (ovs-vsctl's
       * `--`).
       */
      readonly merge?: { readonly prefix: string; readonly joiner: string };
      /**
       * An answer meaning the account may not gain the privilege a line asks for (`sudo` wanting a
       * password).
       */
      readonly privilegeRefused?: {
        readonly pattern: RegExp;
        readonly how: string;
        readonly advice: string;
      };
    };

/**
 * How changes become effective. `commit` and `discard` are empty where every line applies
 * at once (IOS); Junos and NVUE stage a candidate that is committed, or discarded on error.
 */
export interface ConfigTransaction {
  readonly enter: CommandTemplate;
  /** Given the commit timeout rather than the command timeout: a commit may take minutes. */
  readonly commit: CommandTemplate;
  readonly discard: CommandTemplate;
  readonly exit: CommandTemplate;
  /**
   * Refusals that mean another user holds the configuration: the whole transaction is tried again
   * later.
   */
  readonly busy?: readonly RegExp[];
}

export interface VendorProfile {
  readonly vendor: SwitchVendor;
  readonly transport: VendorTransport;
  readonly config: ConfigTransaction;
  readonly portPattern: RegExp;
  /** What an operator types for the port pattern, in error messages. */
  readonly portExample: string;
  readonly vlanList: VlanListFormat;
  /**
   * The word for an empty trunk list (`none`); undefined when the vendor cannot say it (OVS: empty
   * means all).
   */
  readonly emptyTrunkList?: string;
  readonly vlanModel: VlanModel;
  /**
   * Lines that enter a port's context (`interface {port}`); empty where every line names the port.
   */
  readonly portContext: CommandTemplate;
  /** Makes sure a VLAN exists before a port uses it; empty where ports need no declared VLAN. */
  readonly addVlan: CommandTemplate;
  /** An answer to addVlan that only says the VLAN exists already. */
  readonly addVlanExists?: RegExp;
  readonly setAccessVlan: CommandTemplate;
  readonly setTrunkVlans: CommandTemplate;
  readonly addTrunkVlan: CommandTemplate;
  readonly removeTrunkVlan: CommandTemplate;
  readonly shutdown: CommandTemplate;
  readonly noShutdown: CommandTemplate;
  /** Read-only; run outside the config transaction. */
  readonly showPort: CommandTemplate;
  /**
   * Makes the running configuration survive a reboot; empty where commits persist (Junos, OVSDB).
   */
  readonly saveConfig: CommandTemplate;
  /** Answers that mean the device refused a command. */
  readonly errorPatterns: readonly RegExp[];
  /**
   * The outputs of showPort's lines → the port's state; undefined when they cannot be understood.
   */
  readonly parsePort: (outputs: readonly string[], port: string) => PortVlanState | undefined;
  /**
   * Where VLANs are referred to by name (Junos `vlan members prod-web`): the outputs of showPort's
   * lines → vlan-id to name, so that changes write the names the configuration already uses.
   */
  readonly parseVlanNames?: (outputs: readonly string[]) => ReadonlyMap<number, string>;
}
