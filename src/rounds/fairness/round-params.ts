/** The algorithm id published with every round; bump it for any change that alters a path. */
export const FAIRNESS_ALGORITHM = 'cm-v1';

/** Every round starts at 1.00000000, in units of 1e-8. */
export const START_PRICE = 100_000_000;

/**
 * The published parameters of a round's candle path (cm-v1). The names are part of the public
 * contract: they appear as-is in `params` of round and verify responses.
 */
export interface RoundParams {
  rugProbability: number;
  maxTicks: number;
  subSteps: number;
  bigMoveProbability: number;
  bigMoveMin: number;
  bigMoveRange: number;
  driftMin: number;
  driftRange: number;
  volatility: number;
}

export const DEFAULT_ROUND_PARAMS: Readonly<RoundParams> = Object.freeze({
  rugProbability: 0.005,
  maxTicks: 5000,
  subSteps: 4,
  bigMoveProbability: 0.02,
  bigMoveMin: 0.15,
  bigMoveRange: 0.1,
  driftMin: -0.02,
  driftRange: 0.05,
  volatility: 0.005,
});

/** The parameter names in their published order. */
export const ROUND_PARAM_NAMES: readonly (keyof RoundParams)[] = [
  'rugProbability',
  'maxTicks',
  'subSteps',
  'bigMoveProbability',
  'bigMoveMin',
  'bigMoveRange',
  'driftMin',
  'driftRange',
  'volatility',
];

const PROBABILITIES: readonly (keyof RoundParams)[] = ['rugProbability', 'bigMoveProbability'];
const COUNTS: readonly (keyof RoundParams)[] = ['maxTicks', 'subSteps'];

/**
 * Why `params` cannot drive a path, or null when it can. Takes `unknown` because the verifier
 * feeds it whatever a server published. Ranges are only what the algorithm needs to be well
 * defined (integer counts, probabilities in [0, 1], finite numbers); whether the values are
 * sensible for the house is the admin configuration's concern.
 */
export function roundParamsProblem(params: unknown): string | null {
  if (typeof params !== 'object' || params === null) return 'params must be an object';
  const record = params as Record<string, unknown>;
  for (const name of ROUND_PARAM_NAMES) {
    const value = record[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} must be a finite number`;
  }
  for (const name of COUNTS) {
    const value = record[name] as number;
    if (!Number.isSafeInteger(value) || value < 1) return `${name} must be a positive integer`;
  }
  for (const name of PROBABILITIES) {
    const value = record[name] as number;
    if (value < 0 || value > 1) return `${name} must be between 0 and 1`;
  }
  return null;
}

/** The nine parameters picked out of `params` (extra keys dropped); throws RangeError when invalid. */
export function toRoundParams(params: unknown): RoundParams {
  const problem = roundParamsProblem(params);
  if (problem !== null) throw new RangeError(`invalid round params: ${problem}`);
  const record = params as Record<keyof RoundParams, number>;
  const picked = {} as RoundParams;
  for (const name of ROUND_PARAM_NAMES) picked[name] = record[name];
  return picked;
}
