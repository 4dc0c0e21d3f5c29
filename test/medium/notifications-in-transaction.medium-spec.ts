import { randomUUID } from 'node:crypto';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Job, Queue } from 'bullmq';
import { WithdrawalsService } from '../../src/accounts/withdrawals.service';
import { DomainEventBus } from '../../src/common/events/domain-event-bus';
import { AppConfig } from '../../src/config/app-config';
import { IdempotencyService } from '../../src/common/idempotency/idempotency.service';
import { IdempotentCommand } from '../../src/common/idempotency/idempotent-command';
import { runInCommandUnit } from '../../src/common/transactions/command-transaction';
import { CreatorDividendsService } from '../../src/creators/creator-dividends.service';
import { CreatorEarnings } from '../../src/creators/creator-earnings.service';
import { CreatorQueriesService } from '../../src/creators/creator-queries.service';
import { CreatorSharesService } from '../../src/creators/creator-shares.service';
import { HealthModule } from '../../src/health/health.module';
import { NOTIFICATIONS_QUEUE, NotificationJobData, NotificationJobs } from '../../src/notifications/notification-jobs';
import { NotificationMetrics } from '../../src/notifications/notification-metrics';
import { NotificationsListener } from '../../src/notifications/notifications.listener';
import { NotificationsProcessor } from '../../src/notifications/notifications.processor';
import { NotificationsService } from '../../src/notifications/notifications.service';
import { givenUserWithBalance, GivenUser } from './support/given';
import { MediumModule, startMediumModule } from './support/medium-module';

const DEV_ADDRESS = '0x71C7656EC7ab88b098defB751B7401B5f6d8976F';

/** The notifications module (its listener writes in the causes' transactions) with two of its causes: dividends and withdrawals. */
const CAUSES_AND_NOTIFICATIONS = {
  imports: [HealthModule, BullModule.registerQueue({ name: NOTIFICATIONS_QUEUE })],
  providers: [
    NotificationMetrics,
    NotificationsService,
    NotificationJobs,
    NotificationsListener,
    CreatorEarnings,
    CreatorSharesService,
    CreatorDividendsService,
    { provide: CreatorQueriesService, useValue: {} },
  ],
};

