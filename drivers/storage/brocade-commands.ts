import { fillTemplate, type ErrorPattern } from './command-template';

/**
 * Brocade FOS zoning commands; names and WWPNs are quoted the way FOS documents them.
 * Checked against Cinder's Brocade CLI zone client (zonemanager/drivers/brocade/
 * brcd_fc_zone_client_cli.py, fc_zone_constants.py): `cfgenable` commits and saves the
 * transaction, `cfgsave` only where nothing is enabled any more, `cfgtransshow` before an abort.
 */
const BROCADE_TEMPLATES = {
  /**
   * Both databases: "Defined configuration:" (what the next enable makes effective) and "Effective
   * configuration:".
   */
  show: 'cfgshow',
  transShow: 'cfgtransshow',
  zoneCreate: 'zonecreate "{zone}", "{members}"',
  zoneAdd: 'zoneadd "{zone}", "{wwpn}"',
  zoneRemove: 'zoneremove "{zone}", "{wwpn}"',
  zoneDelete: 'zonedelete "{zone}"',
  cfgCreate: 'cfgcreate "{cfg}", "{zone}"',
  cfgAdd: 'cfgadd "{cfg}", "{zone}"',
  cfgRemove: 'cfgremove "{cfg}", "{zone}"',
  cfgDelete: 'cfgdelete "{cfg}"',
  cfgSave: 'cfgsave',
  cfgEnable: 'cfgenable "{cfg}"',
  cfgDisable: 'cfgdisable',
  abort: 'cfgtransabort',
} as const;

/**
 * The CLI prompt (`switch:FID128:admin> `) and the confirmation cfgsave, cfgenable and cfgdisable
 * ask for.
 */
export const BROCADE_PROMPT = /[\w.-]+(?::FID\d+)?:\w+> $/;
const BROCADE_CONFIRM_PROMPT = /\(yes, y, no, n\): \[no\] ?$/;
/** Either the question or, when the command refuses before asking, the CLI prompt again. */
export const BROCADE_QUESTION_OR_PROMPT = new RegExp(
  `(?:${BROCADE_CONFIRM_PROMPT.source})|(?:${BROCADE_PROMPT.source})`,
);
/** The text before the `(yes, y, no, n)` of every FOS confirmation. */
export const BROCADE_QUESTION = /Do you want to/;
export const BROCADE_CONFIRM_ANSWER = 'y';
/**
 * What `cfgtransshow` prints when this session owns the open transaction (Cinder's
 * TRANS_ABORTABLE).
 */
export const BROCADE_TRANS_ABORTABLE = /It is abortable/;

export const BROCADE_ERROR_PATTERNS: readonly ErrorPattern[] = [
  {
    pattern:
      /outstanding transaction|transaction (?:is )?(?:already )?(?:in progress|locked|outstanding)|zone(?:ing)? database is locked|fabric is busy/i,
    retryable: true,
  },
  {
    pattern:
      /not found|does not exist|duplicate|already (?:exists|contains|a member)|invalid|error|failed|not allowed|not a member|must be/i,
    retryable: false,
  },
];

/**
 * `array-1`, `db-01.boot` → `rs_array_1_db_01_boot`: the zone that carries one LUN's path
 * (LUN ids are unique per array only; Brocade names allow letters, digits and "_", 64 at most).
 */
export function zoneNameOf(arrayId: string, lunId: string): string {
  return fillTemplate('{zone}', { zone: `rs_${arrayId}_${lunId}`.replace(/[^A-Za-z0-9_]/g, '_') });
}

export function brocadeCommand(
  template: keyof typeof BROCADE_TEMPLATES,
  params: Record<string, string | number> = {},
): string {
  return fillTemplate(BROCADE_TEMPLATES[template], params);
}
