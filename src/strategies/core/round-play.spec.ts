import { CandlePathGenerator } from '../../rounds/fairness/candle-path';
import { DEFAULT_ROUND_PARAMS } from '../../rounds/fairness/round-params';
import { roundSeedOf } from '../../rounds/fairness/round-seed';
import { backtest, BacktestReplay, playRound, recomputePath, ReplayPathCache, type ReplayRound } from './backtest';
import { RoundPlay, type RoundTerms } from './round-play';
import { newSession } from './session';
import { validateStrategy, type CompiledLimits, type CompiledRules } from './strategy-rules';

const terms: RoundTerms = {
  roundId: 'r1',
  number: 1,
  feeBps: 100,
  minStake: 1_000_000n,
  maxStake: 100_000_000n,
  sideBetWindow: 40,
  sideBetMultiplier: '5',
  rugProbability: 0.005,
  maxTicks: 80,
};
const P = (text: string) => BigInt(Math.round(Number(text) * 1e8));

function compile(rules: unknown, limits: unknown = {}): { rules: CompiledRules; limits: CompiledLimits } {
  const result = validateStrategy(rules, limits);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result;
}

/** Feeds closes from tick 0 and fills every action at its tick, as the backtest does; returns the actions per tick. */
function run(rules: unknown, closes: string[], limits: unknown = {}, balance = 1_000_000_000n, lossStreak = 0) {
  const compiled = compile(rules, limits);
  const play = new RoundPlay(compiled.rules, compiled.limits, terms, { balance, lossStreak });
  const log: string[] = [];
  closes.forEach((close, tick) => {
    for (const action of play.observe(tick, P(close))) {
      log.push(`${tick}:${action.key}${'amount' in action ? `:${action.amount}` : ''}`);
      play.fillAt(action, tick, P(close));
    }
  });
  return { log, play };
}

const fixed = (amount = '10') => ({ kind: 'fixed', amount });

