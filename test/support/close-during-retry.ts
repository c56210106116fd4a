/**
 * Child-process probe for test/drivers/temporal-connect.test.ts: calls Temporal at an address where
 * nothing listens (UNAVAILABLE, retried on a timer), closes the connection while a retry waits,
 * and prints how the call ended. `guarded` uses rackshift's connection options; `plain` uses
 * Temporal's retry interceptor alone. Usage: close-during-retry.ts <guarded|plain> <address>
 */
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { temporalConnectionOptions } from '../../temporal/connect';

const [mode, address] = process.argv.slice(2);
if (!address || (mode !== 'guarded' && mode !== 'plain'))
  throw new Error('usage: close-during-retry.ts <guarded|plain> <address>');

process.on('uncaughtException', (error) => {
  console.log(`uncaught: ${error.message}`);
  process.exit(3);
});

const connection = Connection.lazy(
  mode === 'guarded'
    ? temporalConnectionOptions({ address })
    : { address, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions())] },
);
connection.workflowService.getSystemInfo({}).then(
  () => console.log('resolved'),
  (error: { code?: number; details?: string }) =>
    console.log(`rejected: code=${error.code} ${error.details}`),
);
setTimeout(() => void connection.close(), 300);
setTimeout(() => process.exit(0), 2500);
