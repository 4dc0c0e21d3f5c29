import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { SETTLEMENT_ASSET } from '../accounts/assets.service';
import { InvalidField } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { isUuid } from '../common/ids';
import { offsetOf, Page, PageQueryDto, toPage } from '../common/http/pagination';
import { parseUsdc } from '../common/money/usdc';
import { commandTransaction } from '../common/transactions/command-transaction';
import { RoundsService } from '../rounds/rounds.service';
import { performanceOf } from './core/performance';
import type { RoundPlayResult } from './core/round-play';
import { afterRound, newSession, type SessionState } from './core/session';
import { STRATEGY_SCHEMA, validateStrategy, type CompiledLimits, type CompiledRules } from './core/strategy-rules';
import type { JsonSchema } from './core/json-schema';
import { StrategyNotFound, StrategyRunning } from './strategy-errors';
import { fromStoredSession, toLiveRoundDto, toPerformanceDto, toStoredSession, toStrategyDto } from './strategy.mapper';
import {
  CreateStrategyDto,
  StrategyDto,
  StrategyPerformanceDto,
  StrategyRoundsDto,
  StrategySessionPerformanceDto,
  UpdateStrategyDto,
} from './strategies.dto';
import { StrategyEvent } from './strategies.events';
import { StrategyEntity } from './strategy.entity';
import { StrategyRoundEntity } from './strategy-round.entity';

/** A running strategy as the runner plays it. */
export interface RunningStrategy {
  id: string;
  userId: string;
  sessionId: string;
  rules: CompiledRules;
  limits: CompiledLimits;
  session: SessionState;
}

