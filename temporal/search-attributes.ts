import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes every runbook sets, so runs can be filtered in the Temporal UI. */
export const RUNBOOK_KEY = defineSearchAttributeKey(
  'RackshiftRunbook',
  SearchAttributeType.KEYWORD,
);
export const SITE_KEY = defineSearchAttributeKey('RackshiftSite', SearchAttributeType.KEYWORD);
export const MACHINE_KEY = defineSearchAttributeKey(
  'RackshiftMachine',
  SearchAttributeType.KEYWORD_LIST,
);
export const PERSONA_KEY = defineSearchAttributeKey(
  'RackshiftPersona',
  SearchAttributeType.KEYWORD_LIST,
);
/** The API token's name that started the run (or created the schedule that did). */
export const ACTOR_KEY = defineSearchAttributeKey('RackshiftActor', SearchAttributeType.KEYWORD);

/** Name → the type name the Temporal CLI's `--search-attribute KEY=TYPE` takes. */
export const SEARCH_ATTRIBUTES: ReadonlyArray<readonly [string, string]> = [
  ['RackshiftRunbook', 'Keyword'],
  ['RackshiftSite', 'Keyword'],
  ['RackshiftMachine', 'KeywordList'],
  ['RackshiftPersona', 'KeywordList'],
  ['RackshiftActor', 'Keyword'],
];
