import { STRATEGY_SCHEMA, validateStrategy } from './strategy-rules';

const valid = {
  entry: { side: 'long', when: { kind: 'tick', tick: 3 }, sizing: { kind: 'fixed', amount: '5' }, exit: { takeProfit: '1.5', stopLoss: '0.3', afterTicks: 20 } },
  sideBet: { when: { kind: 'tick-range', from: 0, to: 10 }, sizing: { kind: 'martingale', base: '1', multiplier: '2', maxStake: '8' }, maxPerRound: 2 },
};

function problemsOf(rules: unknown, limits?: unknown) {
  const result = validateStrategy(rules, limits);
  if (result.ok) throw new Error('expected the document to be rejected');
  return result.problems;
}

describe('strategy rules document', () => {
  it('compiles a valid document into exact integers', () => {
    const result = validateStrategy(valid, { maxStakePerRound: '20', stopAfterLoss: '50', stopAfterWin: '100.5', maxRounds: 10 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rules.entry).toEqual({
      side: 'long',
      when: { kind: 'tick', tick: 3 },
      sizing: { kind: 'fixed', amount: 5_000_000n },
      exit: { takeProfit: 1_500_000n, stopLoss: 300_000n, afterTicks: 20 },
    });
    expect(result.rules.sideBet).toEqual({ when: { kind: 'tick-range', from: 0, to: 10 }, sizing: { kind: 'martingale', base: 1_000_000n, multiplier: 2_000_000n, maxStake: 8_000_000n }, maxPerRound: 2 });
    expect(result.limits).toEqual({ maxStakePerRound: 20_000_000n, stopAfterLoss: 50_000_000n, stopAfterWin: 100_500_000n, maxRounds: 10 });
  });

  it('compiles a price level at 8 decimals', () => {
    const result = validateStrategy({ entry: { side: 'short', when: { kind: 'price-cross', direction: 'above', level: '1.25' }, sizing: { kind: 'fraction-of-balance', fraction: '0.1' } } });
    expect(result.ok && result.rules.entry!.when).toEqual({ kind: 'price-cross', direction: 'above', level: 125_000_000n });
  });

  it.each([
    [{ entry: { ...valid.entry, sizing: { kind: 'fixed', amount: '5.1234567' } } }, 'rules/entry/sizing/amount', /must match/],
    [{ entry: { ...valid.entry, sizing: { kind: 'fixed', amount: 5 } } }, 'rules/entry/sizing/amount', /must be a string/],
    [{ entry: { ...valid.entry, sizing: { kind: 'all-in' } } }, 'rules/entry/sizing/kind', /must be one of "fixed", "fraction-of-balance", "kelly", "martingale"/],
    [{ entry: { ...valid.entry, side: 'sideways' } }, 'rules/entry/side', /must be one of "long", "short"/],
    [{ entry: { ...valid.entry, when: { kind: 'tick' } } }, 'rules/entry/when/tick', /is required/],
    [{ entry: { ...valid.entry, when: { kind: 'tick', tick: -1 } } }, 'rules/entry/when/tick', /at least 0/],
    [{ entry: { ...valid.entry, when: { kind: 'tick', tick: 1.5 } } }, 'rules/entry/when/tick', /must be an integer/],
    [{ entry: { ...valid.entry, colour: 'red' } }, 'rules/entry/colour', /is not allowed/],
    [{}, 'rules', /at least 1 of entry, sideBet/],
    [{ entry: { ...valid.entry, exit: { takeProfit: '0.9' } } }, 'rules/entry/exit/takeProfit', /greater than 1/],
    [{ entry: { ...valid.entry, exit: { stopLoss: '1' } } }, 'rules/entry/exit/stopLoss', /less than 1/],
    [{ entry: { ...valid.entry, sizing: { kind: 'kelly', maxFraction: '0.1' } } }, 'rules/entry/sizing/winProbability', /is required for a position/],
    [{ sideBet: { ...valid.sideBet, when: { kind: 'tick-range', from: 10, to: 5 } } }, 'rules/sideBet/when/to', /at least from/],
    [{ sideBet: { ...valid.sideBet, sizing: { kind: 'martingale', base: '2', multiplier: '2', maxStake: '1' } } }, 'rules/sideBet/sizing/maxStake', /at least base/],
    [{ sideBet: { ...valid.sideBet, sizing: { kind: 'fraction-of-balance', fraction: '1.5' } } }, 'rules/sideBet/sizing/fraction', /at most 1/],
  ])('rejects %j at %s', (rules, path, message) => {
    const [first] = problemsOf(rules);
    expect(first.path).toBe(path);
    expect(first.message).toMatch(message);
  });

  it('names the limits field too', () => {
    expect(problemsOf(valid, { maxRounds: 0 })[0]).toEqual({ path: 'limits/maxRounds', message: 'must be at least 1' });
    expect(problemsOf(valid, { stopAfterLoss: '-5' })[0].path).toBe('limits/stopAfterLoss');
    expect(problemsOf(valid, { surprise: 1 })[0]).toEqual({ path: 'limits/surprise', message: 'is not allowed' });
  });

  it('rejects a rules value that is not an object', () => {
    expect(problemsOf('go long')[0]).toEqual({ path: 'rules', message: 'must be an object' });
  });

  it('is published as a JSON Schema whose refs all resolve', () => {
    expect(STRATEGY_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const refs = JSON.stringify(STRATEGY_SCHEMA).match(/#\/\$defs\/[a-zA-Z]+/g) ?? [];
    for (const ref of refs) expect(STRATEGY_SCHEMA.$defs).toHaveProperty(ref.replace('#/$defs/', ''));
  });
});
