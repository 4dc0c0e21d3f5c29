import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { IsIntBetween } from '../common/http/is-int-between.decorator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { LEADERBOARD_METRICS, LEADERBOARD_PERIODS, LEADERBOARD_VENUES, LeaderboardMetric, LeaderboardPeriod, LeaderboardVenue } from './leaderboard-keys';
import { STATS_PERIODS, StatsPeriod } from './stats-math';

const USER_ID = '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10';
const ROUND_ID = '0c2e55f0-b37d-448d-8941-077de71a0142';

// ---- profile --------------------------------------------------------------------------------------

export const DISPLAY_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_ .-]{1,30}[A-Za-z0-9_.]$/;

export class UpdateProfileDto {
  @ApiPropertyOptional({ example: 'Satoshi', description: '3–32 characters: letters, digits, space, `_`, `-`, `.`; unique (case-insensitive)' })
  @IsOmittable()
  @Matches(DISPLAY_NAME_PATTERN, { message: 'displayName must be 3–32 characters of letters, digits, space, _ - . (not starting or ending with a space or -)' })
  displayName?: string;

  @ApiPropertyOptional({ example: true, description: 'Show your statistics at /users/:id/stats and your name on leaderboards' })
  @IsOmittable()
  @IsBoolean()
  public?: boolean;
}

export class ProfileDto {
  @ApiProperty({ example: USER_ID })
  userId!: string;

  @ApiProperty({ example: 'Satoshi', nullable: true, type: String, description: 'Your username until you pick one' })
  displayName!: string | null;

  @ApiProperty({ example: true })
  public!: boolean;
}

// ---- player statistics ----------------------------------------------------------------------------

export class StatsQueryDto {
  @ApiPropertyOptional({ enum: STATS_PERIODS, default: 'all', description: '`today` is the current UTC day; `7d` and `30d` are rolling' })
  @IsOptional()
  @IsIn(STATS_PERIODS)
  period: StatsPeriod = 'all';
}

export class VenueStatsDto {
  @ApiProperty({ example: 12, description: 'Closed positions and resolved bets (rounds), settled positions (markets), closed positions (perps)' })
  trades!: number;

  @ApiProperty({ example: 7, description: 'Trades with a positive P&L' })
  wins!: number;

  @ApiProperty({ example: '0.5833', nullable: true, type: String, description: 'wins / trades, 4 decimals; null without trades' })
  winRate!: string | null;

  @ApiProperty({ example: '240.000000', description: 'USDC traded: what was paid in (rounds, markets, fees included) or the notional (perps)' })
  volume!: string;

  @ApiProperty({ example: '-3.150000', description: 'USDC, signed, net of fees' })
  pnl!: string;

  @ApiProperty({ example: '20.000000', nullable: true, type: String })
  averageTradeSize!: string | null;

  @ApiProperty({ example: '14.850000', nullable: true, type: String, description: 'The best single trade’s P&L' })
  bestTrade!: string | null;

  @ApiProperty({ example: '-10.000000', nullable: true, type: String })
  worstTrade!: string | null;

  @ApiProperty({ example: 1, description: 'Open positions and unresolved bets now, whatever the period' })
  openPositions!: number;
}

export class VenuesStatsDto {
  @ApiProperty({ type: VenueStatsDto })
  rounds!: VenueStatsDto;

  @ApiProperty({ type: VenueStatsDto })
  markets!: VenueStatsDto;

  @ApiProperty({ type: VenueStatsDto })
  perps!: VenueStatsDto;
}

export class CreatorShareHoldingsDto {
  @ApiProperty({ example: 2, description: 'Creators whose shares you hold now' })
  creators!: number;

  @ApiProperty({ example: 7, description: 'Shares held now (a creator\'s own share 1 included)' })
  shares!: number;

  @ApiProperty({ example: '3.150000', description: 'Average cost of the bought shares still held (what their buys paid, fees included)' })
  costBasis!: string;

  @ApiProperty({ example: '3.400000', description: 'What selling the bought shares now would pay after fees, at the current curve price (as `GET /me/creator-shares` values them)' })
  marketValue!: string;

  @ApiProperty({ example: '0.250000', description: 'marketValue − costBasis' })
  unrealisedPnl!: string;
}

