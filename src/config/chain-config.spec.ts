import { AppConfig } from './app-config';

const PRODUCTION = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://cache', JWT_SECRET: 'x'.repeat(32) };

describe('chain settings', () => {
  it('runs the dev chain with evm-block salts outside production, and no chain with server salts in production', () => {
    const dev = AppConfig.fromEnv({}).chains;
    expect(dev.evm).toMatchObject({ kind: 'dev', name: 'dev', chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', confirmations: 2, signatureCheckTimeoutMs: 5000 });
    expect(dev.saltSource).toBe('evm-block');
    expect(AppConfig.fromEnv({}).withdrawalChains).toEqual(['dev']);
    const production = AppConfig.fromEnv(PRODUCTION);
    expect(production.chains.evm).toBeUndefined();
    expect(production.chains.saltSource).toBe('server');
    expect(production.withdrawalChains).toEqual([]);
  });

  it('names every missing setting of a configured real chain', () => {
    expect(() => AppConfig.fromEnv({ ...PRODUCTION, CHAIN: 'base' })).toThrow(/EVM_RPC_URL is required[\s\S]*OPERATOR_PRIVATE_KEY is required[\s\S]*VAULT_ADDRESS is required/);
    expect(() => AppConfig.fromEnv({ CHAIN: 'evm', EVM_RPC_URL: 'https://rpc.example', OPERATOR_PRIVATE_KEY: `0x${'1'.repeat(64)}`, VAULT_ADDRESS: `0x${'2'.repeat(40)}` })).toThrow(
      /EVM_CHAIN_ID is required with CHAIN=evm/,
    );
    const base = AppConfig.fromEnv({ ...PRODUCTION, CHAIN: 'base', EVM_RPC_URL: 'https://mainnet.base.org', OPERATOR_PRIVATE_KEY: `0x${'1'.repeat(64)}`, VAULT_ADDRESS: `0x${'2'.repeat(40)}` });
    expect(base.chains.evm).toMatchObject({ chainId: 8453, confirmations: 12 });
    expect(base.withdrawalChains).toEqual(['base']);
  });

  it('refuses malformed keys and addresses, and a salt source without its chain', () => {
    expect(() => AppConfig.fromEnv({ OPERATOR_PRIVATE_KEY: '0x12', VAULT_ADDRESS: 'vault' })).toThrow(/OPERATOR_PRIVATE_KEY must be 0x and 64 hex digits[\s\S]*VAULT_ADDRESS must be/);
    expect(() => AppConfig.fromEnv({ CHAIN: 'off', SALT_SOURCE: 'evm-block' })).toThrow(/SALT_SOURCE=evm-block needs an EVM chain/);
    expect(() => AppConfig.fromEnv({ SALT_SOURCE: 'aptos' })).toThrow(/SALT_SOURCE=aptos needs APTOS_NETWORK/);
    expect(() => AppConfig.fromEnv({ WITHDRAWAL_REVIEW_THRESHOLD: '-1' })).toThrow(/WITHDRAWAL_REVIEW_THRESHOLD/);
    expect(() => AppConfig.fromEnv({ EVM_SIGNATURE_CHECK_TIMEOUT_MS: '10' })).toThrow(/EVM_SIGNATURE_CHECK_TIMEOUT_MS/);
  });

  it('configures Aptos only with APTOS_NETWORK, requiring the module address and operator key', () => {
    expect(AppConfig.fromEnv({}).chains.aptos).toBeUndefined();
    expect(() => AppConfig.fromEnv({ APTOS_NETWORK: 'testnet' })).toThrow(/APTOS_MODULE_ADDRESS is required[\s\S]*APTOS_OPERATOR_PRIVATE_KEY is required/);
    expect(() => AppConfig.fromEnv({ APTOS_NETWORK: 'custom', APTOS_MODULE_ADDRESS: '0x1', APTOS_OPERATOR_PRIVATE_KEY: 'k' })).toThrow(/APTOS_NODE_URL is required/);
    const aptos = AppConfig.fromEnv({ CHAIN: 'off', APTOS_NETWORK: 'testnet', APTOS_MODULE_ADDRESS: '0xcafe', APTOS_OPERATOR_PRIVATE_KEY: `0x${'3'.repeat(64)}` });
    expect(aptos.chains.aptos).toMatchObject({ network: 'testnet', nodeUrl: 'https://api.testnet.aptoslabs.com/v1', moduleAddress: '0xcafe' });
    expect(aptos.chains.saltSource).toBe('aptos');
    expect(aptos.withdrawalChains).toEqual(['aptos']);
  });
});
