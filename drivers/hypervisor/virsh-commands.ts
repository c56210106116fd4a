/**
 * What rackshift says to virsh and how it reads virsh's complaints, as data. The connection
 * URI is explicit: without it a non-root login would talk to its own qemu:///session.
 * Names reach these templates only after vmNameSchema accepted them.
 */
const VIRSH = 'virsh -c qemu:///system';

export const virshCommands = {
  /** The XML goes in on stdin, never in argv (argv shows in `ps` and in shell history). */
  define: `${VIRSH} define /dev/stdin`,
  start: (name: string) => `${VIRSH} start ${name}`,
  shutdown: (name: string) => `${VIRSH} shutdown ${name}`,
  destroy: (name: string) => `${VIRSH} destroy ${name}`,
  undefine: (name: string) => `${VIRSH} undefine ${name}`,
  dominfo: (name: string) => `${VIRSH} dominfo ${name}`,
  list: `${VIRSH} list --all --name`,
} as const;

/**
 * How a failed virsh run is read: first match wins. Texts differ between libvirt drivers (qemu,
 * test) and versions.
 */
export type VirshFailure = 'unavailable' | 'not-found' | 'already-running' | 'not-running';

const virshErrorPatterns: ReadonlyArray<readonly [RegExp, VirshFailure]> = [
  [/failed to connect to the hypervisor/i, 'unavailable'],
  [/failed to get domain|domain not found/i, 'not-found'],
  [/domain is already (?:running|active)/i, 'already-running'],
  [/domain is not running|domain '[^']*' (?:is )?not running/i, 'not-running'],
];

export function classifyVirshFailure(text: string): VirshFailure | undefined {
  return virshErrorPatterns.find(([pattern]) => pattern.test(text))?.[1];
}