/**
 * Creator-share trading in the period and holdings now, from the creator share trade history and dividend payments
 * (the ledger-backed rows). Average-cost accounting per creator; not part of `overall` (share holdings are not closed trades).
 */
export class CreatorShareStatsDto {
  @ApiProperty({ example: 3 })
  buys!: number;

  @ApiProperty({ example: 1 })
  sells!: number;

  @ApiProperty({ example: 9 })
  sharesBought!: number;

  @ApiProperty({ example: 2 })
  sharesSold!: number;

  @ApiProperty({ example: '4.100000', description: 'Paid for the period\'s buys, fees included' })
  spent!: string;

  @ApiProperty({ example: '0.900000', description: 'Received for the period\'s sells, after fees' })
  received!: string;

  @ApiProperty({ example: '0.500000', description: 'Creator and platform fees of the period\'s buys and sells' })
  fees!: string;

  @ApiProperty({ example: '0.120000', description: 'Dividends paid to you in the period' })
  dividendsReceived!: string;

  @ApiProperty({ example: '-0.050000', description: 'The period\'s sells: proceeds less the average cost of the shares sold' })
  realisedPnl!: string;

  @ApiProperty({ example: '0.0000', nullable: true, type: String, description: 'Sells of the period that realised a gain over sells, 4 decimals; null without sells' })
  winRate!: string | null;

  @ApiProperty({ type: CreatorShareHoldingsDto, description: 'Now, whatever the period' })
  holdings!: CreatorShareHoldingsDto;
}

export class PlayerStatsDto {
  @ApiProperty({ example: USER_ID })
  userId!: string;

  @ApiProperty({ example: 'Satoshi', nullable: true, type: String })
  displayName!: string | null;

  @ApiProperty({ enum: STATS_PERIODS, example: '7d' })
  period!: StatsPeriod;

  @ApiProperty({ example: '2026-11-26T12:00:00.000Z', nullable: true, type: String, description: 'Trades closed at or after this count; null for all' })
  since!: string | null;

  @ApiProperty({ type: VenueStatsDto })
  overall!: VenueStatsDto;

  @ApiProperty({ type: VenuesStatsDto })
  venues!: VenuesStatsDto;

  @ApiProperty({ type: CreatorShareStatsDto })
  creatorShares!: CreatorShareStatsDto;
}

// ---- leaderboards ---------------------------------------------------------------------------------

export class LeaderboardQueryDto {
  @ApiPropertyOptional({ enum: LEADERBOARD_VENUES, default: 'all' })
  @IsOptional()
  @IsIn(LEADERBOARD_VENUES)
  venue: LeaderboardVenue = 'all';

  @ApiPropertyOptional({ enum: LEADERBOARD_METRICS, default: 'pnl' })
  @IsOptional()
  @IsIn(LEADERBOARD_METRICS)
  metric: LeaderboardMetric = 'pnl';

  @ApiPropertyOptional({ enum: LEADERBOARD_PERIODS, default: 'day', description: 'The current UTC day, the current week (from Monday, UTC), or all time' })
  @IsOptional()
  @IsIn(LEADERBOARD_PERIODS)
  period: LeaderboardPeriod = 'day';

