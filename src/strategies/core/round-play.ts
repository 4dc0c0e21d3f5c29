import { positionPayout, sideBetOdds, sideBetPayout, sideBetWindow, splitAmount, type PositionSide } from '../../rounds/fairness/payouts';
import { RATIO_SCALE } from './decimal';
import type { RoundOutcome, SessionState } from './session';
import { sizeStake } from './sizing';
import type { CompiledLimits, CompiledRules, CompiledSizing } from './strategy-rules';

/** The trading terms a round was created with (frozen on the round row) and the path parameters the rules read. */
export interface RoundTerms {
  roundId: string;
  number: number;
  feeBps: number;
  minStake: bigint;
  maxStake: bigint;
  sideBetWindow: number;
  sideBetMultiplier: string;
  rugProbability: number;
  maxTicks: number;
}

/** What the strategy does at a tick. `key` is unique within the round: with the strategy and round ids it names the command (its Idempotency-Key). */
export type StrategyAction =
  | { kind: 'open'; key: 'open'; side: PositionSide; amount: bigint }
  | { kind: 'close'; key: 'close' }
  | { kind: 'side-bet'; key: string; amount: bigint };

/** A position as the venue opened it (what `POST .../positions` answered). */
export interface PositionFill {
  positionId?: string;
  amount: bigint;
  fee: bigint;
  stake: bigint;
  entryTick: number;
  entryPrice: bigint;
}

export interface SideBetFill {
  sideBetId?: string;
  amount: bigint;
  startTick: number;
  endTick: number;
}

interface PlayedPosition extends PositionFill {
  side: PositionSide;
  closing: boolean;
  exit: { tick: number; price: bigint; payout: bigint } | null;
}

export interface RoundEnd {
  rugTick: number | null;
  /** The last close (0 after a rug): open positions settle at it. */
  finalClose: bigint;
}

export interface RoundPlayResult extends RoundOutcome {
  positions: { side: PositionSide; amount: bigint; entryTick: number; exitTick: number; payout: bigint }[];
  sideBets: { amount: bigint; startTick: number; endTick: number; won: boolean; payout: bigint }[];
}

/**
 * One round of a strategy. `observe(tick, close)` is fed every state of the round in order (tick 0 as it
 * starts, then each candle) and answers what to do at that tick; the caller executes the actions and
 * reports what the venue did (`opened`, `closed`, `betPlaced`, or `declined`) before the next observation.
 * The backtest fills at the observed tick with the venue's own arithmetic (`fillAt`); the live runner fills
 * with what the venue answered. Pure: no clock, no I/O, integers for money.
 */
export class RoundPlay {
  private previousClose: bigint | null = null;
  private entryDone = false;
  private position: PlayedPosition | null = null;
  private readonly bets: SideBetFill[] = [];
  private betsAttempted = 0;
  private pendingBet = false;
  private staked = 0n;
  private cashFlow = 0n;
  private lastTick = -1;

  constructor(
    private readonly rules: CompiledRules,
    private readonly limits: CompiledLimits,
    readonly terms: RoundTerms,
    private readonly session: Pick<SessionState, 'balance' | 'lossStreak'>,
  ) {}

  /** What the session may still spend in this round. */
  get spendable(): bigint {
    return this.session.balance + this.cashFlow;
  }

  observe(tick: number, close: bigint): StrategyAction[] {
    if (tick <= this.lastTick) return [];
    this.lastTick = tick;
    const previous = this.previousClose;
    this.previousClose = close;
    // A rug candle or the last tick ends the round in the same write: nothing can trade at it.
    if (close === 0n || tick >= this.terms.maxTicks) return [];
    const actions: StrategyAction[] = [];

    const position = this.position;
    if (position && !position.exit && !position.closing && tick > position.entryTick && this.shouldExit(position, tick, close)) {
      position.closing = true;
      actions.push({ kind: 'close', key: 'close' });
    }

    const entry = this.rules.entry;
    if (entry && !this.entryDone && this.entryFires(tick, previous, close)) {
      this.entryDone = true;
      const amount = this.amountFor(entry.sizing, this.staked);
      if (amount !== null) {
        this.staked += amount;
        this.cashFlow -= amount;
        actions.push({ kind: 'open', key: 'open', side: entry.side, amount });
      }
    }

    const sideBet = this.rules.sideBet;
    const active = this.bets.some((bet) => bet.endTick > tick);
    if (sideBet && !active && !this.pendingBet && this.betsAttempted < sideBet.maxPerRound && this.sideBetFires(tick)) {
      this.betsAttempted += 1;
      const odds = this.odds(tick);
      const amount = this.amountFor(sideBet.sizing, this.staked, { winProbability: odds.winProbability, payoffRatio: this.multiplier() - 1 });
      if (amount !== null) {
        this.staked += amount;
        this.cashFlow -= amount;
        this.pendingBet = true;
        actions.push({ kind: 'side-bet', key: `side-bet:${this.betsAttempted}`, amount });
      }
    }
    return actions;
  }

  /** The position the open action made (its amount is the action's: the venue charges exactly what was asked). */
  opened(side: PositionSide, fill: PositionFill): void {
    this.position = { ...fill, side, closing: false, exit: null };
  }

  closed(exit: { tick: number; price: bigint; payout: bigint }): void {
    if (!this.position) return;
    this.position.exit = exit;
    this.position.closing = false;
    this.cashFlow += exit.payout;
  }

