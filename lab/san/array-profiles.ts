import type { StorageArray } from '../../inventory/topology-schema';

/**
 * Named quirk profiles of the lab arrays: real deployments differ in how the target service
 * is configured and which targetcli release they run, so each lab array can be set to behave
 * like one of them. The first profile of a kind is the one a lab array starts with.
 */
export interface ArrayProfile {
  /** tgt: /etc/tgt/targets.conf, what tgt.service hands `tgt-admin -e` when tgtd starts. */
  readonly targetsConf?: string;
  /** tgt: the data center keeps its targets in targets.conf itself (no conf.d files). */
  readonly targetsInMainConf?: boolean;
  /** tgt: lines of a logical unit that this release's `tgtadm --op show` does not print yet. */
  readonly tgtShowOmits?: readonly string[];
  /**
   * LIO: `targetcli ls` prints a LUN's ALUA group after its backing (targetcli-fb 2.1.fb45 and
   * later).
   */
  readonly aluaGroupInLs?: boolean;
  /**
   * LIO: an operator's interactive targetcli is open this long. targetcli-fb 2.1.50 and later
   * take /var/run/targetcli.lock for every run, so a one-shot command waits until that shell
   * exits, which (auto_save_on_exit, the default) saves the live configuration.
   */
  readonly operatorShellMs?: number;
}

/** Debian tgt's /etc/tgt/targets.conf as the package installs it. */
const DEBIAN_TARGETS_CONF = [
  '# Empty targets configuration file -- please see the package',
  '# documentation directory for an example.',
  '#',
  '# You can drop individual config snippets into /etc/tgt/conf.d',
  'include /etc/tgt/conf.d/*.conf',
  '',
].join('\n');

export const ARRAY_PROFILES = {
  tgt: {
    debian: { targetsConf: DEBIAN_TARGETS_CONF },
    // A hand-kept targets.conf holding its targets itself and including only Cinder's
    // volumes_dir (Debian's cinder-volume includes that directory from conf.d instead):
    // files in /etc/tgt/conf.d are never read.
    'conf-d-not-included': {
      targetsConf: 'default-driver iscsi\ninclude /var/lib/cinder/volumes/*\n',
      targetsInMainConf: true,
    },
    // tgt 1.0.24–1.0.26 (tgt's git history: SWP came in 1.0.38, Thin-provisioning in 1.0.27).
    'tgt-1.0.24': { targetsConf: DEBIAN_TARGETS_CONF, tgtShowOmits: ['SWP', 'Thin-provisioning'] },
  },
  lio: {
    'targetcli-fb-2.1.50': { aluaGroupInLs: true },
    'targetcli-fb-2.1.fb44': { aluaGroupInLs: false },
    'operator-shell': { aluaGroupInLs: true, operatorShellMs: 1_500 },
  },
} as const satisfies {
  readonly [K in StorageArray['kind']]: Readonly<Record<string, ArrayProfile>>;
};

/** The profiles a lab array of `kind` can take, the default first. */
export function arrayProfileNames(kind: StorageArray['kind']): string[] {
  return Object.keys(ARRAY_PROFILES[kind]);
}

export function arrayProfile(kind: StorageArray['kind'], name: string): ArrayProfile | undefined {
  return (ARRAY_PROFILES[kind] as Readonly<Record<string, ArrayProfile>>)[name];
}
