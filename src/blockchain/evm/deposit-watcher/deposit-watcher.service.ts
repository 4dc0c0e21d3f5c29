import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { DepositChainHeads } from '../../../accounts/deposit-chain-heads';
import type { DepositChain } from '../../../accounts/deposit-postings';
import { DepositsService, ObservedDeposit } from '../../../accounts/deposits.service';
import { SETTLEMENT_ASSET } from '../../../accounts/assets.service';
import { AppConfig } from '../../../config/app-config';
import type { EvmChainConfig } from '../../../config/chain-config';
import { runsJobs } from '../../../lifecycle/job-worker';
import { LeaderLease } from '../../../redis/leader-lease';
import { REDIS } from '../../../redis/redis.module';
import { EvmChain } from '../evm-chain.service';
import { lastIntactCheckpoint } from './cursor-checkpoints';
import { Cursor, CursorKey, DepositCursorsRepository } from './deposit-cursors.repository';
import { DepositWatcherMetrics } from './deposit-watcher.metrics';
import { decodeDepositedLog, depositedLogsFilter, RawLog } from './deposited-logs';

/** Lifetime of the watcher's Redis lease (renewed every third of it): a dead watcher is replaced within this. */
const LEASE_MS = 6000;

class LeadershipLost extends Error {}

/** What the watcher leads: one chain history (genesis hash) and vault, and its cursor's fencing token. */
interface Watch {
  token: number;
  key: CursorKey;
  chain: DepositChain;
}

/**
 * The EVM deposit watcher: one instance at a time (a Redis lease with a fencing token that also fences the
 * PostgreSQL cursor), on APP_ROLE worker/all with an EVM chain configured. Each pass:
 *   1. checks the cursor's block still has the hash it was read with; if not (a reorg at or under the cursor),
 *      walks back to the newest checkpoint still on the chain and reads again from there;
 *   2. reads the vault's `Deposited` logs from the cursor in ranges of EVM_LOG_RANGE blocks and records them SEEN
 *      with their block hash, in the transaction that advances the cursor (a restart re-reads at most the range it
 *      was in; recorded logs dedupe);
 *   3. confirms the SEEN deposits EVM_CONFIRMATIONS deep (head − block + 1, as ethers counts) after re-checking
 *      their block's hash on chain, dropping those whose block was replaced;
 *   4. credits the confirmed ones (DepositsService, one ledger batch per transaction).
 *
 * Dev chain restarts: anvil starts again from block 0 with the same contract addresses and, for the same
 * transactions, the same hashes. Everything the watcher keeps is keyed by the chain's genesis block hash as well as
 * its chain id (the cursor row, the deposit's `chain_epoch`, the ledger's vault account): anvil stamps its genesis
 * with its start time, so a restarted chain is a new history with a cursor from its first block (never beyond its
 * head) and deposits that cannot collide with the old chain's. Detecting a reset by "head below cursor" instead
 * could not tell a reset from a deep reorg, nor keep a new deposit apart from an old one with its tx hash.
 */
