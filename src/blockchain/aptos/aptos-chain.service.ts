import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Account, Aptos, AptosConfig, Ed25519Account, Ed25519PrivateKey, Network, ProcessorType, TransactionResponse } from '@aptos-labs/ts-sdk';
import type { ObservedDeposit } from '../../accounts/deposits.service';
import { canonicalAddress } from '../../accounts/chain-address';
import { StartupError } from '../../common/errors/startup-error';
import { USDC_DECIMALS } from '../../common/money/usdc';
import { AppConfig } from '../../config/app-config';
import type { AptosChainConfig, AptosNetworkName } from '../../config/chain-config';
import type { ChainDto } from '../chains.dto';
import { ChainsService } from '../chains.service';
import { AptosSaltDraw, committedUserTransaction, depositsIn, isAlreadyDrawnAbort, saltDrawIn, saltHex, UnexpectedAptosResponse } from './aptos-transactions';
import { CashMarketsModule, cashMarketsModule, DRAW_ABI, DRAWN_ABI, OPERATOR_ABI, U64_MAX, VAULT_CONFIG_ABI } from './cash-markets-module';

const SDK_NETWORKS: Record<AptosNetworkName, Network> = {
  mainnet: Network.MAINNET,
  testnet: Network.TESTNET,
  devnet: Network.DEVNET,
  local: Network.LOCAL,
  custom: Network.CUSTOM,
};

/** Chain ids that never change; devnet's is reset with the network, and custom is whatever the node says. */
const FIXED_CHAIN_IDS: Partial<Record<AptosNetworkName, number>> = { mainnet: 1, testnet: 2, local: 4 };

/**
 * A draw costs a few thousand gas units (one table slot, one event); the account must hold max gas × price, which
 * randomness transactions lock up front, so the SDK's default (2,000,000 units) would tie up 2 APT per draw.
 */
const DRAW_MAX_GAS = 50_000;

/**
 * Vault deposits are found through the indexer's fungible-asset activity on the vault's store: module events
 * (Move's `event::emit`) have no fullnode query, and the indexer's `events` table is being retired. Every row only
 * names a transaction version; the deposits themselves are read from that transaction on the fullnode.
 */
const VAULT_STORE_ACTIVITY = `query CashMarketsVaultActivity($store: String!, $after: bigint!, $upTo: bigint!, $limit: Int!) {
  fungible_asset_activities(
    where: { storage_id: { _eq: $store }, transaction_version: { _gt: $after, _lte: $upTo }, is_transaction_success: { _eq: true } }
    order_by: [{ transaction_version: asc }, { event_index: asc }]
    limit: $limit
  ) {
    transaction_version
    event_index
  }
}`;

/** Transactions fetched at once while reading a page of deposits. */
const TRANSACTION_FETCH_CONCURRENCY = 8;

interface Connected {
  aptos: Aptos;
  operator: Ed25519Account;
  module: CashMarketsModule;
  chainId: number;
  /** The vault's fungible store and the asset it holds (USDC's metadata object), canonical. */
  storeAddress: string;
  tokenAddress: string;
}

/** One page of vault deposits: every deposit committed in (after, through], in ledger order. */
export interface DepositPage {
  deposits: ObservedDeposit[];
  through: bigint;
}

/**
 * The configured Aptos network (APTOS_NETWORK): the cash_markets package's vault and round salt draws, through
 * `@aptos-labs/ts-sdk` on the fullnode REST API (and the indexer for finding deposits). Unconfigured, `configured`
 * is false and nothing here may be used. Startup fails when the node does not answer, is another chain, or the
 * package at APTOS_MODULE_ADDRESS has no initialized vault.
 */
@Injectable()
export class AptosChain implements OnModuleInit {
  private readonly logger = new Logger(AptosChain.name);
  readonly config: AptosChainConfig | undefined;
  private state: Connected | undefined;
  /** The operator's transactions go out one at a time: each takes the account's next sequence number. */
  private operatorQueue: Promise<unknown> = Promise.resolve();

  constructor(
    appConfig: AppConfig,
    private readonly chains: ChainsService,
  ) {
    this.config = appConfig.chains.aptos;
  }

  get configured(): boolean {
    return this.config !== undefined;
  }

  async onModuleInit(): Promise<void> {
    const config = this.config;
    if (!config) return;
    this.state = await this.connect(config);
    this.chains.register(() => this.describe());
    const { chainId, module, storeAddress, tokenAddress, operator } = this.state;
    this.logger.log(`Aptos ${config.network} (chain ${chainId}): package ${module.address}, vault store ${storeAddress}, token ${tokenAddress}, operator ${operator.accountAddress.toStringLong()}`);
  }

