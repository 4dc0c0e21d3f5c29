import { createHash } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConcurrencyGate } from '../common/concurrency/concurrency-gate';
import { DomainError } from '../common/errors/domain-error';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { BatchItemResult, IdempotencyService, KeyedOutcome } from '../common/idempotency/idempotency.service';
import type { KeyRecord } from '../common/idempotency/idempotent-command';
import { formatUsdc, parseUsdc } from '../common/money/usdc';
import { AppConfig } from '../config/app-config';
import { parsePrice } from '../rounds/fairness/price';
import { START_PRICE } from '../rounds/fairness/round-params';
import type { RoundPositionDto, RoundSideBetDto, RoundSummaryDto } from '../rounds/rounds.dto';
import { RoundCandleEvent, RoundEndedEvent, RoundEvent, RoundStateEvent } from '../rounds/rounds.events';
import { RoundsService } from '../rounds/rounds.service';
import { RoundTickHooks } from '../rounds/round-tick-hooks';
import { RoundPlay, type RoundTerms, type StrategyAction } from './core/round-play';
import { StrategyEvent, StrategyUpdatedEvent } from './strategies.events';
import { RunningStrategy, StrategiesService } from './strategies.service';

interface LivePlay {
  strategy: RunningStrategy;
  play: RoundPlay;
  /** This strategy's work in the round, in order: each tick's actions run after the previous tick's. */
  chain: Promise<void>;
  halted: boolean;
  declined: number;
  slipped: number;
  /** A stake refused for lack of funds: the session stops once the round is recorded. */
  refused: boolean;
  positionId?: string;
}

interface LiveRound {
  roundId: string;
  number: number;
  terms: RoundTerms | null;
  plays: Promise<LivePlay[]>;
  /** The opens (and closes) the plays asked for at a tick, gathered until every play has observed it, then sent as one batch. */
  batches: Partial<Record<BatchedKind, TickBatch>>;
}

type BatchedKind = 'open' | 'close';
type BatchedAction = Extract<StrategyAction, { kind: BatchedKind }>;
type OpenAction = Extract<StrategyAction, { kind: 'open' }>;

interface TickBatch {
  kind: BatchedKind;
  tick: number;
  items: { live: LivePlay; action: BatchedAction }[];
  done: Promise<void>;
}

/**
 * Plays running strategies on the live round. It listens to the round engine's events (delivered in the
 * engine leader's process, right after each tick committed): a round going ACTIVE loads the strategies whose
 * session includes it, each candle feeds their `RoundPlay`, the end records each one's result. Every stake
 * goes through RoundsService exactly as a player's click with an `Idempotency-Key` does, the key derived from
 * (strategy, round, action): a runner that restarts, or a new engine leader, rebuilds a round's plays from
 * its persisted candles and replays the same keys, so what was done is answered from the stored response and
 * nothing is done twice.
 */
@Injectable()
export class StrategyRunner implements OnModuleInit {
  private readonly logger = new Logger('StrategyRunner');
  private readonly live = new Map<string, LiveRound>();
  /**
   * The runner's database work (a stake, a recorded round) at most a quarter of the pool at a time: a thousand
   * strategies acting on one tick otherwise queue a thousand transactions on the pool, ahead of the engine's own
   * tick (which then times out waiting for a connection) and of every request. Stakes beyond the gate fill a few
   * ticks late (counted as slipped) instead.
   */
  private readonly gate: ConcurrencyGate;

  constructor(
    private readonly strategies: StrategiesService,
    private readonly rounds: RoundsService,
    private readonly idempotency: IdempotencyService,
    private readonly tickHooks: RoundTickHooks,
    config: AppConfig,
  ) {
    this.gate = new ConcurrencyGate(Math.max(1, Math.floor(config.databasePoolSize / 4)));
  }

  /** The engine waits (at most a tick) for the stakes of each tick before generating the next, so they fill at that tick. */
  onModuleInit(): void {
    this.tickHooks.register((roundId) => this.settled(roundId));
  }

  /** Resolves once every play of the round has done what the events delivered so far asked of it. */
  private async settled(roundId: string): Promise<void> {
    const round = this.live.get(roundId);
    if (!round) return;
    await Promise.all((await round.plays).map((live) => live.chain));
  }

