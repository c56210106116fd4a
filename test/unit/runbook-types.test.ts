import * as workflows from '../../workflows/index';
import { RUNBOOK_TYPES } from '../../domain/ledger/runbook-types';

describe('the ledger holder check knows every runbook', () => {
  it('lists every registered workflow but the ledger', () => {
    const registered = Object.keys(workflows).filter((w) => w !== 'siteLedger');
    expect([...RUNBOOK_TYPES].sort()).toEqual(registered.sort());
  });
});
