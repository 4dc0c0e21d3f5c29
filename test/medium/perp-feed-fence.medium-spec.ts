import Redis from 'ioredis';
import { REDIS } from '../../src/redis/redis.module';
import { LeaderLease } from '../../src/redis/leader-lease';
import type { PriceCandle } from '../../src/trades/feed/candle-aggregator';
import { PerpCandles } from '../../src/trades/feed/perp-candles.service';
import { PerpPrices } from '../../src/trades/feed/perp-prices';
import { MediumModule, startMediumModule } from './support/medium-module';

const RUN = Date.now().toString(36).toUpperCase();
const SYMBOL = `FNC${RUN}_USDC_PERP`;
const MINUTE = 60_000;
const DAY = 86_400_000;

function candle(close: string, openTime: number): PriceCandle {
  return { symbol: SYMBOL, interval: '1m', openTime, open: '100', high: '110', low: '90', close } as PriceCandle;
}

describe('Price feed candles: the fence and the retention, against the real database (medium)', () => {
  let medium: MediumModule;
  let candles: PerpCandles;
  let redis: Redis;
  const feed = () => `${medium.config.redisKeyPrefix}:perps:feed-leader:${RUN}`;

  const closeOf = async (openTime: number) => {
    const [row] = await medium.dataSource.query(`SELECT close::text AS close FROM perp_candles WHERE symbol = $1 AND interval = '1m' AND open_time = $2`, [SYMBOL, new Date(openTime)]);
    return (row as { close: string } | undefined)?.close;
  };

  beforeAll(async () => {
    medium = await startMediumModule({ providers: [PerpPrices, PerpCandles] }, { PERP_SYMBOLS: SYMBOL });
    candles = medium.get(PerpCandles);
    redis = medium.module.get<Redis>(REDIS);
  });
  afterAll(async () => {
    await medium?.dataSource.query(`DELETE FROM perp_candles WHERE symbol = $1`, [SYMBOL]);
    await medium?.dataSource.query(`DELETE FROM perp_feed_leader WHERE feed = $1`, [feed()]);
    await redis?.del(feed(), `${feed()}:fence`);
    await medium?.close();
  });

  it('an old leader whose lease was taken cannot overwrite the new leader’s candles', async () => {
    const bucket = Math.floor(Date.now() / MINUTE) * MINUTE;
    const old = new LeaderLease(redis, feed(), 200);
    const oldToken = (await old.acquire())!;
    expect(await candles.claimFeed(feed(), oldToken)).toEqual({ claimed: true, token: oldToken });
    expect(await candles.upsertPrices([candle('100', bucket)], { feed: feed(), token: oldToken })).toEqual([expect.objectContaining({ close: '100' })]);

    // The old leader pauses past its lease; another takes the lease and claims the candles.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const next = new LeaderLease(redis, feed(), 5000);
    const nextToken = (await next.acquire())!;
    expect(nextToken).toBeGreaterThan(oldToken);
    expect(await candles.claimFeed(feed(), nextToken)).toEqual({ claimed: true, token: nextToken });
    expect(await candles.upsertPrices([candle('101', bucket)], { feed: feed(), token: nextToken })).toEqual([expect.objectContaining({ close: '101' })]);

    // The old leader wakes up and flushes what it had: nothing is written, the caller learns it is fenced.
    expect(await candles.upsertPrices([candle('99', bucket), candle('98', bucket + MINUTE)], { feed: feed(), token: oldToken })).toBeNull();
    expect(await closeOf(bucket)).toBe('101');
    expect(await closeOf(bucket + MINUTE)).toBeUndefined();
    expect(await old.renew()).toBe(false);

    // Claiming again with an older (or the same) token is refused and names the stored token.
    expect(await candles.claimFeed(feed(), oldToken)).toEqual({ claimed: false, token: nextToken });
    expect(await candles.claimFeed(feed(), nextToken)).toEqual({ claimed: false, token: nextToken });
    await next.release();
  });

  it('a claim waits for a flush in flight (which share-locks the fence row), so that flush is ordered before it', async () => {
    const [{ token }] = (await medium.dataSource.query(`SELECT token::int AS token FROM perp_feed_leader WHERE feed = $1`, [feed()])) as { token: number }[];
    const runner = medium.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.query(`SELECT 1 FROM perp_feed_leader WHERE feed = $1 AND token = $2 FOR SHARE`, [feed(), token]);
      let claimedAt = 0;
      const claim = candles.claimFeed(feed(), token + 1).then((result) => {
        claimedAt = Date.now();
        return result;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(claimedAt).toBe(0);
      await runner.commitTransaction();
      await expect(claim).resolves.toEqual({ claimed: true, token: token + 1 });
    } finally {
      await runner.release();
    }
  });

  it('prunes 1m candles older than the cutoff, in chunks, and keeps newer ones and other intervals', async () => {
    const now = Date.now();
    const insert = (interval: string, openTime: number) =>
      medium.dataSource.query(`INSERT INTO perp_candles (symbol, interval, open_time, open, high, low, close) VALUES ($1, $2, $3, 1, 1, 1, 1)`, [SYMBOL, interval, new Date(openTime)]);
    const day = (n: number) => Math.floor((now - n * DAY) / MINUTE) * MINUTE;
    for (const days of [40, 35, 31]) await insert('1m', day(days));
    await insert('1m', day(29));
    await insert('1h', Math.floor((now - 40 * DAY) / 3_600_000) * 3_600_000);

    expect(await candles.pruneBefore([SYMBOL], '1m', new Date(now - 30 * DAY), 2)).toBe(3);
    const left = (await medium.dataSource.query(`SELECT interval, open_time FROM perp_candles WHERE symbol = $1 AND open_time < $2 ORDER BY interval, open_time`, [
      SYMBOL,
      new Date(now - DAY),
    ])) as { interval: string; open_time: Date }[];
    expect(left.map((row) => [row.interval, row.open_time.getTime()])).toEqual([
      ['1h', Math.floor((now - 40 * DAY) / 3_600_000) * 3_600_000],
      ['1m', day(29)],
    ]);
    expect(await candles.pruneBefore([SYMBOL], '1m', new Date(now - 30 * DAY))).toBe(0);
  });
});
