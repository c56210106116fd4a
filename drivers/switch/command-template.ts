import { ValidationError } from '../../common/errors';
import { assertSafeLine } from './switch-parameters';
import type { CommandTemplate, VendorProfile } from './vendor-profile';
import { formatVlanList } from './vlan-list';

export interface TemplateValues {
  readonly port?: string;
  readonly bridge?: string;
  readonly vlan?: number;
  readonly vlans?: readonly number[];
  readonly addedVlans?: readonly number[];
  readonly removedVlans?: readonly number[];
  /**
   * VLAN names read from the switch (already checked to be plain words): `{vlan}` and `{vlans}` use
   * them.
   */
  readonly vlanNames?: ReadonlyMap<number, string>;
}

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/**
 * Template lines → command lines. Refuses a missing value or an unknown placeholder; every line
 * passes assertSafeLine.
 */
export function expandTemplate(
  vendor: VendorProfile,
  template: CommandTemplate,
  values: TemplateValues,
): string[] {
  const missing = (name: string): never => {
    throw new ValidationError(`${vendor.vendor} command template`, [
      { path: name, message: 'is needed by the command but was not given' },
    ]);
  };
  const named = (vlan: number): string => values.vlanNames?.get(vlan) ?? String(vlan);
  const list = (vlans: readonly number[]): string => {
    if (vlans.length === 0) return vendor.emptyTrunkList ?? missing('vlans');
    if (values.vlanNames === undefined) return formatVlanList(vlans, vendor.vlanList);
    return [...new Set(vlans)]
      .sort((a, b) => a - b)
      .map(named)
      .join(vendor.vlanList.separator);
  };
  const out: string[] = [];
  for (const line of template) {
    const names = [...line.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
    const each = names.find((n) => n === 'eachAddedVlan' || n === 'eachRemovedVlan');
    const listName = names.find((n) => n === 'addedVlans' || n === 'removedVlans');
    const repeats: ReadonlyArray<number | undefined> =
      each === 'eachAddedVlan'
        ? (values.addedVlans ?? missing('addedVlans'))
        : each === 'eachRemovedVlan'
          ? (values.removedVlans ?? missing('removedVlans'))
          : [undefined];
    if (
      listName !== undefined &&
      (values[listName as 'addedVlans' | 'removedVlans'] ?? missing(listName)).length === 0
    )
      continue;
    for (const item of repeats) {
      const text = line.replace(PLACEHOLDER, (_m, name: string) => {
        switch (name) {
          case 'port':
            return values.port ?? missing('port');
          case 'bridge':
            return values.bridge ?? missing('bridge');
          case 'vlan':
            return named(values.vlan ?? missing('vlan'));
          case 'vlans':
            return list(values.vlans ?? missing('vlans'));
          case 'addedVlans':
            return formatVlanList(values.addedVlans ?? [], vendor.vlanList);
          case 'removedVlans':
            return formatVlanList(values.removedVlans ?? [], vendor.vlanList);
          case 'eachAddedVlan':
          case 'eachRemovedVlan':
            return String(item);
          default:
            throw new ValidationError(`${vendor.vendor} command template`, [
              { path: name, message: 'is not a known placeholder' },
            ]);
        }
      });
      assertSafeLine(text);
      out.push(text);
    }
  }
  return out;
}

/**
 * Which placeholders a vendor's templates use, so that a driver can refuse a missing one at
 * construction.
 */
export function templatesUse(vendor: VendorProfile, name: string): boolean {
  const templates: CommandTemplate[] = [
    vendor.setAccessVlan,
    vendor.setTrunkVlans,
    vendor.addTrunkVlan,
    vendor.removeTrunkVlan,
    vendor.shutdown,
    vendor.noShutdown,
    vendor.showPort,
    vendor.saveConfig,
    vendor.addVlan,
    vendor.portContext,
    ...(vendor.vlanModel.kind === 'independent'
      ? [
          vendor.vlanModel.accessMode,
          vendor.vlanModel.trunkMode,
          vendor.vlanModel.clearMode,
          vendor.vlanModel.clearAccessVlan,
          vendor.vlanModel.clearTrunkVlans,
        ]
      : [vendor.vlanModel.clearVlans]),
  ];
  return templates.some((t) => t.some((line) => line.includes(`{${name}}`)));
}
