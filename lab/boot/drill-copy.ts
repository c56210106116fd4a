import { fieldIssues } from '../../common/field-path';
import { drillIpxeSetting, drillKernelArg, type DrillFact } from '../../drivers/boot/ipxe-script';
import { drillBootSchema, type DrillBoot } from '../../inventory/ledger-records';
import type { ParsedIpxe } from './ipxe-script-parser';

/**
 * Whether the script boots a DR drill's copy, read back the way the booted OS would: from the
 * `rackshift.<fact>=` kernel arguments or the `rackshift-<fact>` iPXE settings. Undefined for
 * a normal boot; a reason when the facts are there but do not parse.
 */
export function drillCopyOf(
  script: ParsedIpxe,
): { drill: DrillBoot } | { reason: string } | undefined {
  const value = (fact: DrillFact): string | undefined => {
    if (script.kind === 'sanboot') return script.settings[drillIpxeSetting(fact)];
    if (script.kind !== 'kernel') return undefined;
    const prefix = `${drillKernelArg(fact)}=`;
    return script.args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
  };
  const run = value('drill');
  if (run === undefined) return undefined;
  const items = (fact: DrillFact): string[][] =>
    (value(fact) ?? '')
      .split(',')
      .filter(Boolean)
      .map((item) => item.split(':'));
  const host = value('health-host');
  const parsed = drillBootSchema.safeParse({
    run,
    bubble: items('bubble').map(([network, vlan]) => ({ network, vlan: Number(vlan) })),
    luns: items('clones').map(([array, lun, clone]) => ({ array, lun, clone })),
    ...(host !== undefined && { healthHost: host.includes(':') ? `[${host}]` : host }),
  });
  if (parsed.success) return { drill: parsed.data };
  return {
    reason: `the drill copy's boot script does not parse: ${fieldIssues(parsed.error)
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ')}`,
  };
}
