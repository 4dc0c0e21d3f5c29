import { AppConfig } from './app-config';
import { ConfigError } from './env-parsers';

const KEY = `0x${'4a'.repeat(32)}`;

function problemsOf(env: Record<string, string>): string {
  try {
    AppConfig.fromEnv({ CHAIN: 'off', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
}

describe('AppConfig Aptos settings', () => {
  it('is off without APTOS_NETWORK', () => {
    expect(AppConfig.fromEnv({ CHAIN: 'off' }).chains.aptos).toBeUndefined();
  });

  it('fills in the node and indexer of a known network', () => {
    const aptos = AppConfig.fromEnv({ CHAIN: 'off', APTOS_NETWORK: 'testnet', APTOS_MODULE_ADDRESS: '0xcafe', APTOS_OPERATOR_PRIVATE_KEY: `ed25519-priv-${KEY}` }).chains.aptos;
    expect(aptos).toEqual({
      network: 'testnet',
      nodeUrl: 'https://api.testnet.aptoslabs.com/v1',
      indexerUrl: 'https://api.testnet.aptoslabs.com/v1/graphql',
      apiKey: undefined,
      moduleAddress: '0xcafe',
      operatorPrivateKey: `ed25519-priv-${KEY}`,
      pollMs: 2000,
      depositPageSize: 100,
    });
  });

  it('needs both URLs on a custom network, and an Ed25519 operator key', () => {
    const problems = problemsOf({ APTOS_NETWORK: 'custom', APTOS_MODULE_ADDRESS: '0xcafe', APTOS_OPERATOR_PRIVATE_KEY: '0x1234' });
    for (const name of ['APTOS_NODE_URL', 'APTOS_INDEXER_URL', 'APTOS_OPERATOR_PRIVATE_KEY']) expect(problems).toContain(name);
    expect(problems).not.toContain('0x1234');
    expect(problemsOf({ APTOS_NETWORK: 'local', APTOS_MODULE_ADDRESS: '0xcafe', APTOS_OPERATOR_PRIVATE_KEY: KEY, APTOS_DEPOSIT_PAGE_SIZE: '0' })).toContain('APTOS_DEPOSIT_PAGE_SIZE');
  });
});