@Injectable()
export class DepositWatcher implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DepositWatcher');
  private readonly config: EvmChainConfig | undefined;
  private lease: LeaderLease | undefined;
  private watch: Watch | undefined;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private lastRenewAt = 0;
  private genesis: string | undefined;

  constructor(
    private readonly appConfig: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly evm: EvmChain,
    private readonly deposits: DepositsService,
    private readonly heads: DepositChainHeads,
    private readonly cursors: DepositCursorsRepository,
    private readonly metrics: DepositWatcherMetrics,
  ) {
    this.config = appConfig.chains.evm;
  }

  /** Every instance with the chain counts confirmations for its deposit lists; only the watcher's instance moves money. */
  onModuleInit(): void {
    const config = this.config;
    if (!config) return;
    this.heads.register({ chain: config.name, chainId: String(config.chainId) }, async () => ({
      ...(await this.currentChain()),
      head: BigInt(await this.evm.blockNumber()),
      requiredConfirmations: config.confirmations,
    }));
  }

  onApplicationBootstrap(): void {
    if (!this.config || !runsJobs(this.appConfig)) return;
    this.lease = new LeaderLease(this.redis, `${this.appConfig.redisKeyPrefix}:evm:deposit-watcher:${this.config.chainId}`, LEASE_MS);
    this.running = true;
    this.loopDone = this.loop();
  }

  /** First shutdown phase: the pass in flight finishes while PostgreSQL, Redis and the chain are still open. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    await this.lease?.release().catch(() => undefined);
  }

  get isLeader(): boolean {
    return this.watch !== undefined;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let delay = this.config!.pollMs;
      try {
        delay = await this.step();
      } catch (error) {
        if (error instanceof LeadershipLost) this.logger.warn(`lost the deposit watcher lease: ${error.message}`);
        else this.logger.error(`deposit watcher pass failed, stepping down: ${(error as Error).stack ?? String(error)}`);
        this.watch = undefined;
        if (error instanceof LeadershipLost) this.lease!.forget();
        else await this.lease!.release().catch(() => this.lease!.forget());
      }
      if (this.running && delay > 0) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** One pass; the delay before the next (0 while catching up). */
  private async step(): Promise<number> {
    const lease = this.lease!;
    if (!this.watch) {
      const token = await lease.acquire();
      if (token === null) return Math.max(this.config!.pollMs, LEASE_MS / 3);
      this.lastRenewAt = Date.now();
      this.watch = await this.takeOver(token);
      if (!this.watch) return 0;
    } else if (Date.now() - this.lastRenewAt >= LEASE_MS / 3) {
      if (!(await lease.renew())) throw new LeadershipLost('lease expired or taken');
      this.lastRenewAt = Date.now();
    }
    return this.pass(this.watch);
  }

  private async takeOver(token: number): Promise<Watch | undefined> {
    const config = this.config!;
    this.genesis = undefined;
    const chain = await this.currentChain();
    const key: CursorKey = { chainId: config.chainId, genesisHash: chain.chainEpoch, vaultAddress: this.evm.addresses.vault };
    const claim = await this.cursors.claim(key, token, BigInt(config.startBlock));
    if ('heldToken' in claim) {
      this.logger.warn(`the deposit cursor holds token ${claim.heldToken}, not below ours (${token}): raising the Redis fence counter and taking the lease again`);
      await this.lease!.raiseFenceTo(claim.heldToken);
      await this.lease!.release();
      return undefined;
    }
    if (config.kind === 'dev') {
      const dropped = await this.deposits.dropOtherEpochs(chain, 'the dev chain was reset (new genesis block): its blocks no longer exist');
      if (dropped > 0) this.logger.warn(`dev chain reset: ${dropped} deposits of the previous chain that were not credited are DROPPED`);
    }
    this.logger.log(`deposit watcher leading chain ${config.chainId} (genesis ${chain.chainEpoch.slice(0, 10)}…, vault ${key.vaultAddress}) from block ${claim.cursor.blockNumber + 1n}, fencing token ${token}`);
    return { token, key, chain };
  }

  private async pass(watch: Watch): Promise<number> {
    const config = this.config!;
    const head = BigInt(await this.evm.blockNumber());
    this.heads.note({ ...watch.chain, head, requiredConfirmations: config.confirmations });
    let cursor = await this.cursors.load(watch.key);
    if (!cursor) throw new Error('the deposit cursor row disappeared');

    if (cursor.blockHash !== null && (await this.hashAt(cursor.blockNumber)) !== cursor.blockHash) {
      cursor = await this.walkBack(watch, cursor);
      if (!cursor) return 0;
    }

    const from = cursor.blockNumber + 1n;
    const to = head < from + BigInt(config.logRange) - 1n ? head : from + BigInt(config.logRange) - 1n;
    if (from <= to && !(await this.readRange(watch, cursor, from, to))) return Math.min(config.pollMs, 100);
    this.metrics.cursorBlock.set(Number(to >= from ? to : cursor.blockNumber));
    this.metrics.lagBlocks.set(Number(head - (to >= from ? to : cursor.blockNumber)));

    await this.confirm(watch, head);
    const { credited, unassigned } = await this.deposits.creditConfirmed(watch.chain);
    if (credited > 0) this.metrics.credited.inc({ outcome: 'credited' }, credited);
    if (unassigned > 0) this.metrics.credited.inc({ outcome: 'unassigned' }, unassigned);
    return to < head ? 0 : config.pollMs;
  }

  /**
   * The cursor's block was replaced, or the chain is shorter: back to the newest checkpoint still on the chain.
   * A new genesis means the dev chain was reset: the watch ends and the next pass takes over the new history.
   */
  private async walkBack(watch: Watch, cursor: Cursor): Promise<Cursor | undefined> {
    this.genesis = undefined;
    if ((await this.currentChain()).chainEpoch !== watch.chain.chainEpoch) {
      this.logger.warn(`chain ${watch.key.chainId} has a new genesis block: the dev chain was reset; watching the new chain from its start`);
      this.watch = undefined;
      await this.lease!.release();
      return undefined;
    }
    const intact = await lastIntactCheckpoint(
      cursor.checkpoints.filter((checkpoint) => checkpoint.blockNumber < cursor.blockNumber),
      (blockNumber) => this.hashAt(blockNumber),
    );
    const to = intact ?? { blockNumber: BigInt(this.config!.startBlock) - 1n, blockHash: null };
    if (intact) this.logger.warn(`reorg: block ${cursor.blockNumber} was replaced; reading again after block ${to.blockNumber}`);
    else this.logger.error(`reorg deeper than every checkpoint under block ${cursor.blockNumber}: reading again from block ${to.blockNumber + 1n}`);
    this.metrics.reorgs.inc();
    if (!(await this.cursors.rewind(watch.key, watch.token, cursor, to))) throw new LeadershipLost('the cursor was claimed by another watcher');
    return { ...to, checkpoints: cursor.checkpoints.filter((checkpoint) => checkpoint.blockNumber <= to.blockNumber) };
  }

  /**
   * Logs of [from, to] recorded SEEN and the cursor moved to `to`, in one transaction. The hash of `to` is read
   * before and after the logs: a reorg in between (they differ, or a log of `to` carries another hash) leaves the
   * cursor where it was, to read again next pass. False then.
   */
  private async readRange(watch: Watch, cursor: Cursor, from: bigint, to: bigint): Promise<boolean> {
    const before = await this.hashAt(to);
    const logs = (await this.evm.provider.send('eth_getLogs', [depositedLogsFilter(this.evm.addresses.vault, from, to)])) as RawLog[];
    const after = await this.hashAt(to);
    const decoded = logs.flatMap((log) => decodeDepositedLog(log) ?? []);
    if (!before || before !== after || decoded.some((log) => log.blockNumber === to && log.blockHash !== after)) return false;
    const observed = decoded.map(
      (log): ObservedDeposit => ({
        chain: this.config!.name,
        chainId: watch.chain.chainId,
        chainEpoch: watch.chain.chainEpoch,
        txHash: log.txHash,
        logIndex: log.logIndex,
        blockNumber: log.blockNumber,
        blockHash: log.blockHash,
        fromAddress: log.account,
        asset: SETTLEMENT_ASSET,
        amount: log.amount,
      }),
    );
    await this.dataSource.transaction(async (manager) => {
      await this.deposits.recordSeen(manager, observed);
      if (!(await this.cursors.advance(manager, watch.key, watch.token, cursor, { blockNumber: to, blockHash: after }))) {
        throw new LeadershipLost('the cursor was claimed by another watcher');
      }
    });
    if (observed.length > 0) this.metrics.logsSeen.inc(observed.length);
    return true;
  }

  /** SEEN deposits deep enough: their block's hash now decides CONFIRMED or DROPPED. */
  private async confirm(watch: Watch, head: bigint): Promise<void> {
    const through = head - BigInt(Math.max(1, this.config!.confirmations)) + 1n;
    if (through < 0n) return;
    const blocks = await this.deposits.blocksAwaitingConfirmation(watch.chain, through);
    if (blocks.length === 0) return;
    const hashes = await Promise.all(blocks.map(async (blockNumber) => ({ blockNumber, blockHash: await this.hashAt(blockNumber) })));
    const { dropped } = await this.deposits.confirmBlocks(watch.chain, hashes);
    if (dropped > 0) {
      this.logger.warn(`${dropped} deposits dropped: their block was replaced before they were confirmed`);
      this.metrics.credited.inc({ outcome: 'dropped' }, dropped);
    }
  }

  /** The chain's hash of a block now (raw RPC, lowercase), undefined past the head. */
  private async hashAt(blockNumber: bigint): Promise<string | undefined> {
    if (blockNumber < 0n) return undefined;
    return (await this.evm.block(Number(blockNumber)))?.hash.toLowerCase();
  }

  /** The chain history this node is on: its genesis block's hash (read once per watch, again on a suspected reset). */
  private async currentChain(): Promise<DepositChain> {
    this.genesis ??= await this.hashAt(0n);
    if (!this.genesis) throw new Error('the EVM node has no block 0');
    return { chain: this.config!.name, chainId: String(this.config!.chainId), chainEpoch: this.genesis };
  }
}
