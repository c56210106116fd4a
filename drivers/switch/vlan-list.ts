/**
 * How a vendor writes a VLAN list: `110,120-130` (IOS, NVUE) or `110 120 130` (Junos, ovs-vsctl).
 */
export interface VlanListFormat {
  readonly separator: ',' | ' ';
  /** Whether runs of three or more may be written as `a-b`. */
  readonly ranges: boolean;
}

export function formatVlanList(vlans: readonly number[], format: VlanListFormat): string {
  const sorted = [...new Set(vlans)].sort((a, b) => a - b);
  if (!format.ranges) return sorted.join(format.separator);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j += 1;
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k += 1) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(format.separator);
}

/**
 * `110,120-122` or `110 120` → [110, 120, 121, 122]; undefined when the text is not a VLAN list.
 */
export function parseVlanList(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean)) {
    const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part);
    if (m === null) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 4094 || to < from) return undefined;
    for (let v = from; v <= to; v += 1) out.push(v);
  }
  return out;
}
