import type { VmInfo, VmState } from './hypervisor-driver';

/** libvirt's state words (virsh prints them in English whatever the locale of the host). */
const STATES: Readonly<Record<string, VmState>> = {
  running: 'running',
  idle: 'running',
  blocked: 'running',
  paused: 'paused',
  pmsuspended: 'paused',
  'in shutdown': 'shutting-down',
  'shut off': 'shut-off',
  crashed: 'crashed',
};

/** `virsh dominfo` output → VmInfo; undefined when the text lacks what every libvirt prints. */
export function parseDominfo(text: string): VmInfo | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const name = fields.get('name');
  const state = fields.get('state');
  const vcpus = Number(fields.get('cpu(s)'));
  const memory = /^(\d+) KiB$/.exec(fields.get('max memory') ?? '');
  if (name === undefined || state === undefined || !Number.isInteger(vcpus) || memory === null)
    return undefined;
  const uuid = fields.get('uuid');
  return {
    name,
    state: STATES[state] ?? 'other',
    vcpus,
    memoryKiB: Number(memory[1]),
    persistent: fields.get('persistent') === 'yes',
    ...(uuid !== undefined && { uuid }),
  };
}

/** `virsh list --all --name` output → sorted names (virsh ends the list with a blank line). */
export function parseNameList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .sort();
}
