import type { EntityManager } from 'typeorm';
import { DEFAULT_ROUND_PARAMS } from './fairness/round-params';
import type { RoundRules } from './round-settings.service';
import { RoundEntity } from './round.entity';
import type { ChainSlot } from './seed-chains.service';

/** Where a new round stands: PENDING with nothing drawn when the engine creates it, or further on. */
export type NewRoundState = Pick<RoundEntity, 'status' | 'salt' | 'saltSource' | 'tick' | 'price' | 'startsAt' | 'lastTickAt' | 'leaderToken'>;

/** Inserts the next round on the chain `slot`, numbered after the last one, freezing `rules`; its seed is not revealed. */
export async function insertNextRound(manager: EntityManager, slot: ChainSlot, rules: RoundRules, state: NewRoundState): Promise<RoundEntity> {
  const [{ next }] = (await manager.query(`SELECT COALESCE(max(number), 0) + 1 AS next FROM rounds`)) as { next: number }[];
  return manager.save(
    manager.create(RoundEntity, {
      number: Number(next),
      chainId: slot.chainId,
      chainIndex: slot.chainIndex,
      params: { ...DEFAULT_ROUND_PARAMS, maxTicks: rules.maxTicks },
      serverSeedHash: slot.serverSeedHash,
      serverSeed: null,
      rugTick: null,
      tickMs: rules.tickMs,
      feeBps: rules.feeBps,
      minStake: rules.minStake,
      maxStake: rules.maxStake,
      sideBetWindow: rules.sideBetWindow,
      sideBetMultiplier: rules.sideBetMultiplier,
      endedAt: null,
      settledAt: null,
      ...state,
    }),
  );
}
