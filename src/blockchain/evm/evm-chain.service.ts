import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ChildProcess } from 'node:child_process';
import { Contract, JsonRpcProvider, Network, Wallet } from 'ethers';
import { DataSource } from 'typeorm';
import type { DepositChain } from '../../accounts/deposit-postings';
import { AppConfig } from '../../config/app-config';
import type { EvmChainConfig } from '../../config/chain-config';
import { rpcChainId, startAnvil, stopAnvil } from './anvil-process';
import { contractArtifact } from './contract-artifacts';
import { DevContracts, ensureDevContracts } from './dev-deployment';

export interface EvmAddresses {
  vault: string;
  token: string;
  seedCommitments: string | null;
}

/**
 * The configured EVM chain (CHAIN=dev|base|evm): its JSON-RPC provider, the operator's signer and the vault, token
 * and seed-commitment contracts. On CHAIN=dev it first connects to the node on DEV_CHAIN_PORT, or starts anvil
 * there as a child process, and deploys the contracts if the node has none. With CHAIN=off, `configured` is false
 * and nothing here may be used.
 */
@Injectable()
export class EvmChain implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EvmChain.name);
  readonly config: EvmChainConfig | undefined;
  private anvil: ChildProcess | undefined;
  private state: { provider: JsonRpcProvider; operator: Wallet; addresses: EvmAddresses; vault: Contract; token: Contract; seedCommitments: Contract | undefined } | undefined;
  /** Set on the dev chain: the deployed addresses and demo wallets, for the startup banner. */
  devContracts: DevContracts | undefined;

  constructor(
    appConfig: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.config = appConfig.chains.evm;
  }

  get configured(): boolean {
    return this.config !== undefined;
  }

  async onModuleInit(): Promise<void> {
    const config = this.config;
    if (!config) return;
    if (config.kind === 'dev') await this.startOrConnectDevNode(config);
    const answered = await rpcChainId(config.rpcUrl, 5000);
    if (answered === undefined) throw new Error(`EVM_RPC_URL ${config.rpcUrl} does not answer eth_chainId (CHAIN=${config.kind})`);
    if (answered !== config.chainId) throw new Error(`EVM_RPC_URL ${config.rpcUrl} is chain ${answered}, but EVM_CHAIN_ID is ${config.chainId}`);

    // No 250 ms result cache: a nonce or block number read right after a transaction must be current.
    const network = Network.from(config.chainId);
    const provider = new JsonRpcProvider(config.rpcUrl, network, { staticNetwork: network, pollingInterval: Math.min(config.pollMs, 1000), cacheTimeout: -1 });
    const operatorWallet = new Wallet(config.operatorPrivateKey, provider);
    let vaultAddress = config.vaultAddress;
    let seedCommitmentsAddress = config.seedCommitmentsAddress;
    if (config.kind === 'dev' && !vaultAddress) {
      this.devContracts = await this.withDeployLock(() => ensureDevContracts(provider, operatorWallet.address));
      vaultAddress = this.devContracts.vault;
      seedCommitmentsAddress ??= this.devContracts.seedCommitments;
    }
    if (!vaultAddress) throw new Error('VAULT_ADDRESS is required');
    if ((await provider.getCode(vaultAddress)) === '0x') throw new Error(`VAULT_ADDRESS ${vaultAddress} has no contract on chain ${config.chainId}`);
    const vault = new Contract(vaultAddress, contractArtifact('CashMarketsVault').abi, operatorWallet);
    const tokenAddress = (await vault.getFunction('token').staticCall()) as string;
    const operator = operatorWallet;
    this.state = {
      provider,
      operator,
      addresses: { vault: vaultAddress, token: tokenAddress, seedCommitments: seedCommitmentsAddress ?? null },
      vault: vault.connect(operator) as Contract,
      token: new Contract(tokenAddress, contractArtifact('TestUSDC').abi, provider),
      seedCommitments: seedCommitmentsAddress ? new Contract(seedCommitmentsAddress, contractArtifact('SeedCommitments').abi, operator) : undefined,
    };
    this.logger.log(`EVM chain ${config.name} (${config.chainId}) at ${config.kind === 'dev' ? config.rpcUrl : 'EVM_RPC_URL'}: vault ${vaultAddress}, token ${tokenAddress}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.state?.provider.destroy();
    if (this.anvil) await stopAnvil(this.anvil);
  }

  private get ready() {
    if (!this.state) throw new Error(this.config ? 'the EVM chain is not connected yet' : 'no EVM chain is configured (CHAIN=off)');
    return this.state;
  }

  get provider(): JsonRpcProvider {
    return this.ready.provider;
  }

  /** The operator key: sends withdrawals and seed commitments (callers allocate its nonces). */
  get operator(): Wallet {
    return this.ready.operator;
  }

  get addresses(): EvmAddresses {
    return this.ready.addresses;
  }

  /** The vault, connected to the operator. */
  get vault(): Contract {
    return this.ready.vault;
  }

  /** The vault's token (an ERC-20), read-only. */
  get token(): Contract {
    return this.ready.token;
  }

  get seedCommitments(): Contract | undefined {
    return this.ready.seedCommitments;
  }

  /** `eth_blockNumber` straight from the node: ethers caches getBlockNumber for ~250 ms, too long around reorgs. */
  async blockNumber(): Promise<number> {
    return Number(BigInt((await this.provider.send('eth_blockNumber', [])) as string));
  }

  /** A block's hash and time straight from the node, or undefined if it does not exist (yet). */
  async block(number: number): Promise<{ number: number; hash: string; timestamp: number } | undefined> {
    const raw = (await this.provider.send('eth_getBlockByNumber', [`0x${number.toString(16)}`, false])) as { hash: string; timestamp: string } | null;
    return raw ? { number, hash: raw.hash, timestamp: Number(BigInt(raw.timestamp)) } : undefined;
  }

  /**
   * This chain history as the ledger names its vault account (`vault:<name>:<chainId>:<genesis hash>`): deposits
   * into the vault are credited out of it and payments out of the vault settle back into it. Read from the node
   * each time: a reset dev chain is another history.
   */
  async vaultChain(): Promise<DepositChain> {
    const genesis = (await this.block(0))?.hash.toLowerCase();
    if (!genesis) throw new Error('the EVM node has no block 0');
    return { chain: this.config!.name, chainId: String(this.config!.chainId), chainEpoch: genesis };
  }

  private async startOrConnectDevNode(config: EvmChainConfig): Promise<void> {
    if ((await rpcChainId(config.rpcUrl)) !== undefined) return;
    try {
      this.anvil = await startAnvil({ port: config.devChainPort, chainId: config.chainId, blockTime: config.devChainBlockTime });
      this.logger.log(`dev chain: started anvil on ${config.rpcUrl} (a block every ${config.devChainBlockTime || 'transaction'}${config.devChainBlockTime ? ' s' : ''})`);
    } catch (error) {
      // Another instance may have bound the port first: use its node.
      if ((await rpcChainId(config.rpcUrl, 3000)) === undefined) throw error;
    }
  }

  private async withDeployLock<T>(work: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtextextended('dev_chain_deploy', 0))`);
      return await work();
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtextextended('dev_chain_deploy', 0))`).catch(() => undefined);
      await runner.release();
    }
  }
}
