import { Client } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, TEST_PRAGMAS, type DevServer } from '../../temporal/dev-server';
import { findTemporalCli } from '../../temporal/find-temporal-cli';
import { NAMESPACE } from '../../worker/task-queue';
import { freePort } from './free-port';
import { connectTemporal } from '../../temporal/connect';

export interface TestTemporal {
  readonly address: string;
  readonly dir: string;
  readonly dbFile: string;
  client: Client;
  /** Stops the server (SIGKILL when `crash`), starts it again on the same SQLite file and port. */
  restart(options?: { crash?: boolean; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One real Temporal dev server per suite (the `temporal` CLI, never a mock), on a free port
 * and a SQLite file in a temp folder. Fails loudly, naming the setup script, when the CLI is
 * missing.
 */
export async function startTestTemporal(): Promise<TestTemporal> {
  const cli = findTemporalCli();
  const dir = mkdtempSync(join(tmpdir(), 'rackshift-temporal-'));
  const port = await freePort();
  const dbFile = join(dir, 'temporal.db');
  const start = (): Promise<DevServer> =>
    startDevServer({
      cli,
      dbFile,
      port,
      headless: true,
      pragmas: TEST_PRAGMAS,
      logFile: join(dir, 'temporal.log'),
      readyTimeoutMs: 90_000,
    });
  let server = await start();
  const connection = await connectTemporal({ address: server.address });
  const env: TestTemporal = {
    address: server.address,
    dir,
    dbFile,
    client: new Client({ connection, namespace: NAMESPACE }),
    // The client keeps its connection, as the API's does in production: gRPC reconnects by itself.
    async restart(options = {}) {
      await server.stop(options.crash ? 'SIGKILL' : 'SIGTERM');
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      server = await start();
    },
    async stop() {
      await connection.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}
