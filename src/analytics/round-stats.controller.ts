import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ApiErrors, ApiErrorSpec } from '../common/http/api-errors.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { RoundNotFound } from '../rounds/round-errors';
import { RoundSeriesDto, RoundSeriesQueryDto, RoundStatisticsDto, RoundTimingDto, SurvivalDto, SurvivalQueryDto, TimingQueryDto, TimingSeriesDto } from './analytics.dto';
import { MAX_RANGE_DAYS, RoundStatisticsService } from './round-statistics.service';

const ROUND_ID = '0c2e55f0-b37d-448d-8941-077de71a0142';
const ROUND_NOT_FOUND: ApiErrorSpec = { status: 404, error: 'RoundNotFound', message: `Round ${ROUND_ID} not found`, description: 'no such round' };
const RANGE_INVALID: ApiErrorSpec = {
  status: 400,
  error: 'StatsRangeInvalid',
  message: `at most ${MAX_RANGE_DAYS} days per request`,
  details: { from: '2026-10-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', maxDays: MAX_RANGE_DAYS },
  description: '`to` is not after `from`, or the range is too long',
};

/** Public round statistics; registered before RoundsController so `/rounds/stats` is not taken for a round id. */
@ApiTags('rounds')
@Public()
@Controller('rounds')
export class RoundStatsController {
  constructor(private readonly stats: RoundStatisticsService) {}

  @Get('stats')
  @ApiOperation({ summary: 'Settled rounds per hour or day: count, average length, rug distribution, volume, payouts, house result' })
  @ApiOkResponse({ type: RoundSeriesDto })
  @ApiErrors(RANGE_INVALID)
  series(@Query() query: RoundSeriesQueryDto): Promise<RoundSeriesDto> {
    return this.stats.series(query.from, query.to, query.interval);
  }

  @Get('stats/survival')
  @ApiOperation({ summary: 'Share of rounds still running after each tick, observed and in theory ((1 − rugProbability)^tick), for the current rug parameters' })
  @ApiOkResponse({ type: SurvivalDto })
  survival(@Query() query: SurvivalQueryDto): Promise<SurvivalDto> {
    return this.stats.survival(query.ticks, query.step);
  }

  @Get('timing')
  @ApiOperation({ summary: 'Tick timing per hour: p50, p99 and max lateness of candles after they were due' })
  @ApiOkResponse({ type: TimingSeriesDto })
  @ApiErrors(RANGE_INVALID)
  timingByHour(@Query() query: TimingQueryDto): Promise<TimingSeriesDto> {
    return this.stats.timingByHour(query.from, query.to);
  }

  @Get(':id/stats')
  @ApiOperation({ summary: 'A settled round: players, positions, volume, P&L, side bets, house result, peak price, rug tick' })
  @ApiOkResponse({ type: RoundStatisticsDto })
  @ApiErrors(ROUND_NOT_FOUND, {
    status: 409,
    error: 'RoundStatsNotReady',
    message: `Round ${ROUND_ID} has no statistics yet: they are published once it is settled`,
    details: { roundId: ROUND_ID },
    description: 'the round is still being played or settled',
  })
  ofRound(@UuidParam('id', RoundNotFound) id: string): Promise<RoundStatisticsDto> {
    return this.stats.ofRound(id);
  }

  @Get(':id/timing')
  @ApiOperation({ summary: 'A round’s tick timing: intervals between ticks and lateness against the nominal tick time' })
  @ApiOkResponse({ type: RoundTimingDto, description: '`recorded: false` until the round ended' })
  @ApiErrors(ROUND_NOT_FOUND)
  timing(@UuidParam('id', RoundNotFound) id: string): Promise<RoundTimingDto> {
    return this.stats.timing(id);
  }
}
