import { BlockList, isIP } from 'node:net';
import express, { type Router } from 'express';
import { parseCidr } from '../../common/cidr';
import { isRackshiftError, ValidationError, type FieldIssue } from '../../common/errors';
import type { SecretStore } from '../../common/secrets';
import type { BootAssignmentStore } from '../../drivers/boot/boot-assignment-store';
import { bootPlanFor } from '../../drivers/boot/boot-plan';
import {
  renderFallthroughScript,
  renderIpxeScript,
  type BootPlan,
} from '../../drivers/boot/ipxe-script';
import { resolveChap } from '../../drivers/storage/chap-account';
import type { TopologyIndex } from '../../inventory/topology-index';
import { MAC_PATTERN } from '../../inventory/patterns';

export interface BootRouterOptions {
  readonly topology: TopologyIndex;
  /** The site ledgers' boot assignments, by MAC. */
  readonly assignments: BootAssignmentStore;
  /** Addresses or CIDRs (IPv4 or IPv6) of the boot networks allowed to fetch scripts. */
  readonly allowFrom: readonly string[];
  /**
   * Resolves personas' CHAP credentials when a script is served to its machine; without it a CHAP
   * persona's script is not served.
   */
  readonly secrets?: SecretStore;
}

/**
 * The allow list as a BlockList; every entry must parse, and an empty list is refused (it would
 * serve nobody).
 */
function parseAllowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  const issues: FieldIssue[] = [];
  if (entries.length === 0)
    issues.push({
      path: 'allowFrom',
      message: 'name at least one address or CIDR that may fetch boot scripts',
    });
  entries.forEach((entry, i) => {
    const cidr = parseCidr(entry);
    if (cidr === undefined) {
      issues.push({
        path: `allowFrom[${i}]`,
        message: `"${entry}" is not an IP address or CIDR like 10.0.0.0/8 or fd00::/8`,
      });
      return;
    }
    if (cidr.bits === undefined) list.addAddress(cidr.address, cidr.type);
    else list.addSubnet(cidr.address, cidr.bits, cidr.type);
  });
  if (issues.length > 0) throw new ValidationError('boot router options', issues);
  return list;
}

/** An IPv4 client seen on a dual-stack socket as ::ffff:a.b.c.d is a.b.c.d. */
const unmapped = (remote: string): string =>
  /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1] ?? remote;

function allowed(list: BlockList, remote: string | undefined): boolean {
  if (remote === undefined) return false;
  const v4 = unmapped(remote);
  if (v4 !== remote) return list.check(v4, 'ipv4') || list.check(remote, 'ipv6');
  return list.check(remote, isIP(remote) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The NIC's own boot address when the topology binds one; a script for that MAC goes to it only.
 */
function boundElsewhere(
  topology: TopologyIndex,
  mac: string,
  remote: string | undefined,
): string | undefined {
  const bound = topology.machineByMac(mac)?.nics.find((n) => n.mac === mac)?.bootAddress;
  if (bound === undefined) return undefined;
  const list = new BlockList();
  list.addAddress(bound, isIP(bound) === 6 ? 'ipv6' : 'ipv4');
  return remote !== undefined &&
    list.check(unmapped(remote), isIP(unmapped(remote)) === 6 ? 'ipv6' : 'ipv4')
    ? undefined
    : bound;
}

/**
 * A SAN-boot plan of a persona with `chap` gets its CHAP account, resolved now. Only a NIC with
 * a bootAddress gets it: the router has already refused every other source address, so the
 * secret goes to the machine alone (docs/security.md). A drill copy boots a clone, which has no
 * CHAP binding, and gets none.
 */
function withChap(options: BootRouterOptions, plan: BootPlan, mac: string): BootPlan {
  if (plan.kind !== 'san-iscsi' || plan.drill !== undefined) return plan;
  const credential = options.topology.topology.personas.find((p) => p.name === plan.persona)?.chap;
  if (credential === undefined) return plan;
  const bound = options.topology.machineByMac(mac)?.nics.find((n) => n.mac === mac)?.bootAddress;
  if (bound === undefined) {
    throw new ValidationError('boot script', [
      {
        path: 'bootAddress',
        message: `persona ${plan.persona}'s LUNs demand CHAP, whose secret is served only to a NIC with a bootAddress; ${mac} has none`,
      },
    ]);
  }
  if (options.secrets === undefined)
    throw new ValidationError('boot script', [
      {
        path: 'chap',
        message: `persona ${plan.persona}'s LUNs demand CHAP and this API has no credential store`,
      },
    ]);
  return { ...plan, chap: resolveChap(options.secrets, credential) };
}

/**
 * `GET /boot/ipxe?mac=<mac>`: the iPXE script for what that MAC is assigned to boot.
 * Unauthenticated, because firmware cannot hold a token, so it answers only source
 * addresses in `allowFrom` (403 otherwise), and for a NIC whose `bootAddress` the topology
 * declares, only that address (403 otherwise; docs/security.md says what this does and does
 * not stop). A CHAP persona's script carries its secret and is served to a bound NIC only.
 * The script is never logged. A malformed MAC is a 400; an unknown or
 * unresolvable assignment gets a script that exits to the next boot device.
 */
export function createBootRouter(options: BootRouterOptions): Router {
  const allowList = parseAllowList(options.allowFrom);
  const router = express.Router();
  router.get('/boot/ipxe', async (req, res) => {
    res.type('text/plain').set('Cache-Control', 'no-store');
    // req.ip: the socket's peer, or with `trust proxy` set (--trusted-proxy) the client a trusted
    // proxy forwarded for; a forwarded header from any other peer is ignored.
    if (!allowed(allowList, req.ip)) {
      res.status(403).send('boot scripts are served to the boot networks only\n');
      return;
    }
    const raw = req.query.mac;
    const mac = typeof raw === 'string' ? raw.toLowerCase().replace(/-/g, ':') : '';
    if (!MAC_PATTERN.test(mac)) {
      res.status(400).send('mac must be a MAC address like 52:54:00:12:34:56\n');
      return;
    }
    if (boundElsewhere(options.topology, mac, req.ip) !== undefined) {
      // The script names the persona's SAN target: another host on the boot network must not learn
      // it.
      res.status(403).send(`the boot script of ${mac} is served to that NIC's boot address only\n`);
      return;
    }
    try {
      const assignment = await options.assignments.get(mac);
      if (assignment === undefined) {
        res.send(renderFallthroughScript(mac, 'no boot assignment'));
        return;
      }
      let script: string;
      try {
        script = renderIpxeScript(
          withChap(options, bootPlanFor(options.topology, assignment), mac),
        );
      } catch (e) {
        if (!isRackshiftError(e)) throw e;
        script = renderFallthroughScript(
          mac,
          `assignment to ${assignment.persona} cannot be served: ${e.message}`,
        );
      }
      res.send(script);
    } catch (e) {
      console.error(`api: boot script for ${mac}: ${(e as Error).message}`);
      res.status(500).send('the boot script could not be read; see the API log\n');
    }
  });
  return router;
}
