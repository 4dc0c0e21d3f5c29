import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { AccountsService } from '../../src/accounts/accounts.service';
import { AnalyticsListener } from '../../src/analytics/analytics.listener';
import { LeaderboardNamesCache } from '../../src/analytics/leaderboard-names.cache';
import { LeaderboardService } from '../../src/analytics/leaderboard.service';
import { PlayerStatsService } from '../../src/analytics/player-stats.service';
import { CreatorStatsQueries } from '../../src/creators/creator-stats.queries';
import { ProfilesService } from '../../src/analytics/profiles.service';
import { RoundStatisticsService } from '../../src/analytics/round-statistics.service';
import { UsersService } from '../../src/auth/users.service';
import { formatUsdc, parseUsdc } from '../../src/common/money/usdc';
import { MarketStatsQueries } from '../../src/markets/market-stats.queries';
import { MarketSettlementService } from '../../src/markets/market-settlement.service';
import { MarketTradingService } from '../../src/markets/market-trading.service';
import { MarketsService } from '../../src/markets/markets.service';
import { positionPayout } from '../../src/rounds/fairness/payouts';
import { START_PRICE } from '../../src/rounds/fairness/round-params';
import { RoundSettingsService } from '../../src/rounds/round-settings.service';
import { RoundSettlementService } from '../../src/rounds/round-settlement.service';
import { RoundStatsQueries } from '../../src/rounds/round-stats.queries';
import { RoundsService } from '../../src/rounds/rounds.service';
import { SALT_SOURCE, ServerSaltSource } from '../../src/rounds/salt-source';
import { SeedChainsService } from '../../src/rounds/seed-chains.service';
import { PerpStatsQueries } from '../../src/trades/perp-stats.queries';
import { givenUserWithBalance } from './support/given';
import { givenMarket, MARKETS_VENUE } from './support/given-market';
import { advanceRound, endAndSettle, givenActiveRound } from './support/given-round';
import { MediumModule, startMediumModule } from './support/medium-module';
import { refusal } from './support/refusal';

const signed = (value: string) => parseUsdc(value, 'value', 'any');
const UP = (BigInt(START_PRICE) * 3n) / 2n;