  @ApiPropertyOptional({ example: 20, default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsIntBetween(1, 100)
  limit: number = 20;
}

export class LeaderboardEntryDto {
  @ApiProperty({ example: 1 })
  rank!: number;

  @ApiProperty({ example: USER_ID, nullable: true, type: String, description: 'Only for public profiles (and yourself)' })
  userId!: string | null;

  @ApiProperty({ example: 'Satoshi', nullable: true, type: String, description: 'null: a private profile' })
  displayName!: string | null;

  @ApiProperty({ example: '120.500000', description: 'USDC: P&L (signed) or volume' })
  value!: string;
}

export class LeaderboardDto {
  @ApiProperty({ enum: LEADERBOARD_VENUES, example: 'rounds' })
  venue!: LeaderboardVenue;

  @ApiProperty({ enum: LEADERBOARD_METRICS, example: 'pnl' })
  metric!: LeaderboardMetric;

  @ApiProperty({ enum: LEADERBOARD_PERIODS, example: 'day' })
  period!: LeaderboardPeriod;

  @ApiProperty({ example: '2026-12-03', description: 'The board: a UTC day, `w<Monday>` for a week, or `all`' })
  bucket!: string;

  @ApiProperty({ example: 42, description: 'Players on the board' })
  players!: number;

  @ApiProperty({ type: LeaderboardEntryDto, isArray: true })
  entries!: LeaderboardEntryDto[];

  @ApiProperty({ type: LeaderboardEntryDto, nullable: true, description: 'Your own place (signed-in callers on the board); null otherwise' })
  me!: LeaderboardEntryDto | null;
}

// ---- round statistics -----------------------------------------------------------------------------

export class RoundStatisticsDto {
  @ApiProperty({ example: ROUND_ID })
  roundId!: string;

  @ApiProperty({ example: 1042 })
  number!: number;

  @ApiProperty({ enum: ['SETTLED', 'VOIDED'], example: 'SETTLED' })
  status!: string;

  @ApiProperty({ example: '2026-12-03T12:00:00.000Z' })
  settledAt!: string;

  @ApiProperty({ example: 57, description: 'Ticks played' })
  length!: number;

  @ApiProperty({ example: 57, nullable: true, type: Number, description: 'null: the round reached maxTicks' })
  rugTick!: number | null;

  @ApiProperty({ example: '1.84210000', description: 'Highest price of the path' })
  peakPrice!: string;

  @ApiProperty({ example: 8 })
  uniquePlayers!: number;

  @ApiProperty({ example: 14 })
  positions!: number;

  @ApiProperty({ example: '310.000000', description: 'USDC: positions (fees included) and side bets' })
  volume!: string;

  @ApiProperty({ example: '295.120000', description: 'USDC paid back: positions and side bets' })
  payouts!: string;

  @ApiProperty({ example: '-1.062857', nullable: true, type: String, description: 'Per position, USDC: payout − amount paid' })
  averagePnl!: string | null;

  @ApiProperty({ example: '40.100000', nullable: true, type: String })
  bestPnl!: string | null;

  @ApiProperty({ example: '-25.000000', nullable: true, type: String })
  worstPnl!: string | null;

  @ApiProperty({ example: 5 })
  sideBetsPlaced!: number;

  @ApiProperty({ example: 1 })
  sideBetsWon!: number;

  @ApiProperty({ example: '11.780000', description: 'USDC, signed: what the round’s pot moved to the house' })
  houseResult!: string;

  @ApiProperty({ example: '3.100000', description: 'USDC: position fees' })
  fees!: string;
}

export class RoundSeriesQueryDto {
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ example: '2026-12-03T00:00:00.000Z' })
  @IsISO8601({ strict: true })
  to!: string;

  @ApiPropertyOptional({ enum: ['1h', '1d'], default: '1h' })
  @IsOptional()
  @IsIn(['1h', '1d'])
  interval: '1h' | '1d' = '1h';
}

export class RugDistributionDto {
  @ApiProperty({ example: 40, description: 'Rounds that rugged' })
  rugged!: number;

  @ApiProperty({ example: 0, description: 'Rounds that reached maxTicks' })
  survived!: number;

  @ApiProperty({ example: 62, nullable: true, type: Number })
  p25!: number | null;

  @ApiProperty({ example: 139, nullable: true, type: Number })
  median!: number | null;

  @ApiProperty({ example: 277, nullable: true, type: Number })
  p75!: number | null;
}

export class RoundSeriesPointDto {
  @ApiProperty({ example: '2026-12-03T11:00:00.000Z', description: 'Start of the interval (UTC)' })
  at!: string;

  @ApiProperty({ example: 40, description: 'Rounds settled in it (refunded ones not counted)' })
  rounds!: number;

  @ApiProperty({ example: 181.4, nullable: true, type: Number, description: 'Mean ticks per round' })
  averageLength!: number | null;

  @ApiProperty({ type: RugDistributionDto })
  rugs!: RugDistributionDto;

  @ApiProperty({ example: '12000.000000' })
  volume!: string;

  @ApiProperty({ example: '11500.000000' })
  payouts!: string;

  @ApiProperty({ example: '310.000000', description: 'Signed' })
  houseResult!: string;
}

export class RoundSeriesDto {
  @ApiProperty({ enum: ['1h', '1d'], example: '1h' })
  interval!: string;

