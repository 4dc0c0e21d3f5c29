import { amountShapeProblem } from '../common/money/amount';
import { USDC_DECIMALS } from '../common/money/usdc';
import { EnvReader } from './env-parsers';

/** `dev`: a local anvil the server starts (or connects to) and deploys to; `base`/`evm`: a real network by RPC; `off`: no EVM chain. */
export const EVM_CHAIN_KINDS = ['dev', 'base', 'evm', 'off'] as const;
export type EvmChainKind = (typeof EVM_CHAIN_KINDS)[number];

export const APTOS_NETWORKS = ['mainnet', 'testnet', 'devnet', 'local', 'custom'] as const;
export type AptosNetworkName = (typeof APTOS_NETWORKS)[number];

export const SALT_SOURCES = ['evm-block', 'aptos', 'server'] as const;
export type SaltSourceName = (typeof SALT_SOURCES)[number];

/** The anvil test mnemonic's account #0 deploys and owns the dev contracts; #1 is the operator (its own nonces). */
export const DEV_CHAIN_ID = 31337;
export const DEV_OPERATOR_PRIVATE_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

export interface EvmChainConfig {
  kind: Exclude<EvmChainKind, 'off'>;
  /** The chain's name in withdrawals and deposits (`dev`, `base`, or `evm`). */
  name: 'dev' | 'base' | 'evm';
  rpcUrl: string;
  chainId: number;
  operatorPrivateKey: string;
  /** Unset on the dev chain until the server deployed its contracts. */
  vaultAddress: string | undefined;
  seedCommitmentsAddress: string | undefined;
  confirmations: number;
  /** Dev chain only: the port anvil listens on and its block interval in seconds. */
  devChainPort: number;
  devChainBlockTime: number;
  /** How often the deposit watcher and the withdrawal sender look at the chain. */
  pollMs: number;
  /** Largest block range of one `eth_getLogs`. */
  logRange: number;
  /** How long a smart-wallet (ERC-1271/6492) sign-in waits for each RPC answer before a 503. */
  signatureCheckTimeoutMs: number;
}

export interface AptosChainConfig {
  network: AptosNetworkName;
  /** Fullnode REST base (…/v1); defaults per network, required for `custom`. */
  nodeUrl: string;
  /** Indexer GraphQL endpoint: where vault deposits are found (module events have no fullnode query); defaults per network. */
  indexerUrl: string;
  /** Aptos Labs API key (sent as a bearer token to the node and indexer); unset for keyless or self-hosted endpoints. */
  apiKey: string | undefined;
  /** Address the cash_markets Move package was published at (vault and salt draws). */
  moduleAddress: string;
  operatorPrivateKey: string;
  pollMs: number;
  /** Indexer rows the deposit watcher reads per page (APTOS_DEPOSIT_PAGE_SIZE). */
  depositPageSize: number;
}

export interface ChainSettings {
  evm: EvmChainConfig | undefined;
  aptos: AptosChainConfig | undefined;
  /** Where round salts come from: `evm-block` by default when an EVM chain is configured, else `aptos` if it is, else `server`. */
  saltSource: SaltSourceName;
  /** `evm-block`: the salt block is this many blocks past the head when the round is created. */
  saltBlockDelay: number;
  /** A round whose salt is still not there this long after its start time is voided (never drawn again). */
  saltWaitMs: number;
  /** USDC decimal string: withdrawals above it wait for an admin's approval before they are sent. */
  withdrawalReviewThreshold: string;
  /** A withdrawal not confirmed this long after it was first sent is marked FAILED and its hold released. */
  withdrawalDeadlineMs: number;
  /** Round seeds recorded in one SeedCommitments.revealSeeds transaction at most. */
  seedRevealBatchSize: number;
  /** How often the chain-settlement job looks for seed chains and revealed seeds not yet on chain (besides the round events). */
  chainSettlementIntervalMs: number;
}

const APTOS_NODE_URLS: Record<Exclude<AptosNetworkName, 'custom'>, string> = {
  mainnet: 'https://api.mainnet.aptoslabs.com/v1',
  testnet: 'https://api.testnet.aptoslabs.com/v1',
  devnet: 'https://api.devnet.aptoslabs.com/v1',
  local: 'http://127.0.0.1:8080/v1',
};

const APTOS_INDEXER_URLS: Record<Exclude<AptosNetworkName, 'custom'>, string> = {
  mainnet: 'https://api.mainnet.aptoslabs.com/v1/graphql',
  testnet: 'https://api.testnet.aptoslabs.com/v1/graphql',
  devnet: 'https://api.devnet.aptoslabs.com/v1/graphql',
  local: 'http://127.0.0.1:8090/v1/graphql',
};

