import type { Replication, StorageArray } from '../../inventory/topology-schema';
import type { SshConnector } from '../ssh/ssh-transport';
import type { ArrayDialect } from './array-dialect';
import type { ChapAccount } from './chap-account';
import type { StorageArrayDriver } from './lun-access-driver';
import type { ArrayReplicationDriver } from './replication-driver';
import { SshArrayDriver } from './ssh-array-driver';
import { targetcliDialect } from './targetcli-dialect';
import { tgtDialect } from './tgt-dialect';

export interface ArrayDriverOptions {
  /** For a tgtd started with `-C <port>` (several tgtd on one host). */
  readonly tgtControlPort?: number;
  /** Where tgt target files go (default /etc/tgt/conf.d, which Debian's targets.conf includes). */
  readonly tgtConfDir?: string;
  /**
   * The tgt service's configuration (default /etc/tgt/targets.conf); it must include tgtConfDir.
   */
  readonly tgtTargetsConf?: string;
  readonly backingDir?: string;
  readonly commandTimeoutMs?: number;
  /** Each LUN's CHAP account (./chap-account chapResolver); none: no CHAP. */
  readonly chapFor?: (lunId: string) => ChapAccount | undefined;
  /** The topology's replications (those of this array's LUNs are used). */
  readonly replication?: readonly Replication[];
}

const DIALECTS: { readonly [K in StorageArray['kind']]: (o: ArrayDriverOptions) => ArrayDialect } =
  {
    tgt: (o) =>
      tgtDialect({
        ...(o.tgtControlPort !== undefined && { controlPort: o.tgtControlPort }),
        ...(o.tgtConfDir !== undefined && { confDir: o.tgtConfDir }),
        ...(o.tgtTargetsConf !== undefined && { targetsConf: o.tgtTargetsConf }),
      }),
    lio: () => targetcliDialect,
  };

/** The driver for a topology array, speaking its kind's CLI over SSH. */
export function createArrayDriver(
  array: StorageArray,
  connector: SshConnector,
  options: ArrayDriverOptions = {},
): StorageArrayDriver & ArrayReplicationDriver {
  return new SshArrayDriver({
    array,
    connector,
    dialect: DIALECTS[array.kind](options),
    ...(options.backingDir !== undefined && { backingDir: options.backingDir }),
    ...(options.commandTimeoutMs !== undefined && { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.chapFor !== undefined && { chapFor: options.chapFor }),
    ...(options.replication !== undefined && { replication: options.replication }),
  });
}
