/**
 * One config; suites live under test/<kind>/. Real peers (ipmi_sim, tgtd, OVS, Temporal) are
 * started per suite.
 */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
const base = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };
module.exports = {
  maxWorkers: 2,
  projects: [
    // Unit suites run in process: their environment makes spawning a process or opening a
    // socket throw (test/support/unit-environment.ts).
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      testEnvironment: '<rootDir>/test/support/unit-environment.ts',
    },
    {
      ...base,
      displayName: 'drivers',
      testMatch: ['<rootDir>/test/drivers/**/*.test.ts'],
      slowTestThreshold: 30,
    },
    { ...base, displayName: 'lab', testMatch: ['<rootDir>/test/lab/**/*.test.ts'] },
    {
      ...base,
      displayName: 'api',
      testMatch: ['<rootDir>/test/api/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-bundle.ts',
      setupFiles: ['<rootDir>/test/support/quiet-runtime.ts'],
    },
    {
      ...base,
      displayName: 'workflows',
      testMatch: ['<rootDir>/test/workflows/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-bundle.ts',
      setupFiles: ['<rootDir>/test/support/quiet-runtime.ts'],
    },
    // Deployment files checked offline (docker-compose config, openssl): no server to start.
    { ...base, displayName: 'deploy', testMatch: ['<rootDir>/test/deploy/**/*.test.ts'] },
    // The production shape: the real temporal-server on PostgreSQL, worker and API processes
    // (docs/production.md).
    {
      ...base,
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-cluster.ts',
      globalTeardown: '<rootDir>/test/support/global-cluster-teardown.ts',
      setupFiles: ['<rootDir>/test/support/quiet-runtime.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/chaos/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-bundle.ts',
      setupFiles: ['<rootDir>/test/support/quiet-runtime.ts'],
    },
  ],
};