export function readChainSettings(read: EnvReader, production: boolean): ChainSettings {
  const evm = readEvm(read, production);
  const aptos = readAptos(read);
  const saltSource = read.oneOf('SALT_SOURCE', SALT_SOURCES, evm ? 'evm-block' : aptos ? 'aptos' : 'server');
  if (saltSource === 'evm-block' && !evm) read.problems.push('SALT_SOURCE=evm-block needs an EVM chain (CHAIN is off)');
  if (saltSource === 'aptos' && !aptos) read.problems.push('SALT_SOURCE=aptos needs APTOS_NETWORK');
  const withdrawalReviewThreshold = read.string('WITHDRAWAL_REVIEW_THRESHOLD', '1000');
  const thresholdProblem = amountShapeProblem(withdrawalReviewThreshold, 'nonNegative', USDC_DECIMALS);
  if (thresholdProblem) read.problems.push(`WITHDRAWAL_REVIEW_THRESHOLD ${thresholdProblem} (got "${withdrawalReviewThreshold}")`);
  return {
    evm,
    aptos,
    saltSource,
    saltBlockDelay: read.integer('SALT_BLOCK_DELAY', 1, { min: 1, max: 10_000 }),
    saltWaitMs: read.integer('SALT_WAIT_MS', 120_000, { min: 100, max: 24 * 3_600_000 }),
    withdrawalReviewThreshold,
    withdrawalDeadlineMs: read.integer('WITHDRAWAL_DEADLINE_MS', 15 * 60_000, { min: 1000, max: 7 * 24 * 3_600_000 }),
    seedRevealBatchSize: read.integer('SEED_REVEAL_BATCH_SIZE', 100, { min: 1, max: 500 }),
    chainSettlementIntervalMs: read.integer('CHAIN_SETTLEMENT_INTERVAL_MS', 60_000, { min: 1000, max: 3_600_000 }),
  };
}

function readEvm(read: EnvReader, production: boolean): EvmChainConfig | undefined {
  const kind = read.oneOf('CHAIN', EVM_CHAIN_KINDS, production ? 'off' : 'dev');
  if (kind === 'off') return undefined;
  const dev = kind === 'dev';
  const devChainPort = read.integer('DEV_CHAIN_PORT', 8545, { min: 1, max: 65535 });
  const rpcUrl = read.url('EVM_RPC_URL', ['http:', 'https:', 'ws:', 'wss:'], dev ? `http://127.0.0.1:${devChainPort}` : undefined);
  const chainId = read.integer('EVM_CHAIN_ID', dev ? DEV_CHAIN_ID : kind === 'base' ? 8453 : 0, { min: 1, max: 2 ** 52 });
  if (!dev && read.optionalString('EVM_CHAIN_ID') === undefined && kind === 'evm') read.problems.push('EVM_CHAIN_ID is required with CHAIN=evm');
  const operatorPrivateKey = read.string('OPERATOR_PRIVATE_KEY', dev ? DEV_OPERATOR_PRIVATE_KEY : undefined);
  if (operatorPrivateKey && !/^0x[0-9a-fA-F]{64}$/.test(operatorPrivateKey)) read.problems.push('OPERATOR_PRIVATE_KEY must be 0x and 64 hex digits');
  const vaultAddress = dev ? read.optionalString('VAULT_ADDRESS') : read.string('VAULT_ADDRESS');
  const seedCommitmentsAddress = read.optionalString('SEED_COMMITMENTS_ADDRESS');
  for (const [name, value] of [
    ['VAULT_ADDRESS', vaultAddress],
    ['SEED_COMMITMENTS_ADDRESS', seedCommitmentsAddress],
  ] as const) {
    if (value && !/^0x[0-9a-fA-F]{40}$/.test(value)) read.problems.push(`${name} must be a 0x-prefixed 20-byte address (got "${value}")`);
  }
  return {
    kind,
    name: kind,
    rpcUrl,
    chainId,
    operatorPrivateKey,
    vaultAddress,
    seedCommitmentsAddress,
    confirmations: read.integer('EVM_CONFIRMATIONS', dev ? 2 : 12, { min: 0, max: 1000 }),
    devChainPort,
    devChainBlockTime: read.integer('DEV_CHAIN_BLOCK_TIME', 1, { min: 0, max: 3600 }),
    pollMs: read.integer('EVM_POLL_MS', dev ? 500 : 2000, { min: 50, max: 600_000 }),
    logRange: read.integer('EVM_LOG_RANGE', 2000, { min: 1, max: 100_000 }),
    signatureCheckTimeoutMs: read.integer('EVM_SIGNATURE_CHECK_TIMEOUT_MS', 5000, { min: 100, max: 60_000 }),
  };
}

function readAptos(read: EnvReader): AptosChainConfig | undefined {
  if (read.optionalString('APTOS_NETWORK') === undefined) return undefined;
  const network = read.oneOf('APTOS_NETWORK', APTOS_NETWORKS, 'custom');
  const nodeUrl = read.url('APTOS_NODE_URL', ['http:', 'https:'], network === 'custom' ? undefined : APTOS_NODE_URLS[network]);
  const moduleAddress = read.string('APTOS_MODULE_ADDRESS');
  if (moduleAddress && !/^0x[0-9a-fA-F]{1,64}$/.test(moduleAddress)) read.problems.push(`APTOS_MODULE_ADDRESS must be a 0x-prefixed hex address (got "${moduleAddress}")`);
  const indexerUrl = read.url('APTOS_INDEXER_URL', ['http:', 'https:'], network === 'custom' ? undefined : APTOS_INDEXER_URLS[network]);
  const apiKey = read.optionalString('APTOS_API_KEY');
  const operatorPrivateKey = read.string('APTOS_OPERATOR_PRIVATE_KEY');
  if (operatorPrivateKey && !/^(ed25519-priv-)?0x[0-9a-fA-F]{64}$/.test(operatorPrivateKey)) read.problems.push('APTOS_OPERATOR_PRIVATE_KEY must be an Ed25519 key: 0x and 64 hex digits, optionally ed25519-priv- first');
  return {
    network,
    nodeUrl,
    indexerUrl,
    apiKey,
    moduleAddress,
    operatorPrivateKey,
    pollMs: read.integer('APTOS_POLL_MS', 2000, { min: 50, max: 600_000 }),
    depositPageSize: read.integer('APTOS_DEPOSIT_PAGE_SIZE', 100, { min: 1, max: 1000 }),
  };
}