  @OnDomainEvent(RoundEvent.State)
  onState(event: RoundStateEvent): void {
    if (event.round.status === 'ACTIVE' && event.round.tick === 0 && !this.live.has(event.roundId)) {
      this.track(event.roundId, Promise.resolve({ summary: event.round, candles: [] }));
    }
  }

  @OnDomainEvent(RoundEvent.Candle)
  onCandle(event: RoundCandleEvent): void {
    const round = this.live.get(event.roundId) ?? this.resume(event.roundId);
    const tick = event.candle.tick;
    const close = parsePrice(event.candle.close);
    void round.plays.then((plays) => {
      for (const live of plays) live.chain = live.chain.then(() => this.step(round, live, tick, close));
    });
  }

  @OnDomainEvent(RoundEvent.Ended)
  onEnded(event: RoundEndedEvent): void {
    const round = this.live.get(event.roundId);
    if (!round) return;
    this.live.delete(event.roundId);
    const summary = event.result;
    void round.plays.then((plays) => {
      // Once every play has done its last tick, all of the round's results are recorded together.
      const recorded = Promise.all(plays.map((live) => live.chain)).then(() => this.finish(round, plays, summary));
      for (const live of plays) live.chain = recorded;
    });
  }

  /** A stop (by the user or a limit) ends the strategy's play in the live round at once; what it holds settles with the round. */
  @OnDomainEvent(StrategyEvent.Updated)
  onStrategyUpdated(event: StrategyUpdatedEvent): void {
    if (event.strategy.status === 'running') return;
    for (const round of this.live.values()) {
      void round.plays.then((plays) => {
        for (const live of plays) if (live.strategy.id === event.strategy.id) live.halted = true;
      });
    }
  }

  /**
   * Drops what this process knows of the live rounds, as a restart would (tests of the resume): the next
   * candle rebuilds each play from the persisted candles and replays its commands under the same keys.
   */
  forgetLiveRounds(): void {
    this.live.clear();
  }

  /** Starts following a round: loads the strategies that play it, then feeds them tick 0 and the candles persisted so far. */
  private track(roundId: string, source: Promise<{ summary: RoundSummaryDto; candles: { tick: number; close: string }[] }>): LiveRound {
    const round: LiveRound = { roundId, number: 0, terms: null, plays: Promise.resolve([]), batches: {} };
    this.live.set(roundId, round);
    round.plays = source
      .then(async ({ summary, candles }) => {
        if (summary.status !== 'ACTIVE') return [];
        const terms = termsOf(summary);
        Object.assign(round, { number: summary.number, terms });
        const strategies = await this.strategies.runningFor(roundId, summary.number);
        return strategies.map((strategy) => {
          const live: LivePlay = { strategy, play: new RoundPlay(strategy.rules, strategy.limits, terms, strategy.session), chain: Promise.resolve(), halted: false, declined: 0, slipped: 0, refused: false };
          const start = BigInt(START_PRICE);
          live.chain = live.chain.then(() => this.step(round, live, 0, start));
          for (const candle of candles) live.chain = live.chain.then(() => this.step(round, live, candle.tick, parsePrice(candle.close)));
          return live;
        });
      })
      .catch((error: Error) => {
        this.logger.error(`round ${roundId}: loading running strategies failed: ${error.message}`);
        return [];
      });
    return round;
  }

  /** A candle of a round this runner did not see start (it restarted, or took over the engine): rebuild from what was persisted. */
  private resume(roundId: string): LiveRound {
    return this.track(
      roundId,
      this.rounds.byId(roundId).then((round) => ({ summary: round, candles: round.candles })),
    );
  }

  private async step(round: LiveRound, live: LivePlay, tick: number, close: bigint): Promise<void> {
    if (live.halted) return;
    let actions = live.play.observe(tick, close);
    if (actions.length === 0) return;
    const [first] = actions;
    if (first.kind === 'open' || first.kind === 'close') {
      await this.inBatch(round, live, first, tick);
      actions = actions.slice(1);
      if (live.halted) for (const action of actions) live.play.declined(action);
      if (live.halted || actions.length === 0) return;
    }
    await this.gate.run(async () => {
      // A stop that came from another instance: the database says so before any stake is placed.
      if (!(await this.strategies.isRunning(live.strategy.id, live.strategy.sessionId))) {
        live.halted = true;
        for (const action of actions) live.play.declined(action);
        return;
      }
      for (const action of actions) await this.execute(round, live, action, tick);
    });
  }

