import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { LedgerService, Movement, SystemAccount } from '../accounts/ledger.service';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { formatUsdc } from '../common/money/usdc';
import { UserUpdateEvent } from '../realtime/realtime.events';
import { positionPayout, sideBetPayout, sideBetStatus } from './fairness/payouts';
import { toPositionDto, toRoundSummary, toSideBetDto } from './round.mapper';
import { RoundPositionEntity } from './round-position.entity';
import { RoundSideBetEntity } from './round-side-bet.entity';
import { STORE_ROUND_CLOSES_SQL } from './round-closes';
import { RoundEntity } from './round.entity';
import { RoundEvent } from './rounds.events';

/** Users credited per ledger posting: bounds statement size for rounds with thousands of players. */
const USERS_PER_POSTING = 2000;

export type SettlementOutcome =
  | { roundId: string; result: 'settled'; positionsClosed: number; sideBetsPaid: number; potToHouse: string }
  | { roundId: string; result: 'already-settled' | 'not-found' };

interface Credit {
  userId: string;
  amount: bigint;
}

/**
 * Settles an ENDED round (closes what is still open at the final close, pays won side bets) or
 * refunds a VOIDED one, then moves the pot's balance to or from the house so the pot ends at zero.
 * Everything happens in one transaction holding the round's row lock and finishes by setting
 * `settledAt`: a second run finds it set and moves nothing.
 */
