import { fillTemplate, type ErrorPattern } from './command-template';

/** Brocade FOS zoning commands; names and WWPNs are quoted the way FOS documents them. */
export const BROCADE_TEMPLATES = {
  show: 'cfgactvshow',
  zoneCreate: 'zonecreate "{zone}", "{members}"',
  zoneAdd: 'zoneadd "{zone}", "{wwpn}"',
  zoneRemove: 'zoneremove "{zone}", "{wwpn}"',
  zoneDelete: 'zonedelete "{zone}"',
  cfgCreate: 'cfgcreate "{cfg}", "{zone}"',
  cfgAdd: 'cfgadd "{cfg}", "{zone}"',
  cfgRemove: 'cfgremove "{cfg}", "{zone}"',
  cfgSave: 'cfgsave',
  cfgEnable: 'cfgenable "{cfg}"',
  abort: 'cfgtransabort',
} as const;

/** The CLI prompt (`switch:FID128:admin> `) and the confirmation cfgsave and cfgenable ask for. */
export const BROCADE_PROMPT = /[\w.-]+(?::FID\d+)?:\w+> $/;
export const BROCADE_CONFIRM_PROMPT = /\(yes, y, no, n\): \[no\] ?$/;
export const BROCADE_CONFIRM_ANSWER = 'y';

export const BROCADE_ERROR_PATTERNS: readonly ErrorPattern[] = [
  { pattern: /transaction (?:is )?(?:already )?(?:in progress|locked|outstanding)|zone(?:ing)? database is locked|fabric is busy/i, retryable: true },
  { pattern: /not found|does not exist|duplicate|already (?:exists|contains|a member)|invalid|error|failed|not allowed|not a member|must be/i, retryable: false },
];

/** `db-01.boot` → `rs_db_01_boot`: the zone that carries one LUN's path (Brocade names allow letters, digits and "_"). */
export function zoneNameOf(lunId: string): string {
  return fillTemplate('{zone}', { zone: `rs_${lunId.replace(/[^A-Za-z0-9_]/g, '_')}` });
}

export function brocadeCommand(template: keyof typeof BROCADE_TEMPLATES, params: Record<string, string | number> = {}): string {
  return fillTemplate(BROCADE_TEMPLATES[template], params);
}