  /**
   * An open or close joins the tick's batch of its kind (every play observes a candle in the same turn of the
   * event loop, so the batch is sent once they all have): one stillRunning query, one keyed command and one
   * RoundsService transaction for all of them instead of one each, with the same keys, rows, postings and refusals.
   */
  private inBatch(round: LiveRound, live: LivePlay, action: BatchedAction, tick: number): Promise<void> {
    let batch = round.batches[action.kind];
    if (!batch || batch.tick !== tick) {
      const created: TickBatch = { kind: action.kind, tick, items: [], done: Promise.resolve() };
      created.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        if (round.batches[created.kind] === created) delete round.batches[created.kind];
        return this.gate.run(() => this.sendBatch(round, created));
      });
      round.batches[action.kind] = batch = created;
    }
    batch.items.push({ live, action });
    return batch.done;
  }

  private async sendBatch(round: LiveRound, batch: TickBatch): Promise<void> {
    let items = batch.items;
    try {
      // A stop that came from another instance: the database says so before any stake is placed.
      const running = await this.strategies.stillRunning(items.map(({ live }) => ({ id: live.strategy.id, sessionId: live.strategy.sessionId })));
      for (const { live, action } of items) {
        if (running.has(live.strategy.id)) continue;
        live.halted = true;
        live.play.declined(action);
      }
      items = items.filter(({ live }) => running.has(live.strategy.id));
      if (items.length === 0) return;
      const records = items.map(({ live, action }) => this.keyRecord(round, live, action));
      const outcomes = await this.idempotency.executeBatch(
        records,
        async (claimed): Promise<BatchItemResult[]> => {
          const chosen = claimed.map((index) => items[index]);
          const done =
            batch.kind === 'open'
              ? await this.rounds.openPositions(
                  round.roundId,
                  chosen.map(({ live, action }) => ({ userId: live.strategy.userId, body: { side: (action as OpenAction).side, amount: formatUsdc((action as OpenAction).amount) } })),
                )
              : await this.rounds.closePositions(
                  round.roundId,
                  chosen.map(({ live }) => ({ userId: live.strategy.userId, positionId: live.positionId! })),
                );
          return done.map((outcome) => (outcome.ok ? { ok: true, body: outcome.value } : { ok: false, error: outcome.error }));
        },
        201,
      );
      items.forEach(({ live, action }, index) => this.settle(round, live, action, batch.tick, outcomes[index]));
    } catch (error) {
      // The whole batch failed (the round refused it, a key in flight elsewhere, the database): each stake is declined.
      for (const { live, action } of items) this.settle(round, live, action, batch.tick, { error });
    }
  }

  private async execute(round: LiveRound, live: LivePlay, action: StrategyAction, tick: number): Promise<void> {
    const record = this.keyRecord(round, live, action);
    let outcome: KeyedOutcome;
    try {
      outcome = { answer: await this.idempotency.execute(record, () => this.command(round, live, action), () => 201) };
    } catch (error) {
      outcome = { error };
    }
    this.settle(round, live, action, tick, outcome);
  }

  /** The key of a (strategy, round, action), the same however the stake is sent, so a repeat replays what was done. */
  private keyRecord(round: LiveRound, live: LivePlay, action: StrategyAction): KeyRecord {
    const key = `strategy:${live.strategy.id}:round:${round.roundId}:${action.key}`;
    const request = action.kind === 'close' ? { action: action.key } : { action: action.key, amount: action.amount.toString(), side: action.kind === 'open' ? action.side : undefined };
    return { scope: live.strategy.userId, key, requestHash: createHash('sha256').update(JSON.stringify(request)).digest('hex') };
  }

  /** What the venue answered (a fill, a stored answer, or a refusal) becomes the play's fill or its declined action. */
  private settle(round: LiveRound, live: LivePlay, action: StrategyAction, tick: number, outcome: KeyedOutcome): void {
    try {
      if ('error' in outcome) throw outcome.error;
      if (outcome.answer.status >= 400) throw new RefusedBefore(outcome.answer.body);
      this.apply(live, action, outcome.answer.body, tick);
    } catch (error) {
      live.play.declined(action);
      live.declined += 1;
      const name = error instanceof DomainError ? error.error : error instanceof RefusedBefore ? error.name : 'Error';
      if (name === 'InsufficientFunds') live.refused = true;
      this.logger.warn(`strategy ${live.strategy.id} round ${round.number}: ${action.key} refused: ${(error as Error).message}`);
    }
  }

  private command(round: LiveRound, live: LivePlay, action: StrategyAction): Promise<unknown> {
    const { userId } = live.strategy;
    if (action.kind === 'open') return this.rounds.openPosition(userId, round.roundId, { side: action.side, amount: formatUsdc(action.amount) });
    if (action.kind === 'side-bet') return this.rounds.placeSideBet(userId, round.roundId, { amount: formatUsdc(action.amount) });
    return this.rounds.closePosition(userId, round.roundId, live.positionId!);
  }

  /** What the venue answered (now, or stored from an earlier run of the same key) becomes the play's fill. */
  private apply(live: LivePlay, action: StrategyAction, body: unknown, tick: number): void {
    const filledAt = action.kind === 'side-bet' ? (body as RoundSideBetDto).startTick - 1 : action.kind === 'open' ? (body as RoundPositionDto).entryTick : (body as RoundPositionDto).exitTick;
    if (filledAt !== tick) live.slipped += 1;
    if (action.kind === 'open') {
      const position = body as RoundPositionDto;
      live.positionId = position.id;
      live.play.opened(action.side, {
        positionId: position.id,
        amount: parseUsdc(position.amount),
        fee: parseUsdc(position.fee, 'fee', 'nonNegative'),
        stake: parseUsdc(position.stake),
        entryTick: position.entryTick,
        entryPrice: parsePrice(position.entryPrice),
      });
    } else if (action.kind === 'close') {
      const position = body as RoundPositionDto;
      live.play.closed({ tick: position.exitTick!, price: parsePrice(position.exitPrice!), payout: parseUsdc(position.payout!, 'payout', 'nonNegative') });
    } else {
      const bet = body as RoundSideBetDto;
      live.play.betPlaced({ sideBetId: bet.id, amount: parseUsdc(bet.amount), startTick: bet.startTick, endTick: bet.endTick });
    }
  }

  /**
   * Records every play's result of the round in one transaction (a thousand `recordRound` transactions through
   * the gate took about 10 s and held the next round's stakes back); if that fails, one by one as before.
   */
  private async finish(round: LiveRound, plays: LivePlay[], summary: RoundSummaryDto): Promise<void> {
    // A voided round refunds every stake: nothing to count.
    if (summary.status === 'VOIDED' || plays.length === 0) return;
    const results = plays.map((live) => ({
      strategy: live.strategy,
      result: live.play.finish({ rugTick: summary.rugTick, finalClose: parsePrice(summary.price) }),
      counts: { declined: live.declined, slipped: live.slipped },
      stopNow: live.refused ? 'refused' : undefined,
    }));
    const where = { id: round.roundId, number: round.number };
    try {
      await this.gate.run(() => this.strategies.recordRounds(where, results));
      return;
    } catch (error) {
      this.logger.warn(`round ${round.number}: recording ${results.length} results at once failed (${(error as Error).message}); recording them one by one`);
    }
    await Promise.all(
      results.map(async ({ strategy, result, counts, stopNow }) => {
        try {
          await this.gate.run(() => this.strategies.recordRound(strategy, where, result, counts, stopNow));
        } catch (error) {
          this.logger.error(`strategy ${strategy.id} round ${round.number}: recording the result failed: ${(error as Error).message}`);
        }
      }),
    );
  }
}

/** A stored 4xx answer of an earlier run of the same key. */
class RefusedBefore extends Error {
  constructor(body: unknown) {
    const answer = body as { error?: string; message?: string } | null;
    super(answer?.message ?? 'refused');
    this.name = answer?.error ?? 'Refused';
  }
}

function termsOf(round: RoundSummaryDto): RoundTerms {
  return {
    roundId: round.id,
    number: round.number,
    feeBps: round.feeBps,
    minStake: parseUsdc(round.minStake),
    maxStake: parseUsdc(round.maxStake),
    sideBetWindow: round.sideBetWindow,
    sideBetMultiplier: round.sideBetMultiplier,
    rugProbability: round.params.rugProbability,
    maxTicks: round.params.maxTicks,
  };
}