@Injectable()
export class RoundSettlementService {
  private readonly logger = new Logger('RoundSettlement');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly events: DomainEventBus,
  ) {}

  async settle(roundId: string): Promise<SettlementOutcome> {
    const done = await this.dataSource.transaction(async (manager) => {
      const round = await manager.findOne(RoundEntity, { where: { id: roundId }, lock: { mode: 'pessimistic_write' } });
      if (!round) return { outcome: { roundId, result: 'not-found' as const } };
      if (round.settledAt) return { outcome: { roundId, result: 'already-settled' as const } };
      if (round.status !== 'ENDED' && round.status !== 'VOIDED') throw new Error(`round ${roundId} is ${round.status}: only ENDED or VOIDED rounds settle`);
      const settled = await this.settleLocked(manager, round);
      this.recordSettled(manager, settled);
      return settled;
    });
    return done.outcome;
  }

  private recordSettled(manager: EntityManager, { round, positions, sideBets }: { round: RoundEntity; positions: RoundPositionEntity[]; sideBets: RoundSideBetEntity[] }): void {
    this.events.afterCommit(manager, { name: RoundEvent.State, payload: { roundId: round.id, round: toRoundSummary(round) } });
    const status = round.status === 'VOIDED' ? 'VOIDED' : 'SETTLED';
    this.events.afterCommit(manager, { name: RoundEvent.Settled, payload: { roundId: round.id, status, settledAt: round.settledAt!.toISOString() } });
    for (const position of positions) {
      this.events.afterCommit(manager, { name: UserUpdateEvent.PositionUpdated, payload: { userId: position.userId, position: { kind: 'position', ...toPositionDto(position) } } });
    }
    for (const bet of sideBets) {
      this.events.afterCommit(manager, { name: UserUpdateEvent.PositionUpdated, payload: { userId: bet.userId, position: { kind: 'side-bet', ...toSideBetDto(bet) } } });
    }
    const paid = new Map<string, bigint>();
    for (const { userId, payout } of [...positions, ...sideBets]) paid.set(userId, (paid.get(userId) ?? 0n) + (payout ?? 0n));
    const payouts = [...paid].filter(([, amount]) => amount > 0n).map(([userId, amount]) => ({ userId, amount: formatUsdc(amount) }));
    if (payouts.length > 0) {
      this.events.afterCommit(manager, { name: RoundEvent.Payouts, payload: { roundId: round.id, roundNumber: round.number, voided: round.status === 'VOIDED', payouts } });
    }
  }

  private async settleLocked(manager: EntityManager, round: RoundEntity) {
    const voided = round.status === 'VOIDED';
    const now = new Date();
    const pot = SystemAccount.roundPot(round.id) as { system: string };

    const positions = await manager.find(RoundPositionEntity, { where: { roundId: round.id, status: 'open' }, order: { id: 'ASC' } });
    const payouts: Credit[] = [];
    const feeRefunds: Credit[] = [];
    for (const position of positions) {
      // A voided round gives back what was paid: the stake from the pot, the fee from fees.
      const exitPrice = voided ? position.entryPrice : round.price;
      const payout = voided ? position.amount : positionPayout(position.side, position.stake, position.entryPrice, exitPrice);
      Object.assign(position, { status: 'closed', exitTick: round.tick, exitPrice, payout, closedAt: now });
      payouts.push({ userId: position.userId, amount: voided ? position.stake : payout });
      if (voided && position.fee > 0n) feeRefunds.push({ userId: position.userId, amount: position.fee });
    }
    await this.closePositions(manager, positions);

    const bets = await manager.find(RoundSideBetEntity, {
      where: { roundId: round.id, status: In(voided ? ['active'] : ['active', 'won']) },
      order: { id: 'ASC' },
    });
    const changedBets: RoundSideBetEntity[] = [];
    for (const bet of bets) {
      if (bet.paidAt) continue;
      if (voided) {
        Object.assign(bet, { status: 'refunded', payout: bet.amount, paidAt: now, resolvedAt: now });
      } else {
        const status = bet.status === 'won' ? 'won' : sideBetStatus(bet, { lastTick: round.tick, rugTick: round.rugTick, ended: true });
        const payout = status === 'won' ? sideBetPayout(bet.amount, bet.payoutMultiplier) : 0n;
        Object.assign(bet, { status, payout, paidAt: status === 'won' ? now : null, resolvedAt: bet.resolvedAt ?? now });
      }
      if (bet.payout! > 0n) payouts.push({ userId: bet.userId, amount: bet.payout! });
      changedBets.push(bet);
    }
    if (changedBets.length > 0) await manager.save(changedBets, { chunk: 500 });

    await this.creditAll(manager, round.id, payouts, pot, voided ? 'round.refund' : 'round.payout', 'payouts');
    await this.creditAll(manager, round.id, feeRefunds, SystemAccount.fees, 'round.refund.fee', 'fee-refunds');

    const potBalance = await this.ledger.systemBalance(manager, pot);
    const meta = { kind: 'round.house-result', reference: `round:${round.id}`, idempotencyKey: `round-settlement:${round.id}:house` };
    if (potBalance > 0n) await this.ledger.transfer(manager, pot, SystemAccount.house, potBalance, meta);
    if (potBalance < 0n) await this.ledger.transfer(manager, SystemAccount.house, pot, -potBalance, meta);

    round.settledAt = now;
    if (!voided) round.status = 'SETTLED';
    await manager.update(RoundEntity, { id: round.id }, { settledAt: now, status: round.status });
    // The path's closes in one column, for backtests (the same bytes the seed regenerates; see round-closes.ts).
    if (!voided) await manager.query(STORE_ROUND_CLOSES_SQL, [round.id]);
    this.logger.log(`round ${round.number} ${voided ? 'refunded' : 'settled'}: ${positions.length} positions closed, pot ${potBalance} to the house`);
    return {
      round,
      positions,
      sideBets: changedBets,
      outcome: {
        roundId: round.id,
        result: 'settled' as const,
        positionsClosed: positions.length,
        sideBetsPaid: changedBets.filter((bet) => (bet.payout ?? 0n) > 0n).length,
        potToHouse: potBalance.toString(),
      },
    };
  }

  private async closePositions(manager: EntityManager, positions: RoundPositionEntity[]): Promise<void> {
    if (positions.length === 0) return;
    await manager.query(
      `UPDATE round_positions AS p
          SET status = 'closed', exit_tick = v.exit_tick, exit_price = v.exit_price, payout = v.payout, closed_at = v.closed_at
         FROM unnest($1::uuid[], $2::int[], $3::numeric[], $4::numeric[], $5::timestamptz[]) AS v(id, exit_tick, exit_price, payout, closed_at)
        WHERE p.id = v.id AND p.status = 'open'`,
      [
        positions.map((p) => p.id),
        positions.map((p) => p.exitTick),
        positions.map((p) => p.exitPrice!.toString()),
        positions.map((p) => p.payout!.toString()),
        positions.map((p) => p.closedAt!.toISOString()),
      ],
    );
  }

  /** Credits per user summed, in postings of at most USERS_PER_POSTING users, each from `from`. */
  private async creditAll(manager: EntityManager, roundId: string, credits: Credit[], from: { system: string }, kind: string, label: string): Promise<void> {
    const perUser = new Map<string, bigint>();
    for (const credit of credits) if (credit.amount > 0n) perUser.set(credit.userId, (perUser.get(credit.userId) ?? 0n) + credit.amount);
    const users = [...perUser.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (let start = 0, part = 0; start < users.length; start += USERS_PER_POSTING, part += 1) {
      const chunk = users.slice(start, start + USERS_PER_POSTING);
      const total = chunk.reduce((sum, [, amount]) => sum + amount, 0n);
      const movements: Movement[] = [
        { account: from, bucket: 'available', amount: -total },
        ...chunk.map(([userId, amount]): Movement => ({ account: { userId }, bucket: 'available', amount })),
      ];
      await this.ledger.post(manager, { kind, reference: `round:${roundId}`, idempotencyKey: `round-settlement:${roundId}:${label}:${part}`, movements });
    }
  }
}
