import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';
import { IsIntBetween } from '../common/http/is-int-between.decorator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { PageDtoOf } from '../common/http/pagination';
import { IsAmount } from '../common/money/is-amount.decorator';
import { DEFAULT_ROUND_PARAMS } from './fairness/round-params';
import { ROUND_STATUSES } from './round.entity';

const ROUND_ID = '3f6c1a2b-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
const PARAMS_EXAMPLE = { ...DEFAULT_ROUND_PARAMS };

export class CandleDto {
  @ApiProperty({ example: ROUND_ID })
  roundId!: string;

  @ApiProperty({ example: 42 })
  tick!: number;

  @ApiProperty({ example: '1.02345678', description: 'Price, 8 decimals' })
  open!: string;

  @ApiProperty({ example: '1.03000000' })
  high!: string;

  @ApiProperty({ example: '1.01000000' })
  low!: string;

  @ApiProperty({ example: '1.02500000', description: '0.00000000 on the rug candle' })
  close!: string;

  @ApiProperty({ example: '2026-11-25T12:00:10.500Z', description: 'When the tick was due: startsAt + tick × tickMs' })
  at!: string;
}

export class RoundParamsDto {
  @ApiProperty({ example: 0.005 })
  rugProbability!: number;

  @ApiProperty({ example: 5000 })
  maxTicks!: number;

  @ApiProperty({ example: 4 })
  subSteps!: number;

  @ApiProperty({ example: 0.02 })
  bigMoveProbability!: number;

  @ApiProperty({ example: 0.15 })
  bigMoveMin!: number;

  @ApiProperty({ example: 0.1 })
  bigMoveRange!: number;

  @ApiProperty({ example: -0.02 })
  driftMin!: number;

  @ApiProperty({ example: 0.05 })
  driftRange!: number;

  @ApiProperty({ example: 0.005 })
  volatility!: number;
}

export class RoundSummaryDto {
  @ApiProperty({ example: ROUND_ID })
  id!: string;

  @ApiProperty({ example: 17 })
  number!: number;

  @ApiProperty({ enum: ROUND_STATUSES, example: 'ACTIVE' })
  status!: string;

  @ApiProperty({ example: 42, description: 'Last generated tick (0 before the first candle)' })
  tick!: number;

  @ApiProperty({ example: '1.02500000', description: 'Latest close: the price positions enter and exit at' })
  price!: string;

  @ApiProperty({ example: '9b2f0c4d1e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c', description: 'sha256 commitment to serverSeed, public from creation' })
  serverSeedHash!: string;

  @ApiProperty({ example: 'c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2', nullable: true, type: String, description: 'Drawn when the round starts' })
  salt!: string | null;

  @ApiProperty({ example: 'evm-block', enum: ['evm-block', 'aptos', 'server'] })
  saltSource!: string;

  @ApiProperty({
    example: '18234571',
    nullable: true,
    type: String,
    description:
      'Pinned when the round is created, before the salt exists: the number of the block whose hash will be the salt (`evm-block`) or the round id of its Aptos randomness draw (`aptos`); null for `server`',
  })
  saltRef!: string | null;

  @ApiProperty({ example: true, description: 'False while the salt is server-chosen (source `server`): then the outcome is not provably fair' })
  provablyFair!: boolean;

  @ApiProperty({ example: 'cm-v1' })
  algorithm!: string;

  @ApiProperty({ type: RoundParamsDto, example: PARAMS_EXAMPLE })
  params!: RoundParamsDto;

  @ApiProperty({ example: 250 })
  tickMs!: number;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z', description: 'When the round starts (PENDING) or started' })
  startsAt!: string;

  @ApiProperty({ example: 0, description: 'Milliseconds until the start while PENDING, else 0' })
  countdownMs!: number;

  @ApiProperty({ example: null, nullable: true, type: String })
  endedAt!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  settledAt!: string | null;

  @ApiProperty({ example: null, nullable: true, type: Number })
  rugTick!: number | null;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'Revealed when the round ends (or is voided)' })
  serverSeed!: string | null;

  @ApiProperty({ example: 100, description: 'Fee on opening a position, in basis points' })
  feeBps!: number;

  @ApiProperty({ example: '0.100000' })
  minStake!: string;

  @ApiProperty({ example: '1000.000000' })
  maxStake!: string;

  @ApiProperty({ example: 40 })
  sideBetWindow!: number;

  @ApiProperty({ example: '5' })
  sideBetMultiplier!: string;
}

export class RoundDto extends RoundSummaryDto {
  @ApiProperty({ type: [CandleDto], description: 'Candles so far, by tick' })
  candles!: CandleDto[];
}

export class RoundPageDto extends PageDtoOf(RoundSummaryDto) {}