  private get ready(): Connected {
    if (!this.state) throw new Error(this.config ? 'the Aptos chain is not connected yet' : 'no Aptos network is configured (APTOS_NETWORK)');
    return this.state;
  }

  get chainId(): number {
    return this.ready.chainId;
  }

  get moduleAddress(): string {
    return this.ready.module.address;
  }

  describe(): ChainDto {
    const { chainId, module, tokenAddress } = this.ready;
    const config = this.config as AptosChainConfig;
    return {
      name: 'aptos',
      kind: 'aptos',
      chainId,
      network: config.network,
      rpcUrl: config.network === 'local' ? config.nodeUrl : null,
      vaultAddress: module.address,
      seedCommitmentsAddress: null,
      confirmations: 0,
      token: { symbol: 'USDC', decimals: USDC_DECIMALS, address: tokenAddress },
    };
  }

  /**
   * Draws round `roundId`'s salt on chain (the operator's `round_salts::draw`) and answers the `RoundSaltDrawn`
   * event of the committed transaction. When the round was drawn before (a retry, or a draw still in flight that
   * committed first) the chain refuses a second draw and the first one is answered: a round has one salt.
   */
  async draw(roundId: bigint): Promise<AptosSaltDraw> {
    checkRoundId(roundId);
    const { aptos, operator, module } = this.ready;
    let waitError: Error | undefined;
    const committed = await this.asOperator(async (): Promise<TransactionResponse | undefined> => {
      const transaction = await aptos.transaction.build.simple({
        sender: operator.accountAddress,
        data: { function: module.drawFunction, functionArguments: [roundId], abi: DRAW_ABI },
        options: { maxGasAmount: DRAW_MAX_GAS },
      });
      const pending = await aptos.transaction.signAndSubmitTransaction({ signer: operator, transaction });
      try {
        return await aptos.waitForTransaction({ transactionHash: pending.hash, options: { checkSuccess: false } });
      } catch (error) {
        // Timed out (expired unseen, or still pending) or the node stopped answering: the chain's state decides below.
        waitError = error as Error;
        return undefined;
      }
    });
    if (committed !== undefined) {
      const transaction = committedUserTransaction(committed, `draw transaction ${committed.hash}`);
      const drawn = saltDrawIn(transaction, module, roundId);
      if (drawn) return drawn;
      if (!isAlreadyDrawnAbort(transaction)) throw new Error(`the salt draw for round ${roundId} failed on chain (${transaction.hash}): ${transaction.vm_status}`);
    }
    const earlier = await this.find(roundId);
    if (!earlier) throw new Error(`the salt draw for round ${roundId} did not commit (${waitError?.message ?? 'no answer'}) and the round has no salt on chain yet; drawing again is safe`);
    return earlier;
  }

  /** Round `roundId`'s salt if it was drawn (read from the package's state, then its drawing transaction), else undefined. */
  async find(roundId: bigint): Promise<AptosSaltDraw | undefined> {
    checkRoundId(roundId);
    const { aptos, module } = this.ready;
    const [drawn, salt, txnHash] = await aptos.view<[boolean, string, string]>({ payload: { function: module.drawnView, functionArguments: [roundId], abi: DRAWN_ABI } });
    if (!drawn) return undefined;
    const transaction = committedUserTransaction(await aptos.getTransactionByHash({ transactionHash: txnHash }), `draw transaction ${txnHash}`);
    const found = saltDrawIn(transaction, module, roundId);
    if (!found || found.salt !== saltHex(salt)) throw new UnexpectedAptosResponse(`transaction ${txnHash} does not hold round ${roundId}'s RoundSaltDrawn with the salt the package recorded`);
    return found;
  }

  /** The newest ledger version the indexer's fungible-asset data is complete up to: deposits are read no further. */
  async indexedVersion(): Promise<bigint> {
    const status = await this.ready.aptos.getProcessorStatus(ProcessorType.FUNGIBLE_ASSET_PROCESSOR);
    if (!status) throw new UnexpectedAptosResponse(`the indexer reports no ${ProcessorType.FUNGIBLE_ASSET_PROCESSOR}`);
    return BigInt(status.last_success_version);
  }

