import { ValidationError } from '../../common/errors';
import type { DrillBoot } from '../../inventory/ledger-records';
import {
  BOOT_URL_PATTERN,
  CHAP_SECRET_PATTERN,
  CHAP_USER_PATTERN,
  CMDLINE_PATTERN,
  DRILL_CLONE_ID_PATTERN,
  EUI_PATTERN,
  HOST_PATTERN,
  ID_PATTERN,
  IQN_PATTERN,
  MAC_PATTERN,
  WORKFLOW_ID_PATTERN,
} from '../../inventory/patterns';
import type { ChapAccount } from '../storage/chap-account';
import type { IscsiLunAddress } from '../storage/lun-target';

/**
 * What a booting machine is told to do; every field is checked again here, so nothing can break the
 * script. `drill`: it boots a DR drill's copy.
 */
export type BootPlan =
  | {
      readonly kind: 'pxe' | 'hypervisor';
      readonly persona: string;
      readonly machine: string;
      readonly image: string;
      readonly kernel: string;
      readonly initrd?: string;
      readonly cmdline: string;
      readonly drill?: DrillBoot;
    }
  | {
      readonly kind: 'san-iscsi';
      readonly persona: string;
      readonly machine: string;
      readonly image: string;
      readonly initiatorIqn: string;
      readonly lun: IscsiLunAddress;
      readonly drill?: DrillBoot;
      /**
       * The persona's CHAP account: only in a script served to the machine itself
       * (api/routes/boot.ts).
       */
      readonly chap?: ChapAccount;
    }
  | {
      readonly kind: 'san-fc';
      readonly persona: string;
      readonly machine: string;
      readonly image: string;
    };

const INITIATOR_PATTERN = new RegExp(`${IQN_PATTERN.source}|${EUI_PATTERN.source}`);
const VLAN_PATTERN = /^(?:[1-9]\d{0,2}|[1-3]\d{3}|40[0-8]\d|409[0-4])$/;

/**
 * iPXE's `username`/`password` settings are what its iSCSI login answers a CHAP challenge with
 * (ipxe.org/cfg/username).
 */
function chapLines(chap: ChapAccount | undefined): string[] {
  if (chap === undefined) return [];
  // Never echo the secret in an error: it would reach a log.
  if (!CHAP_SECRET_PATTERN.test(chap.secret))
    throw new ValidationError('iPXE script', [
      { path: 'chap.secret', message: `does not have the shape ${CHAP_SECRET_PATTERN}` },
    ]);
  return [
    `set username ${need('chap.user', CHAP_USER_PATTERN, chap.user)}`,
    `set password ${chap.secret}`,
  ];
}

/** Kernel argument that tells the booted OS (and the lab) which persona it is. */
export const PERSONA_ARG = 'rackshift.persona';

/**
 * What a drill copy is told about itself: the drill run, `<network>:<vlan>,…` of its bubble,
 * `<array>:<lun>:<clone>,…` of its LUNs, and the host it answers health checks on (IPv6
 * without brackets). Kernel images get them as `rackshift.<fact>=<value>` arguments; SAN
 * scripts as `set rackshift-<fact> <value>` lines before sanboot (iPXE ignores settings that
 * nothing reads).
 */
export const DRILL_FACTS = ['drill', 'bubble', 'clones', 'health-host'] as const;
export type DrillFact = (typeof DRILL_FACTS)[number];
export const drillKernelArg = (fact: DrillFact): string => `rackshift.${fact}`;
export const drillIpxeSetting = (fact: DrillFact): string => `rackshift-${fact}`;

function need(field: string, pattern: RegExp, value: string): string {
  if (!pattern.test(value))
    throw new ValidationError('iPXE script', [
      { path: field, message: `"${value}" does not have the shape ${pattern}` },
    ]);
  return value;
}

/** Comments are free text from our own messages; keep them on one harmless line. */
function comment(text: string): string {
  return `# ${text.replace(/[^A-Za-z0-9 .:_,;()/=+-]/g, '?')}`;
}

