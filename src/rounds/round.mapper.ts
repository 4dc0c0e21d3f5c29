import { formatPrice } from './fairness/price';
import { positionPnl } from './fairness/payouts';
import { FAIRNESS_ALGORITHM, toRoundParams } from './fairness/round-params';
import type { RoundCandleEntity } from './round-candle.entity';
import type { RoundPositionEntity } from './round-position.entity';
import type { RoundSideBetEntity } from './round-side-bet.entity';
import type { RoundEntity } from './round.entity';
import { formatUsdc } from '../common/money/usdc';
import { isProvablyFairSource } from './salt-source';
import type { CandleDto, RoundPositionDto, RoundSideBetDto, RoundSummaryDto, SaltReferenceDto } from './rounds.dto';

export function toRoundSummary(round: RoundEntity, now: number = Date.now()): RoundSummaryDto {
  return {
    id: round.id,
    number: round.number,
    status: round.status,
    tick: round.tick,
    price: formatPrice(round.price),
    serverSeedHash: round.serverSeedHash,
    salt: round.salt,
    saltSource: round.saltSource,
    saltRef: round.saltRef,
    provablyFair: isProvablyFairSource(round.saltSource),
    algorithm: FAIRNESS_ALGORITHM,
    params: toRoundParams(round.params),
    tickMs: round.tickMs,
    startsAt: round.startsAt.toISOString(),
    countdownMs: round.status === 'PENDING' ? Math.max(0, round.startsAt.getTime() - now) : 0,
    endedAt: round.endedAt?.toISOString() ?? null,
    settledAt: round.settledAt?.toISOString() ?? null,
    rugTick: round.rugTick,
    serverSeed: round.serverSeed,
    feeBps: round.feeBps,
    minStake: formatUsdc(round.minStake),
    maxStake: formatUsdc(round.maxStake),
    sideBetWindow: round.sideBetWindow,
    sideBetMultiplier: round.sideBetMultiplier,
  };
}

/** Where the round's salt can be looked up, once drawn from a public source. */
export function toSaltReference(round: Pick<RoundEntity, 'saltRef' | 'saltProof' | 'createdAt'>): SaltReferenceDto | null {
  const proof = round.saltProof;
  if (!proof || round.saltRef === null) return null;
  const none = { chainId: null, blockNumber: null, blockHash: null, blockTime: null, aptosNetwork: null, moduleAddress: null, txHash: null, version: null, drawnAt: null };
  const pinned = { pinned: round.saltRef, pinnedAt: round.createdAt.toISOString() };
  if (proof.kind === 'evm-block') {
    return {
      ...none,
      kind: 'evm-block',
      ...pinned,
      chainId: proof.chainId,
      blockNumber: proof.blockNumber,
      blockHash: proof.blockHash,
      blockTime: new Date(proof.blockTimestamp * 1000).toISOString(),
    };
  }
  return {
    ...none,
    kind: 'aptos',
    ...pinned,
    aptosNetwork: proof.network,
    moduleAddress: proof.moduleAddress,
    txHash: proof.txHash,
    version: proof.version,
    drawnAt: proof.drawnAt ?? null,
  };
}

export function toCandleDto(candle: Pick<RoundCandleEntity, 'roundId' | 'tick' | 'open' | 'high' | 'low' | 'close' | 'at'>): CandleDto {
  return {
    roundId: candle.roundId,
    tick: candle.tick,
    open: formatPrice(candle.open),
    high: formatPrice(candle.high),
    low: formatPrice(candle.low),
    close: formatPrice(candle.close),
    at: candle.at.toISOString(),
  };
}

export function toPositionDto(position: RoundPositionEntity): RoundPositionDto {
  return {
    id: position.id,
    roundId: position.roundId,
    side: position.side,
    amount: formatUsdc(position.amount),
    fee: formatUsdc(position.fee),
    stake: formatUsdc(position.stake),
    entryTick: position.entryTick,
    entryPrice: formatPrice(position.entryPrice),
    status: position.status,
    exitTick: position.exitTick,
    exitPrice: position.exitPrice === null ? null : formatPrice(position.exitPrice),
    payout: position.payout === null ? null : formatUsdc(position.payout),
    pnl: position.payout === null ? null : formatUsdc(positionPnl(position.amount, position.payout)),
  };
}

export function toSideBetDto(bet: RoundSideBetEntity): RoundSideBetDto {
  return {
    id: bet.id,
    roundId: bet.roundId,
    amount: formatUsdc(bet.amount),
    startTick: bet.startTick,
    endTick: bet.endTick,
    payoutMultiplier: bet.payoutMultiplier,
    status: bet.status,
    payout: bet.payout === null ? null : formatUsdc(bet.payout),
  };
}
