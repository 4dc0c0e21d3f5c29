import { loadavg } from 'node:os';
import { SystemAccount } from '../../src/accounts/ledger.service';
import type { AuditService } from '../../src/admin/audit.service';
import type { AuthStateBroadcast } from '../../src/auth/auth-state-broadcast';
import type { SessionsService } from '../../src/auth/sessions.service';
import { UsersService } from '../../src/auth/users.service';
import { CreatorAccounts } from '../../src/creators/creators.accounts';
import { reserveFor } from '../../src/creators/creator-curve';
import { CreatorDividendsService } from '../../src/creators/creator-dividends.service';
import { CreatorEarnings } from '../../src/creators/creator-earnings.service';
import type { CreatorQueriesService } from '../../src/creators/creator-queries.service';
import { curveRulesOf } from '../../src/creators/creator-rules';
import { CreatorSharesService } from '../../src/creators/creator-shares.service';
import { lastEndedPeriod } from '../../src/creators/dividend-periods';
import { MetricsService } from '../../src/health/metrics.service';
import type { NotificationJobs } from '../../src/notifications/notification-jobs';
import { NotificationMetrics } from '../../src/notifications/notification-metrics';
import { NotificationsListener } from '../../src/notifications/notifications.listener';
import { NotificationsService } from '../../src/notifications/notifications.service';
import { openLedgerHarness } from '../ledger/harness';
import { baseline, measure, parseOptions, Result } from '../ledger/measure';