/** The drill facts of a plan, each value checked piece by piece before it is joined. */
function drillFacts(drill: DrillBoot | undefined): Array<readonly [DrillFact, string]> {
  if (drill === undefined) return [];
  const bubble = drill.bubble.map(
    (b, i) =>
      `${need(`drill.bubble[${i}].network`, ID_PATTERN, b.network)}:${need(`drill.bubble[${i}].vlan`, VLAN_PATTERN, String(b.vlan))}`,
  );
  const clones = drill.luns.map(
    (l, i) =>
      `${need(`drill.luns[${i}].array`, ID_PATTERN, l.array)}:${need(`drill.luns[${i}].lun`, ID_PATTERN, l.lun)}:${need(`drill.luns[${i}].clone`, DRILL_CLONE_ID_PATTERN, l.clone)}`,
  );
  return [
    ['drill', need('drill.run', WORKFLOW_ID_PATTERN, drill.run)],
    ...(bubble.length > 0 ? [['bubble', bubble.join(',')] as const] : []),
    ...(clones.length > 0 ? [['clones', clones.join(',')] as const] : []),
    ...(drill.healthHost === undefined
      ? []
      : [
          [
            'health-host',
            need('drill.healthHost', HOST_PATTERN, drill.healthHost).replace(/^\[|\]$/g, ''),
          ] as const,
        ]),
  ];
}

/** `iscsi:<server>:<protocol>:<port>:<lun>:<target>` with the default protocol (TCP) left empty. */
function sanbootUri(lun: IscsiLunAddress): string {
  return `iscsi:${need('portal.address', HOST_PATTERN, lun.portalAddress)}::${lun.portalPort}:${lun.lun}:${need('targetIqn', IQN_PATTERN, lun.targetIqn)}`;
}

export function renderIpxeScript(plan: BootPlan): string {
  const drill = plan.kind === 'san-fc' ? [] : drillFacts(plan.drill);
  const copy = drill.length > 0 ? ', drill copy' : '';
  const head = [
    '#!ipxe',
    comment(
      `rackshift: persona ${need('persona', ID_PATTERN, plan.persona)} on ${need('machine', ID_PATTERN, plan.machine)}, image ${need('image', ID_PATTERN, plan.image)} (${plan.kind})${copy}`,
    ),
  ];
  switch (plan.kind) {
    case 'pxe':
    case 'hypervisor': {
      const args = [
        plan.cmdline,
        `${PERSONA_ARG}=${plan.persona}`,
        ...(plan.kind === 'hypervisor' ? ['rackshift.role=hypervisor'] : []),
        ...drill.map(([fact, value]) => `${drillKernelArg(fact)}=${value}`),
      ]
        .filter(Boolean)
        .join(' ');
      return [
        ...head,
        `kernel ${need('kernel', BOOT_URL_PATTERN, plan.kernel)} ${need('cmdline', CMDLINE_PATTERN, args)}`,
        ...(plan.initrd === undefined
          ? []
          : [`initrd ${need('initrd', BOOT_URL_PATTERN, plan.initrd)}`]),
        'boot',
        '',
      ].join('\n');
    }
    case 'san-iscsi':
      return [
        ...head,
        `set initiator-iqn ${need('initiatorIqn', INITIATOR_PATTERN, plan.initiatorIqn)}`,
        ...drill.map(([fact, value]) => `set ${drillIpxeSetting(fact)} ${value}`),
        ...chapLines(plan.chap),
        `sanboot ${sanbootUri(plan.lun)}`,
        '',
      ].join('\n');
    case 'san-fc':
      return [
        ...head,
        comment('FC boot LUNs are reached by the HBA boot ROM, not by iPXE: hand over to it'),
        'exit',
        '',
      ].join('\n');
  }
}

/** For an unknown or unassigned MAC: `exit` makes the firmware try its next boot device. */
export function renderFallthroughScript(mac: string, why: string): string {
  return [
    '#!ipxe',
    comment(`rackshift: ${need('mac', MAC_PATTERN, mac)}: ${why}; trying the next boot device`),
    'exit',
    '',
  ].join('\n');
}
