// @aptos-labs/ts-sdk 7 and its dependencies ship ES modules only. Node 24 loads them from `require`,
// but Jest's CommonJS runtime needs them transformed (transformIgnorePatterns lets SWC compile
// @aptos-labs, @noble and @scure). The Node build of the SDK's HTTP client pulls in `got` and about
// twenty more ES-only packages; tests never call the Aptos network, so they load the client's own
// fetch build (what the package ships for Deno, Bun and edge runtimes) instead of transforming that tree.
const aptosClientForJest = {
  '^@aptos-labs/aptos-client$': '<rootDir>/node_modules/@aptos-labs/aptos-client/dist/index.fetch.js',
};

module.exports = { aptosClientForJest };
