import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { notify } from '../activity-proxies/guard';
import type { SearchAttributePair } from '@temporalio/common';
import { PERSONA_KEY, RUNBOOK_KEY, SITE_KEY } from '../../temporal/search-attributes';
import { errorOf } from '../runbook-report';
import type { GuardAction, LostMachine } from '../../domain/guard/guard-decision';
import type { GuardEventRecord } from './guard-messages';
import type { SiteGuardInput } from './site-guard-input';

type ActionRecord = GuardEventRecord['actions'][number];

export interface ActionContext {
  readonly input: SiteGuardInput;
  /** The guard's workflow id: children are named under it, so a replay never starts one twice. */
  readonly guardId: string;
  readonly eventId: string;
  /** Called whenever the action's record changes (the status query shows it). */
  readonly update: (record: ActionRecord) => void;
  readonly notify: (kind: string, body: Record<string, unknown>) => Promise<void>;
}

const attrs = (
  runbook: string,
  site: string,
  personas: readonly string[],
): SearchAttributePair[] => [
  { key: RUNBOOK_KEY, value: runbook },
  { key: SITE_KEY, value: site },
  { key: PERSONA_KEY, value: [...personas] },
];

/** A lost host stands for all its VMs. */
const personasOf = (machines: readonly LostMachine[]): string[] =>
  machines.flatMap((m) => m.vms ?? [m.persona]);

/**
 * Carries out one action of an event. Restores run as child workflows that outlive the guard
 * (ABANDON: pausing, continuing-as-new or stopping the guard never cancels a restore half-way);
 * their ids derive from the guard's and the event's, so a replayed guard finds the same child.
 */
export async function runAction(action: GuardAction, ctx: ActionContext): Promise<void> {
  const { input } = ctx;
  if (action.kind === 'alert') {
    ctx.update({ kind: 'alert', personas: personasOf(action.machines), state: 'reported' });
    await ctx.notify('alert', {
      machines: action.machines,
      message: `lost; policy alert: nothing is moved`,
    });
    return;
  }
  const restore = {
    healthTimeoutSeconds: input.restore.healthTimeoutSeconds,
    powerTimeoutSeconds: input.restore.powerTimeoutSeconds,
  };
  const personas =
    action.kind === 'repurpose' ? [action.machine.persona] : personasOf(action.machines);
  const child =
    action.kind === 'repurpose'
      ? {
          type: 'repurpose',
          id: `${ctx.guardId}/${ctx.eventId}/repurpose-${action.machine.persona}`,
          args: {
            persona: action.machine.persona,
            sourceDown: true,
            fence: 'full',
            allowEvict: true,
            ...restore,
          },
          approval: 'auto' as const,
        }
      : {
          type: 'siteFailover',
          id: `${ctx.guardId}/${ctx.eventId}/failover-${action.approval}`,
          args: {
            machines: action.machines.map((m) => m.machine),
            mode: 'disaster',
            probe: false,
            approval: action.approval,
            approvalTimeoutSeconds: input.restore.approvalTimeoutSeconds,
            fence: 'full',
            ...restore,
          },
          approval: action.approval,
        };
  const base = { kind: action.kind, approval: child.approval, personas, run: child.id };
  ctx.update({ ...base, state: child.approval === 'manual' ? 'awaiting-approval' : 'running' });
  const handle = await startChild(child.type, {
    workflowId: child.id,
    args: [child.args],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: attrs(
      child.type === 'repurpose' ? 'repurpose' : 'site-failover',
      input.site,
      personas,
    ),
  });
  const machines = action.kind === 'repurpose' ? [action.machine] : action.machines;
  await ctx.notify(child.approval === 'manual' ? 'approval-needed' : 'acting', {
    machines,
    run: child.id,
    runbook: child.type === 'repurpose' ? 'repurpose' : 'site-failover',
    ...(child.approval === 'manual' && {
      approve: `POST /api/v1/runs/${encodeURIComponent(child.id)}/approval`,
    }),
  });
  try {
    const result = (await handle.result()) as { outcome?: string };
    const outcome = result.outcome ?? 'completed';
    const ok = outcome === 'completed' || outcome === 'nothing-failed';
    const declined = outcome === 'rejected' || outcome === 'expired';
    ctx.update({
      ...base,
      state: ok ? 'completed' : declined ? 'declined' : 'failed',
      ...(!ok && { error: `ended ${outcome}` }),
    });
    await ctx.notify(ok ? 'restored' : declined ? 'declined' : 'not-restored', {
      machines,
      run: child.id,
      outcome,
    });
  } catch (e) {
    const error = errorOf(e);
    ctx.update({ ...base, state: 'failed', error: `${error.type}: ${error.message}` });
    await ctx.notify('not-restored', { machines, run: child.id, error });
  }
}

/**
 * Sends one notification through the signed webhook, when one is configured; a receiver that stays
 * down is counted, never fatal.
 */
export async function sendNotification(
  input: SiteGuardInput,
  payload: Record<string, unknown>,
): Promise<{ ok: boolean; error?: string }> {
  if (input.webhook === undefined) return { ok: true };
  try {
    await notify.sendGuardNotification.executeWithOptions(
      { summary: `notify ${String(payload.kind)}` },
      [{ url: input.webhook.url, secret: input.webhook.secret, payload }],
    );
    return { ok: true };
  } catch (e) {
    const error = errorOf(e);
    return { ok: false, error: `${error.type}: ${error.message}` };
  }
}
