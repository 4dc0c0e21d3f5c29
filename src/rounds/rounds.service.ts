import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { LedgerService, SystemAccount } from '../accounts/ledger.service';
import { Postings } from '../accounts/ledger-vocabulary';
import { DomainError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { UserUpdateEvent } from '../realtime/realtime.events';
import { Page, PageQueryDto, offsetOf, toPage } from '../common/http/pagination';
import { positionPayout, sideBetOdds, sideBetWindow, splitAmount } from './fairness/payouts';
import { FAIRNESS_ALGORITHM, RoundParams, toRoundParams } from './fairness/round-params';
import { roundSeedOf } from './fairness/round-seed';
import { toCandleDto, toPositionDto, toRoundSummary, toSaltReference, toSideBetDto } from './round.mapper';
import { RoundCandleEntity } from './round-candle.entity';
import { decodeRoundCloses } from './round-closes';
import {
  PositionAlreadyClosed,
  RoundNotEnded,
  RoundNotFound,
  RoundPositionNotFound,
  RoundStateConflict,
  SideBetAlreadyActive,
  StakeOutOfLimits,
  TooManyOpenPositions,
} from './round-errors';
import { RoundPositionEntity } from './round-position.entity';
import { formatUsdc, parseUsdc } from '../common/money/usdc';
import { RoundSideBetEntity } from './round-side-bet.entity';
import { RoundEntity, RoundStatus } from './round.entity';
import { RoundEvent } from './rounds.events';
import { isProvablyFairSource } from './salt-source';
import { SeedChainsService } from './seed-chains.service';
import type {
  CandleDto,
  FairnessDto,
  MyRoundDto,
  OpenRoundPositionDto,
  PlaceSideBetDto,
  RoundDto,
  RoundOddsDto,
  RoundPositionDto,
  RoundSideBetDto,
  RoundSummaryDto,
  RoundVerificationDto,
} from './rounds.dto';
import { isUuid } from '../common/ids';
import { isPgError, PgError } from '../database/pg-errors';
import { commandTransaction } from '../common/transactions/command-transaction';

export const MAX_OPEN_POSITIONS_PER_ROUND = 10;

/** One stake of `openPositions`: a player's `openPosition` body. */
export interface OpenStake {
  userId: string;
  body: OpenRoundPositionDto;
}

/** What became of one stake of a batch: its position, or the refusal `openPosition` would have thrown. */
export type StakeOutcome<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** The batch's guess of which debits do not fit was wrong, and that changes what the open-position cap admits: plan again. */
class CapReplan extends Error {
  constructor(readonly refused: Set<number>) {
    super('replan the batch');
  }
}

/** A past round as a replay reads it: revealed seed, salt, params and the trading terms frozen on it. */
export interface ReplayableRound {
  id: string;
  number: number;
  params: RoundParams;
  serverSeed: string;
  salt: string;
  rugTick: number | null;
  /** The last close in 1e-8 units (0 after a rug). */
  finalPrice: bigint;
  feeBps: number;
  minStake: bigint;
  maxStake: bigint;
  sideBetWindow: number;
  sideBetMultiplier: string;
  /** The path's closes as the settlement stored them (tick t at index t − 1), or null (not stored: regenerate from the seed). */
  closes: Float64Array | null;
}
/**
 * Slack on top of two tick intervals before an ACTIVE round counts as stalled. A healthy leader
 * persists a tick every `tickMs`; a tick may wait on the row locks of in-flight commands, a slow
 * commit, a GC pause or the lease renewal, and the instances' clocks may differ a little (the
 * last tick time is written by the engine's database session or host). One second absorbs all of
 * that at any tick interval and still refuses play well before ROUND_RESUME_WINDOW_MS (10 s by
 * default) can void the round.
 */
export const ROUND_STALL_MARGIN_MS = 1000;

/** Reads and player commands of the rounds venue. Each command is one transaction: rows and ledger postings commit together. */
@Injectable()
export class RoundsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly chains: SeedChainsService,
    private readonly events: DomainEventBus,
  ) {}

  // ---- reading ----------------------------------------------------------------------------------

  /** The live round (PENDING or ACTIVE), else the latest one; 404 before the first round. */
  async current(): Promise<RoundDto> {
    const [live] = await this.dataSource.manager.find(RoundEntity, { order: { number: 'DESC' }, take: 1 });
    if (!live) throw new RoundNotFound('current');
    return this.withCandles(live);
  }

  async byId(roundId: string): Promise<RoundDto> {
    return this.withCandles(await this.find(this.dataSource.manager, roundId));
  }

  async history(query: PageQueryDto): Promise<Page<RoundSummaryDto>> {
    const [rows, total] = await this.dataSource.manager.findAndCount(RoundEntity, {
      order: { number: 'DESC' },
      skip: offsetOf(query),
      take: query.limit,
    });
    const now = Date.now();
    return toPage(
      rows.map((row) => toRoundSummary(row, now)),
      total,
      query,
    );
  }

  async mine(userId: string, roundId: string): Promise<MyRoundDto> {
    const manager = this.dataSource.manager;
    await this.find(manager, roundId);
    const [positions, sideBets] = await Promise.all([
      manager.find(RoundPositionEntity, { where: { roundId, userId }, order: { createdAt: 'ASC', id: 'ASC' } }),
      manager.find(RoundSideBetEntity, { where: { roundId, userId }, order: { createdAt: 'ASC', id: 'ASC' } }),
    ]);
    return { positions: positions.map(toPositionDto), sideBets: sideBets.map(toSideBetDto) };
  }

  async verification(roundId: string): Promise<RoundVerificationDto> {
    const manager = this.dataSource.manager;
    const round = await this.find(manager, roundId);
    if ((round.status !== 'ENDED' && round.status !== 'SETTLED') || round.serverSeed === null || round.salt === null) {
      throw new RoundNotEnded(round.status);
    }
    return {
      roundId: round.id,
      number: round.number,
      algorithm: FAIRNESS_ALGORITHM,
      params: toRoundParams(round.params),
      serverSeed: round.serverSeed,
      serverSeedHash: round.serverSeedHash,
      salt: round.salt,
      saltSource: round.saltSource,
      provablyFair: isProvablyFairSource(round.saltSource),
      saltReference: toSaltReference(round),
      seedRevealTxHash: round.seedRevealTxHash,
      roundSeed: roundSeedOf(round.serverSeed, round.salt),
      rugTick: round.rugTick,
      candles: await this.candlesOf(manager, round.id),
    };
  }

  /**
   * The SeedCommitments transactions that recorded these rounds' revealed seeds (`seed_reveal_tx_hash`, shown by
   * verify), in the caller's transaction. A round keeps the first one: a seed is recorded once on chain.
   */
  async recordSeedReveals(manager: EntityManager, reveals: { roundId: string; txHash: string }[]): Promise<number> {
    if (reveals.length === 0) return 0;
    const updated = (await manager.query(
      `WITH updated AS (
         UPDATE rounds r SET seed_reveal_tx_hash = v.tx_hash
           FROM unnest($1::uuid[], $2::varchar[]) AS v(id, tx_hash)
          WHERE r.id = v.id AND r.seed_reveal_tx_hash IS NULL
         RETURNING r.id
       ) SELECT count(*)::int AS count FROM updated`,
      [reveals.map((reveal) => reveal.roundId), reveals.map((reveal) => reveal.txHash.toLowerCase())],
    )) as { count: number }[];
    return updated[0].count;
  }

  /**
   * Which replayable rounds (as `replayable` selects them) a range holds: how many, at most `cap` counted, and
   * the first and last of them by number. Reading `firstNumber`..`lastNumber` later gives those rounds (a new
   * round is numbered after them), so a backtest queued now replays what was asked now.
   */
  async replayableSpan(query: { fromNumber?: number; toNumber?: number; last?: number; cap: number }): Promise<{ count: number; firstNumber: number | null; lastNumber: number | null }> {
    const inner = this.dataSource.manager
      .createQueryBuilder(RoundEntity, 'round')
      .select('round.number', 'number')
      .where(`round.status IN ('ENDED', 'SETTLED') AND round.serverSeed IS NOT NULL AND round.salt IS NOT NULL`);
    if (query.fromNumber !== undefined) inner.andWhere('round.number >= :from', { from: query.fromNumber });
    if (query.toNumber !== undefined) inner.andWhere('round.number <= :to', { to: query.toNumber });
    inner.orderBy('round.number', 'DESC').limit(query.last !== undefined ? Math.min(query.last, query.cap) : query.cap);
    const [span] = (await this.dataSource
      .createQueryBuilder()
      .select('count(*)::int', 'count')
      .addSelect('min(span.number)', 'firstNumber')
      .addSelect('max(span.number)', 'lastNumber')
      .from(`(${inner.getQuery()})`, 'span')
      .setParameters(inner.getParameters())
      .getRawMany()) as { count: number; firstNumber: number | null; lastNumber: number | null }[];
    return span;
  }

  /**
   * Ended rounds whose seed is revealed, oldest first, with what a replay needs (paths read from the closes the
   * settlement stored, or recomputed from serverSeed and salt where none are): rounds numbered `fromNumber`..`toNumber`, or the `last` N; at most `limit`.
   * Voided rounds are left out (they were refunded). Strategy backtests read them.
   */
  async replayable(query: { fromNumber?: number; toNumber?: number; last?: number; limit: number }): Promise<ReplayableRound[]> {
    const builder = this.dataSource.manager
      .createQueryBuilder(RoundEntity, 'round')
      .addSelect('round.closes')
      .where(`round.status IN ('ENDED', 'SETTLED') AND round.serverSeed IS NOT NULL AND round.salt IS NOT NULL`);
    if (query.fromNumber !== undefined) builder.andWhere('round.number >= :from', { from: query.fromNumber });
    if (query.toNumber !== undefined) builder.andWhere('round.number <= :to', { to: query.toNumber });
    const newestFirst = query.last !== undefined;
    builder.orderBy('round.number', newestFirst ? 'DESC' : 'ASC').take(newestFirst ? Math.min(query.last!, query.limit) : query.limit);
    const rows = await builder.getMany();
    if (newestFirst) rows.reverse();
    return rows.map((round) => ({
      id: round.id,
      number: round.number,
      params: toRoundParams(round.params),
      serverSeed: round.serverSeed!,
      salt: round.salt!,
      rugTick: round.rugTick,
      finalPrice: round.price,
      feeBps: round.feeBps,
      minStake: round.minStake,
      maxStake: round.maxStake,
      sideBetWindow: round.sideBetWindow,
      sideBetMultiplier: round.sideBetMultiplier,
      closes: round.closes ? decodeRoundCloses(round.closes) : null,
    }));
  }

  async fairness(): Promise<FairnessDto> {
    return { ...(await this.chains.published()), algorithm: FAIRNESS_ALGORITHM };
  }

  async odds(roundId: string): Promise<RoundOddsDto> {
    const round = await this.find(this.dataSource.manager, roundId);
    this.expectStatus(round, ['PENDING', 'ACTIVE'], 'Odds are quoted');
    const window = sideBetWindow(round.tick + 1, round.sideBetWindow);
    const odds = sideBetOdds({
      rugProbability: round.params.rugProbability,
      window: round.sideBetWindow,
      payoutMultiplier: round.sideBetMultiplier,
      ticksRemaining: round.params.maxTicks - round.tick,
    });
    return { roundId: round.id, startTick: window.startTick, endTick: window.endTick, ...odds };
  }

  /**
   * Throws RoundNotFound unless the round exists (a `round:<id>` subscription asks this first).
   * Also reached from Socket.IO `round:<id>` subscriptions, where no route pipe has checked the id's shape.
   */
  async assertExists(roundId: string): Promise<void> {
    if (!isUuid(roundId)) throw new RoundNotFound(roundId);
    await this.find(this.dataSource.manager, roundId);
  }

  /** State and the latest candles: what a new subscriber of `rounds` or `round:<id>` gets first. */
  async snapshot(roundId?: string, recentCandles = 100): Promise<{ round: RoundSummaryDto; candles: CandleDto[] } | null> {
    const manager = this.dataSource.manager;
    const round = roundId
      ? await manager.findOne(RoundEntity, { where: { id: roundId } })
      : (await manager.find(RoundEntity, { order: { number: 'DESC' }, take: 1 }))[0];
    if (!round) {
      if (roundId) throw new RoundNotFound(roundId);
      return null;
    }
    const rows = await manager.find(RoundCandleEntity, { where: { roundId: round.id }, order: { tick: 'DESC' }, take: recentCandles });
    return { round: toRoundSummary(round), candles: rows.reverse().map(toCandleDto) };
  }

  // ---- playing ----------------------------------------------------------------------------------

  async openPosition(userId: string, roundId: string, body: OpenRoundPositionDto): Promise<RoundPositionDto> {
    const amount = parseUsdc(body.amount);
    const position = await commandTransaction(this.dataSource, async (manager) => {
      const round = await this.lockRoundShared(manager, roundId);
      this.expectStatus(round, ['ACTIVE'], 'Positions open');
      this.expectTicking(round);
      this.checkLimits(round, amount);
      await this.lockPlayer(manager, roundId, userId);
      const open = await manager.count(RoundPositionEntity, { where: { roundId, userId, status: 'open' } });
      if (open >= MAX_OPEN_POSITIONS_PER_ROUND) throw new TooManyOpenPositions(MAX_OPEN_POSITIONS_PER_ROUND);

      const { fee, stake } = splitAmount(amount, round.feeBps);
      const row = await manager.save(
        manager.create(RoundPositionEntity, {
          roundId,
          userId,
          side: body.side,
          amount,
          fee,
          stake,
          entryTick: round.tick,
          entryPrice: round.price,
          status: 'open',
          exitTick: null,
          exitPrice: null,
          payout: null,
          closedAt: null,
        }),
      );
      await this.ledger.debit(manager, userId, stake, {
        kind: 'round.position.open',
        reference: `round-position:${row.id}`,
        idempotencyKey: `round-position:${row.id}:open`,
        freshKey: true,
        to: SystemAccount.roundPot(roundId),
        fee,
      });
      this.recordTrade(manager, userId, toPositionDto(row), 'open');
      return row;
    });
    return toPositionDto(position);
  }

  /**
   * `openPosition` of many stakes (of any players) in one transaction, with the outcome each would have had
   * called one after the other in this order: the same rows, ledger postings and events, and a stake that
   * `openPosition` would refuse is refused alone, as a value. The round is locked and checked once (its refusal
   * is thrown, refusing every stake, as it would each one), the players are locked in sorted order, the cap
   * counted once for all of them, and the debits posted by one `LedgerService.postBatch`.
   */
  async openPositions(roundId: string, stakes: OpenStake[]): Promise<StakeOutcome<RoundPositionDto>[]> {
    const outcomes: StakeOutcome<RoundPositionDto>[] = new Array<StakeOutcome<RoundPositionDto>>(stakes.length);
    const amounts: bigint[] = [];
    stakes.forEach((stake, index) => {
      try {
        amounts[index] = parseUsdc(stake.body.amount);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        outcomes[index] = { ok: false, error };
      }
    });
    if (stakes.every((_, index) => outcomes[index])) return outcomes;
    await commandTransaction(this.dataSource, async (manager) => {
      const round = await this.lockRoundShared(manager, roundId);
      this.expectStatus(round, ['ACTIVE'], 'Positions open');
      this.expectTicking(round);
      const candidates: number[] = [];
      stakes.forEach((_, index) => {
        if (outcomes[index]) return;
        try {
          this.checkLimits(round, amounts[index]);
          candidates.push(index);
        } catch (error) {
          outcomes[index] = { ok: false, error: error as DomainError };
        }
      });
      if (candidates.length === 0) return;
      const players = [...new Set(candidates.map((index) => stakes[index].userId))].sort();
      await this.lockPlayers(manager, roundId, players);
      const counted = (await manager.query(
        `SELECT user_id, count(*)::int AS open FROM round_positions WHERE round_id = $1 AND user_id = ANY($2::uuid[]) AND status = 'open' GROUP BY user_id`,
        [roundId, players],
      )) as { user_id: string; open: number }[];
      const openBefore = new Map(counted.map((row) => [row.user_id, row.open]));

      // The cap depends on which earlier stakes of the player filled, which the debits decide: plan with a guess of
      // the refused debits, and when the ledger refuses others, roll the savepoint back and plan with those.
      const admit = (refusedDebits: Set<number>): { admitted: number[]; capped: number[] } => {
        const open = new Map(openBefore);
        const admitted: number[] = [];
        const capped: number[] = [];
        for (const index of candidates) {
          const userId = stakes[index].userId;
          const count = open.get(userId) ?? 0;
          if (count >= MAX_OPEN_POSITIONS_PER_ROUND) {
            capped.push(index);
            continue;
          }
          admitted.push(index);
          if (!refusedDebits.has(index)) open.set(userId, count + 1);
        }
        return { admitted, capped };
      };
      let plan = admit(new Set());
      for (;;) {
        try {
          const filled = await manager.transaction((inner) => this.fillStakes(inner, round, stakes, amounts, plan.admitted, admit));
          for (const index of plan.capped) outcomes[index] = { ok: false, error: new TooManyOpenPositions(MAX_OPEN_POSITIONS_PER_ROUND) };
          for (const [index, outcome] of filled) outcomes[index] = outcome;
          return;
        } catch (error) {
          if (!(error instanceof CapReplan)) throw error;
          plan = admit(error.refused);
        }
      }
    });
    return outcomes;
  }

  /** The debits of the admitted stakes, then the rows of those that fit; throws CapReplan when the refusals are not the `guess`. */
  private async fillStakes(
    manager: EntityManager,
    round: RoundEntity,
    stakes: OpenStake[],
    amounts: bigint[],
    admitted: number[],
    admit: (refusedDebits: Set<number>) => { admitted: number[] },
  ): Promise<Map<number, StakeOutcome<RoundPositionDto>>> {
    const rows = admitted.map((index) => {
      const { fee, stake } = splitAmount(amounts[index], round.feeBps);
      return manager.create(RoundPositionEntity, {
        id: randomUUID(),
        roundId: round.id,
        userId: stakes[index].userId,
        side: stakes[index].body.side,
        amount: amounts[index],
        fee,
        stake,
        entryTick: round.tick,
        entryPrice: round.price,
        status: 'open',
        exitTick: null,
        exitPrice: null,
        payout: null,
        closedAt: null,
      });
    });
    const debits = await this.ledger.postBatch(
      manager,
      rows.map((row) =>
        Postings.debit(row.userId, row.stake, {
          kind: 'round.position.open',
          reference: `round-position:${row.id}`,
          idempotencyKey: `round-position:${row.id}:open`,
          freshKey: true,
          to: SystemAccount.roundPot(round.id),
          fee: row.fee,
        }),
      ),
    );
    const refused = new Set(admitted.filter((_, at) => !debits[at].ok));
    // The plan counted every admitted stake as filling; a refused one frees a place under the cap for the player's
    // later stakes. Exact when admitting with the real refusals gives the same stakes (the ledger is sequential).
    const replanned = admit(refused).admitted;
    if (replanned.length !== admitted.length || replanned.some((index, at) => index !== admitted[at])) throw new CapReplan(refused);
    const fills = rows.filter((_, at) => debits[at].ok);
    if (fills.length > 0) await manager.insert(RoundPositionEntity, fills);
    const outcomes = new Map<number, StakeOutcome<RoundPositionDto>>();
    admitted.forEach((index, at) => {
      const debit = debits[at];
      if (!debit.ok) {
        outcomes.set(index, { ok: false, error: debit.refusal });
        return;
      }
      const dto = toPositionDto(rows[at]);
      this.recordTrade(manager, rows[at].userId, dto, 'open');
      outcomes.set(index, { ok: true, value: dto });
    });
    return outcomes;
  }

  /**
   * `closePosition` of many positions (of any players) in one transaction, each with the outcome it would have
   * had closed one after the other in this order: the same rows, credits and events, a refusal alone and as a
   * value. The round is locked once (RoundNotFound is thrown, refusing every close), the positions in id order.
   */
  async closePositions(roundId: string, closes: { userId: string; positionId: string }[]): Promise<StakeOutcome<RoundPositionDto>[]> {
    if (closes.length === 0) return [];
    return commandTransaction(this.dataSource, async (manager) => {
      const round = await this.lockRoundShared(manager, roundId);
      let roundRefusal: DomainError | undefined;
      try {
        this.expectStatus(round, ['ACTIVE'], 'Positions close');
        this.expectTicking(round);
      } catch (error) {
        roundRefusal = error as DomainError;
      }
      const ids = [...new Set(closes.map((close) => close.positionId).filter(isUuid))].sort();
      const rows = ids.length === 0 ? [] : await manager.find(RoundPositionEntity, { where: { id: In(ids), roundId }, order: { id: 'ASC' }, lock: { mode: 'pessimistic_write' } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      const outcomes: StakeOutcome<RoundPositionDto>[] = new Array<StakeOutcome<RoundPositionDto>>(closes.length);
      const closing: { index: number; row: RoundPositionEntity }[] = [];
      const closedNow = new Set<string>();
      const closedAt = new Date();
      closes.forEach(({ userId, positionId }, index) => {
        const row = byId.get(positionId);
        if (!row || row.userId !== userId) outcomes[index] = { ok: false, error: new RoundPositionNotFound(positionId) };
        else if (row.status !== 'open' || closedNow.has(row.id)) outcomes[index] = { ok: false, error: new PositionAlreadyClosed(positionId) };
        else if (roundRefusal) outcomes[index] = { ok: false, error: roundRefusal };
        else {
          closedNow.add(row.id);
          closing.push({ index, row });
        }
      });
      if (closing.length === 0) return outcomes;

      const payouts = closing.map(({ row }) => positionPayout(row.side, row.stake, row.entryPrice, round.price));
      const paid = closing.flatMap(({ row }, at) =>
        payouts[at] > 0n
          ? [
              {
                at,
                posting: Postings.credit(row.userId, payouts[at], {
                  kind: 'round.position.close',
                  reference: `round-position:${row.id}`,
                  idempotencyKey: `round-position:${row.id}:close`,
                  from: SystemAccount.roundPot(roundId),
                }),
              },
            ]
          : [],
      );
      const credits = await this.ledger.postBatch(
        manager,
        paid.map(({ posting }) => posting),
      );
      const refusedAt = new Map<number, DomainError>();
      paid.forEach(({ at }, k) => {
        const credit = credits[k];
        if (!credit.ok) refusedAt.set(at, credit.refusal);
      });
      const closed = closing.flatMap(({ row }, at) => (refusedAt.has(at) ? [] : [{ id: row.id, payout: payouts[at].toString() }]));
      if (closed.length > 0) {
        await manager.query(
          `UPDATE round_positions p SET status = 'closed', exit_tick = $2, exit_price = $3, payout = v.payout, closed_at = $4
             FROM unnest($1::uuid[], $5::numeric[]) AS v(id, payout) WHERE p.id = v.id`,
          [closed.map((close) => close.id), round.tick, round.price.toString(), closedAt, closed.map((close) => close.payout)],
        );
      }
      closing.forEach(({ index, row }, at) => {
        const refusal = refusedAt.get(at);
        if (refusal) {
          outcomes[index] = { ok: false, error: refusal };
          return;
        }
        Object.assign(row, { status: 'closed', exitTick: round.tick, exitPrice: round.price, payout: payouts[at], closedAt });
        const dto = toPositionDto(row);
        this.recordTrade(manager, row.userId, dto, 'close');
        outcomes[index] = { ok: true, value: dto };
      });
      return outcomes;
    });
  }

  async closePosition(userId: string, roundId: string, positionId: string): Promise<RoundPositionDto> {
    const position = await commandTransaction(this.dataSource, async (manager) => {
      const round = await this.lockRoundShared(manager, roundId);
      const row = await manager.findOne(RoundPositionEntity, { where: { id: positionId, roundId, userId }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new RoundPositionNotFound(positionId);
      if (row.status !== 'open') throw new PositionAlreadyClosed(positionId);
      this.expectStatus(round, ['ACTIVE'], 'Positions close');
      this.expectTicking(round);

      const payout = positionPayout(row.side, row.stake, row.entryPrice, round.price);
      Object.assign(row, { status: 'closed', exitTick: round.tick, exitPrice: round.price, payout, closedAt: new Date() });
      await manager.save(row);
      if (payout > 0n) {
        await this.ledger.credit(manager, userId, payout, {
          kind: 'round.position.close',
          reference: `round-position:${row.id}`,
          idempotencyKey: `round-position:${row.id}:close`,
          from: SystemAccount.roundPot(roundId),
        });
      }
      this.recordTrade(manager, userId, toPositionDto(row), 'close');
      return row;
    });
    return toPositionDto(position);
  }

  async placeSideBet(userId: string, roundId: string, body: PlaceSideBetDto): Promise<RoundSideBetDto> {
    const amount = parseUsdc(body.amount);
    const bet = await commandTransaction(this.dataSource, async (manager) => {
      const round = await this.lockRoundShared(manager, roundId);
      this.expectStatus(round, ['PENDING', 'ACTIVE'], 'Side bets are taken');
      this.expectTicking(round);
      this.checkLimits(round, amount);
      await this.lockPlayer(manager, roundId, userId);
      const unresolved = await manager.count(RoundSideBetEntity, { where: { roundId, userId, status: 'active' } });
      if (unresolved > 0) throw new SideBetAlreadyActive();

      const window = sideBetWindow(round.tick + 1, round.sideBetWindow);
      let row: RoundSideBetEntity;
      try {
        row = await manager.save(
          manager.create(RoundSideBetEntity, {
            roundId,
            userId,
            amount,
            startTick: window.startTick,
            endTick: window.endTick,
            payoutMultiplier: round.sideBetMultiplier,
            status: 'active',
            payout: null,
            paidAt: null,
            resolvedAt: null,
          }),
        );
      } catch (error) {
        if (isPgError(error, PgError.UniqueViolation)) throw new SideBetAlreadyActive();
        throw error;
      }
      await this.ledger.debit(manager, userId, amount, {
        kind: 'round.side-bet.place',
        reference: `round-side-bet:${row.id}`,
        idempotencyKey: `round-side-bet:${row.id}:place`,
        freshKey: true,
        to: SystemAccount.roundPot(roundId),
      });
      const dto = toSideBetDto(row);
      this.events.afterCommit(manager, { name: UserUpdateEvent.PositionUpdated, payload: { userId, position: { kind: 'side-bet', ...dto } } });
      this.events.afterCommit(manager, {
        name: RoundEvent.Trade,
        payload: { roundId, trade: { kind: 'side-bet', action: 'place', amount: dto.amount, startTick: dto.startTick, endTick: dto.endTick } },
      });
      return row;
    });
    return toSideBetDto(bet);
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private recordTrade(manager: EntityManager, userId: string, position: RoundPositionDto, action: 'open' | 'close'): void {
    this.events.afterCommit(manager, { name: UserUpdateEvent.PositionUpdated, payload: { userId, position: { kind: 'position', ...position } } });
    this.events.afterCommit(manager, {
      name: RoundEvent.Trade,
      payload: {
        roundId: position.roundId,
        trade: {
          kind: 'position',
          action,
          side: position.side,
          amount: position.amount,
          tick: action === 'open' ? position.entryTick : position.exitTick,
          price: action === 'open' ? position.entryPrice : position.exitPrice,
        },
      },
    });
  }

  private async withCandles(round: RoundEntity): Promise<RoundDto> {
    return { ...toRoundSummary(round), candles: await this.candlesOf(this.dataSource.manager, round.id) };
  }

  private async candlesOf(manager: EntityManager, roundId: string): Promise<CandleDto[]> {
    const rows = await manager.find(RoundCandleEntity, { where: { roundId }, order: { tick: 'ASC' } });
    return rows.map(toCandleDto);
  }

  private async find(manager: EntityManager, roundId: string): Promise<RoundEntity> {
    const round = await manager.findOne(RoundEntity, { where: { id: roundId } });
    if (!round) throw new RoundNotFound(roundId);
    return round;
  }

  /**
   * FOR SHARE: commands read the round's status, tick and price, and the engine's next tick (an
   * UPDATE) waits until they commit, so a position always enters at the close the round shows.
   */
  private async lockRoundShared(manager: EntityManager, roundId: string): Promise<RoundEntity> {
    const round = await manager.findOne(RoundEntity, { where: { id: roundId }, lock: { mode: 'pessimistic_read' } });
    if (!round) throw new RoundNotFound(roundId);
    return round;
  }

  /** One command per player and round at a time, so the open-position and side-bet limits hold under concurrency. */
  private async lockPlayer(manager: EntityManager, roundId: string, userId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`round:${roundId}:player:${userId}`]);
  }

  /** `lockPlayer` of many players, in the order given (sorted by the caller, so two batches never wait on each other in a cycle). */
  private async lockPlayers(manager: EntityManager, roundId: string, userIds: string[]): Promise<void> {
    await manager.query(
      `SELECT count(pg_advisory_xact_lock(hashtextextended(lock_key, 0))) FROM (SELECT lock_key FROM unnest($1::text[]) WITH ORDINALITY AS v(lock_key, position) ORDER BY position) AS ordered`,
      [userIds.map((userId) => `round:${roundId}:player:${userId}`)],
    );
  }

  private expectStatus(round: RoundEntity, expected: RoundStatus[], what: string): void {
    if (!expected.includes(round.status)) {
      throw new RoundStateConflict(`${what} only while the round is ${expected.join(' or ')}; it is ${round.status}`, { status: round.status, expected });
    }
  }

  /**
   * An ACTIVE round whose last persisted tick is older than 2 × tickMs + ROUND_STALL_MARGIN_MS has
   * lost its ticking leader. Nobody may trade at its frozen price: a player could close the winning
   * side and leave the losing one open for the void (if the stall outlasts the resume window) to
   * refund in full. A PENDING round has no price to freeze; a side bet on it is taken.
   */
  private expectTicking(round: RoundEntity): void {
    if (round.status !== 'ACTIVE' || round.lastTickAt === null) return;
    const sinceLastTickMs = Date.now() - round.lastTickAt.getTime();
    if (sinceLastTickMs > 2 * round.tickMs + ROUND_STALL_MARGIN_MS) {
      throw new RoundStateConflict(`The round is not ticking (its last candle is ${sinceLastTickMs} ms old); try again once it resumes`, {
        status: round.status,
        expected: ['ACTIVE'],
        sinceLastTickMs,
      });
    }
  }

  private checkLimits(round: RoundEntity, amount: bigint): void {
    if (amount < round.minStake || amount > round.maxStake) {
      const min = formatUsdc(round.minStake);
      const max = formatUsdc(round.maxStake);
      throw new StakeOutOfLimits(`amount must be between ${min} and ${max} USDC`, { min, max });
    }
  }
}