describe('Analytics: statistics, round statistics and leaderboards from the venues\' rows (medium)', () => {
  let medium: MediumModule;
  let rounds: RoundsService;
  let stats: PlayerStatsService;
  let leaderboards: LeaderboardService;
  let listener: AnalyticsListener;

  const available = async (userId: string) => parseUsdc((await medium.get(AccountsService).overview(userId)).balances.find((b) => b.asset === 'USDC')!.available);

  /** A round where `winner` goes long 10 and closes at +50%, `loser` goes short 20 to the end, and `loser` loses a side bet. */
  async function playRound(winner: string, loser: string) {
    const round = await givenActiveRound(medium, { tick: 2 });
    await rounds.placeSideBet(loser, round.id, { amount: '1' });
    const long = await rounds.openPosition(winner, round.id, { side: 'long', amount: '10' });
    await rounds.openPosition(loser, round.id, { side: 'short', amount: '20' });
    await advanceRound(medium, round, 50, UP);
    await rounds.closePosition(winner, round.id, long.id);
    await advanceRound(medium, round, 60, UP);
    const outcome = await endAndSettle(medium, round.id);
    await listener.idle();
    return { round, outcome };
  }

  beforeAll(async () => {
    medium = await startMediumModule(
      {
        imports: MARKETS_VENUE.imports,
        providers: [
          ...MARKETS_VENUE.providers,
          { provide: SALT_SOURCE, useClass: ServerSaltSource },
          SeedChainsService,
          RoundSettingsService,
          RoundsService,
          RoundSettlementService,
          RoundStatsQueries,
          MarketStatsQueries,
          PerpStatsQueries,
          LeaderboardNamesCache,
          CreatorStatsQueries,
          ProfilesService,
          PlayerStatsService,
          RoundStatisticsService,
          LeaderboardService,
          AnalyticsListener,
        ],
      },
      { STARTING_BALANCE: '0' },
    );
    rounds = medium.get(RoundsService);
    stats = medium.get(PlayerStatsService);
    leaderboards = medium.get(LeaderboardService);
    listener = medium.get(AnalyticsListener);
  });
  afterAll(() => medium?.close());

  it('player stats of a settled round equal what the ledger moved: trades, wins, volume, P&L, best and worst', async () => {
    const [alice, bob] = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '100')];
    await playRound(alice.id, bob.id);

    const mine = await stats.mine(alice.id, 'all');
    const theirs = await stats.mine(bob.id, 'today');

    const alicePayout = positionPayout('long', 9_900_000n, BigInt(START_PRICE), UP);
    expect(mine.venues.rounds).toEqual({
      trades: 1,
      wins: 1,
      winRate: '1.0000',
      volume: '10.000000',
      pnl: formatUsdc(alicePayout - 10_000_000n),
      averageTradeSize: '10.000000',
      bestTrade: formatUsdc(alicePayout - 10_000_000n),
      worstTrade: formatUsdc(alicePayout - 10_000_000n),
      openPositions: 0,
    });
    expect(theirs.venues.rounds).toMatchObject({ trades: 2, wins: 0, winRate: '0.0000', volume: '21.000000', worstTrade: expect.stringMatching(/^-/), openPositions: 0 });
    // Statistics never disagree with balances: P&L is exactly the balance change.
    expect(signed(mine.overall.pnl)).toBe((await available(alice.id)) - 100_000_000n);
    expect(signed(theirs.overall.pnl)).toBe((await available(bob.id)) - 100_000_000n);
    expect(mine.overall).toEqual({ ...mine.venues.rounds });
    expect(mine.venues.perps).toMatchObject({ trades: 0, winRate: null, averageTradeSize: null, bestTrade: null });
  });

  it('counts open positions and leaves unsettled trades out of P&L', async () => {
    const carol = await givenUserWithBalance(medium, '50');
    const round = await givenActiveRound(medium, { tick: 3 });
    await rounds.openPosition(carol.id, round.id, { side: 'long', amount: '5' });
    await rounds.placeSideBet(carol.id, round.id, { amount: '1' });

    const open = await stats.mine(carol.id, '7d');

    expect(open.venues.rounds).toMatchObject({ trades: 0, openPositions: 2, pnl: '0.000000' });
    expect(open.since).not.toBeNull();
  });

  it('a prediction market counts once settled: P&L is what came back less what was paid', async () => {
    const dave = await givenUserWithBalance(medium, '100');
    const market = await givenMarket(medium);
    await medium.get(MarketTradingService).buy(dave.id, market.id, { outcome: 'Yes', amount: '10' });
    expect((await stats.mine(dave.id, 'all')).venues.markets).toMatchObject({ trades: 0, openPositions: 1 });

    await medium.get(MarketsService).resolve(market.id, 'Yes');
    await medium.get(MarketSettlementService).settle(market.id);
    await listener.idle();

    const settled = (await stats.mine(dave.id, 'all')).venues.markets;
    expect(settled).toMatchObject({ trades: 1, wins: 1, openPositions: 0, volume: '10.000000' });
    expect(signed(settled.pnl)).toBe((await available(dave.id)) - 100_000_000n);
  });

  it('a private player is 404 to others, public to everyone, always visible to themselves', async () => {
    const erin = await givenUserWithBalance(medium, '1');
    const frank = await givenUserWithBalance(medium, '1');

    expect(await refusal(stats.of(frank.id, erin.id, 'all'))).toMatchObject({ status: 404, error: 'PlayerNotFound' });
    expect(await refusal(stats.of(undefined, '00000000-0000-4000-8000-000000000000', 'all'))).toMatchObject({ status: 404, error: 'PlayerNotFound' });
    expect((await stats.of(erin.id, erin.id, 'all')).userId).toBe(erin.id);

    const profile = await medium.get(ProfilesService).update(erin.id, { displayName: `Erin ${erin.id.slice(0, 6)}`, public: true });
    expect(profile).toMatchObject({ public: true, displayName: `Erin ${erin.id.slice(0, 6)}` });
    expect((await stats.of(undefined, erin.id, 'all')).displayName).toBe(profile.displayName);
    expect(await refusal(medium.get(ProfilesService).update(frank.id, { displayName: profile.displayName!.toUpperCase() }))).toMatchObject({ status: 409, error: 'DisplayNameTaken' });
    // Changing one field keeps the other.
    expect(await medium.get(ProfilesService).update(erin.id, { public: false })).toMatchObject({ public: false, displayName: profile.displayName });
  });

  it('materialises a settled round\'s statistics once its settlement commits; the house result is what the pot paid the house', async () => {
    const [gina, hank] = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '100')];
    const { round, outcome } = await playRound(gina.id, hank.id);

    const figures = await medium.get(RoundStatisticsService).ofRound(round.id);

    expect(figures).toMatchObject({ roundId: round.id, status: 'SETTLED', uniquePlayers: 2, positions: 2, sideBetsPlaced: 1, sideBetsWon: 0, volume: '31.000000', length: 60, rugTick: null });
    expect(outcome).toMatchObject({ result: 'settled' });
    expect(signed(figures.houseResult)).toBe(BigInt((outcome as { potToHouse: string }).potToHouse));
    expect(parseUsdc(figures.payouts) + signed(figures.houseResult) + parseUsdc(figures.fees)).toBe(31_000_000n);
    await expect(medium.get(RoundStatisticsService).backfill()).resolves.toBe(0);

    const live = await givenActiveRound(medium);
    expect(await refusal(medium.get(RoundStatisticsService).ofRound(live.id))).toMatchObject({ status: 409, error: 'RoundStatsNotReady' });
    expect(await refusal(medium.get(RoundStatisticsService).ofRound('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404, error: 'RoundNotFound' });
  });

  it('the survival curve and the interval series read the materialised rows', async () => {
    const now = new Date();
    const series = await medium.get(RoundStatisticsService).series(new Date(now.getTime() - 3_600_000).toISOString(), new Date(now.getTime() + 60_000).toISOString(), '1d');
    expect(series.points.reduce((sum, point) => sum + point.rounds, 0)).toBeGreaterThanOrEqual(2);
    expect(series.points[0].rugs.survived).toBeGreaterThanOrEqual(2);

    const survival = await medium.get(RoundStatisticsService).survival(100, 10);
    expect(survival.rounds).toBeGreaterThanOrEqual(2);
    expect(survival.points[0]).toMatchObject({ tick: 0, empirical: 1, theoretical: 1 });
    // Every round here ended at tick 60: all running after 50, none after 60.
    expect(survival.points.find((p) => p.tick === 50)?.empirical).toBe(1);
    expect(survival.points.find((p) => p.tick === 60)?.empirical).toBe(0);
    expect(await refusal(medium.get(RoundStatisticsService).series(now.toISOString(), now.toISOString(), '1h'))).toMatchObject({ status: 400, error: 'StatsRangeInvalid' });
  });

  it('leaderboards: each settlement counts once, a rebuild from PostgreSQL equals the incremental state, own rank, private names hidden', async () => {
    // Other suites share the database and settle without this module's listeners: start from a rebuilt board.
    await leaderboards.rebuild();
    const [ivy, jack] = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '100')];
    const { round } = await playRound(ivy.id, jack.id);
    await medium.get(ProfilesService).update(ivy.id, { public: true });

    // The same settlement again changes nothing.
    await expect(leaderboards.applyRound(round.id)).resolves.toBe(0);
    const incremental = await leaderboards.dump();

    const rebuilt = await leaderboards.rebuild();
    expect(rebuilt.settlements).toBeGreaterThanOrEqual(4);
    expect(await leaderboards.dump()).toEqual(incremental);
    await expect(leaderboards.applyRound(round.id)).resolves.toBe(0);
    expect(await leaderboards.dump()).toEqual(incremental);

    const board = await leaderboards.read({ venue: 'rounds', metric: 'pnl', period: 'all', limit: 100 }, jack.id);
    const ivyEntry = board.entries.find((entry) => entry.userId === ivy.id);
    expect(ivyEntry).toMatchObject({ displayName: expect.any(String) });
    expect(board.me).toMatchObject({ userId: jack.id, displayName: null });
    expect(board.entries[board.me!.rank - 1]).toEqual(board.me);
    expect(board.entries.filter((entry) => entry.userId === null).every((entry) => entry.displayName === null)).toBe(true);
    const allPnl = (await stats.mine(jack.id, 'all')).venues.rounds.pnl;
    expect(board.me!.value).toBe(allPnl);
    const volume = await leaderboards.read({ venue: 'all', metric: 'volume', period: 'day', limit: 1 }, undefined);
    expect(volume.entries).toHaveLength(1);
    expect(volume.me).toBeNull();
  });

  it('leaderboard names come from the Redis cache once warm (no PostgreSQL query); a profile change or a rename shows on the next read', async () => {
    const [kim, leo] = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '100')];
    await playRound(kim.id, leo.id);
    await leaderboards.rebuild();
    const profiles = medium.get(ProfilesService);
    await profiles.update(kim.id, { displayName: `Kim ${kim.id.slice(0, 6)}`, public: true });
    const query = { venue: 'rounds', metric: 'pnl', period: 'all', limit: 100 } as const;
    const nameOf = async (userId: string) => (await leaderboards.read(query, undefined)).entries.find((entry) => entry.userId === userId)?.displayName;
    const queries = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    const queriesDuring = async <T>(work: () => Promise<T>): Promise<{ result: T; count: number }> => {
      queries.mockClear();
      const result = await work();
      return { result, count: queries.mock.calls.length };
    };
    try {
      const cold = await queriesDuring(() => leaderboards.read(query, leo.id));
      expect(cold.count).toBeGreaterThanOrEqual(1);
      const warm = await queriesDuring(() => leaderboards.read(query, leo.id));
      expect(warm.count).toBe(0);
      expect(warm.result).toEqual(cold.result);
      expect(warm.result.entries.find((entry) => entry.userId === kim.id)?.displayName).toBe(`Kim ${kim.id.slice(0, 6)}`);
      expect(warm.result.me).toMatchObject({ userId: leo.id, displayName: null });

      // A new display name shows at once, and is served from the cache again after that read.
      await profiles.update(kim.id, { displayName: `Kimberly ${kim.id.slice(0, 6)}` });
      expect(await nameOf(kim.id)).toBe(`Kimberly ${kim.id.slice(0, 6)}`);
      expect((await queriesDuring(() => nameOf(kim.id))).count).toBe(0);

      // Going public without a display name shows the username; a rename (UsersService, another module) reaches
      // the cache through the user.renamed event.
      await profiles.update(leo.id, { public: true });
      expect(await nameOf(leo.id)).toBe((await profiles.mine(leo.id)).displayName);
      const renamed = `leo_${leo.id.slice(0, 8)}`;
      await medium.get(UsersService).rename(leo.id, renamed);
      await listener.idle();
      expect(await nameOf(leo.id)).toBe(renamed);

      // Going private hides the player by the next read.
      await profiles.update(kim.id, { public: false });
      const after = await leaderboards.read(query, undefined);
      expect(after.entries.find((entry) => entry.userId === kim.id)).toBeUndefined();
      expect(after.entries.find((entry) => entry.userId === null)).toBeDefined();
    } finally {
      queries.mockRestore();
    }
  });

  it('a names fill that read PostgreSQL before an invalidation does not write the old name back', async () => {
    const cache = medium.get(LeaderboardNamesCache);
    const userId = '00000000-0000-4000-8000-0000000000aa';
    const stale = await cache.publicNames([userId], async (missing) => {
      // The profile changes (and its field is forgotten) while this read is loading the old name.
      await cache.forget(...missing);
      return new Map([[userId, 'old name']]);
    });
    expect(stale.get(userId)).toBe('old name');
    const load = jest.fn(async () => new Map([[userId, 'new name']]));
    expect((await cache.publicNames([userId], load)).get(userId)).toBe('new name');
    expect((await cache.publicNames([userId], load)).get(userId)).toBe('new name');
    expect(load).toHaveBeenCalledTimes(1);
    await cache.forget(userId);
  });
});
