import { WWPN_PATTERN } from '../../inventory/patterns';

export interface EffectiveZoning {
  /** The enabled configuration, or undefined when none is in effect. */
  readonly cfg?: string;
  /** Zone name → members (WWPNs lower-cased; aliases as printed). */
  readonly zones: ReadonlyMap<string, readonly string[]>;
}

/**
 * Reads `cfgactvshow`: "Effective configuration:" then ` cfg: <name>`, ` zone: <name>`
 * and one member per indented line (several per line, `;`-separated, on some FOS versions).
 */
export function parseCfgActvShow(output: string): EffectiveZoning {
  let cfg: string | undefined;
  const zones = new Map<string, string[]>();
  let zone: string[] | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const cfgLine = /^cfg:\s+(\S+)/.exec(line);
    if (cfgLine !== null) {
      cfg = cfgLine[1];
      zone = undefined;
      continue;
    }
    const zoneLine = /^zone:\s+(\S+)\s*(.*)$/.exec(line);
    if (zoneLine !== null) {
      zone = [];
      zones.set(zoneLine[1] ?? '', zone);
      if (zoneLine[2]) zone.push(...members(zoneLine[2]));
      continue;
    }
    if (zone !== undefined && line !== '') zone.push(...members(line));
  }
  return { ...(cfg !== undefined && { cfg }), zones };
}

function members(text: string): string[] {
  return text
    .split(/[;\s]+/)
    .filter(Boolean)
    .map((m) => (WWPN_PATTERN.test(m.toLowerCase()) ? m.toLowerCase() : m));
}