describe('Notifications commit with their cause (medium)', () => {
  let medium: MediumModule;
  let withdrawals: WithdrawalsService;
  const admin = { id: randomUUID(), requestId: 'medium-notifications' };

  const notificationsOf = async (userId: string) =>
    (await medium.dataSource.query(`SELECT kind, key, data FROM notifications WHERE user_id = $1 ORDER BY created_at, id`, [userId])) as {
      kind: string;
      key: string;
      data: Record<string, string | number | null>;
    }[];
  const pendingWithdrawal = async (user: GivenUser) => withdrawals.request(user.id, { asset: 'USDC', amount: '5', chain: 'dev', toAddress: DEV_ADDRESS });

  /**
   * From here on the process is as good as dead once a transaction commits: the queue refuses every job and nothing
   * recorded for after the commit is delivered (no push, no listener). What the cause committed is all there is.
   */
  function dieAfterEveryCommit(): () => void {
    const jobs = medium.get(NotificationJobs);
    const queueDown = jest.spyOn(jobs, 'digests').mockRejectedValue(new Error('Redis connection lost'));
    const digestDown = jest.spyOn(jobs, 'digest').mockRejectedValue(new Error('Redis connection lost'));
    const noDelivery = jest.spyOn(medium.get(EventEmitter2), 'emit').mockImplementation(() => {
      throw new Error('process killed after COMMIT');
    });
    const quiet = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    return () => [queueDown, digestDown, noDelivery, quiet].forEach((spy) => spy.mockRestore());
  }

  beforeAll(async () => {
    medium = await startMediumModule(CAUSES_AND_NOTIFICATIONS, { STARTING_BALANCE: '0', CREATOR_SHARE_LOCK_SECONDS: '0', DIVIDEND_BATCH_SIZE: '2' });
    withdrawals = medium.get(WithdrawalsService);
  });
  afterAll(async () => {
    await medium?.get<Queue>(getQueueToken(NOTIFICATIONS_QUEUE) as never)?.obliterate({ force: true }).catch(() => undefined);
    await medium?.close();
  });

  it('a dividend paid while nothing after the commit runs still notifies every holder paid, once, in the batches\' transactions', async () => {
    const shares = medium.get(CreatorSharesService);
    const dividends = medium.get(CreatorDividendsService);
    const creator = await givenUserWithBalance(medium, '0');
    await medium.dataSource.transaction((manager) => shares.open(manager, creator.id));
    const holders = await Promise.all([givenUserWithBalance(medium, '50'), givenUserWithBalance(medium, '50'), givenUserWithBalance(medium, '50')]);
    for (const [index, holder] of holders.entries()) await shares.buy(holder.id, creator.id, { shares: index + 1 });
    const period = await medium.dataSource.transaction(async (manager) => (await medium.get(CreatorEarnings).openPeriod(manager, creator.id))!);
    await dividends.close(period);

    const revive = dieAfterEveryCommit();
    try {
      // Four holders of record (the creator's own share included) in batches of two: two transactions.
      expect(await dividends.payCreator(creator.id, period)).toMatchObject({ holders: 4 });
    } finally {
      revive();
    }
    for (const [index, holder] of [creator, ...holders].entries()) {
      const [notification, ...more] = await notificationsOf(holder.id);
      expect(more).toEqual([]);
      expect(notification).toMatchObject({ kind: 'dividend-paid', data: { creatorId: creator.id, shares: index === 0 ? 1 : index } });
    }
    // A rerun pays nobody and notifies nobody again.
    expect(await dividends.payCreator(creator.id, period)).toEqual({ holders: 0, amount: 0n });
    for (const holder of holders) expect(await notificationsOf(holder.id)).toHaveLength(1);
  });

  it('a rejected withdrawal is notified with the rejection\'s commit even when the process dies right after it', async () => {
    const owner = await givenUserWithBalance(medium, '20');
    const withdrawal = await pendingWithdrawal(owner);
    const revive = dieAfterEveryCommit();
    try {
      await withdrawals.reject(admin, withdrawal.id, 'Sanctioned address');
    } finally {
      revive();
    }
    expect(await notificationsOf(owner.id)).toEqual([
      expect.objectContaining({ kind: 'withdrawal-rejected', key: `withdrawal:${withdrawal.id}:REJECTED`, data: expect.objectContaining({ reason: 'Sanctioned address' }) }),
    ]);
  });

  it('a cause that rolls back leaves no notification, and a failed notification insert rolls its cause back', async () => {
    const owner = await givenUserWithBalance(medium, '20');
    const withdrawal = await pendingWithdrawal(owner);
    const keys = medium.get(IdempotencyService);
    const status = async () => ((await medium.dataSource.query(`SELECT status FROM withdrawals WHERE id = $1`, [withdrawal.id])) as { status: string }[])[0].status;

    // The rejection's work ran in a keyed request whose answer was never stored: all of it rolls back.
    const abandoned = new IdempotentCommand(medium.dataSource, keys, { scope: 'medium', key: randomUUID(), requestHash: 'h' });
    await runInCommandUnit(abandoned, () => withdrawals.reject(admin, withdrawal.id, 'first try'));
    await abandoned.fail(undefined);
    expect(await status()).toBe('PENDING');
    expect(await notificationsOf(owner.id)).toEqual([]);

    // The notification cannot be written: the rejection does not commit either (plain, and in a keyed request).
    const record = jest.spyOn(medium.get(NotificationsService), 'record').mockRejectedValue(new Error('notifications table unavailable'));
    try {
      await expect(withdrawals.reject(admin, withdrawal.id, 'second try')).rejects.toThrow('notifications table unavailable');
      const keyed = new IdempotentCommand(medium.dataSource, keys, { scope: 'medium', key: randomUUID(), requestHash: 'h' });
      await runInCommandUnit(keyed, () => withdrawals.reject(admin, withdrawal.id, 'third try'));
      await expect(keyed.complete(200, { ok: true })).rejects.toThrow('notifications table unavailable');
    } finally {
      record.mockRestore();
    }
    expect(await status()).toBe('PENDING');
    expect(await notificationsOf(owner.id)).toEqual([]);

    // Every pooled connection is usable again (none was handed back inside the failed transaction).
    await Promise.all(Array.from({ length: medium.config.databasePoolSize }, () => medium.dataSource.query('SELECT 1')));
    await withdrawals.reject(admin, withdrawal.id, 'last try');
    expect(await status()).toBe('REJECTED');
    expect((await notificationsOf(owner.id)).map((row) => row.kind)).toEqual(['withdrawal-rejected']);
  });
});