export class RoundPositionDto {
  @ApiProperty({ example: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' })
  id!: string;

  @ApiProperty({ example: ROUND_ID })
  roundId!: string;

  @ApiProperty({ enum: ['long', 'short'], example: 'long' })
  side!: string;

  @ApiProperty({ example: '10.000000', description: 'Paid: fee + stake' })
  amount!: string;

  @ApiProperty({ example: '0.100000' })
  fee!: string;

  @ApiProperty({ example: '9.900000' })
  stake!: string;

  @ApiProperty({ example: 42 })
  entryTick!: number;

  @ApiProperty({ example: '1.02500000' })
  entryPrice!: string;

  @ApiProperty({ enum: ['open', 'closed'], example: 'open' })
  status!: string;

  @ApiProperty({ example: null, nullable: true, type: Number })
  exitTick!: number | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  exitPrice!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  payout!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'payout − amount once closed' })
  pnl!: string | null;
}

export class RoundSideBetDto {
  @ApiProperty({ example: '5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f' })
  id!: string;

  @ApiProperty({ example: ROUND_ID })
  roundId!: string;

  @ApiProperty({ example: '5.000000' })
  amount!: string;

  @ApiProperty({ example: 43 })
  startTick!: number;

  @ApiProperty({ example: 82 })
  endTick!: number;

  @ApiProperty({ example: '5' })
  payoutMultiplier!: string;

  @ApiProperty({ enum: ['active', 'won', 'lost', 'refunded'], example: 'active', description: '`refunded` only in a VOIDED round' })
  status!: string;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'Stake included; 0 when lost' })
  payout!: string | null;
}

export class MyRoundDto {
  @ApiProperty({ type: [RoundPositionDto] })
  positions!: RoundPositionDto[];

  @ApiProperty({ type: [RoundSideBetDto] })
  sideBets!: RoundSideBetDto[];
}

export class OpenRoundPositionDto {
  @ApiProperty({ enum: ['long', 'short'], example: 'long' })
  @IsIn(['long', 'short'])
  side!: 'long' | 'short';

  @ApiProperty({ example: '10', description: 'USDC decimal string: fee + stake, within the round’s limits' })
  @IsAmount()
  amount!: string;
}

export class PlaceSideBetDto {
  @ApiProperty({ example: '5', description: 'USDC decimal string within the round’s limits' })
  @IsAmount()
  amount!: string;
}

export class RoundOddsDto {
  @ApiProperty({ example: ROUND_ID })
  roundId!: string;

  @ApiProperty({ example: 43, description: 'The next tick to be generated' })
  startTick!: number;

  @ApiProperty({ example: 82 })
  endTick!: number;

  @ApiProperty({ example: 40 })
  window!: number;

  @ApiProperty({ example: '5' })
  payoutMultiplier!: string;

  @ApiProperty({ example: 0.18172, description: '1 − (1 − rugProbability)^window (fewer ticks near maxTicks)' })
  winProbability!: number;

  @ApiProperty({ example: -0.0914, description: 'multiplier × winProbability − 1' })
  expectedValuePerUnit!: number;

  @ApiProperty({ example: 0.0914, description: '1 − multiplier × winProbability' })
  houseEdge!: number;
}

/** Where a round's salt can be looked up without asking this server. */
export class SaltReferenceDto {
  @ApiProperty({ enum: ['evm-block', 'aptos'], example: 'evm-block' })
  kind!: 'evm-block' | 'aptos';

  @ApiProperty({ example: '18234571', description: 'The reference pinned at creation (`saltRef`): the block number, or the Aptos draw round id' })
  pinned!: string;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z', description: 'When the round was created with that reference, before the block was mined or the draw made' })
  pinnedAt!: string;

  @ApiProperty({ example: 8453, nullable: true, type: Number, description: '`evm-block`: the EVM chain id' })
  chainId!: number | null;

  @ApiProperty({ example: 18234571, nullable: true, type: Number, description: '`evm-block`: the salt block' })
  blockNumber!: number | null;

  @ApiProperty({ example: '0x5b3e2c1d0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c', nullable: true, type: String, description: '`evm-block`: its hash, which is the salt' })
  blockHash!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:02.000Z', nullable: true, type: String, description: '`evm-block`: the block timestamp' })
  blockTime!: string | null;

  @ApiProperty({ example: 'mainnet', nullable: true, type: String, description: '`aptos`: the network' })
  aptosNetwork!: string | null;

  @ApiProperty({ example: '0x1b2c3d', nullable: true, type: String, description: '`aptos`: the cash_markets module address the `RoundSaltDrawn` event comes from' })
  moduleAddress!: string | null;

  @ApiProperty({ example: '0x8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d', nullable: true, type: String, description: '`aptos`: the draw transaction' })
  txHash!: string | null;

  @ApiProperty({ example: '123456789', nullable: true, type: String, description: '`aptos`: its ledger version' })
  version!: string | null;

  @ApiProperty({
    example: '2026-11-25T12:00:01.234Z',
    nullable: true,
    type: String,
    description: '`aptos`: when the draw happened (its transaction timestamp, after `pinnedAt`); null for `evm-block` and for rounds drawn before it was recorded',
  })
  drawnAt!: string | null;
}