describe('RoundPlay (the evaluator)', () => {
  it('enters at the first tick at or after the entry tick, once', () => {
    const { log } = run({ entry: { side: 'long', when: { kind: 'tick', tick: 2 }, sizing: fixed() } }, ['1', '1.1', '1.2', '1.3']);
    expect(log).toEqual(['2:open:10000000']);
  });

  it('enters when the close crosses the level in the stated direction', () => {
    const up = run({ entry: { side: 'long', when: { kind: 'price-cross', direction: 'above', level: '1.2' }, sizing: fixed() } }, ['1', '1.1', '1.25', '1.1', '1.3']);
    expect(up.log).toEqual(['2:open:10000000']);
    const down = run({ entry: { side: 'short', when: { kind: 'price-cross', direction: 'below', level: '0.9' }, sizing: fixed() } }, ['1', '0.95', '0.9', '0.8']);
    expect(down.log).toEqual(['2:open:10000000']);
  });

  it('takes profit at the multiple, stops the loss at the drop, closes after N ticks', () => {
    const entry = { side: 'long', when: { kind: 'tick', tick: 0 }, sizing: fixed() };
    expect(run({ entry: { ...entry, exit: { takeProfit: '1.5' } } }, ['1', '1.4', '1.5', '1.6']).log).toEqual(['0:open:10000000', '2:close']);
    expect(run({ entry: { ...entry, exit: { stopLoss: '0.2' } } }, ['1', '0.9', '0.81', '0.8', '0.5']).log).toEqual(['0:open:10000000', '3:close']);
    expect(run({ entry: { ...entry, exit: { afterTicks: 3 } } }, ['1', '1', '1', '1', '1']).log).toEqual(['0:open:10000000', '3:close']);
  });

  it('measures a short position by its value: take-profit when the price has fallen', () => {
    const rules = { entry: { side: 'short', when: { kind: 'tick', tick: 0 }, sizing: fixed(), exit: { takeProfit: '1.5', stopLoss: '0.5' } } };
    expect(run(rules, ['1', '0.8', '0.5']).log).toEqual(['0:open:10000000', '2:close']);
    expect(run(rules, ['1', '1.2', '1.5']).log).toEqual(['0:open:10000000', '2:close']);
  });

  it('settles with the venue arithmetic: the fee, the close payout, open positions at the final close', () => {
    const { play } = run({ entry: { side: 'long', when: { kind: 'tick', tick: 0 }, sizing: fixed('10'), exit: { afterTicks: 2 } } }, ['1', '1.5', '2']);
    // stake 9.9 after the 1 % fee, closed at 2x: 19.8
    expect(play.finish({ rugTick: null, finalClose: P('3') })).toMatchObject({ pnl: 9_800_000n, wagered: 10_000_000n, fees: 100_000n, trades: 1 });
    const held = run({ entry: { side: 'long', when: { kind: 'tick', tick: 0 }, sizing: fixed('10') } }, ['1', '1.5']);
    expect(held.play.finish({ rugTick: 2, finalClose: 0n }).pnl).toBe(-10_000_000n);
    const short = run({ entry: { side: 'short', when: { kind: 'tick', tick: 0 }, sizing: fixed('10') } }, ['1', '1.5']);
    expect(short.play.finish({ rugTick: 2, finalClose: 0n }).pnl).toBe(9_800_000n);
  });

  it('places side bets in a tick range, one at a time, up to maxPerRound, each paid if the rug falls in its window', () => {
    const rules = { sideBet: { when: { kind: 'tick-range', from: 1, to: 100 }, sizing: fixed('2'), maxPerRound: 2 } };
    const closes = Array.from({ length: 60 }, () => '1');
    const { log, play } = run(rules, closes);
    // window [2, 41]; the next one once tick 41 has passed without a rug: [42, 81]
    expect(log).toEqual(['1:side-bet:1:2000000', '41:side-bet:2:2000000']);
    const result = play.finish({ rugTick: 50, finalClose: 0n });
    expect(result.sideBets.map((bet) => [bet.startTick, bet.endTick, bet.won, bet.payout])).toEqual([
      [2, 41, false, 0n],
      [42, 81, true, 10_000_000n],
    ]);
    expect(result.pnl).toBe(6_000_000n);
  });

  it('places a side bet when the odds reach the expected value asked for', () => {
    // 5x over 40 ticks at 0.5 %: EV ≈ −0.09; near maxTicks fewer ticks can rug and the EV falls
    expect(run({ sideBet: { when: { kind: 'expected-value', min: -0.1 }, sizing: fixed('1') } }, ['1']).log).toEqual(['0:side-bet:1:1000000']);
    expect(run({ sideBet: { when: { kind: 'expected-value', min: 0 }, sizing: fixed('1') } }, ['1', '1', '1']).log).toEqual([]);
  });

  it('cuts stakes to the round limit, the venue maximum and the balance; skips what is under the minimum', () => {
    const both = { entry: { side: 'long', when: { kind: 'tick', tick: 0 }, sizing: fixed('15') }, sideBet: { when: { kind: 'tick-range', from: 0, to: 0 }, sizing: fixed('10') } };
    expect(run(both, ['1'], { maxStakePerRound: '20' }).log).toEqual(['0:open:15000000', '0:side-bet:1:5000000']);
    expect(run(both, ['1'], { maxStakePerRound: '15.5' }).log).toEqual(['0:open:15000000']);
    expect(run({ entry: { ...both.entry, sizing: fixed('500') } }, ['1']).log).toEqual(['0:open:100000000']);
    expect(run(both, ['1'], {}, 18_000_000n).log).toEqual(['0:open:15000000', '0:side-bet:1:3000000']);
  });

  it('sizes martingale from the session streak', () => {
    const rules = { entry: { side: 'long', when: { kind: 'tick', tick: 0 }, sizing: { kind: 'martingale', base: '1', multiplier: '2', maxStake: '5' } } };
    expect(run(rules, ['1'], {}, 1_000_000_000n, 2).log).toEqual(['0:open:4000000']);
    expect(run(rules, ['1'], {}, 1_000_000_000n, 3).log).toEqual(['0:open:5000000']);
  });

  it('does nothing at a rug candle or at the last tick', () => {
    const compiled = compile({ entry: { side: 'long', when: { kind: 'tick', tick: 0 }, sizing: fixed() } });
    const play = new RoundPlay(compiled.rules, compiled.limits, { ...terms, maxTicks: 3 }, { balance: 10n ** 12n, lossStreak: 0 });
    expect(play.observe(1, 0n)).toEqual([]);
    expect(play.observe(3, P('1'))).toEqual([]);
  });

  it('gives the money of a declined action back to what the round may spend', () => {
    const compiled = compile({ entry: { side: 'long', when: { kind: 'tick', tick: 0 }, sizing: fixed('10') } });
    const play = new RoundPlay(compiled.rules, compiled.limits, terms, { balance: 100_000_000n, lossStreak: 0 });
    const [open] = play.observe(0, P('1'));
    expect(play.spendable).toBe(90_000_000n);
    play.declined(open);
    expect(play.spendable).toBe(100_000_000n);
    expect(play.finish({ rugTick: 5, finalClose: 0n }).trades).toBe(0);
  });
});