describe('A large cause\'s notifications commit with it as an outbox row (medium)', () => {
  let medium: MediumModule;

  beforeAll(async () => {
    // From 2 notifications in one transaction: a dividend batch of 2 holders goes through the outbox.
    medium = await startMediumModule(CAUSES_AND_NOTIFICATIONS, { STARTING_BALANCE: '0', CREATOR_SHARE_LOCK_SECONDS: '0', DIVIDEND_BATCH_SIZE: '2', NOTIFICATION_OUTBOX_FROM: '2' });
  });
  afterAll(async () => {
    await medium?.get<Queue>(getQueueToken(NOTIFICATIONS_QUEUE) as never)?.obliterate({ force: true }).catch(() => undefined);
    await medium?.close();
  });

  it('a dividend batch paid while nothing after the commit runs leaves its outbox row; draining it notifies each holder once', async () => {
    const shares = medium.get(CreatorSharesService);
    const dividends = medium.get(CreatorDividendsService);
    const notifications = medium.get(NotificationsService);
    const creator = await givenUserWithBalance(medium, '0');
    await medium.dataSource.transaction((manager) => shares.open(manager, creator.id));
    const holders = await Promise.all([givenUserWithBalance(medium, '50'), givenUserWithBalance(medium, '50'), givenUserWithBalance(medium, '50')]);
    for (const holder of holders) await shares.buy(holder.id, creator.id, { shares: 2 });
    const period = await medium.dataSource.transaction(async (manager) => (await medium.get(CreatorEarnings).openPeriod(manager, creator.id))!);
    await dividends.close(period);
    const notified = async () =>
      ((await medium.dataSource.query(`SELECT count(*)::int AS count FROM notifications WHERE key LIKE $1`, [`dividend:${creator.id}:%`])) as { count: number }[])[0].count;
    const waiting = await notifications.outboxWaiting();

    // The process dies after each batch's commit: no outbox job is enqueued, nothing after the commit runs.
    const drainUnavailable = jest.spyOn(medium.get(NotificationJobs), 'drainOutbox').mockRejectedValue(new Error('Redis connection lost'));
    const noDelivery = jest.spyOn(medium.get(EventEmitter2), 'emit').mockImplementation(() => {
      throw new Error('process killed after COMMIT');
    });
    const quiet = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      expect(await dividends.payCreator(creator.id, period)).toMatchObject({ holders: 4 });
    } finally {
      [drainUnavailable, noDelivery, quiet].forEach((spy) => spy.mockRestore());
    }
    // Four holders in batches of two: two outbox rows, committed with their batches, and no notification yet.
    const rows = (await notifications.outboxWaiting()).filter((id) => !waiting.includes(id));
    expect(rows).toHaveLength(2);
    expect(await notified()).toBe(0);

    // What the worker does at start (and the outbox job after each commit): each row becomes its notifications.
    expect(await Promise.all(rows.map((id) => notifications.drainOutbox(id)))).toEqual([2, 2]);
    expect(await notified()).toBe(4);
    expect(await notifications.outboxWaiting()).toEqual(waiting);
    expect(await notifications.drainOutbox(rows[0])).toBe(0);
    // A rerun pays and records nothing more.
    expect(await dividends.payCreator(creator.id, period)).toEqual({ holders: 0, amount: 0n });
    expect(await notifications.outboxWaiting()).toEqual(waiting);
    expect(await notified()).toBe(4);
  });

  it('an outbox row rolls back with its cause', async () => {
    const notifications = medium.get(NotificationsService);
    const before = await notifications.outboxWaiting();
    const [alice, bob] = await Promise.all([givenUserWithBalance(medium, '0'), givenUserWithBalance(medium, '0')]);
    const roundId = randomUUID();
    await expect(
      medium.dataSource.transaction(async (manager) => {
        // A round settling its two players, then failing before its commit.
        medium.get(DomainEventBus).afterCommit(manager, { name: 'round.payouts', payload: { roundId, roundNumber: 1, voided: false, payouts: [alice, bob].map((user) => ({ userId: user.id, amount: '1.000000' })) } });
        await manager.query('SELECT 1');
        throw new Error('settlement failed');
      }),
    ).rejects.toThrow('settlement failed');
    expect(await notifications.outboxWaiting()).toEqual(before);
    await medium.dataSource.transaction(async (manager) =>
      medium.get(DomainEventBus).afterCommit(manager, { name: 'round.payouts', payload: { roundId, roundNumber: 1, voided: false, payouts: [alice, bob].map((user) => ({ userId: user.id, amount: '1.000000' })) } }),
    );
    expect((await notifications.outboxWaiting()).filter((id) => !before.includes(id))).toHaveLength(1);
  });
  it('the minute sweep gives an outbox row left behind a new job, and leaves a fresh one to its own job', async () => {
    const notifications = medium.get(NotificationsService);
    const [alice, bob] = await Promise.all([givenUserWithBalance(medium, '0'), givenUserWithBalance(medium, '0')]);
    const roundId = randomUUID();
    const before = await notifications.outboxWaiting();
    await medium.dataSource.transaction(async (manager) =>
      medium.get(DomainEventBus).afterCommit(manager, { name: 'round.payouts', payload: { roundId, roundNumber: 2, voided: false, payouts: [alice, bob].map((user) => ({ userId: user.id, amount: '1.000000' })) } }),
    );
    const [row] = (await notifications.outboxWaiting()).filter((id) => !before.includes(id));
    const redrain = jest.spyOn(medium.get(NotificationJobs), 'redrainOutbox').mockImplementation(async (outboxId) => void (await notifications.drainOutbox(outboxId)));
    try {
      // The sweep needs neither digests nor broadcasts.
      const processor = new NotificationsProcessor(notifications, {} as never, {} as never, medium.get(NotificationJobs), medium.get(AppConfig));
      const sweep = () => processor.process({ data: { name: 'outbox-sweep' } } as Job<NotificationJobData>);
      await sweep();
      expect(redrain.mock.calls.map(([id]) => id)).not.toContain(row);
      await medium.dataSource.query(`UPDATE notification_outbox SET created_at = created_at - interval '2 minutes' WHERE id = $1`, [row]);
      await sweep();
      expect(redrain.mock.calls.map(([id]) => id)).toContain(row);
    } finally {
      redrain.mockRestore();
    }
    expect(await notifications.outboxWaiting()).not.toContain(row);
    const [{ count }] = (await medium.dataSource.query(`SELECT count(*)::int AS count FROM notifications WHERE user_id = ANY($1::uuid[]) AND key LIKE $2`, [[alice.id, bob.id], `%${roundId}%`])) as { count: number }[];
    expect(count).toBe(2);
  });
});