  @ApiProperty({ type: RoundSeriesPointDto, isArray: true, description: 'Intervals with at least one round, oldest first' })
  points!: RoundSeriesPointDto[];
}

export class SurvivalQueryDto {
  @ApiPropertyOptional({ example: 500, default: 500, minimum: 1, maximum: 100000, description: 'Last tick of the curve' })
  @IsOptional()
  @Type(() => Number)
  @IsIntBetween(1, 100_000)
  ticks: number = 500;

  @ApiPropertyOptional({ example: 10, default: 10, minimum: 1, maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsIntBetween(1, 10_000)
  step: number = 10;
}

export class SurvivalPointDto {
  @ApiProperty({ example: 100 })
  tick!: number;

  @ApiProperty({ example: 0.61, nullable: true, type: Number, description: 'Share of the observed rounds still running after this tick' })
  empirical!: number | null;

  @ApiProperty({ example: 0.6058, description: '(1 − rugProbability)^tick, 0 from maxTicks on' })
  theoretical!: number;

  @ApiProperty({ example: 244 })
  running!: number;
}

export class SurvivalDto {
  @ApiProperty({ example: 0.005 })
  rugProbability!: number;

  @ApiProperty({ example: 5000 })
  maxTicks!: number;

  @ApiProperty({ example: 400, description: 'Settled rounds with these parameters' })
  rounds!: number;

  @ApiProperty({ example: 139, description: 'Ticks by which half the rounds end, in theory' })
  theoreticalMedian!: number;

  @ApiProperty({ example: 142, nullable: true, type: Number })
  empiricalMedian!: number | null;

  @ApiProperty({ type: SurvivalPointDto, isArray: true })
  points!: SurvivalPointDto[];
}

// ---- tick timing ----------------------------------------------------------------------------------

export class RoundTimingDto {
  @ApiProperty({ example: ROUND_ID })
  roundId!: string;

  @ApiProperty({ example: 250, description: 'Nominal tick interval' })
  tickMs!: number;

  @ApiProperty({ example: true, description: 'false until the round ended on an engine that recorded its timing' })
  recorded!: boolean;

  @ApiProperty({ example: 57, description: 'Ticks measured' })
  ticks!: number;

  @ApiProperty({ example: 0, description: 'Passes that persisted more than one candle (catching up after a stall)' })
  catchUpPasses!: number;

  @ApiProperty({ example: 250.3, nullable: true, type: Number, description: 'Mean time between tick passes' })
  meanIntervalMs!: number | null;

  @ApiProperty({ example: 1.9, nullable: true, type: Number })
  intervalStddevMs!: number | null;

  @ApiProperty({ example: 243, nullable: true, type: Number })
  minIntervalMs!: number | null;

  @ApiProperty({ example: 262, nullable: true, type: Number })
  maxIntervalMs!: number | null;

  @ApiProperty({ example: 2, nullable: true, type: Number, description: 'Median lateness of a candle after it was due (bucket upper bound)' })
  p50DeviationMs!: number | null;

  @ApiProperty({ example: 12, nullable: true, type: Number })
  p99DeviationMs!: number | null;

  @ApiProperty({ example: 14.2, nullable: true, type: Number })
  maxDeviationMs!: number | null;
}

export class TimingQueryDto {
  @ApiProperty({ example: '2026-12-03T00:00:00.000Z' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ example: '2026-12-03T12:00:00.000Z' })
  @IsISO8601({ strict: true })
  to!: string;
}

export class TimingHourDto {
  @ApiProperty({ example: '2026-12-03T11:00:00.000Z' })
  hour!: string;

  @ApiProperty({ example: 40 })
  rounds!: number;

  @ApiProperty({ example: 7000 })
  ticks!: number;

  @ApiProperty({ example: 2, nullable: true, type: Number })
  p50DeviationMs!: number | null;

  @ApiProperty({ example: 15, nullable: true, type: Number })
  p99DeviationMs!: number | null;

  @ApiProperty({ example: 40.5, nullable: true, type: Number })
  maxDeviationMs!: number | null;
}

export class TimingSeriesDto {
  @ApiProperty({ type: TimingHourDto, isArray: true, description: 'Hours with at least one recorded round, oldest first' })
  hours!: TimingHourDto[];
}
