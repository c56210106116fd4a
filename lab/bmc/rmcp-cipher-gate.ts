import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/**
 * Authentication, integrity and confidentiality algorithm of the cipher suites the gate can
 * refuse (IPMI 2.0 table 22-20): 3 is RAKP-HMAC-SHA1 / HMAC-SHA1-96 / AES-CBC-128, 17 is
 * RAKP-HMAC-SHA256 / HMAC-SHA256-128 / AES-CBC-128.
 */
const CIPHER_SUITE_ALGORITHMS: Readonly<Record<number, readonly [number, number, number]>> = {
  0: [0, 0, 0],
  1: [1, 0, 0],
  2: [1, 1, 0],
  3: [1, 1, 1],
  17: [3, 4, 1],
};

const RMCP_IPMI = [0x06, 0x00, 0xff, 0x07];
const FORMAT_RMCP_PLUS = 0x06;
const OPEN_SESSION_REQUEST = 0x10;
const OPEN_SESSION_RESPONSE = 0x11;
/**
 * IPMI 2.0 table 13-15 status codes, as ipmitool prints them: "no matching cipher suite",
 * "insufficient resources for session".
 */
const NO_CIPHER_SUITE_MATCH = 0x11;
const INSUFFICIENT_RESOURCES = 0x01;
/** RMCP header (4), format, payload type, session id (4), sequence (4), payload length (2). */
const PAYLOAD_AT = 16;
const CLIENT_IDLE_MS = 30_000;

/**
 * The requested suite of an RMCP+ Open Session Request, as its three algorithms; undefined for any
 * other packet.
 */
function openSessionAlgorithms(packet: Buffer): readonly [number, number, number] | undefined {
  if (packet.length < PAYLOAD_AT + 32 || RMCP_IPMI.some((b, i) => packet[i] !== b))
    return undefined;
  if (packet[4] !== FORMAT_RMCP_PLUS || ((packet[5] ?? 0) & 0x3f) !== OPEN_SESSION_REQUEST)
    return undefined;
  const p = PAYLOAD_AT;
  return [(packet[p + 12] ?? 0) & 0x3f, (packet[p + 20] ?? 0) & 0x3f, (packet[p + 28] ?? 0) & 0x3f];
}

/**
 * The Open Session Response refusing `request`: its message tag, `status` and console session id;
 * on error the BMC sends only those 8 bytes.
 */
function refusal(request: Buffer, status = NO_CIPHER_SUITE_MATCH): Buffer {
  const p = PAYLOAD_AT;
  const payload = Buffer.alloc(8);
  payload[0] = request[p] ?? 0;
  payload[1] = status;
  request.copy(payload, 4, p + 4, p + 8);
  const header = Buffer.from([
    ...RMCP_IPMI,
    FORMAT_RMCP_PLUS,
    OPEN_SESSION_RESPONSE,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    payload.length,
    0,
  ]);
  return Buffer.concat([header, payload]);
}

/**
 * A UDP relay in front of one ipmi_sim that refuses the Open Session of some cipher suites
 * the way a BMC with those suites disabled does, since ipmi_sim cannot be told to refuse
 * one (it stores LAN parameter 24, the per-suite privilege limits, without enforcing it),
 * and, for a busy profile, Open Sessions for want of a free session slot.
 * Every other packet goes to ipmi_sim unchanged, from one upstream socket per client so
 * that answers find their way back.
 */
export class RmcpCipherGate {
  private readonly socket: Socket = createSocket('udp4');
  private readonly upstream = new Map<string, { readonly socket: Socket; timer: NodeJS.Timeout }>();
  private readonly refused: ReadonlyArray<readonly [number, number, number]>;
  /** A dark machine: the gate drops everything, refusals included. */
  silent = false;
  /** Open Sessions seen, and how many were refused for want of a session slot. */
  private openSessions = 0;
  busyRefusals = 0;

  constructor(
    private readonly backend: { readonly address: string; readonly port: number },
    refusedSuites: readonly number[],
    /** Sees every packet forwarded to ipmi_sim (the lab reads cleartext requests off them). */
    private readonly observe: (packet: Buffer) => void = () => undefined,
    /**
     * Of every `busyOpenSessions + 1` Open Sessions, the first this many find no free session slot.
     */
    private readonly busyOpenSessions = 0,
  ) {
    this.refused = refusedSuites.map((s) => {
      const algorithms = CIPHER_SUITE_ALGORITHMS[s];
      if (algorithms === undefined)
        throw new Error(`lab ipmi: the cipher gate does not know suite ${s}`);
      return algorithms;
    });
  }

  listen(address: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.on('message', (msg, from) => this.fromClient(msg, from));
      this.socket.bind(port, address, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
  }

  private fromClient(msg: Buffer, from: RemoteInfo): void {
    if (this.silent) return;
    const algorithms = openSessionAlgorithms(msg);
    if (
      algorithms !== undefined &&
      this.refused.some((r) => r.every((a, i) => a === algorithms[i]))
    ) {
      this.socket.send(refusal(msg), from.port, from.address);
      return;
    }
    if (
      algorithms !== undefined &&
      this.openSessions++ % (this.busyOpenSessions + 1) < this.busyOpenSessions
    ) {
      this.busyRefusals += 1;
      this.socket.send(refusal(msg, INSUFFICIENT_RESOURCES), from.port, from.address);
      return;
    }
    this.observe(msg);
    this.clientSocket(from).send(msg, this.backend.port, this.backend.address);
  }

  private clientSocket(from: RemoteInfo): Socket {
    const key = `${from.address}:${from.port}`;
    const known = this.upstream.get(key);
    if (known !== undefined) {
      known.timer.refresh();
      return known.socket;
    }
    const socket = createSocket('udp4');
    socket.on('message', (msg) => this.socket.send(msg, from.port, from.address));
    const timer = setTimeout(() => this.drop(key), CLIENT_IDLE_MS);
    this.upstream.set(key, { socket, timer });
    return socket;
  }

  private drop(key: string): void {
    const entry = this.upstream.get(key);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    entry.socket.close();
    this.upstream.delete(key);
  }

  async close(): Promise<void> {
    for (const key of [...this.upstream.keys()]) this.drop(key);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
