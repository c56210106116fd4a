import { createSocket } from 'node:dgram';

/**
 * RMCP (version 6, no ack, class ASF) + ASF Presence Ping (IANA 4542, type 0x80, tag 0, no data).
 */
const PRESENCE_PING = Buffer.from([
  0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x00, 0x00, 0x00,
]);
const PRESENCE_PONG = 0x40;

/**
 * True when a BMC answers an ASF presence ping at address:port within timeoutMs. Used to
 * know that a freshly started ipmi_sim has bound its UDP port, without racing it for the
 * port. The socket is connected so that a closed port (ICMP port unreachable) answers
 * false at once instead of after the timeout.
 */
export function rmcpPing(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    let finished = false;
    const done = (answered: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('message', (msg) => {
      if (msg.length > 8 && msg[8] === PRESENCE_PONG) done(true);
    });
    socket.on('error', () => done(false));
    socket.connect(port, address, () => socket.send(PRESENCE_PING));
  });
}
