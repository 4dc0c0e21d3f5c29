import { ApprovalsService } from '../../src/admin/approvals.service';
import { AuditService } from '../../src/admin/audit.service';
import Redis from 'ioredis';
import { openLedgerHarness } from '../ledger/harness';
import { baseline, measure, parseOptions, Result } from '../ledger/measure';
import { MarketJobs } from '../../src/markets/market-jobs';
import { MarketListCache } from '../../src/markets/market-list.cache';
import { MarketTradingService } from '../../src/markets/market-trading.service';
import { MarketOrdersService } from '../../src/markets/market-orders.service';
import { MarketCommands } from '../../src/markets/venue/market-commands.service';
import { MarketVenue } from '../../src/markets/venue/market-venue';
import { MarketsService } from '../../src/markets/markets.service';
import { CreatorEarnings } from '../../src/creators/creator-earnings.service';
import { IdempotencyService } from '../../src/common/idempotency/idempotency.service';

/**
 * Prediction-market trades per second through the real MarketTradingService (market row lock, LMSR in
 * 40-digit decimals, ledger posting to trader + pool + fees, position, fill, price point, list-cache bump),
 * against the bare-pg baseline of the same run:
 *   baseline   bare `pg`: BEGIN; one UPDATE; one INSERT; COMMIT
 *   hot        every trade on one market (they serialize on its row lock)
 *   spread     trades spread over 100 markets
 *
 * Usage: npm run bench:markets [-- --seconds 5 --concurrency 16 --users 200]
 * Uses DATABASE_URL and REDIS_URL/REDIS_KEY_PREFIX; it adds bench users, markets and trades there.
 * Markets are created through MarketsService without scheduling close jobs (they close in a day).
 */
const SPREAD_MARKETS = 100;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const harness = await openLedgerHarness({ DATABASE_POOL_SIZE: String(options.concurrency + 4), LOG_LEVEL: 'error', STARTING_BALANCE: '1000000' });
  const redis = new Redis(harness.config.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const ledger = harness.ledgerWith({ STARTING_BALANCE: '1000000' });
    const events = harness.events;
    const listCache = new MarketListCache(redis, harness.config);
    const noCloseJobs = { scheduleClose: async () => undefined, enqueueSettlement: async () => undefined } as unknown as MarketJobs;
    const audit = new AuditService(harness.dataSource);
    const creatorEarnings = new CreatorEarnings(harness.config);
    // Without a VenueEngine the commands apply directly under the market row's lock (the engine's scenarios are in bench/markets/engine.ts).
    const venue = new MarketVenue(ledger, events, harness.config, creatorEarnings);
    const commands = new MarketCommands(harness.dataSource, venue, harness.config);
    const orders = new MarketOrdersService(harness.dataSource, listCache, noCloseJobs, commands, venue);
    const markets = new MarketsService(harness.dataSource, ledger, harness.config, events, listCache, noCloseJobs, audit, new ApprovalsService(harness.dataSource, audit, harness.config), orders);
    const trading = new MarketTradingService(harness.dataSource, listCache, commands, venue);

    const users = await harness.createUsers(options.users);
    for (const userId of users) await harness.dataSource.transaction((manager) => ledger.openUserAccount(manager, userId));
    const [admin] = await harness.createUsers(1);
    const closesAt = new Date(Date.now() + 24 * 3600_000).toISOString();
    const create = (i: number) =>
      markets.create(
        { house: true, adminId: admin },
        { question: `Bench market ${Date.now()}-${i}?`, category: 'bench', outcomes: ['Yes', 'No', 'Maybe'], closesAt, subsidy: '10000' },
      );
    const hot = await create(0);
    const spread: { id: string }[] = [];
    for (let i = 1; i <= SPREAD_MARKETS; i++) spread.push(await create(i));

    const trade = (marketId: string, worker: number, iteration: number) =>
      trading
        .buy(users[(worker + iteration * options.concurrency) % users.length], marketId, { outcome: iteration % 3, amount: '1.5' })
        .then(() => undefined);
    // The same buy as a request with an Idempotency-Key (a fresh key each): the key's own writes are in the figure.
    const idempotency = new IdempotencyService(harness.dataSource, harness.config);
    const keyed = async (marketId: string, worker: number, iteration: number) => {
      const record = { scope: 'bench', key: `bench-${process.pid}-${marketId}-${worker}-${iteration}`, requestHash: 'f'.repeat(64) };
      const buyer = users[(worker + iteration * options.concurrency) % users.length];
      await idempotency.execute(record, () => trading.buy(buyer, marketId, { outcome: iteration % 3, amount: '1.5' }), () => 201);
    };
    await measure('warm-up', { ...options, seconds: 1 }, (worker, iteration) => trade(spread[worker % SPREAD_MARKETS].id, worker, iteration));

    const results: Result[] = [
      await baseline(harness, options),
      await measure('hot: one market (row lock serializes)', options, (worker, iteration) => trade(hot.id, worker, iteration)),
      await measure(`spread: ${SPREAD_MARKETS} markets`, options, (worker, iteration) =>
        trade(spread[(worker + iteration * options.concurrency) % SPREAD_MARKETS].id, worker, iteration),
      ),
      await measure('hot, with Idempotency-Key', options, (worker, iteration) => keyed(hot.id, worker, iteration)),
      await measure(`spread, with Idempotency-Key`, options, (worker, iteration) =>
        keyed(spread[(worker + iteration * options.concurrency) % SPREAD_MARKETS].id, worker, iteration),
      ),
    ];
    const base = results[0].perSecond;
    console.log(
      `markets bench: ${options.seconds} s per scenario, ${options.concurrency} concurrent, ${options.users} users, 3-outcome LMSR, PostgreSQL ${harness.config.databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
    );
    console.log('| scenario | trades | trades/s | vs baseline | p50 ms | p99 ms | errors |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const result of results) {
      console.log(
        `| ${result.name} | ${result.postings} | ${result.perSecond.toFixed(0)} | ${(result.perSecond / base).toFixed(2)} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${result.errors} |`,
      );
    }
  } finally {
    redis.disconnect();
    await harness.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
