import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService, SystemAccount } from '../accounts/ledger.service';
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

