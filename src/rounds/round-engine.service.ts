import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { UserUpdateEvent } from '../realtime/realtime.events';
import { REDIS } from '../redis/redis.module';
import { CandlePathGenerator, PathCandle } from './fairness/candle-path';
import { sideBetPayout } from './fairness/payouts';
import { roundSeedOf } from './fairness/round-seed';
import { LeaderLease } from '../redis/leader-lease';
import { insertPendingRound } from './new-round';
import { toCandleDto, toRoundSummary, toSideBetDto } from './round.mapper';
import { RoundRules, RoundSettingsService } from './round-settings.service';
import { RoundSettlementQueue } from './round-settlement.processor';
import { RoundTickHooks } from './round-tick-hooks';
import { RoundSideBetEntity } from './round-side-bet.entity';
import { LIVE_ROUND_STATUSES, RoundEntity } from './round.entity';
import { RoundEvent } from './rounds.events';
import { SALT_SOURCE, SaltDraw, SaltSource } from './salt-source';
import { SeedChainsService } from './seed-chains.service';
import { RoundTickTimingEntity } from './round-tick-timing.entity';
import { TickTimingRecorder } from './tick-timing';
import { isPgError, PgError } from '../database/pg-errors';
import { RoundEngineMetrics } from './round-engine.metrics';

interface LiveRound {
  round: RoundEntity;
  /** Present once ACTIVE: the path, resumable from the last persisted candle. */
  generator?: CandlePathGenerator;
  /** When this leader first found the round's salt not there yet (a block not mined, a node down). */
  saltWaitingSince?: number;
  /** This leader's tick timing of the round, written as one row when the round ends. */
  timing?: TickTimingRecorder;
}

/** Thrown when a fenced write found another leader's token: this process stops ticking at once. */
class LeadershipLost extends Error {}

const IDLE_POLL_MS = 250;
/** A salt this late is worth a warning before SALT_WAIT_MS voids the round. */
const SALT_LATE_WARNING_MS = 10_000;

/**
 * The round engine: one ticking leader across the fleet (a Redis lease with a fencing token).
 * The leader creates a PENDING round (cooldown, its salt's entropy pinned), starts it once that salt
 * exists (or voids it when it does not come within SALT_WAIT_MS), generates a candle each
 * `tickMs` anchored to the start time (catching up at once after a stall), persists every candle
 * with the fencing token checked, ends the round on rug or maxTicks (revealing the seed) and
 * enqueues its settlement. A new leader resumes the live round from the last persisted tick when
 * the gap is under ROUND_RESUME_WINDOW_MS, and voids it otherwise. After each tick is published (tick 0 at
 * the start) it awaits the RoundTickHooks, bounded, so work such as the strategy runner's stakes lands at that tick.
 */
