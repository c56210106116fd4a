import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * SDK log level from RACKSHIFT_LOG_LEVEL (TRACE…ERROR), else `fallback`; with `metricsListen`
 * (host:port) the SDK's own Prometheus exporter serves the worker's metrics (task slots, polls,
 * workflow and activity completions and latencies by type) on http://host:port/metrics.
 * Call before any worker connects: the runtime is installed once per process.
 */
export function installRuntimeLogging(fallback: LogLevel, metricsListen?: string): void {
  const wanted = (process.env.RACKSHIFT_LOG_LEVEL ?? '').toUpperCase() as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(LEVELS.includes(wanted) ? wanted : fallback),
    ...(metricsListen !== undefined && {
      telemetryOptions: {
        metrics: {
          prometheus: {
            bindAddress: metricsListen,
            countersTotalSuffix: true,
            useSecondsForDurations: true,
          },
        },
      },
    }),
  });
}
