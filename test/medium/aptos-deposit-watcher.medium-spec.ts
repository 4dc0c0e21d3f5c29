import { Account, Ed25519PrivateKey } from '@aptos-labs/ts-sdk';
import Redis from 'ioredis';
import { DepositsService, ObservedDeposit } from '../../src/accounts/deposits.service';
import { AptosChain } from '../../src/blockchain/aptos/aptos-chain.service';
import { AptosDepositCursors } from '../../src/blockchain/aptos/aptos-deposit-cursors';
import { AptosDepositWatcher } from '../../src/blockchain/aptos/aptos-deposit-watcher.service';
import { ChainsService } from '../../src/blockchain/chains.service';
import { EvmChain } from '../../src/blockchain/evm/evm-chain.service';
import { AppConfig } from '../../src/config/app-config';
import { REDIS } from '../../src/redis/redis.module';
import { AptosFullnode, longAddress } from '../support/aptos-fullnode';
import { MediumModule, startMediumModule } from './support/medium-module';

/**
 * DepositsService is MOCKED here: its real recordFinal is being written in parallel (the `deposits` branch); this
 * suite checks what the watcher hands it, page by page, against the real PostgreSQL cursor and the Redis lease.
 * An e2e test with the real DepositsService (balances credited once) belongs to the integration of both branches.
 */
class RecordingDeposits {
  readonly calls: ObservedDeposit[][] = [];
  /** Fail this many calls before accepting (a database hiccup on the deposits side). */
  failNext = 0;

  recordFinal(deposits: ObservedDeposit[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      return Promise.reject(new Error('deposits are unavailable'));
    }
    this.calls.push(deposits);
    return Promise.resolve();
  }

  get recorded(): ObservedDeposit[] {
    return this.calls.flat();
  }
}

