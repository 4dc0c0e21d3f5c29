import { InvalidTradeInput } from './amm-errors';

export const BPS_DENOMINATOR = 10_000n;
export const DEFAULT_FEE_BPS = 100;

/** Trading fee in basis points of the traded amount, and the creator's share of that fee in basis points. */
export interface FeeSchedule {
  readonly feeBps: number;
  readonly creatorShareBps: number;
}

export const DEFAULT_FEE_SCHEDULE: FeeSchedule = { feeBps: DEFAULT_FEE_BPS, creatorShareBps: 0 };

/** `fee` = creatorFee + platformFee; both parts rounded so the creator never gets more than its share. */
export interface FeeSplit {
  readonly fee: bigint;
  readonly creatorFee: bigint;
  readonly platformFee: bigint;
}

/** `fee = floor(gross * feeBps / 10000)`, `creatorFee = floor(fee * creatorShareBps / 10000)`, the rest to the platform. */
export function splitFee(gross: bigint, schedule: FeeSchedule): FeeSplit {
  assertBps(schedule.feeBps, 'feeBps');
  assertBps(schedule.creatorShareBps, 'creatorShareBps');
  const fee = (gross * BigInt(schedule.feeBps)) / BPS_DENOMINATOR;
  const creatorFee = (fee * BigInt(schedule.creatorShareBps)) / BPS_DENOMINATOR;
  return { fee, creatorFee, platformFee: fee - creatorFee };
}

function assertBps(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new InvalidTradeInput(`${name} must be an integer from 0 to 10000, got ${value}`);
  }
}
