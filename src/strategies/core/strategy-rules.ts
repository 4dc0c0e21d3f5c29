import { decimalPattern, parseScaled, PRICE_SCALE_DECIMALS, RATIO_DECIMALS, USDC_SCALE_DECIMALS } from './decimal';
import { JsonSchema, SchemaProblem, validateAgainst } from './json-schema';

/**
 * The declarative strategy document of the rounds venue, as a client writes it. Amounts are USDC decimal
 * strings, price levels decimal strings (8 decimals, the round price scale), multiples and fractions decimal
 * strings (6 decimals); only display odds (`min` expected value, kelly's probability) are JSON numbers.
 */
export type EntryTrigger = { kind: 'tick'; tick: number } | { kind: 'price-cross'; direction: 'above' | 'below'; level: string };
export type SideBetTrigger = { kind: 'expected-value'; min: number } | { kind: 'tick-range'; from: number; to: number };
export type Sizing =
  | { kind: 'fixed'; amount: string }
  | { kind: 'fraction-of-balance'; fraction: string }
  | { kind: 'kelly'; maxFraction: string; winProbability?: number; payoffRatio?: number }
  | { kind: 'martingale'; base: string; multiplier: string; maxStake: string };

export interface ExitRules {
  /** Close once the position is worth this multiple of its stake (long: the price reached entry × takeProfit). */
  takeProfit?: string;
  /** Close once the position lost this fraction of its stake (long: the price dropped by it from the entry). */
  stopLoss?: string;
  /** Close this many ticks after the entry. */
  afterTicks?: number;
}

export interface StrategyRulesDocument {
  entry?: { side: 'long' | 'short'; when: EntryTrigger; sizing: Sizing; exit?: ExitRules };
  sideBet?: { when: SideBetTrigger; sizing: Sizing; maxPerRound?: number };
}

export interface StrategyLimitsDocument {
  maxStakePerRound?: string;
  stopAfterLoss?: string;
  stopAfterWin?: string;
  maxRounds?: number;
}

const usdc = (description: string, example: string): JsonSchema => ({
  type: 'string',
  pattern: decimalPattern(USDC_SCALE_DECIMALS),
  description: `${description}: USDC, a decimal string with at most 6 decimals`,
  examples: [example],
});
const ratio = (description: string, example: string): JsonSchema => ({
  type: 'string',
  pattern: decimalPattern(RATIO_DECIMALS),
  description: `${description}: a decimal string with at most 6 decimals`,
  examples: [example],
});
const tick: JsonSchema = { type: 'integer', minimum: 0, maximum: 1_000_000 };

/** Published at `GET /api/v1/strategies/schema`; the server validates every document with it. */
export const STRATEGY_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://cash-markets.local/schemas/strategy-rounds-v1.json',
  title: 'Cash Markets rounds strategy',
  type: 'object',
  required: ['rules'],
  additionalProperties: false,
  properties: {
    rules: { $ref: '#/$defs/rules' },
    limits: { $ref: '#/$defs/limits' },
  },
  $defs: {
    rules: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'What to play each round: a position (entry, exit) and/or side bets',
      properties: {
        entry: { $ref: '#/$defs/entry' },
        sideBet: { $ref: '#/$defs/sideBet' },
      },
    },
    entry: {
      type: 'object',
      additionalProperties: false,
      required: ['side', 'when', 'sizing'],
      properties: {
        side: { type: 'string', enum: ['long', 'short'] },
        when: { $ref: '#/$defs/entryTrigger' },
        sizing: { $ref: '#/$defs/sizing' },
        exit: { $ref: '#/$defs/exit' },
      },
    },
    entryTrigger: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'tick'],
          description: 'at the first tick at or after `tick` (0: as the round starts)',
          properties: { kind: { const: 'tick' }, tick },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'direction', 'level'],
          description: 'when the close crosses `level` upwards (above) or downwards (below)',
          properties: {
            kind: { const: 'price-cross' },
            direction: { type: 'string', enum: ['above', 'below'] },
            level: { type: 'string', pattern: decimalPattern(PRICE_SCALE_DECIMALS), description: 'a round price, at most 8 decimals', examples: ['1.5'] },
          },
        },
      ],
    },
    exit: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        takeProfit: ratio('close once the position is worth this multiple of its stake (long: price ≥ entry × takeProfit)', '2'),
        stopLoss: ratio('close once the position has lost this fraction of its stake (long: price ≤ entry × (1 − stopLoss))', '0.3'),
        afterTicks: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'close this many ticks after the entry' },
      },
    },
    sideBet: {
      type: 'object',
      additionalProperties: false,
      required: ['when', 'sizing'],
      properties: {
        when: { $ref: '#/$defs/sideBetTrigger' },
        sizing: { $ref: '#/$defs/sizing' },
        maxPerRound: { type: 'integer', minimum: 1, maximum: 1000, description: 'side bets per round, one at a time (default 1)' },
      },
    },
    sideBetTrigger: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'min'],
          description: "when the live odds' expected value per unit staked is at least `min`",
          properties: { kind: { const: 'expected-value' }, min: { type: 'number', minimum: -1, maximum: 1000 } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'from', 'to'],
          description: 'at any tick from `from` to `to` (inclusive)',
          properties: { kind: { const: 'tick-range' }, from: tick, to: tick },
        },
      ],
    },
    sizing: {
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['kind', 'amount'], properties: { kind: { const: 'fixed' }, amount: usdc('the amount of each stake', '5') } },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'fraction'],
          properties: { kind: { const: 'fraction-of-balance' }, fraction: ratio('the share of the session balance staked', '0.05') },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'maxFraction'],
          description: 'the Kelly fraction p − (1 − p) / b of the session balance, capped; side bets take p and b from the live odds',
          properties: {
            kind: { const: 'kelly' },
            maxFraction: ratio('the cap on the staked share', '0.1'),
            winProbability: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
            payoffRatio: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000, description: 'net win per unit staked' },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'base', 'multiplier', 'maxStake'],
          description: 'base × multiplier^(losing rounds in a row), at most maxStake; back to base after a winning round',
          properties: {
            kind: { const: 'martingale' },
            base: usdc('the first stake', '1'),
            multiplier: ratio('growth after each losing round', '2'),
            maxStake: usdc('the cap', '16'),
          },
        },
      ],
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxStakePerRound: usdc('at most this much staked in one round (fees included)', '20'),
        stopAfterLoss: usdc('stop once the session lost this much', '50'),
        stopAfterWin: usdc('stop once the session won this much', '100'),
        maxRounds: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'stop after this many rounds' },
      },
    },
  },
};

