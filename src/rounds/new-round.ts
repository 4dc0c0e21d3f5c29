import type { EntityManager } from 'typeorm';
import { DEFAULT_ROUND_PARAMS, START_PRICE } from './fairness/round-params';
import type { RoundRules } from './round-settings.service';
import { RoundEntity } from './round.entity';
import type { ChainSlot } from './seed-chains.service';

export interface NewRound {
  saltSource: string;
  /**
   * Fixes the entropy reference of the round numbered `number` (the salt source's `pin`): called inside the
   * insert's transaction, so the reference is in the row from the moment the round exists.
   */
  pinSalt?: (round: { number: number }) => Promise<string | null>;
  startsAt: Date;
  /** Fencing token of the leader creating it. */
  leaderToken: string;
}

/** The venue's next round, PENDING on its chain slot with the rules of the moment, inserted in the caller's transaction. */
export async function insertPendingRound(manager: EntityManager, slot: ChainSlot, rules: RoundRules, round: NewRound): Promise<RoundEntity> {
  const [{ next }] = (await manager.query(`SELECT COALESCE(max(number), 0) + 1 AS next FROM rounds`)) as { next: number }[];
  const number = Number(next);
  const saltRef = round.pinSalt ? await round.pinSalt({ number }) : null;
  return manager.save(
    manager.create(RoundEntity, {
      number,
      chainId: slot.chainId,
      chainIndex: slot.chainIndex,
      status: 'PENDING',
      params: { ...DEFAULT_ROUND_PARAMS, maxTicks: rules.maxTicks },
      serverSeedHash: slot.serverSeedHash,
      serverSeed: null,
      salt: null,
      saltSource: round.saltSource,
      saltRef,
      saltProof: null,
      seedRevealTxHash: null,
      tick: 0,
      price: BigInt(START_PRICE),
      rugTick: null,
      tickMs: rules.tickMs,
      feeBps: rules.feeBps,
      minStake: rules.minStake,
      maxStake: rules.maxStake,
      sideBetWindow: rules.sideBetWindow,
      sideBetMultiplier: rules.sideBetMultiplier,
      startsAt: round.startsAt,
      lastTickAt: null,
      endedAt: null,
      settledAt: null,
      leaderToken: round.leaderToken,
    }),
  );
}
