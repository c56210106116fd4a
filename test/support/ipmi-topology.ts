import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { parseTopology } from '../../inventory/load-topology';
import type { Topology, TopologyInput } from '../../inventory/topology-schema';
import { LAB_SMALL } from './lab-fixtures';

/**
 * `count` distinct UDP ports on 127.0.0.1 that were free a moment ago (all held until every one is
 * chosen).
 */
async function freeUdpPorts(count: number): Promise<number[]> {
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const socket = createSocket('udp4');
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, '127.0.0.1', () => resolve());
      });
    }
    return sockets.map((s) => s.address().port);
  } finally {
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** examples/lab-small.yaml with every IPMI BMC moved to a loopback UDP port free right now. */
export async function ipmiLabTopology(): Promise<Topology> {
  const raw = parseYaml(await readFile(LAB_SMALL, 'utf8')) as TopologyInput;
  const ipmi = raw.sites.flatMap((s) => s.machines ?? []).filter((m) => m.bmc.driver === 'ipmi');
  const ports = await freeUdpPorts(ipmi.length);
  ipmi.forEach((m, i) => {
    m.bmc.port = ports[i];
  });
  return parseTopology(raw, LAB_SMALL);
}