describe('backtest', () => {
  const params = { ...DEFAULT_ROUND_PARAMS, maxTicks: 120, rugProbability: 0.02 };
  const rounds: ReplayRound[] = Array.from({ length: 30 }, (_, index) => {
    const serverSeed = index.toString(16).padStart(64, 'a');
    const salt = `salt-${index}`;
    const generator = new CandlePathGenerator(roundSeedOf(serverSeed, salt), params);
    for (const _candle of generator);
    return {
      terms: { ...terms, roundId: `round-${index}`, number: index + 1, maxTicks: params.maxTicks, rugProbability: params.rugProbability },
      params,
      serverSeed,
      salt,
      recordedRugTick: generator.rugTick,
      recordedFinalPrice: BigInt(generator.close),
    };
  });
  const strategy = compile(
    {
      entry: { side: 'long', when: { kind: 'tick', tick: 2 }, sizing: { kind: 'martingale', base: '1', multiplier: '2', maxStake: '16' }, exit: { takeProfit: '1.3', stopLoss: '0.2' } },
      sideBet: { when: { kind: 'tick-range', from: 5, to: 200 }, sizing: { kind: 'fraction-of-balance', fraction: '0.01' }, maxPerRound: 3 },
    },
    { maxStakePerRound: '30' },
  );

  it('recomputes every path from its seed and is the same on every run', () => {
    const first = backtest(strategy.rules, strategy.limits, 500_000_000n, rounds);
    const second = backtest(strategy.rules, strategy.limits, 500_000_000n, rounds);
    expect(first.mismatchedRounds).toBe(0);
    expect(first.rounds).toHaveLength(30);
    expect(second).toEqual(first);
    const sum = first.rounds.reduce((total, round) => total + round.result.pnl, 0n);
    expect(first.session.pnl).toBe(sum);
    expect(first.session.balance).toBe(500_000_000n + sum);
    expect(first.rounds.at(-1)!.balanceAfter).toBe(first.session.balance);
  });

  it('carries the session from round to round exactly as playing them one by one does', () => {
    const whole = backtest(strategy.rules, strategy.limits, 500_000_000n, rounds);
    let session = newSession(500_000_000n);
    const { afterRound } = jest.requireActual<typeof import('./session')>('./session');
    for (const [index, round] of rounds.entries()) {
      const { result } = playRound(strategy.rules, strategy.limits, session, round);
      expect(result).toEqual(whole.rounds[index].result);
      session = afterRound(session, result, strategy.limits);
    }
    expect(session).toEqual(whole.session);
  });

  it('stops on its loss limit', () => {
    const losing = compile({ entry: { side: 'long', when: { kind: 'tick', tick: 0 }, sizing: fixed('10') } }, { stopAfterLoss: '15' });
    const result = backtest(losing.rules, losing.limits, 500_000_000n, rounds);
    expect(result.stoppedBy).toBe('loss-limit');
    expect(result.session.pnl).toBeLessThanOrEqual(-15_000_000n);
    const before = result.session.pnl - result.rounds.at(-1)!.result.pnl;
    expect(before).toBeGreaterThan(-15_000_000n);
  });

  it('gives the same result from cached paths, generating each path once', () => {
    const cache = new ReplayPathCache(100);
    const generated: string[] = [];
    const pathOf = (round: ReplayRound) => {
      generated.push(round.terms.roundId);
      return cache.pathOf(round);
    };
    const plain = backtest(strategy.rules, strategy.limits, 500_000_000n, rounds);
    expect(backtest(strategy.rules, strategy.limits, 500_000_000n, rounds, pathOf)).toEqual(plain);
    expect(backtest(strategy.rules, strategy.limits, 500_000_000n, rounds, pathOf)).toEqual(plain);
    expect(cache.pathOf(rounds[3])).toEqual(recomputePath(rounds[3]));
    const small = new ReplayPathCache(2);
    for (const round of rounds.slice(0, 3)) small.pathOf(round);
    expect(small.pathOf(rounds[2])).toBe(small.pathOf(rounds[2]));
  });

  it('gives the same result fed a page of rounds at a time (a queued backtest) as over the whole array (an inline one)', () => {
    const losing = compile({ entry: { side: 'long', when: { kind: 'tick', tick: 0 }, sizing: fixed('10') } }, { stopAfterLoss: '15' });
    for (const { rules: document, limits } of [strategy, losing]) {
      const whole = backtest(document, limits, 500_000_000n, rounds);
      expect(whole.rounds.length).toBeGreaterThan(0);
      for (const pageSize of [1, 7, 30]) {
        const cache = new ReplayPathCache(5);
        const replay = new BacktestReplay(document, limits, 500_000_000n, (round) => cache.peekOrRecompute(round));
        let played = 0;
        for (let start = 0; start < rounds.length && !replay.stopped; start += pageSize) {
          for (const round of rounds.slice(start, start + pageSize)) {
            if (!replay.play(round)) break;
            played += 1;
          }
        }
        expect(replay.result()).toEqual(whole);
        expect(played).toBe(whole.rounds.length);
      }
    }
  });

  it('flags a recorded round whose path does not follow from its seed', () => {
    const forged = [{ ...rounds[0], recordedRugTick: (rounds[0].recordedRugTick ?? 0) + 1 }];
    expect(backtest(strategy.rules, strategy.limits, 500_000_000n, forged).mismatchedRounds).toBe(1);
  });
});
