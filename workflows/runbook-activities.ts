import type { DiskCopyActivities } from '../activities/disk-copy-activities';
import type { FailbackActivities } from '../activities/failback-activities';
import type { FailoverActivities } from '../activities/failover-activities';
import type { GuardActivities } from '../activities/guard-activities';
import type { HealthActivities } from '../activities/health-activities';
import type { HypervisorActivities } from '../activities/hypervisor-activities';
import type { LedgerActivities } from '../activities/ledger-activities';
import type { PlacementActivities } from '../activities/placement-activities';
import type { PlannerActivities } from '../activities/planner-activities';
import type { PowerActivities } from '../activities/power-activities';
import type { StorageActivities } from '../activities/storage-activities';
import type { SwitchActivities } from '../activities/switch-activities';
import type { VmPlacementActivities } from '../activities/vm-placement-activities';

/** Every activity a runbook may call, as types only (workflow code imports no activity code). */
export type RunbookActivities = PowerActivities &
  LedgerActivities &
  StorageActivities &
  SwitchActivities &
  PlacementActivities &
  HealthActivities &
  HypervisorActivities &
  VmPlacementActivities &
  DiskCopyActivities &
  FailoverActivities &
  FailbackActivities &
  GuardActivities &
  PlannerActivities;