/** The published round fields a verifier needs, plus what only exists once the seed is revealed. */
export class RoundVerificationDto extends PickType(RoundSummaryDto, ['number', 'algorithm', 'params', 'serverSeedHash', 'saltSource', 'provablyFair', 'rugTick'] as const) {
  @ApiProperty({ example: ROUND_ID })
  roundId!: string;

  @ApiProperty({ example: '4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f' })
  serverSeed!: string;

  @ApiProperty({ example: 'c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2' })
  salt!: string;

  @ApiProperty({ type: SaltReferenceDto, nullable: true, description: 'Where to look the salt up (null for `server` salts)' })
  saltReference!: SaltReferenceDto | null;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'The SeedCommitments transaction that recorded the revealed serverSeed on chain; null until it is sent',
  })
  seedRevealTxHash!: string | null;

  @ApiProperty({ example: 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1', description: 'HMAC-SHA256(serverSeed, salt)' })
  roundSeed!: string;

  @ApiProperty({ type: [CandleDto] })
  candles!: CandleDto[];
}

export class FairnessDto {
  @ApiProperty({ example: '9b2f0c4d1e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c', description: 's[L] of the current chain' })
  terminalHash!: string;

  @ApiProperty({ example: 10000 })
  chainLength!: number;

  @ApiProperty({ example: 17 })
  roundsUsed!: number;

  @ApiProperty({ example: 'cm-v1' })
  algorithm!: string;

  @ApiProperty({
    example: '4c1d7e0a9b8f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918070605f',
    description: 's[L] of the chain rounds move on to once the current one is used up: committed and public before its first round',
  })
  nextTerminalHash!: string;

  @ApiProperty({ example: 10000, description: 'L of the next chain' })
  nextChainLength!: number;
}

// ---- admin -----------------------------------------------------------------------------------

export class RoundConfigDto {
  @ApiPropertyOptional({ example: 250, minimum: 5, maximum: 60000 })
  @IsOmittable()
  @IsIntBetween(5, 60000)
  tickMs?: number;

  @ApiPropertyOptional({ example: 100, minimum: 0, maximum: 5000 })
  @IsOmittable()
  @IsIntBetween(0, 5000)
  feeBps?: number;

  @ApiPropertyOptional({ example: '0.1' })
  @IsOmittable()
  @IsAmount()
  minStake?: string;

  @ApiPropertyOptional({ example: '1000' })
  @IsOmittable()
  @IsAmount()
  maxStake?: string;

  @ApiPropertyOptional({ example: 40, minimum: 1, maximum: 100000 })
  @IsOmittable()
  @IsIntBetween(1, 100000)
  sideBetWindow?: number;

  @ApiPropertyOptional({ example: '5', description: 'Positive decimal, at most 4 decimals, stake included' })
  @IsOmittable()
  @IsString()
  @Matches(/^(0|[1-9][0-9]{0,5})(\.[0-9]{1,4})?$/, { message: 'sideBetMultiplier must be a decimal with at most 4 decimals' })
  sideBetMultiplier?: string;

  @ApiPropertyOptional({ example: 5000, minimum: 1, maximum: 1000000, description: 'cm-v1 maxTicks of future rounds (published in their params)' })
  @IsOmittable()
  @IsIntBetween(1, 1_000_000)
  maxTicks?: number;
}

export class RoundSettingsDto {
  @ApiProperty({ example: 250 })
  tickMs!: number;

  @ApiProperty({ example: 100 })
  feeBps!: number;

  @ApiProperty({ example: '0.100000' })
  minStake!: string;

  @ApiProperty({ example: '1000.000000' })
  maxStake!: string;

  @ApiProperty({ example: 40 })
  sideBetWindow!: number;

  @ApiProperty({ example: '5' })
  sideBetMultiplier!: string;

  @ApiProperty({ example: 5000 })
  maxTicks!: number;

  @ApiProperty({ example: false, description: 'True: no new round starts after the current one' })
  paused!: boolean;
}

export class RoundStatsDto {
  @ApiProperty({ example: ROUND_ID })
  roundId!: string;

  @ApiProperty({ example: 17 })
  number!: number;

  @ApiProperty({ enum: ROUND_STATUSES, example: 'SETTLED' })
  status!: string;

  @ApiProperty({ example: 12 })
  positions!: number;

  @ApiProperty({ example: 3 })
  sideBets!: number;

  @ApiProperty({ example: '150.000000', description: 'Position amounts (fees included) plus side-bet amounts' })
  volume!: string;

  @ApiProperty({ example: '1.200000' })
  fees!: string;

  @ApiProperty({ example: '130.000000', description: 'Paid back to players (payouts and refunds)' })
  payouts!: string;

  @ApiProperty({ example: '18.800000', description: 'Stakes − payouts: what the pot moved to the house (negative: the house paid)' })
  houseResult!: string;
}

export class RoundStatsPageDto extends PageDtoOf(RoundStatsDto) {}