/**
 * Creator shares through the real CreatorSharesService (market row lock, dividend cursor share lock, curve math,
 * one ledger posting to trader + reserve + fees + creator + dividend pool, trade + holding + lot rows), against the
 * bare-pg baseline of the same run, all on one hot creator (trades on a creator serialize on its row):
 *   buy       one share per trade
 *   sell      one share per trade (CREATOR_SHARE_LOCK_SECONDS=0, so the lots bought above are sellable)
 * Then the dividend job for one creator with --holders holders of record (default 100,000): holdings are seeded in
 * bulk (their accounts opened empty, the reserve and the period's pool funded from `adjustments` so the ledger
 * reconciles), then closing the period and paying the creator is timed, and timed again as a rerun that must pay
 * nobody. The job runs as in the app: each batch's notifications are written in its transaction by NotificationsListener
 * (a batch of 1,000 as one outbox row; NOTIFICATION_OUTBOX_FROM=1000000 writes the rows themselves), then the outbox
 * rows are drained as the `notifications` job would, timed apart (the bench users have no email, so no digest is
 * scheduled, and no socket takes the pushes). It prints where the job's time went: funding (holders of record and
 * payment rows), ledger postings, notifications, the rest.
 *
 * Usage: npm run bench:creators [-- --seconds 5 --concurrency 16 --users 200 --holders 100000 --dividends-only --no-notifications]
 * Uses DATABASE_URL; it adds bench users, a creator and trades there, and closes the dividend period it pays.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  const holdersIndex = argv.indexOf('--holders');
  const holderCount = holdersIndex >= 0 ? Number(argv[holdersIndex + 1]) : 100_000;
  const env = { DATABASE_POOL_SIZE: String(options.concurrency + 4), LOG_LEVEL: 'error', STARTING_BALANCE: '1000000', CREATOR_SHARE_LOCK_SECONDS: '0' };
  const harness = await openLedgerHarness(env);
  try {
    const { dataSource, config, events } = harness;
    const ledger = harness.ledgerWith(env);
    const noUsers = {} as UsersService;
    const noQueries = {} as CreatorQueriesService;
    const shares = new CreatorSharesService(dataSource, ledger, new CreatorEarnings(config), events, noUsers, noQueries, config, {} as AuditService);
    const dividends = new CreatorDividendsService(dataSource, ledger, events, shares, config);
    // The notifications as the app wires them: written in each dividend batch's transaction, before its COMMIT.
    const users = new UsersService(dataSource, config, events, {} as SessionsService, {} as AuditService, { onChange: () => undefined } as unknown as AuthStateBroadcast);
    const noJobs = {} as NotificationJobs;
    const notifications = new NotificationsService(dataSource, events, users, noJobs, new NotificationMetrics(new MetricsService()), config);
    // --no-notifications: the job without them, to see what they cost on the same machine at the same time.
    if (!argv.includes('--no-notifications')) new NotificationsListener(events, notifications, noJobs).onModuleInit();

    if (!argv.includes('--dividends-only')) {
      const traders = await harness.createUsers(options.users);
      for (const userId of traders) await dataSource.transaction((manager) => ledger.openUserAccount(manager, userId));
      const [hot] = await harness.createUsers(1);
      await dataSource.transaction((manager) => shares.open(manager, hot));
      const trader = (worker: number, iteration: number) => traders[(worker + iteration * options.concurrency) % traders.length];

      await measure('warm-up', { ...options, seconds: 1 }, (worker, iteration) => shares.buy(trader(worker, iteration), hot, { shares: 1 }).then(() => undefined));
      const results: Result[] = [
        await baseline(harness, options),
        await measure('hot creator: buy 1 share', options, (worker, iteration) => shares.buy(trader(worker, iteration), hot, { shares: 1 }).then(() => undefined)),
        await measure('hot creator: sell 1 share', options, (worker, iteration) => shares.sell(trader(worker, iteration), hot, { shares: 1 }).then(() => undefined)),
      ];
      const base = results[0].perSecond;
      console.log(`creators bench: ${options.seconds} s per scenario, ${options.concurrency} concurrent, ${options.users} traders, one creator, PostgreSQL ${config.databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
      console.log('| scenario | trades | trades/s | vs baseline | p50 ms | p99 ms | errors |');
      console.log('|---|---:|---:|---:|---:|---:|---:|');
      for (const result of results) {
        console.log(`| ${result.name} | ${result.postings} | ${result.perSecond.toFixed(0)} | ${(result.perSecond / base).toFixed(2)} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${result.errors} |`);
      }
    }

    // Dividends: one creator, `holderCount` holders of record in the period that ended last.
    const period = lastEndedPeriod(new Date(), config.creators.dividendPeriodSeconds);
    const seeded = performance.now();
    const [creator] = await harness.createUsers(1);
    const holders = await harness.createUsers(holderCount);
    await dataSource.transaction((manager) => shares.open(manager, creator));
    await dataSource.query(`INSERT INTO accounts (user_id, asset) SELECT unnest($1::uuid[]), 'USDC' ON CONFLICT DO NOTHING`, [holders]);
    await dataSource.query(
      `INSERT INTO creator_share_holdings (creator_id, user_id, shares) SELECT $1, h, 1 + (n % 5) FROM unnest($2::uuid[]) WITH ORDINALITY AS v(h, n)`,
      [creator, holders],
    );
    const [{ supply }] = (await dataSource.query(
      `UPDATE creator_share_markets m SET supply = s.total, holder_count = s.holders FROM (SELECT sum(shares) AS total, count(*) AS holders FROM creator_share_holdings WHERE creator_id = $1) s
        WHERE m.creator_id = $1 RETURNING m.supply`,
      [creator],
    ).then((result: [{ supply: string }[], number]) => result[0])) as { supply: string }[];
    const pool = 12_345_678_901n;
    await dataSource.transaction(async (manager) => {
      await ledger.transfer(manager, SystemAccount.adjustments, CreatorAccounts.reserve(creator), reserveFor(BigInt(supply), curveRulesOf(config).divisor), {
        kind: 'bench.creator-reserve',
        reference: `creator:${creator}`,
      });
      await ledger.transfer(manager, SystemAccount.adjustments, CreatorAccounts.dividendPool(creator, period), pool, { kind: 'bench.creator-pool', reference: `creator:${creator}` });
    });
    // Only the bench creator's period is paid in the timed run: other creators' pools of that period are left for later.
    console.log(`\ndividends: seeded ${holderCount} holders (${supply} shares) in ${((performance.now() - seeded) / 1000).toFixed(1)} s; pool ${pool} minor units, batches of ${config.creators.dividendBatchSize}`);
    const phases = { fund: 0, 'ledger post': 0, "notifications (outbox rows or rows, in the batches' transactions)": 0 };
    timePhase(phases, 'fund', dividends as unknown as Record<string, unknown>, 'fund');
    timePhase(phases, 'ledger post', ledger as unknown as Record<string, unknown>, 'post');
    timePhase(phases, "notifications (outbox rows or rows, in the batches' transactions)", notifications as unknown as Record<string, unknown>, 'recordForCause');
    const loadBefore = loadAverage();
    const started = performance.now();
    await dividends.close(period);
    const paid = await dividends.payCreator(creator, period);
    const seconds = (performance.now() - started) / 1000;
    const timedPhases = { ...phases };
    const rerunStarted = performance.now();
    const rerun = await dividends.payCreator(creator, period);
    const rerunSeconds = (performance.now() - rerunStarted) / 1000;
    const [{ left }] = (await dataSource.query(`SELECT holders - holders_paid AS left FROM creator_dividends WHERE creator_id = $1`, [creator])) as { left: number }[];
    const poolLeft = await ledger.systemBalance(dataSource.manager, CreatorAccounts.dividendPool(creator, period));
    console.log('| dividend job | holders paid | minor units paid | seconds | holders/s |');
    console.log('|---|---:|---:|---:|---:|');
    console.log(`| first run | ${paid.holders} | ${paid.amount} | ${seconds.toFixed(2)} | ${(paid.holders / seconds).toFixed(0)} |`);
    console.log(`| rerun | ${rerun.holders} | ${rerun.amount} | ${rerunSeconds.toFixed(2)} | - |`);
    console.log(`unpaid holders left: ${left}; pool left: ${poolLeft}; paid = pool: ${paid.amount === pool}`);
    // What the `notifications` workers do after the job (here one after the other): the outbox rows turned into notifications.
    const drainStarted = performance.now();
    const outbox = await notifications.outboxWaiting();
    for (const outboxId of outbox) await notifications.drainOutbox(outboxId);
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    console.log(`outbox: ${outbox.length} rows (NOTIFICATION_OUTBOX_FROM ${config.notifications.outboxFrom}) drained after the job in ${drainSeconds.toFixed(2)} s`);
    const [{ notified }] = (await dataSource.query(`SELECT count(*)::int AS notified FROM notifications WHERE key LIKE $1`, [`dividend:${creator}:%`])) as { notified: number }[];
    console.log(`notifications written: ${notified} (one per holder paid more than 0)`);
    console.log(`load average (1, 5, 15 min) before the run: ${loadBefore}; after: ${loadAverage()}`);
    const rest = seconds * 1000 - Object.values(timedPhases).reduce((sum, ms) => sum + ms, 0);
    console.log('| first run: where the time went | seconds | share |');
    console.log('|---|---:|---:|');
    for (const [phase, ms] of [...Object.entries(timedPhases), ['the rest (batch reads, paid_through, commits)', rest] as const]) {
      console.log(`| ${phase} | ${(ms / 1000).toFixed(2)} | ${((ms / 1000 / seconds) * 100).toFixed(0)}% |`);
    }
  } finally {
    await harness.close();
  }
}

/** The machine's load average (1, 5, 15 min): the machine is shared, and the figures move with it. */
function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}

/** Adds the time spent in `target[method]` (awaited) to `phases[phase]`. */
function timePhase<Phase extends string>(phases: Record<Phase, number>, phase: Phase, target: Record<string, unknown>, method: string): void {
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  target[method] = async (...args: unknown[]) => {
    const started = performance.now();
    try {
      return await original.apply(target, args);
    } finally {
      phases[phase] += performance.now() - started;
    }
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