async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Aptos deposit watcher: vault deposits handed to DepositsService page by page (medium, DepositsService mocked)', () => {
  const operatorKey = Ed25519PrivateKey.generate();
  // A package address of its own per run: the cursor row and the lease are this run's alone.
  const moduleAddress = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}`;
  const deposits = new RecordingDeposits();
  let node: AptosFullnode;
  let medium: MediumModule;
  let watcher: AptosDepositWatcher;
  let cursors: AptosDepositCursors;
  let redis: Redis;

  const alice = `0x${'a1'.repeat(32)}`;
  const bob = longAddress('0xb0b');
  const amounts = () => deposits.recorded.map((deposit) => deposit.amount);

  beforeAll(async () => {
    node = await AptosFullnode.start({ operatorAddress: Account.fromPrivateKey({ privateKey: operatorKey }).accountAddress.toStringLong(), moduleAddress });
    medium = await startMediumModule(
      { providers: [EvmChain, ChainsService, AptosChain, AptosDepositCursors, AptosDepositWatcher, { provide: DepositsService, useValue: deposits }] },
      // APP_ROLE api: the watcher does not start by itself; each test starts and stops it.
      { ...node.env(operatorKey.toString()), APTOS_DEPOSIT_PAGE_SIZE: '2', APTOS_POLL_MS: '50', APP_ROLE: 'api' },
    );
    watcher = medium.get(AptosDepositWatcher);
    cursors = medium.get(AptosDepositCursors);
    redis = medium.module.get<Redis>(REDIS);
  });
  afterAll(async () => {
    await watcher?.stop();
    await medium?.dataSource.query(`DELETE FROM aptos_deposit_cursors WHERE stream = $1`, [watcher.stream]);
    const lease = `${medium.config.redisKeyPrefix}:aptos:deposit-watcher`;
    await redis?.del(lease, `${lease}:fence`);
    await medium?.close();
    await node?.close();
  });
  afterEach(async () => {
    await watcher.stop();
    expect(node.unexpected).toEqual([]);
  });

  it('hands every deposit once, in ledger order, a page (two indexer rows) at a time, and keeps the cursor in PostgreSQL', async () => {
    const made = [node.addDeposit(alice, 30_000_000n), node.addDeposit(bob, 12_500_000n)];
    node.addVaultPayout(alice, 1_000_000n);
    made.push(node.addDeposit(alice, 1n), node.addDeposit(bob, 2n), node.addDeposit(alice, 3n));
    watcher.start();
    await eventually(() => expect(amounts()).toEqual([30_000_000n, 12_500_000n, 1n, 2n, 3n]));
    expect(deposits.recorded.map((deposit) => deposit.txHash)).toEqual(made.map((deposit) => deposit.hash));
    expect(deposits.recorded[1]).toEqual({
      chain: 'aptos',
      chainId: String(node.chainId),
      txHash: made[1].hash,
      logIndex: 2,
      blockNumber: made[1].version,
      blockHash: null,
      fromAddress: bob,
      asset: 'USDC',
      amount: 12_500_000n,
    });
    // Pages of two indexer rows: [30, 12.5], [payout, 1] → [1], [2, 3].
    expect(deposits.calls.map((call) => call.length)).toEqual([2, 1, 2]);
    await eventually(async () => expect(await cursors.version(watcher.stream)).toBe(node.latestVersion));
    expect(watcher.isLeader).toBe(true);
  });

  it('waits for the indexer: nothing past its processed version is read, then it is', async () => {
    const seen = deposits.recorded.length;
    node.indexUpTo(node.latestVersion);
    node.addDeposit(alice, 40n);
    watcher.start();
    await pause(300);
    expect(deposits.recorded.length).toBe(seen);
    node.indexUpTo();
    await eventually(() => expect(amounts().slice(seen)).toEqual([40n]));
  });

  it('resumes from the stored cursor after a restart: only what came since is handed over', async () => {
    const seen = deposits.recorded.length;
    node.addDeposit(bob, 50n);
    node.addDeposit(bob, 51n);
    watcher.start();
    await eventually(() => expect(amounts().slice(seen)).toEqual([50n, 51n]));
    await pause(200);
    expect(deposits.recorded.length).toBe(seen + 2);
  });

  it('retries a page DepositsService refused, without moving the cursor past it', async () => {
    const seen = deposits.recorded.length;
    const cursorBefore = await cursors.version(watcher.stream);
    deposits.failNext = 2;
    node.addDeposit(alice, 60n);
    watcher.start();
    await eventually(() => expect(amounts().slice(seen)).toEqual([60n]));
    expect(cursorBefore).toBeLessThan(node.latestVersion);
    await eventually(async () => expect(await cursors.version(watcher.stream)).toBe(node.latestVersion));
  });

  it('runs on one instance at a time: a second watcher stays idle while the first leads', async () => {
    const other = new RecordingDeposits();
    const second = new AptosDepositWatcher(redis, medium.get(AppConfig), medium.get(AptosChain), cursors, other as unknown as DepositsService);
    watcher.start();
    await eventually(() => expect(watcher.isLeader).toBe(true));
    second.start();
    const seen = deposits.recorded.length;
    node.addDeposit(bob, 70n);
    await eventually(() => expect(amounts().slice(seen)).toEqual([70n]));
    await pause(200);
    expect(second.isLeader).toBe(false);
    expect(other.calls).toEqual([]);
    await second.stop();
  });

  it('gives its lease back at once when its cursor row is gone, so a watcher leads again long before the lease would expire', async () => {
    watcher.start();
    await eventually(() => expect(watcher.isLeader).toBe(true));
    await medium.dataSource.query(`DELETE FROM aptos_deposit_cursors WHERE stream = $1`, [watcher.stream]);
    const seen = deposits.recorded.length;
    node.addDeposit(alice, 80n);
    // The fenced advance finds no row and the watcher steps down; still holding the 15 s lease in Redis would keep
    // every watcher (itself included) from claiming the cursor again within this 10 s window.
    await eventually(() => expect(amounts().slice(seen)).toContain(80n));
    await eventually(async () => {
      const rows = (await medium.dataSource.query(`SELECT 1 FROM aptos_deposit_cursors WHERE stream = $1`, [watcher.stream])) as unknown[];
      expect(rows).toHaveLength(1);
      expect(watcher.isLeader).toBe(true);
    });
  });
});
