import { ValidationError } from '../../common/errors';
import { BOOT_URL_PATTERN, CMDLINE_PATTERN, EUI_PATTERN, HOST_PATTERN, ID_PATTERN, IQN_PATTERN, MAC_PATTERN } from '../../inventory/patterns';
import type { IscsiLunAddress } from '../storage/lun-target';

/** What a booting machine is told to do; every field is checked again here, so nothing can break the script. */
export type BootPlan =
  | { readonly kind: 'pxe' | 'hypervisor'; readonly persona: string; readonly machine: string; readonly image: string; readonly kernel: string; readonly initrd?: string; readonly cmdline: string }
  | { readonly kind: 'san-iscsi'; readonly persona: string; readonly machine: string; readonly image: string; readonly initiatorIqn: string; readonly lun: IscsiLunAddress }
  | { readonly kind: 'san-fc'; readonly persona: string; readonly machine: string; readonly image: string };

const INITIATOR_PATTERN = new RegExp(`${IQN_PATTERN.source}|${EUI_PATTERN.source}`);

/** Kernel argument that tells the booted OS (and the lab) which persona it is. */
export const PERSONA_ARG = 'rackshift.persona';

function need(field: string, pattern: RegExp, value: string): string {
  if (!pattern.test(value)) throw new ValidationError('iPXE script', [{ path: field, message: `"${value}" does not have the shape ${pattern}` }]);
  return value;
}

/** Comments are free text from our own messages; keep them on one harmless line. */
function comment(text: string): string {
  return `# ${text.replace(/[^A-Za-z0-9 .:_,;()/=+-]/g, '?')}`;
}

/** `iscsi:<server>:<protocol>:<port>:<lun>:<target>` with the default protocol (TCP) left empty. */
export function sanbootUri(lun: IscsiLunAddress): string {
  return `iscsi:${need('portal.address', HOST_PATTERN, lun.portalAddress)}::${lun.portalPort}:${lun.lun}:${need('targetIqn', IQN_PATTERN, lun.targetIqn)}`;
}

export function renderIpxeScript(plan: BootPlan): string {
  const head = ['#!ipxe', comment(`rackshift: persona ${need('persona', ID_PATTERN, plan.persona)} on ${need('machine', ID_PATTERN, plan.machine)}, image ${need('image', ID_PATTERN, plan.image)} (${plan.kind})`)];
  switch (plan.kind) {
    case 'pxe':
    case 'hypervisor': {
      const args = [plan.cmdline, `${PERSONA_ARG}=${plan.persona}`, ...(plan.kind === 'hypervisor' ? ['rackshift.role=hypervisor'] : [])].filter(Boolean).join(' ');
      return [
        ...head,
        `kernel ${need('kernel', BOOT_URL_PATTERN, plan.kernel)} ${need('cmdline', CMDLINE_PATTERN, args)}`,
        ...(plan.initrd === undefined ? [] : [`initrd ${need('initrd', BOOT_URL_PATTERN, plan.initrd)}`]),
        'boot',
        '',
      ].join('\n');
    }
    case 'san-iscsi':
      return [...head, `set initiator-iqn ${need('initiatorIqn', INITIATOR_PATTERN, plan.initiatorIqn)}`, `sanboot ${sanbootUri(plan.lun)}`, ''].join('\n');
    case 'san-fc':
      return [...head, comment('FC boot LUNs are reached by the HBA boot ROM, not by iPXE: hand over to it'), 'exit', ''].join('\n');
  }
}

/** For an unknown or unassigned MAC: `exit` makes the firmware try its next boot device. */
export function renderFallthroughScript(mac: string, why: string): string {
  return ['#!ipxe', comment(`rackshift: ${need('mac', MAC_PATTERN, mac)}: ${why}; trying the next boot device`), 'exit', ''].join('\n');
}