  betPlaced(fill: SideBetFill): void {
    this.pendingBet = false;
    this.bets.push(fill);
  }

  /** The venue refused the action (funds, a limit, the round moved on): its money was never spent. */
  declined(action: StrategyAction): void {
    if (action.kind === 'open') {
      this.staked -= action.amount;
      this.cashFlow += action.amount;
    } else if (action.kind === 'side-bet') {
      this.staked -= action.amount;
      this.cashFlow += action.amount;
      this.pendingBet = false;
    } else if (this.position) {
      this.position.closing = false;
    }
  }

  /** The round's result once it ended: open positions settle at the final close, side bets pay if the rug fell in their window. */
  finish(end: RoundEnd): RoundPlayResult {
    const positions: RoundPlayResult['positions'] = [];
    const sideBets: RoundPlayResult['sideBets'] = [];
    let paidIn = 0n;
    let paidOut = 0n;
    let fees = 0n;
    const position = this.position;
    if (position) {
      const exit = position.exit ?? { tick: end.rugTick ?? this.lastTick, price: end.finalClose, payout: positionPayout(position.side, position.stake, position.entryPrice, end.finalClose) };
      positions.push({ side: position.side, amount: position.amount, entryTick: position.entryTick, exitTick: exit.tick, payout: exit.payout });
      paidIn += position.amount;
      paidOut += exit.payout;
      fees += position.fee;
    }
    for (const bet of this.bets) {
      const won = end.rugTick !== null && end.rugTick >= bet.startTick && end.rugTick <= bet.endTick;
      const payout = won ? sideBetPayout(bet.amount, this.terms.sideBetMultiplier) : 0n;
      sideBets.push({ amount: bet.amount, startTick: bet.startTick, endTick: bet.endTick, won, payout });
      paidIn += bet.amount;
      paidOut += payout;
    }
    return { pnl: paidOut - paidIn, wagered: paidIn, fees, trades: positions.length + sideBets.length, positions, sideBets };
  }

  // ---- fills the venue's way (the backtest) -------------------------------------------------------

  /** Applies `action` as RoundsService would at `tick` and `close`: the fee split, the entry, the close payout, the side-bet window. */
  fillAt(action: StrategyAction, tick: number, close: bigint): void {
    if (action.kind === 'open') {
      const { fee, stake } = splitAmount(action.amount, this.terms.feeBps);
      this.opened(action.side, { amount: action.amount, fee, stake, entryTick: tick, entryPrice: close });
    } else if (action.kind === 'close') {
      const position = this.position!;
      this.closed({ tick, price: close, payout: positionPayout(position.side, position.stake, position.entryPrice, close) });
    } else {
      const window = sideBetWindow(tick + 1, this.terms.sideBetWindow);
      this.betPlaced({ amount: action.amount, ...window });
    }
  }

  // ---- rules ----------------------------------------------------------------------------------------

  private amountFor(sizing: CompiledSizing, stakedSoFar: bigint, odds?: { winProbability: number; payoffRatio: number }): bigint | null {
    let amount = sizeStake(sizing, { balance: this.spendable, lossStreak: this.session.lossStreak, odds });
    if (amount > this.terms.maxStake) amount = this.terms.maxStake;
    if (this.limits.maxStakePerRound !== undefined) {
      const room = this.limits.maxStakePerRound - stakedSoFar;
      if (amount > room) amount = room;
    }
    if (amount > this.spendable) amount = this.spendable;
    if (amount < this.terms.minStake || amount <= 0n) return null;
    return amount;
  }

  private entryFires(tick: number, previous: bigint | null, close: bigint): boolean {
    const when = this.rules.entry!.when;
    if (when.kind === 'tick') return tick >= when.tick;
    if (previous === null) return false;
    return when.direction === 'above' ? previous < when.level && close >= when.level : previous > when.level && close <= when.level;
  }

  private shouldExit(position: PlayedPosition, tick: number, close: bigint): boolean {
    const exit = this.rules.entry!.exit;
    if (exit.afterTicks !== undefined && tick - position.entryTick >= exit.afterTicks) return true;
    // The position's value per unit of stake, times entry: long close, short 2·entry − close (the payout formulas without the floor).
    const value = position.side === 'long' ? close : 2n * position.entryPrice - close;
    if (exit.takeProfit !== undefined && value * RATIO_SCALE >= position.entryPrice * exit.takeProfit) return true;
    if (exit.stopLoss !== undefined && value * RATIO_SCALE <= position.entryPrice * (RATIO_SCALE - exit.stopLoss)) return true;
    return false;
  }

  private sideBetFires(tick: number): boolean {
    const when = this.rules.sideBet!.when;
    if (when.kind === 'tick-range') return tick >= when.from && tick <= when.to;
    return this.odds(tick).expectedValuePerUnit >= when.min;
  }

  /** The odds `GET /rounds/:id/odds` quotes at this tick. */
  private odds(tick: number) {
    return sideBetOdds({
      rugProbability: this.terms.rugProbability,
      window: this.terms.sideBetWindow,
      payoutMultiplier: this.terms.sideBetMultiplier,
      ticksRemaining: this.terms.maxTicks - tick,
    });
  }

  /** The side bet's payout multiplier (stake included) as a display figure: Kelly's b is multiplier − 1. */
  private multiplier(): number {
    return Number(this.terms.sideBetMultiplier);
  }
}
