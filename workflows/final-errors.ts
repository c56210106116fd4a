import { NotAFailoverRunError } from '../domain/failback/failover-to-undo';
import { CommandStartError } from '../common/command-errors';
import { CredentialError, NotFoundError, ValidationError } from '../common/errors';
import { BootStoreCorruptError } from '../drivers/boot/boot-store-errors';
import { DiskCopyMismatchError, DiskRequestRefusedError } from '../drivers/disk/disk-errors';
import { VmNotFoundError } from '../drivers/hypervisor/hypervisor-errors';
import { BmcAuthError, BmcTlsError, UnsupportedActionError } from '../drivers/power/power-errors';
import { HostKeyMismatchError, SshAuthError } from '../drivers/ssh/ssh-errors';
import {
  LunInUseError,
  LunMaskConflictError,
  LunNotProvisionedError,
  UnsupportedStorageOperationError,
} from '../drivers/storage/storage-errors';
import {
  CommandRejectedError,
  PrivilegeRefusedError,
  SwitchNotConfiguredError,
} from '../drivers/switch/switch-errors';
import { LeaseConflictError, LeaseRequiredError } from './ledger/ledger-errors';

/**
 * The error classes whose errors are final (`static final = true`), gathered from the layers an
 * activity runs (common, drivers, activities, the ledger). Only modules without Node built-ins
 * are imported, so workflow code may import this. test/unit/final-errors.test.ts fails when a
 * final class of those layers is missing here.
 */
const FINAL_CLASSES: ReadonlyArray<{ readonly final: boolean; readonly name: string }> = [
  ValidationError,
  NotFoundError,
  CredentialError,
  CommandStartError,
  BmcAuthError,
  BmcTlsError,
  UnsupportedActionError,
  SshAuthError,
  HostKeyMismatchError,
  CommandRejectedError,
  SwitchNotConfiguredError,
  PrivilegeRefusedError,
  VmNotFoundError,
  LunMaskConflictError,
  LunInUseError,
  UnsupportedStorageOperationError,
  LunNotProvisionedError,
  DiskCopyMismatchError,
  DiskRequestRefusedError,
  BootStoreCorruptError,
  NotAFailoverRunError,
  LeaseConflictError,
  LeaseRequiredError,
];

/**
 * The failure types no retry policy retries: the stable name (the class name, which is the
 * ApplicationFailure `type`) of every final class.
 */
export const FINAL_ERRORS: readonly string[] = Object.freeze(
  FINAL_CLASSES.filter((c) => c.final).map((c) => c.name),
);
