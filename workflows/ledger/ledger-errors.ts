import { RackshiftError } from '../../common/errors';

/**
 * Thrown when a resource is leased by another run that is still open. Not retryable: choose another
 * machine or wait.
 */
export class LeaseConflictError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'LeaseConflictError';
  constructor(readonly conflicts: ReadonlyArray<{ resource: string; holder: string }>) {
    super(`already leased: ${conflicts.map((c) => `${c.resource} by ${c.holder}`).join(', ')}`, {
      context: { resources: conflicts.map((c) => c.resource).join(',') },
    });
  }
}

/** Thrown when a run changes a persona or machine it holds no lease on. */
export class LeaseRequiredError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'LeaseRequiredError';
  constructor(resource: string, holder: string) {
    super(`${holder} holds no lease on ${resource}`, {
      context: { resource, holder },
    });
  }
}
