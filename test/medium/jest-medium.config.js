// Medium tests: one module's services in a TestingModule against the real PostgreSQL and Redis,
// without HTTP. They share the e2e database, so they run in band.
const swc = require('../swc.config');
const { aptosClientForJest } = require('../aptos-client-for-jest');

module.exports = {
  testEnvironment: 'node',
  rootDir: '../..',
  roots: ['<rootDir>/test/medium'],
  testMatch: ['**/*.medium-spec.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@aptos-labs|@noble|@scure)/)'],
  moduleNameMapper: aptosClientForJest,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  testTimeout: 30000,
};
