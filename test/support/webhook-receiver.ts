import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface ReceivedNotification {
  readonly body: Record<string, unknown> & { kind: string };
  readonly raw: string;
  readonly signature: string | undefined;
  /** The signature recomputed here, independently of rackshift's signer, matches the header. */
  readonly signatureValid: boolean;
}

/**
 * A webhook receiver as an operator would write one: it recomputes HMAC-SHA256 over the raw
 * body with the shared key and compares in constant time. Answers 503 for the first
 * `failFirst` requests (to show the sender retries).
 */
export async function startWebhookReceiver(
  key: () => string,
  options: { failFirst?: number } = {},
): Promise<{
  url: string;
  received: ReceivedNotification[];
  requests: number;
  stop(): Promise<void>;
}> {
  const received: ReceivedNotification[] = [];
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests += 1;
      if (state.requests <= (options.failFirst ?? 0)) {
        res.writeHead(503).end();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = req.headers['x-rackshift-signature'];
      const signature = Array.isArray(header) ? header[0] : header;
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', key()).update(raw).digest('hex')}`,
      );
      const given = Buffer.from(signature ?? '');
      received.push({
        body: JSON.parse(raw) as ReceivedNotification['body'],
        raw,
        signature,
        signatureValid: given.length === expected.length && timingSafeEqual(given, expected),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks/rackshift`,
    received,
    get requests() {
      return state.requests;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
