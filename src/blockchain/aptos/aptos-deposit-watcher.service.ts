import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { DepositsService } from '../../accounts/deposits.service';
import { AppConfig } from '../../config/app-config';
import type { AptosChainConfig } from '../../config/chain-config';
import { LeaderLease } from '../../redis/leader-lease';
import { REDIS } from '../../redis/redis.module';
import { AptosChain } from './aptos-chain.service';
import { AptosDepositCursors } from './aptos-deposit-cursors';

const LEASE_MS = 15_000;
const RENEW_EVERY_MS = 5_000;
/** After a failed pass the next one waits longer, up to this. */
const MAX_RETRY_MS = 30_000;

class LeadershipLost extends Error {}

/**
 * Credits Aptos vault deposits: one watcher at a time across the fleet (a Redis lease with a fencing token,
 * `<prefix>:aptos:deposit-watcher`), on APP_ROLE worker/all when an Aptos network is configured. Each pass reads
 * the deposits committed after the cursor, up to what the indexer has fully processed, page by page, hands
 * each page to DepositsService.recordFinal (Aptos is final on commit: no confirmations to wait for), then moves
 * the cursor past it. A crash between the two hands a page over again, which recordFinal ignores; the cursor
 * moves only under the lease's token, so a paused ex-leader cannot move it back.
 */
@Injectable()
export class AptosDepositWatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AptosDeposits');
  private readonly lease: LeaderLease;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private lastRenewAt = 0;
  private cursor: bigint | null = null;
  private failures = 0;
  private readonly settings: AptosChainConfig | undefined;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: AppConfig,
    private readonly chain: AptosChain,
    private readonly cursors: AptosDepositCursors,
    private readonly deposits: DepositsService,
  ) {
    this.settings = config.chains.aptos;
    this.lease = new LeaderLease(redis, `${config.redisKeyPrefix}:aptos:deposit-watcher`, LEASE_MS);
  }

  private get aptos(): AptosChainConfig {
    if (!this.settings) throw new Error('no Aptos network is configured (APTOS_NETWORK)');
    return this.settings;
  }

  get isLeader(): boolean {
    return this.lease.token !== null;
  }

  /** `<chain id>:<package address>`, the cursor row's key. */
  get stream(): string {
    return `${this.chain.chainId}:${this.chain.moduleAddress}`;
  }

  onApplicationBootstrap(): void {
    if (!this.chain.configured || (this.config.appRole !== 'worker' && this.config.appRole !== 'all')) return;
    this.start();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    await this.lease.release().catch(() => undefined);
    this.cursor = null;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let delay: number;
      try {
        delay = await this.pass();
        this.failures = 0;
      } catch (error) {
        if (error instanceof LeadershipLost) {
          this.logger.warn(`lost the deposit watcher lease: ${error.message}`);
          // Release (compare-and-delete: only if the key still holds our value) rather than forget: when the cursor
          // was lost but the lease was not, forgetting would keep everyone out until the lease expired.
          await this.lease.release().catch(() => this.lease.forget());
          this.cursor = null;
          delay = 0;
        } else {
          this.failures += 1;
          delay = Math.min(MAX_RETRY_MS, this.aptos.pollMs * 2 ** Math.min(this.failures, 10));
          this.logger.error(`Aptos deposit pass failed (retrying in ${delay} ms): ${(error as Error).stack ?? String(error)}`);
        }
      }
      if (this.running && delay > 0) await this.sleep(delay);
    }
  }

  /** One pass: lead (or wait to), then hand over every page the indexer has complete. Answers the delay until the next. */
  private async pass(): Promise<number> {
    const token = await this.lead();
    if (token === null || this.cursor === null) return Math.min(RENEW_EVERY_MS, LEASE_MS / 3);
    const upTo = await this.chain.indexedVersion();
    const pageSize = this.aptos.depositPageSize;
    while (this.running && this.cursor < upTo) {
      const page = await this.chain.depositsAfter(this.cursor, upTo, pageSize);
      if (page.deposits.length > 0) await this.deposits.recordFinal(page.deposits);
      if (!(await this.cursors.advance(this.stream, token, page.through))) throw new LeadershipLost(`the cursor of ${this.stream} is held by a newer watcher`);
      if (page.deposits.length > 0) this.logger.log(`${page.deposits.length} Aptos deposit(s) recorded up to version ${page.through}`);
      this.cursor = page.through;
      await this.renewIfDue();
    }
    return this.aptos.pollMs;
  }

  /** This instance's fencing token while it leads (the cursor claimed), else null. */
  private async lead(): Promise<number | null> {
    if (this.lease.token !== null) {
      await this.renewIfDue();
      return this.lease.token;
    }
    const token = await this.lease.acquire();
    if (token === null) return null;
    this.lastRenewAt = Date.now();
    const claim = await this.cursors.claim(this.stream, token);
    if (!claim.claimed) {
      this.logger.warn(`the Aptos deposit cursor holds fencing token ${claim.token}, not below ours (${token}): raising the Redis fence counter and taking the lease again`);
      await this.lease.raiseFenceTo(claim.token);
      await this.lease.release();
      return null;
    }
    this.cursor = claim.version;
    this.logger.log(`Aptos deposit watcher leading (fencing token ${token}) from version ${claim.version}`);
    return token;
  }

  private async renewIfDue(): Promise<void> {
    if (Date.now() - this.lastRenewAt < RENEW_EVERY_MS) return;
    if (!(await this.lease.renew())) throw new LeadershipLost('lease expired or taken');
    this.lastRenewAt = Date.now();
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
}
