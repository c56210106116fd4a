import { WWPN_PATTERN } from '../../inventory/patterns';

export interface EffectiveZoning {
  /** The enabled configuration, or undefined when none is in effect. */
  readonly cfg?: string;
  /** Zone name → members (WWPNs lower-cased; aliases as printed). */
  readonly zones: ReadonlyMap<string, readonly string[]>;
}

export interface DefinedZoning {
  /** Configuration name → its zones. */
  readonly cfgs: ReadonlyMap<string, readonly string[]>;
  /** Zone name → members. */
  readonly zones: ReadonlyMap<string, readonly string[]>;
}

/**
 * What `cfgshow` prints: the defined database (what the next cfgenable makes effective) and the
 * effective one.
 */
export interface FabricZoning {
  readonly defined: DefinedZoning;
  readonly effective: EffectiveZoning;
}

function members(text: string): string[] {
  return text
    .split(/[;\s]+/)
    .filter(Boolean)
    .map((m) => (WWPN_PATTERN.test(m.toLowerCase()) ? m.toLowerCase() : m));
}

/**
 * Reads one database: ` cfg: <name> [members]`, ` zone: <name> [members]`, ` alias: …`, and
 * members continued on indented lines — `;`-separated on the name line, or one or several per
 * continuation line, as FOS versions differ.
 */
function readEntries(lines: readonly string[]): {
  cfgs: Map<string, string[]>;
  zones: Map<string, string[]>;
  firstCfg?: string;
} {
  const cfgs = new Map<string, string[]>();
  const zones = new Map<string, string[]>();
  let firstCfg: string | undefined;
  let current: string[] | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    const entry = /^(cfg|zone|alias):\s+(\S+)\s*(.*)$/.exec(line);
    if (entry !== null) {
      const [, kind, name = '', rest = ''] = entry;
      current = [];
      if (kind === 'cfg') {
        cfgs.set(name, current);
        firstCfg ??= name;
      } else if (kind === 'zone') zones.set(name, current);
      current.push(...members(rest));
      continue;
    }
    if (current !== undefined && line !== '') current.push(...members(line));
  }
  return { cfgs, zones, ...(firstCfg !== undefined && { firstCfg }) };
}

/** Reads `cfgshow` (or `cfgactvshow`, which prints the effective part alone). */
export function parseCfgShow(output: string): FabricZoning {
  const lines = output.replace(/\r/g, '').split('\n');
  const definedAt = lines.findIndex((l) => /^\s*Defined configuration:/.test(l));
  const effectiveAt = lines.findIndex((l) => /^\s*Effective configuration:/.test(l));
  const defined =
    definedAt < 0
      ? []
      : lines.slice(definedAt + 1, effectiveAt > definedAt ? effectiveAt : undefined);
  const effective =
    effectiveAt < 0
      ? []
      : lines.slice(effectiveAt + 1, definedAt > effectiveAt ? definedAt : undefined);
  const d = readEntries(defined);
  const e = readEntries(effective);
  return {
    defined: { cfgs: d.cfgs, zones: d.zones },
    effective: { ...(e.firstCfg !== undefined && { cfg: e.firstCfg }), zones: e.zones },
  };
}
