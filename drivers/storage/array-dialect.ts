import type { ChapAccount } from './chap-account';
import type { ErrorPattern } from './command-template';

/** One LUN as the array shows it, in the one-target-per-LUN layout of ./lun-target. */
export interface ProvisionedLun {
  readonly lunId: string;
  readonly targetIqn: string;
  /** tgt's numeric target id. */
  readonly tid?: number;
  /** Backing store of logical unit 1; undefined when the target has no such unit yet. */
  readonly backing?: string;
  /** Initiators that see the LUN, sorted; `ALL` when the target admits everyone. */
  readonly holders: readonly string[];
  /** LIO ACL nodes, with or without a mapped LUN (an ACL without one sees nothing). */
  readonly acls: readonly string[];
  /**
   * Incoming CHAP users bound to the target, where the array lists them (tgt); undefined where it
   * does not (LIO).
   */
  readonly chapUsers?: readonly string[];
}

/** What one read of the array says. */
export interface ArrayState {
  /** Targets of this layout, by LUN id. */
  readonly luns: ReadonlyMap<string, ProvisionedLun>;
  /** LIO storage objects by name → backstore kind. */
  readonly backstores: ReadonlyMap<string, 'fileio' | 'block'>;
}

/** What a LUN should look like on the array. */
export interface LunSpec {
  readonly lunId: string;
  readonly targetIqn: string;
  readonly backing: string;
  readonly sizeGiB: number;
  /** The incoming CHAP account the target demands at login; none: the ACL alone decides. */
  readonly chap?: ChapAccount;
}

/** A command for the array's shell; `stdin` is written to it (a configuration file's content). */
export type ArrayCommand = string | { readonly command: string; readonly stdin: string };

/**
 * A kind of iSCSI array as data: how to read its state and which commands make each change.
 * Every command list is built only from validated values (./command-template).
 */
export interface ArrayDialect {
  readonly kind: 'tgt' | 'lio';
  readonly readCommand: string;
  readonly errorPatterns: readonly ErrorPattern[];
  /** Why commands that all succeeded may still have created no LUN, for the error that says so. */
  readonly notCreatedHint: string;
  parseState(output: string, arrayTargetIqn: string): ArrayState;
  /**
   * Read once before a driver's first change: `refusal` says why changes on this array would
   * not survive a restart of its target daemon (undefined: they would), so none is made.
   */
  readonly persistenceCheck?: {
    readonly command: string;
    refusal(output: string): string | undefined;
  };
  /**
   * Every list makes its change live and persistent: it survives a restart of the target daemon.
   */
  ensureLun(state: ArrayState, spec: LunSpec): ArrayCommand[];
  /**
   * `chap`: the account the target must demand afterwards (commands carrying it use stdin, never
   * argv).
   */
  mask(lun: ProvisionedLun, initiator: string, chap: ChapAccount | undefined): ArrayCommand[];
  unmask(lun: ProvisionedLun, initiator: string, chap: ChapAccount | undefined): ArrayCommand[];
  /**
   * Whether the target's CHAP binding differs from `chap` as far as the array shows it (a mask must
   * then change it).
   */
  chapDiffers(lun: ProvisionedLun, chap: ChapAccount | undefined): boolean;
  /** Copies `source`'s backing to `clone.backing` and provisions the copy. */
  clone(
    state: ArrayState,
    source: ProvisionedLun & { readonly backing: string },
    clone: LunSpec,
  ): ArrayCommand[];
  deleteClone(lun: ProvisionedLun & { readonly backing: string }): ArrayCommand[];
}

/** Backing-file commands both kinds run beside their own CLI (clones are file copies). */
export const BACKING_FILE_COMMANDS = {
  copy: 'cp --reflink=auto --sparse=always {source} {clone}',
  remove: 'rm -f {backing}',
} as const;
