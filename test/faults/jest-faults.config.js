// Fault suite: real server and worker processes against PostgreSQL and Redis, killed, cut off and restarted;
// each scenario ends with the ledger reconciled and every acknowledged operation present. The scenarios share
// one database and start processes of their own, so they run in band.
const swc = require('../swc.config');
const { aptosClientForJest } = require('../aptos-client-for-jest');

module.exports = {
  testEnvironment: 'node',
  rootDir: '../..',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.fault-spec.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@aptos-labs|@noble|@scure)/)'],
  moduleNameMapper: aptosClientForJest,
  globalSetup: '<rootDir>/test/faults/support/global-setup.js',
  globalTeardown: '<rootDir>/test/faults/support/print-fault-report.js',
  testTimeout: 180000,
};
