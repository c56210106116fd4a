import { RackshiftError } from '../common/errors';
import type { LabFault } from '../lab/control-server';

/** Thrown when the lab control server cannot be reached or refuses a fault; says which and why. */
export class LabControlError extends RackshiftError {
  override readonly name = 'LabControlError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, { retryable: false, context: { status } });
  }
}

/** What the lab answers to a fault: the fault as it applied it and the machines it touched. */
export interface AppliedFault {
  readonly applied: LabFault;
  readonly machines: readonly string[];
}

/**
 * POSTs a fault to the lab's own control endpoint (`rackshift dev` serves it on loopback; it
 * takes no token, and none is sent: the API's token is not the lab's business).
 */
export async function applyLabFault(base: string, fault: LabFault): Promise<AppliedFault> {
  const url = `${base.replace(/\/+$/, '')}/lab/faults`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
    });
  } catch (e) {
    throw new LabControlError(
      `cannot reach the lab control server at ${base} (${(e as Error).message}); is \`rackshift dev\` running with its lab? (--lab or RACKSHIFT_LAB)`,
      0,
    );
  }
  const text = await response.text();
  let body: {
    message?: string;
    error?: string;
    issues?: Array<{ path: string; message: string }>;
  } & Partial<AppliedFault>;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new LabControlError(
      `${url} answered ${response.status} with something that is not the lab's JSON: ${text.slice(0, 120)}`,
      response.status,
    );
  }
  if (!response.ok) {
    const issues = (body.issues ?? []).map((i) => `; ${i.path}: ${i.message}`).join('');
    throw new LabControlError(
      `lab ${response.status}: ${body.message ?? body.error ?? 'fault refused'}${issues}`,
      response.status,
    );
  }
  return body as AppliedFault;
}
