// Unit tests: pure logic next to the code (`src/**/*.spec.ts`). Nest 12 ships ES modules, so
// @nestjs packages go through the same SWC transform as our TypeScript.
const swc = require('./test/swc.config');
const { aptosClientForJest } = require('./test/aptos-client-for-jest');

module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@aptos-labs|@noble|@scure)/)'],
  moduleNameMapper: aptosClientForJest,
};