  /**
   * The vault's deposits committed after version `after`, up to `upTo` (at most `limit` indexer rows): the
   * versions come from the indexer, the deposits from each transaction's `Deposited` events on the fullnode.
   * `through` is where the next page starts; a transaction is always read whole, so none is split across pages.
   */
  async depositsAfter(after: bigint, upTo: bigint, limit: number): Promise<DepositPage> {
    const { aptos, module, chainId, storeAddress } = this.ready;
    if (upTo <= after) return { deposits: [], through: after };
    const { fungible_asset_activities: rows } = await aptos.queryIndexer<{ fungible_asset_activities: { transaction_version: number | string }[] }>({
      query: { query: VAULT_STORE_ACTIVITY, variables: { store: storeAddress, after: after.toString(), upTo: upTo.toString(), limit } },
    });
    const versions = [...new Set(rows.map((row) => BigInt(row.transaction_version)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (versions.some((version) => version <= after || version > upTo)) throw new UnexpectedAptosResponse(`the indexer answered versions outside (${after}, ${upTo}]`);
    const deposits: ObservedDeposit[] = [];
    for (let start = 0; start < versions.length; start += TRANSACTION_FETCH_CONCURRENCY) {
      const batch = versions.slice(start, start + TRANSACTION_FETCH_CONCURRENCY);
      const transactions = await Promise.all(batch.map((version) => aptos.getTransactionByVersion({ ledgerVersion: version })));
      for (const transaction of transactions) deposits.push(...depositsIn(committedUserTransaction(transaction, `transaction ${transaction.hash}`), module, chainId));
    }
    const through = rows.length < limit ? upTo : versions[versions.length - 1];
    return { deposits, through };
  }

  /** Runs one operator transaction after the previous one settled, failed or not. */
  private asOperator<T>(work: () => Promise<T>): Promise<T> {
    const result = this.operatorQueue.then(work, work);
    this.operatorQueue = result.catch(() => undefined);
    return result;
  }

  private async connect(config: AptosChainConfig): Promise<Connected> {
    const moduleAddress = canonicalAddress('aptos', config.moduleAddress);
    if (!moduleAddress) throw new StartupError(`APTOS_MODULE_ADDRESS ${config.moduleAddress} is not an Aptos address`);
    const aptos = new Aptos(
      new AptosConfig({
        network: SDK_NETWORKS[config.network],
        fullnode: config.nodeUrl,
        indexer: config.indexerUrl,
        clientConfig: config.apiKey ? { API_KEY: config.apiKey } : undefined,
      }),
    );
    const operator = Account.fromPrivateKey({ privateKey: new Ed25519PrivateKey(config.operatorPrivateKey, false) });
    const module = cashMarketsModule(moduleAddress);

    const ledger = await aptos.getLedgerInfo().catch((error: Error) => {
      throw new StartupError(`APTOS_NODE_URL ${config.nodeUrl} does not answer (APTOS_NETWORK=${config.network}): ${error.message}`);
    });
    const expectedChainId = FIXED_CHAIN_IDS[config.network];
    if (expectedChainId !== undefined && ledger.chain_id !== expectedChainId) {
      throw new StartupError(`APTOS_NODE_URL ${config.nodeUrl} is chain ${ledger.chain_id}, not ${config.network} (chain ${expectedChainId})`);
    }
    const [store, token] = await aptos.view<[string, string, boolean]>({ payload: { function: module.vaultConfigView, functionArguments: [], abi: VAULT_CONFIG_ABI } }).catch((error: Error) => {
      throw new StartupError(`APTOS_MODULE_ADDRESS ${moduleAddress} has no initialized cash_markets vault on chain ${ledger.chain_id} (publish the package and run vault::initialize): ${error.message}`);
    });
    const storeAddress = canonicalAddress('aptos', String(store));
    const tokenAddress = canonicalAddress('aptos', String(token));
    if (!storeAddress || !tokenAddress) throw new StartupError(`vault::config at ${moduleAddress} answered ${JSON.stringify([store, token])}, not two addresses`);

    const [onChainOperator] = await aptos.view<[string]>({ payload: { function: module.operatorView, functionArguments: [], abi: OPERATOR_ABI } });
    if (canonicalAddress('aptos', String(onChainOperator)) !== operator.accountAddress.toStringLong()) {
      // Not fatal: the owner may name this key operator later; until then salt draws abort on chain.
      this.logger.warn(`APTOS_OPERATOR_PRIVATE_KEY is account ${operator.accountAddress.toStringLong()}, but the package's operator is ${String(onChainOperator)}: salt draws will be refused`);
    }
    return { aptos, operator, module, chainId: ledger.chain_id, storeAddress, tokenAddress };
  }
}

function checkRoundId(roundId: bigint): void {
  if (roundId < 0n || roundId > U64_MAX) throw new RangeError(`round id ${roundId} is not a u64`);
}