/** Saved strategies and their sessions (backtests: StrategyBacktests). Owner checks are in every query: another user's strategy is a 404. */
@Injectable()
export class StrategiesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rounds: RoundsService,
    private readonly accounts: AccountsService,
    private readonly events: DomainEventBus,
  ) {}

  schema(): JsonSchema {
    return STRATEGY_SCHEMA;
  }

  async create(userId: string, body: CreateStrategyDto): Promise<StrategyDto> {
    const limits = body.limits ?? {};
    compileOrThrow(body.rules, limits);
    const row = await this.dataSource.manager.save(
      this.dataSource.manager.create(StrategyEntity, {
        userId,
        name: body.name,
        venue: body.venue,
        rules: body.rules,
        limits,
        status: 'stopped',
        sessionId: null,
        sessionFromRound: null,
        session: null,
        stopReason: null,
        startedAt: null,
        stoppedAt: null,
      }),
    );
    return toStrategyDto(row);
  }

  async list(userId: string, query: PageQueryDto): Promise<Page<StrategyDto>> {
    const [rows, total] = await this.dataSource.manager.findAndCount(StrategyEntity, {
      where: { userId },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: offsetOf(query),
      take: query.limit,
    });
    return toPage(rows.map(toStrategyDto), total, query);
  }

  async get(userId: string, id: string): Promise<StrategyDto> {
    return toStrategyDto(await this.findOwned(this.dataSource.manager, userId, id));
  }

  async update(userId: string, id: string, body: UpdateStrategyDto): Promise<StrategyDto> {
    const row = await commandTransaction(this.dataSource, async (manager) => {
      const strategy = await this.findOwned(manager, userId, id, true);
      if (body.rules !== undefined || body.limits !== undefined) {
        if (strategy.status === 'running') throw new StrategyRunning();
        const rules = body.rules ?? strategy.rules;
        const limits = body.limits ?? strategy.limits;
        compileOrThrow(rules, limits);
        Object.assign(strategy, { rules, limits });
      }
      if (body.name !== undefined) strategy.name = body.name;
      return manager.save(strategy);
    });
    return toStrategyDto(row);
  }

  async remove(userId: string, id: string): Promise<void> {
    await commandTransaction(this.dataSource, async (manager) => {
      const strategy = await this.findOwned(manager, userId, id, true);
      await manager.delete(StrategyEntity, { id: strategy.id });
    });
  }

  /**
   * Opens a session: the strategy plays every round from the next one to start (the live round when it is
   * still PENDING), sized from the user's available balance now. Starting a running strategy changes nothing.
   */
  async start(userId: string, id: string): Promise<StrategyDto> {
    const fromRound = await this.nextRoundNumber();
    const available = await this.availableBalance(userId);
    const row = await commandTransaction(this.dataSource, async (manager) => {
      const strategy = await this.findOwned(manager, userId, id, true);
      if (strategy.status === 'running') return strategy;
      compileOrThrow(strategy.rules, strategy.limits);
      Object.assign(strategy, {
        status: 'running',
        sessionId: randomUUID(),
        sessionFromRound: fromRound,
        session: toStoredSession(newSession(available)),
        stopReason: null,
        startedAt: new Date(),
        stoppedAt: null,
      });
      const saved = await manager.save(strategy);
      this.recordUpdate(manager, saved);
      return saved;
    });
    return toStrategyDto(row);
  }

  async stop(userId: string, id: string): Promise<StrategyDto> {
    const row = await commandTransaction(this.dataSource, async (manager) => {
      const strategy = await this.findOwned(manager, userId, id, true);
      if (strategy.status !== 'running') return strategy;
      Object.assign(strategy, { status: 'stopped', stopReason: 'stopped', stoppedAt: new Date() });
      const saved = await manager.save(strategy);
      this.recordUpdate(manager, saved);
      return saved;
    });
    return toStrategyDto(row);
  }

  /** The rounds of the running (or last) session, oldest first. */
  async sessionRounds(userId: string, id: string): Promise<StrategyRoundsDto> {
    const strategy = await this.findOwned(this.dataSource.manager, userId, id);
    if (!strategy.sessionId) return { sessionId: null, rounds: [] };
    const rows = await this.dataSource.manager.find(StrategyRoundEntity, {
      where: { strategyId: strategy.id, sessionId: strategy.sessionId },
      order: { roundNumber: 'ASC' },
    });
    return { sessionId: strategy.sessionId, rounds: rows.map(toLiveRoundDto) };
  }

  /**
   * Tracked live performance, one entry per session that played (the current one first): the figures are
   * recomputed from the recorded rounds by the same pure function the backtest reports with, so a backtest
   * of a session's rounds gives the same figures when it replays them as they happened.
   */
  async performance(userId: string, id: string): Promise<StrategyPerformanceDto> {
    const strategy = await this.findOwned(this.dataSource.manager, userId, id);
    const rows = await this.dataSource.manager.find(StrategyRoundEntity, { where: { strategyId: strategy.id }, order: { roundNumber: 'ASC' } });
    const bySession = new Map<string, StrategyRoundEntity[]>();
    for (const row of rows) {
      const played = bySession.get(row.sessionId);
      if (played) played.push(row);
      else bySession.set(row.sessionId, [row]);
    }
    const sessions: StrategySessionPerformanceDto[] = [];
    if (strategy.sessionId && strategy.session && !bySession.has(strategy.sessionId)) bySession.set(strategy.sessionId, []);
    for (const [sessionId, played] of bySession) {
      const current = sessionId === strategy.sessionId;
      // A past session's starting balance is what its first round started from; the current one's is stored with it.
      const startingBalance = current && strategy.session ? fromStoredSession(strategy.session).startingBalance : played[0].balanceAfter - played[0].pnl;
      sessions.push({
        sessionId,
        fromRound: played[0]?.roundNumber ?? null,
        toRound: played.at(-1)?.roundNumber ?? null,
        current,
        performance: toPerformanceDto(performanceOf(startingBalance, played)),
      });
    }
    sessions.sort((a, b) => Number(b.current) - Number(a.current) || (b.toRound ?? 0) - (a.toRound ?? 0));
    return { strategyId: strategy.id, sessions };
  }

  /** The saved rules and limits of one of the user's strategies (a backtest replays them). */
  async documentOf(userId: string, id: string): Promise<{ rules: unknown; limits: unknown }> {
    const strategy = await this.findOwned(this.dataSource.manager, userId, id);
    return { rules: strategy.rules, limits: strategy.limits };
  }

  // ---- the runner's side ----------------------------------------------------------------------------

  /** Strategies whose running session includes round `roundNumber` and has not recorded it yet. */
  async runningFor(roundId: string, roundNumber: number): Promise<RunningStrategy[]> {
    const rows = await this.dataSource.manager
      .createQueryBuilder(StrategyEntity, 'strategy')
      .where(`strategy.status = 'running' AND strategy.sessionFromRound <= :roundNumber`, { roundNumber })
      .andWhere(`NOT EXISTS (SELECT 1 FROM strategy_rounds played WHERE played.strategy_id = strategy.id AND played.round_id = :roundId)`, { roundId })
      .getMany();
    return rows.flatMap((row) => {
      const compiled = validateStrategy(row.rules, row.limits);
      if (!compiled.ok || !row.session || !row.sessionId) return [];
      return [{ id: row.id, userId: row.userId, sessionId: row.sessionId, rules: compiled.rules, limits: compiled.limits, session: fromStoredSession(row.session) }];
    });
  }

  /** `isRunning` of many strategies in one query: the ids of those still running the given session. */
  async stillRunning(strategies: { id: string; sessionId: string }[]): Promise<Set<string>> {
    if (strategies.length === 0) return new Set();
    const rows = await this.dataSource.manager.find(StrategyEntity, { where: { id: In(strategies.map((strategy) => strategy.id)) }, select: { id: true, status: true, sessionId: true } });
    const sessions = new Map(strategies.map((strategy) => [strategy.id, strategy.sessionId]));
    return new Set(rows.filter((row) => row.status === 'running' && row.sessionId === sessions.get(row.id)).map((row) => row.id));
  }

  /** Whether the strategy still runs the given session (a stop or a new start ends what the runner plays). */
  async isRunning(strategyId: string, sessionId: string): Promise<boolean> {
    const row = await this.dataSource.manager.findOne(StrategyEntity, { where: { id: strategyId }, select: { id: true, status: true, sessionId: true } });
    return row?.status === 'running' && row.sessionId === sessionId;
  }

  /**
   * Records a round's result once (unique per strategy and round) and advances the session in the same
   * transaction; a limit it reaches stops the strategy. A result recorded before (a restart, a second
   * runner) changes nothing. Rounds of a session the user already stopped are still recorded: their stakes were real.
   */
  async recordRound(strategy: RunningStrategy, round: { id: string; number: number }, result: RoundPlayResult, counts: { declined: number; slipped: number }, stopNow?: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await manager.findOne(StrategyEntity, { where: { id: strategy.id }, lock: { mode: 'pessimistic_write' } });
      if (!row || row.sessionId !== strategy.sessionId || !row.session) return;
      const inserted = (await manager
        .createQueryBuilder()
        .insert()
        .into(StrategyRoundEntity)
        .values({ strategyId: strategy.id, sessionId: strategy.sessionId, roundId: round.id, roundNumber: round.number, pnl: 0n, wagered: 0n, fees: 0n, trades: 0, balanceAfter: 0n, ...counts })
        .orIgnore()
        .returning(['id'])
        .execute()) as { raw: { id: string }[] };
      if (inserted.raw.length === 0) return;
      const session = afterRound(fromStoredSession(row.session), result, strategy.limits);
      await manager.update(
        StrategyRoundEntity,
        { id: inserted.raw[0].id },
        { pnl: result.pnl, wagered: result.wagered, fees: result.fees, trades: result.trades, balanceAfter: session.balance },
      );
      row.session = toStoredSession(session);
      const reason = session.stoppedBy ?? stopNow;
      if (row.status === 'running' && reason) Object.assign(row, { status: 'stopped', stopReason: reason, stoppedAt: new Date() });
      const saved = await manager.save(row);
      this.recordUpdate(manager, saved);
    });
  }

  /**
   * `recordRound` of many strategies' results of one round in one transaction, each as `recordRound` would
   * record it: the strategies locked in id order, the results inserted at once (one recorded before changes
   * nothing), the sessions advanced and stopped on their limits by one update, an event per strategy after commit.
   */
  async recordRounds(
    round: { id: string; number: number },
    results: { strategy: RunningStrategy; result: RoundPlayResult; counts: { declined: number; slipped: number }; stopNow?: string }[],
  ): Promise<void> {
    if (results.length === 0) return;
    if (new Set(results.map(({ strategy }) => strategy.id)).size !== results.length) throw new Error('recordRounds: a strategy appears twice');
    await this.dataSource.transaction(async (manager) => {
      const rows = await manager.find(StrategyEntity, { where: { id: In(results.map(({ strategy }) => strategy.id)) }, order: { id: 'ASC' }, lock: { mode: 'pessimistic_write' } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      const advanced = results.flatMap(({ strategy, result, counts, stopNow }) => {
        const row = byId.get(strategy.id);
        if (!row || row.sessionId !== strategy.sessionId || !row.session) return [];
        return [{ strategy, result, counts, stopNow, row, session: afterRound(fromStoredSession(row.session), result, strategy.limits) }];
      });
      if (advanced.length === 0) return;
      const inserted = (await manager
        .createQueryBuilder()
        .insert()
        .into(StrategyRoundEntity)
        .values(
          advanced.map(({ strategy, result, counts, session }) => ({
            strategyId: strategy.id,
            sessionId: strategy.sessionId,
            roundId: round.id,
            roundNumber: round.number,
            pnl: result.pnl,
            wagered: result.wagered,
            fees: result.fees,
            trades: result.trades,
            balanceAfter: session.balance,
            ...counts,
          })),
        )
        .orIgnore()
        .returning(['strategyId'])
        .execute()) as { raw: { strategy_id?: string; strategyId?: string }[] };
      const recorded = new Set(inserted.raw.map((raw) => raw.strategy_id ?? raw.strategyId));
      const changed = advanced.filter(({ strategy }) => recorded.has(strategy.id));
      if (changed.length === 0) return;
      const now = new Date();
      for (const { row, session, stopNow } of changed) {
        row.session = toStoredSession(session);
        const reason = session.stoppedBy ?? stopNow;
        if (row.status === 'running' && reason) Object.assign(row, { status: 'stopped', stopReason: reason, stoppedAt: now });
        row.updatedAt = now;
      }
      await manager.query(
        `UPDATE strategies s SET session = v.session, status = v.status, stop_reason = v.stop_reason, stopped_at = v.stopped_at, updated_at = $6
           FROM unnest($1::uuid[], $2::jsonb[], $3::varchar[], $4::varchar[], $5::timestamptz[]) AS v(id, session, status, stop_reason, stopped_at)
          WHERE s.id = v.id`,
        [
          changed.map(({ row }) => row.id),
          changed.map(({ row }) => JSON.stringify(row.session)),
          changed.map(({ row }) => row.status),
          changed.map(({ row }) => row.stopReason),
          changed.map(({ row }) => row.stoppedAt),
          now,
        ],
      );
      for (const { row } of changed) this.recordUpdate(manager, row);
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private recordUpdate(manager: EntityManager, strategy: StrategyEntity): void {
    this.events.afterCommit(manager, { name: StrategyEvent.Updated, payload: { userId: strategy.userId, strategy: toStrategyDto(strategy) } });
  }

  private async findOwned(manager: EntityManager, userId: string, id: string, lock = false): Promise<StrategyEntity> {
    if (!isUuid(id)) throw new StrategyNotFound(id);
    const row = await manager.findOne(StrategyEntity, { where: { id, userId }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!row) throw new StrategyNotFound(id);
    return row;
  }

  /** The live round while it is PENDING (it has not started), else the one after the latest. */
  private async nextRoundNumber(): Promise<number> {
    const current = await this.rounds.current().catch(() => null);
    if (!current) return 1;
    return current.status === 'PENDING' ? current.number : current.number + 1;
  }

  private async availableBalance(userId: string): Promise<bigint> {
    const overview = await this.accounts.overview(userId);
    const usdc = overview.balances.find((balance) => balance.asset === SETTLEMENT_ASSET);
    return usdc ? parseUsdc(usdc.available, 'available', 'nonNegative') : 0n;
  }
}

/** Validates and compiles a stored or submitted document; a bad one is a 400 naming the field by its schema path. */
export function compileOrThrow(rules: unknown, limits: unknown): { rules: CompiledRules; limits: CompiledLimits } {
  const validation = validateStrategy(rules, limits);
  if (!validation.ok) {
    const [first] = validation.problems;
    throw new InvalidField(first.path, first.message);
  }
  return { rules: validation.rules, limits: validation.limits };
}
