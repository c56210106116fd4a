import { DefaultLogger, Runtime } from '@temporalio/worker';

// Test suites provoke workflow failures on purpose; keep the SDK to errors so the output stays
// readable.
Runtime.install({ logger: new DefaultLogger('ERROR') });