// ---- compiled form: exact integers, ready for the evaluator ------------------------------------

export type CompiledSizing =
  | { kind: 'fixed'; amount: bigint }
  | { kind: 'fraction-of-balance'; fraction: bigint }
  | { kind: 'kelly'; maxFraction: bigint; winProbability?: number; payoffRatio?: number }
  | { kind: 'martingale'; base: bigint; multiplier: bigint; maxStake: bigint };

export type CompiledEntryTrigger = { kind: 'tick'; tick: number } | { kind: 'price-cross'; direction: 'above' | 'below'; level: bigint };

export interface CompiledRules {
  entry?: {
    side: 'long' | 'short';
    when: CompiledEntryTrigger;
    sizing: CompiledSizing;
    exit: { takeProfit?: bigint; stopLoss?: bigint; afterTicks?: number };
  };
  sideBet?: { when: SideBetTrigger; sizing: CompiledSizing; maxPerRound: number };
}

export interface CompiledLimits {
  maxStakePerRound?: bigint;
  stopAfterLoss?: bigint;
  stopAfterWin?: bigint;
  maxRounds?: number;
}

export type StrategyValidation = { ok: true; rules: CompiledRules; limits: CompiledLimits } | { ok: false; problems: SchemaProblem[] };

/** Validates `{rules, limits}` against STRATEGY_SCHEMA and the rules a schema cannot say, then compiles it. */
export function validateStrategy(rules: unknown, limits: unknown = {}): StrategyValidation {
  const document = limits === undefined ? { rules } : { rules, limits };
  const problems = validateAgainst(STRATEGY_SCHEMA, document, '').map((problem) => ({ ...problem, path: problem.path.replace(/^\//, '') }));
  if (problems.length > 0) return { ok: false, problems };
  const typed = rules as StrategyRulesDocument;
  const semantic = semanticProblems(typed);
  if (semantic.length > 0) return { ok: false, problems: semantic };
  return { ok: true, rules: compileRules(typed), limits: compileLimits((limits ?? {}) as StrategyLimitsDocument) };
}

function semanticProblems(rules: StrategyRulesDocument): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const sizingProblems = (sizing: Sizing, path: string, needsOdds: boolean) => {
    if (sizing.kind === 'kelly' && needsOdds) {
      if (sizing.winProbability === undefined) problems.push({ path: `${path}/winProbability`, message: 'is required for a position (side bets take it from the live odds)' });
      if (sizing.payoffRatio === undefined) problems.push({ path: `${path}/payoffRatio`, message: 'is required for a position (side bets take it from the live odds)' });
    }
    if (sizing.kind === 'fixed' && scaled(sizing.amount, USDC_SCALE_DECIMALS) === 0n) problems.push({ path: `${path}/amount`, message: 'must be positive' });
    if (sizing.kind === 'martingale') {
      if (scaled(sizing.base, USDC_SCALE_DECIMALS) === 0n) problems.push({ path: `${path}/base`, message: 'must be positive' });
      if (scaled(sizing.maxStake, USDC_SCALE_DECIMALS) < scaled(sizing.base, USDC_SCALE_DECIMALS)) problems.push({ path: `${path}/maxStake`, message: 'must be at least base' });
      if (scaled(sizing.multiplier, RATIO_DECIMALS) < 10n ** BigInt(RATIO_DECIMALS)) problems.push({ path: `${path}/multiplier`, message: 'must be at least 1' });
    }
    const fraction = sizing.kind === 'fraction-of-balance' ? ['fraction', sizing.fraction] : sizing.kind === 'kelly' ? ['maxFraction', sizing.maxFraction] : null;
    if (fraction) {
      const value = scaled(fraction[1], RATIO_DECIMALS);
      if (value === 0n || value > 10n ** BigInt(RATIO_DECIMALS)) problems.push({ path: `${path}/${fraction[0]}`, message: 'must be greater than 0 and at most 1' });
    }
  };
  if (rules.entry) {
    sizingProblems(rules.entry.sizing, 'rules/entry/sizing', true);
    const exit = rules.entry.exit;
    if (exit?.takeProfit !== undefined && scaled(exit.takeProfit, RATIO_DECIMALS) <= 10n ** BigInt(RATIO_DECIMALS)) {
      problems.push({ path: 'rules/entry/exit/takeProfit', message: 'must be greater than 1 (a multiple of the stake)' });
    }
    if (exit?.stopLoss !== undefined) {
      const value = scaled(exit.stopLoss, RATIO_DECIMALS);
      if (value === 0n || value >= 10n ** BigInt(RATIO_DECIMALS)) problems.push({ path: 'rules/entry/exit/stopLoss', message: 'must be greater than 0 and less than 1 (the share of the stake lost)' });
    }
    const when = rules.entry.when;
    if (when.kind === 'price-cross' && scaled(when.level, PRICE_SCALE_DECIMALS) === 0n) problems.push({ path: 'rules/entry/when/level', message: 'must be positive' });
  }
  if (rules.sideBet) {
    sizingProblems(rules.sideBet.sizing, 'rules/sideBet/sizing', false);
    const when = rules.sideBet.when;
    if (when.kind === 'tick-range' && when.to < when.from) problems.push({ path: 'rules/sideBet/when/to', message: 'must be at least from' });
  }
  return problems;
}

function scaled(text: string, decimals: number): bigint {
  const value = parseScaled(text, decimals);
  if (value === null) throw new RangeError(`not a decimal with at most ${decimals} decimals: ${text}`);
  return value;
}

function compileSizing(sizing: Sizing): CompiledSizing {
  switch (sizing.kind) {
    case 'fixed':
      return { kind: 'fixed', amount: scaled(sizing.amount, USDC_SCALE_DECIMALS) };
    case 'fraction-of-balance':
      return { kind: 'fraction-of-balance', fraction: scaled(sizing.fraction, RATIO_DECIMALS) };
    case 'kelly':
      return { kind: 'kelly', maxFraction: scaled(sizing.maxFraction, RATIO_DECIMALS), winProbability: sizing.winProbability, payoffRatio: sizing.payoffRatio };
    case 'martingale':
      return {
        kind: 'martingale',
        base: scaled(sizing.base, USDC_SCALE_DECIMALS),
        multiplier: scaled(sizing.multiplier, RATIO_DECIMALS),
        maxStake: scaled(sizing.maxStake, USDC_SCALE_DECIMALS),
      };
  }
}

function compileRules(rules: StrategyRulesDocument): CompiledRules {
  const compiled: CompiledRules = {};
  if (rules.entry) {
    const { when, exit = {} } = rules.entry;
    compiled.entry = {
      side: rules.entry.side,
      when: when.kind === 'tick' ? when : { kind: 'price-cross', direction: when.direction, level: scaled(when.level, PRICE_SCALE_DECIMALS) },
      sizing: compileSizing(rules.entry.sizing),
      exit: {
        takeProfit: exit.takeProfit === undefined ? undefined : scaled(exit.takeProfit, RATIO_DECIMALS),
        stopLoss: exit.stopLoss === undefined ? undefined : scaled(exit.stopLoss, RATIO_DECIMALS),
        afterTicks: exit.afterTicks,
      },
    };
  }
  if (rules.sideBet) compiled.sideBet = { when: rules.sideBet.when, sizing: compileSizing(rules.sideBet.sizing), maxPerRound: rules.sideBet.maxPerRound ?? 1 };
  return compiled;
}

function compileLimits(limits: StrategyLimitsDocument): CompiledLimits {
  const usdcOf = (text: string | undefined) => (text === undefined ? undefined : scaled(text, USDC_SCALE_DECIMALS));
  return {
    maxStakePerRound: usdcOf(limits.maxStakePerRound),
    stopAfterLoss: usdcOf(limits.stopAfterLoss),
    stopAfterWin: usdcOf(limits.stopAfterWin),
    maxRounds: limits.maxRounds,
  };
}
