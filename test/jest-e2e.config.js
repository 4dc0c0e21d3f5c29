// e2e tests boot the real application against PostgreSQL and Redis and speak HTTP and
// Socket.IO to it. They share one database, so they run in band.
const swc = require('./swc.config');
const { aptosClientForJest } = require('./aptos-client-for-jest');

module.exports = {
  testEnvironment: 'node',
  rootDir: '..',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@aptos-labs|@noble|@scure)/)'],
  moduleNameMapper: aptosClientForJest,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  testTimeout: 60000,
};