@Injectable()
export class RoundEngine implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RoundEngine');
  private readonly lease: LeaderLease;
  private live: LiveRound | null = null;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private lastRenewAt = 0;
  private readonly metrics: RoundEngineMetrics;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) redis: Redis,
    @Inject(SALT_SOURCE) private readonly saltSource: SaltSource,
    private readonly config: AppConfig,
    private readonly settings: RoundSettingsService,
    private readonly chains: SeedChainsService,
    private readonly settlement: RoundSettlementQueue,
    private readonly events: DomainEventBus,
    metrics: RoundEngineMetrics,
    private readonly tickHooks: RoundTickHooks,
  ) {
    this.lease = new LeaderLease(redis, `${config.redisKeyPrefix}:rounds:engine-leader`, config.roundLeaseMs);
    this.metrics = metrics;
    metrics.reportLastTick(() => (this.live && this.live.round.status === 'ACTIVE' ? (this.live.round.lastTickAt ?? this.live.round.startsAt).getTime() : null));
  }

  get isLeader(): boolean {
    return this.lease.token !== null;
  }

  onApplicationBootstrap(): void {
    if (!this.config.roundsEngineEnabled || (this.config.appRole !== 'engine' && this.config.appRole !== 'all')) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** The first shutdown hook: ticking stops while the database, Redis and Socket.IO are still open. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    await this.lease.release().catch(() => undefined);
  }

  /** Stops ticking without giving up the lease, as a crashed process would (tests of the takeover). */
  async haltWithoutRelease(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    this.lease.forget();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let delay: number;
      try {
        delay = await this.step();
      } catch (error) {
        if (error instanceof LeadershipLost) {
          this.logger.warn(`lost the engine lease: ${error.message}`);
          this.stepDown();
          delay = 0;
        } else {
          // Whatever broke may have left the in-memory round unusable: give up the lease so this
          // instance or another takes over with a fresh token and rebuilds from PostgreSQL.
          this.logger.error(`round engine step failed, stepping down: ${(error as Error).stack ?? String(error)}`);
          await this.resign();
          delay = IDLE_POLL_MS;
        }
      }
      if (this.running && delay > 0) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private get renewEveryMs(): number {
    return Math.max(20, Math.floor(this.config.roundLeaseMs / 3));
  }

  /** One pass: keep or get the lease, then drive the live round. Returns how long to wait before the next pass. */
  private async step(): Promise<number> {
    const now = Date.now();
    if (!this.isLeader) {
      const token = await this.lease.acquire();
      if (token === null) return this.renewEveryMs;
      this.lastRenewAt = now;
      this.logger.log(`engine leader (fencing token ${token})`);
      await this.takeOver(token);
    } else if (now - this.lastRenewAt >= this.renewEveryMs) {
      if (!(await this.lease.renew())) throw new LeadershipLost('lease expired or taken');
      this.lastRenewAt = now;
    }
    const untilNext = await this.drive();
    return Math.min(untilNext, this.renewEveryMs);
  }

  private stepDown(): void {
    this.lease.forget();
    this.live = null;
  }

  /** Steps down and frees the lease at once (it would otherwise expire after ROUND_LEASE_MS). */
  private async resign(): Promise<void> {
    this.live = null;
    await this.lease.release().catch(() => this.lease.forget());
  }

  private get token(): string {
    const token = this.lease.token;
    if (token === null) throw new LeadershipLost('not the leader');
    return String(token);
  }

  // ---- takeover ---------------------------------------------------------------------------------

  private async takeOver(token: number): Promise<void> {
    this.live = null;
    await this.enqueueUnsettled();
    // Claim the live round first, then read it: once the row carries this token, a paused
    // ex-leader's fenced writes fail, so the tick, price and last tick time read next cannot move.
    const claimed = await this.dataSource
      .createQueryBuilder()
      .update(RoundEntity)
      .set({ leaderToken: String(token) })
      .where('leader_token < :token AND status IN (:...live)', { token, live: LIVE_ROUND_STATUSES })
      .returning(['id'])
      .execute();
    if (!claimed.affected) {
      const held = await this.dataSource.manager.findOne(RoundEntity, { where: { status: In([...LIVE_ROUND_STATUSES]) }, select: { number: true } });
      if (held) throw new LeadershipLost(`round ${held.number} is held by a newer leader`);
      return;
    }
    const [{ id }] = claimed.raw as { id: string }[];
    const round = await this.dataSource.manager.findOneOrFail(RoundEntity, { where: { id } });
    if (round.leaderToken !== String(token)) throw new LeadershipLost(`round ${round.number} is held by a newer leader`);
    if (round.status !== 'ACTIVE') {
      this.live = { round };
      return;
    }
    const gap = Date.now() - (round.lastTickAt ?? round.startsAt).getTime();
    if (gap >= this.config.roundResumeWindowMs) {
      await this.voidRound(round, String(token), `its last tick was ${gap} ms ago (ROUND_RESUME_WINDOW_MS ${this.config.roundResumeWindowMs})`);
      return;
    }
    // Live state only once the generator exists: a round without one cannot tick.
    const generator = await this.generatorFor(this.dataSource.manager, round);
    this.live = { round, generator };
    this.logger.log(`resuming round ${round.number} at tick ${round.tick} after a ${gap} ms gap`);
  }

  /**
   * Voids and refunds a live round nobody may play on: an ACTIVE one whose path paused too long (the last leader
   * stopped), or a PENDING one whose salt will not come. Its seed is still revealed, so the chain stays checkable.
   */
  private async voidRound(round: RoundEntity, token: string, why: string): Promise<void> {
    const serverSeed = await this.chains.serverSeed(this.dataSource.manager, round.chainId, round.chainIndex);
    const now = new Date();
    const voided = await this.dataSource
      .createQueryBuilder()
      .update(RoundEntity)
      .set({ status: 'VOIDED', serverSeed, endedAt: now, leaderToken: token })
      .where('id = :id AND leader_token = :token AND status = :status', { id: round.id, token, status: round.status })
      .execute();
    if (!voided.affected) throw new LeadershipLost(`round ${round.number} is held by a newer leader`);
    Object.assign(round, { status: 'VOIDED', serverSeed, endedAt: now });
    if (this.live?.round.id === round.id) this.live = null;
    this.logger.warn(`round ${round.number} voided: ${why}`);
    this.publishEnd(round);
    await this.enqueue(round.id);
  }

  private async enqueueUnsettled(): Promise<void> {
    const rounds = await this.dataSource.manager.find(RoundEntity, { where: { status: In(['ENDED', 'VOIDED']), settledAt: IsNull() }, select: { id: true } });
    for (const round of rounds) await this.enqueue(round.id);
  }

  private async enqueue(roundId: string): Promise<void> {
    try {
      await this.settlement.enqueue(roundId);
    } catch (error) {
      // The next leader (or this one at its next takeover) enqueues unsettled rounds again.
      this.logger.error(`could not enqueue settlement of round ${roundId}: ${(error as Error).message}`);
    }
  }

  private async generatorFor(manager: EntityManager, round: RoundEntity): Promise<CandlePathGenerator> {
    const serverSeed = await this.chains.serverSeed(manager, round.chainId, round.chainIndex);
    const roundSeed = roundSeedOf(serverSeed, round.salt!);
    return new CandlePathGenerator(roundSeed, round.params, { tick: round.tick, close: Number(round.price) });
  }

  // ---- driving ----------------------------------------------------------------------------------

  private async drive(): Promise<number> {
    if (!this.live) {
      const created = await this.createRound();
      if (created) this.live = { round: created };
      if (!this.live) return IDLE_POLL_MS;
    }
    const { round } = this.live;
    if (round.status === 'PENDING') {
      const wait = round.startsAt.getTime() - Date.now();
      if (wait > 0) return wait;
      const saltDue = await this.start(this.live);
      if (saltDue !== null) return saltDue;
    }
    return this.tick(this.live);
  }

  private async createRound(): Promise<RoundEntity | null> {
    const { rules, paused } = await this.settings.current();
    if (paused) return null;
    const token = this.token;
    // Between rounds: a settlement whose enqueue failed earlier (Redis hiccup) is retried here.
    await this.enqueueUnsettled();
    let round: RoundEntity;
    try {
      round = await this.insertRound(rules, token);
    } catch (error) {
      if (!isPgError(error, PgError.UniqueViolation)) throw error;
      // A live round exists that this leader did not know of (created by a paused ex-leader): adopt it as a takeover would.
      await this.takeOver(Number(token));
      return null;
    }
    this.publishState(round);
    return round;
  }

  private insertRound(rules: RoundRules, token: string): Promise<RoundEntity> {
    return this.dataSource.transaction(async (manager) =>
      insertPendingRound(manager, await this.chains.takeNext(manager), rules, {
        saltSource: this.saltSource.name,
        pinSalt: (next) => this.saltSource.pin(next),
        startsAt: new Date(Date.now() + this.config.roundCooldownMs),
        leaderToken: token,
      }),
    );
  }

  /**
   * Starts the round with the salt its pinned reference names. Returns null once started, else when to look
   * again (the salt is not there yet; 0 once the round was voided because it never will be).
   */
  private async start(live: LiveRound): Promise<number | null> {
    const { round } = live;
    if (round.saltSource !== this.saltSource.name) {
      // Its pin means nothing to another source: drawing from this one would give the round a second chance at a salt.
      await this.voidRound(round, this.token, `it was pinned for salt source ${round.saltSource}, but this server draws from ${this.saltSource.name} (SALT_SOURCE)`);
      return 0;
    }
    const drawn = await this.saltSource.draw(round);
    if (drawn.kind !== 'drawn') return this.awaitSalt(live, drawn);
    const now = Date.now();
    // Anchor ticks to the start; a round whose start time passed while no leader ran starts now instead.
    const startsAt = now - round.startsAt.getTime() > round.tickMs ? new Date(now) : round.startsAt;
    const started = await this.dataSource
      .createQueryBuilder()
      .update(RoundEntity)
      .set({ status: 'ACTIVE', salt: drawn.salt, saltSource: drawn.source, saltProof: drawn.proof, startsAt, lastTickAt: new Date(now) })
      .where('id = :id AND leader_token = :token AND status = :status', { id: round.id, token: this.token, status: 'PENDING' })
      .execute();
    if (!started.affected) throw new LeadershipLost(`round ${round.number} could not be started`);
    Object.assign(round, { status: 'ACTIVE', salt: drawn.salt, saltSource: drawn.source, saltProof: drawn.proof, startsAt, lastTickAt: new Date(now) });
    live.generator = await this.generatorFor(this.dataSource.manager, round);
    this.publishState(round);
    await this.tickHooks.afterTick(round.id, 0, round.tickMs);
    return null;
  }

  /**
   * The pinned salt is not there: wait for it (the round stays PENDING, taking no positions) up to SALT_WAIT_MS
   * from when this leader first looked, then void it. It is never re-pinned: a later block or a new draw would
   * let whoever runs the server try again for a salt they like.
   */
  private async awaitSalt(live: LiveRound, drawn: Exclude<SaltDraw, { kind: 'drawn' }>): Promise<number> {
    const { round } = live;
    if (drawn.kind === 'waiting') {
      const now = Date.now();
      live.saltWaitingSince ??= now;
      const waited = now - live.saltWaitingSince;
      const { saltWaitMs } = this.config.chains;
      if (waited < saltWaitMs) {
        if (waited >= SALT_LATE_WARNING_MS && waited - drawn.retryInMs < SALT_LATE_WARNING_MS) {
          this.logger.warn(`round ${round.number} has waited ${waited} ms for its salt: ${drawn.reason}`);
        }
        return Math.max(1, Math.min(drawn.retryInMs, saltWaitMs - waited));
      }
      await this.voidRound(round, this.token, `its salt did not come within SALT_WAIT_MS ${saltWaitMs} ms (${drawn.reason})`);
    } else {
      await this.voidRound(round, this.token, `its salt cannot be drawn: ${drawn.reason}`);
    }
    return 0;
  }

  /** Generates every candle due by now, persists them in one fenced transaction, and says when the next one is due. */
  private async tick(live: LiveRound): Promise<number> {
    const { round } = live;
    // Normally built at start or takeover; rebuilt here if building it failed there.
    const generator = (live.generator ??= await this.generatorFor(this.dataSource.manager, round));
    const startsAt = round.startsAt.getTime();
    const due = Math.floor((Date.now() - startsAt) / round.tickMs);
    if (generator.tick >= due) return startsAt + (generator.tick + 1) * round.tickMs - Date.now();

    const previousTick = generator.tick;
    const candles: PathCandle[] = [];
    while (generator.tick < due && !generator.ended) candles.push(generator.next().value!);
    const ended = generator.ended;
    const serverSeed = ended ? await this.chains.serverSeed(this.dataSource.manager, round.chainId, round.chainIndex) : null;
    const endedAt = new Date();
    const timing = (live.timing ??= new TickTimingRecorder(round.tickMs));
    const dueTimes = candles.map((c) => startsAt + c.tick * round.tickMs);

    const resolvedBets = await this.persistTicks(live, async (manager) => {
      const updated = await manager
        .createQueryBuilder()
        .update(RoundEntity)
        .set({
          tick: generator.tick,
          price: BigInt(generator.close),
          lastTickAt: () => 'now()',
          ...(ended ? { status: 'ENDED' as const, serverSeed, rugTick: generator.rugTick, endedAt } : {}),
        })
        .where('id = :id AND leader_token = :token AND tick = :previousTick AND status = :status', {
          id: round.id,
          token: this.token,
          previousTick,
          status: 'ACTIVE',
        })
        .execute();
      if (!updated.affected) throw new LeadershipLost(`round ${round.number} tick ${previousTick} was written by another leader`);
      await manager.query(
        `INSERT INTO round_candles (round_id, tick, open, high, low, close, at)
         SELECT $1, c.tick, c.open, c.high, c.low, c.close, c.at
           FROM unnest($2::int[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::timestamptz[]) AS c(tick, open, high, low, close, at)`,
        [
          round.id,
          candles.map((c) => c.tick),
          candles.map((c) => BigInt(c.open).toString()),
          candles.map((c) => BigInt(c.high).toString()),
          candles.map((c) => BigInt(c.low).toString()),
          candles.map((c) => BigInt(c.close).toString()),
          candles.map((c) => new Date(startsAt + c.tick * round.tickMs).toISOString()),
        ],
      );
      if (ended) await this.recordTiming(manager, round.id, timing, dueTimes);
      return this.resolveSideBets(manager, round.id, generator, ended);
    });
    if (resolvedBets === null) return 0;
    timing.recordPass(Date.now(), dueTimes);

    Object.assign(round, { tick: generator.tick, price: BigInt(generator.close), lastTickAt: new Date() });
    this.metrics.tickCommitted(startsAt + generator.tick * round.tickMs);
    await this.publishSideBets(resolvedBets);
    for (const candle of candles) {
      const at = new Date(startsAt + candle.tick * round.tickMs);
      this.events.publishCommitted({
        name: RoundEvent.Candle,
        payload: {
          roundId: round.id,
          candle: toCandleDto({ roundId: round.id, tick: candle.tick, open: BigInt(candle.open), high: BigInt(candle.high), low: BigInt(candle.low), close: BigInt(candle.close), at }),
        },
      });
    }
    if (ended) {
      Object.assign(round, { status: 'ENDED', serverSeed, rugTick: generator.rugTick, endedAt });
      this.live = null;
      this.publishEnd(round);
      await this.enqueue(round.id);
      return 0;
    }
    await this.tickHooks.afterTick(round.id, generator.tick, round.tickMs);
    return startsAt + (generator.tick + 1) * round.tickMs - Date.now();
  }

  /**
   * Runs the tick transaction. The generator ran ahead in memory; when the transaction fails for
   * another reason than fencing, it is rebuilt from the last persisted candle so the next pass
   * regenerates exactly those ticks.
   */
  private async persistTicks<T>(live: LiveRound, work: (manager: EntityManager) => Promise<T>): Promise<T | null> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (error instanceof LeadershipLost) throw error;
      this.logger.error(`round ${live.round.number}: persisting ticks failed, resuming from the database: ${(error as Error).message}`);
      const persisted = await this.dataSource.manager.findOneOrFail(RoundEntity, { where: { id: live.round.id } });
      if (persisted.status !== 'ACTIVE' || persisted.leaderToken !== this.token) throw new LeadershipLost(`round ${persisted.number} is no longer ours to tick`);
      live.round = persisted;
      live.generator = await this.generatorFor(this.dataSource.manager, persisted);
      return null;
    }
  }

  /** The round's tick timing, this last pass included, as its one row (written with the end, fenced by the same transaction). */
  private async recordTiming(manager: EntityManager, roundId: string, timing: TickTimingRecorder, dueTimes: number[]): Promise<void> {
    const final = timing.clone();
    final.recordPass(Date.now(), dueTimes);
    await manager.insert(RoundTickTimingEntity, { roundId, ...final.summary(), recordedAt: new Date() });
  }

  /**
   * Side bets whose window passed without a rug are lost at once; when the round ends, those whose
   * window holds the rug tick are won (paid by the settlement job) and every other one is lost.
   */
  private async resolveSideBets(manager: EntityManager, roundId: string, generator: CandlePathGenerator, ended: boolean): Promise<string[]> {
    const rugTick = generator.rugTick;
    const resolved: string[] = [];
    if (ended && rugTick !== null) {
      const winners = await manager.find(RoundSideBetEntity, { where: { roundId, status: 'active' } });
      for (const bet of winners) {
        if (rugTick < bet.startTick || rugTick > bet.endTick) continue;
        await manager.update(RoundSideBetEntity, { id: bet.id }, { status: 'won', payout: sideBetPayout(bet.amount, bet.payoutMultiplier), resolvedAt: new Date() });
        resolved.push(bet.id);
      }
    }
    const result = (await manager.query(
      `UPDATE round_side_bets SET status = 'lost', payout = 0, resolved_at = now()
        WHERE round_id = $1 AND status = 'active' AND ($2::boolean OR end_tick <= $3::int)
        RETURNING id`,
      [roundId, ended, generator.tick],
    )) as unknown[];
    // TypeORM answers an UPDATE ... RETURNING with [rows, rowCount].
    const lost = (Array.isArray(result[0]) ? result[0] : result) as { id: string }[];
    return [...resolved, ...lost.map((row) => row.id)];
  }

  /** Tells each player whose side bet was just resolved. */
  private async publishSideBets(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const bets = await this.dataSource.manager.find(RoundSideBetEntity, { where: { id: In(ids) } });
    for (const bet of bets) {
      this.events.publishCommitted({ name: UserUpdateEvent.PositionUpdated, payload: { userId: bet.userId, position: { kind: 'side-bet', ...toSideBetDto(bet) } } });
    }
  }

  // ---- publishing (each after the engine's own write committed) ---------------------------------

  private publishState(round: RoundEntity): void {
    this.events.publishCommitted({ name: RoundEvent.State, payload: { roundId: round.id, round: toRoundSummary(round) } });
  }

  private publishEnd(round: RoundEntity): void {
    const summary = toRoundSummary(round);
    this.events.publishCommitted({ name: RoundEvent.State, payload: { roundId: round.id, round: summary } });
    this.events.publishCommitted({ name: RoundEvent.Ended, payload: { roundId: round.id, result: summary } });
  }
}
