import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** SDK log level from RACKSHIFT_LOG_LEVEL (TRACE…ERROR), else `fallback`. Call before any worker connects. */
export function installRuntimeLogging(fallback: LogLevel): void {
  const wanted = (process.env.RACKSHIFT_LOG_LEVEL ?? '').toUpperCase() as LogLevel;
  Runtime.install({ logger: new DefaultLogger(LEVELS.includes(wanted) ? wanted : fallback) });
}
