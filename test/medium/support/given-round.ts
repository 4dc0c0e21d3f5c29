import { In } from 'typeorm';
import { insertPendingRound } from '../../../src/rounds/new-round';
import { RoundSettingsService } from '../../../src/rounds/round-settings.service';
import { RoundSettlementService } from '../../../src/rounds/round-settlement.service';
import { LIVE_ROUND_STATUSES, RoundEntity, RoundStatus } from '../../../src/rounds/round.entity';
import { SeedChainsService } from '../../../src/rounds/seed-chains.service';
import type { MediumModule } from './medium-module';

export interface GivenRound {
  tick?: number;
  /** Latest close in 1e-8 units. */
  price?: bigint;
  status?: Extract<RoundStatus, 'PENDING' | 'ACTIVE'>;
  /** How long ago the last tick was persisted: past 2 × tickMs + 1 s the round counts as stalled. */
  lastTickAgoMs?: number;
}

/**
 * The live round, as the engine would have left it at `tick`, with the current admin rules. Any
 * other live round is voided and refunded first through the settlement service (one live round at a time).
 */
export async function givenActiveRound(medium: MediumModule, given: GivenRound = {}): Promise<RoundEntity> {
  await voidLiveRounds(medium);
  const { rules } = await medium.get(RoundSettingsService).current();
  const status = given.status ?? 'ACTIVE';
  const tick = status === 'PENDING' ? 0 : (given.tick ?? 10);
  return medium.dataSource.transaction(async (manager) => {
    const now = Date.now();
    const round = await insertPendingRound(manager, await medium.get(SeedChainsService).takeNext(manager), rules, {
      saltSource: 'server',
      startsAt: new Date(status === 'ACTIVE' ? now - tick * rules.tickMs : now + 60_000),
      leaderToken: '0',
    });
    if (status === 'PENDING') return round;
    Object.assign(round, { status, tick, price: given.price ?? round.price, salt: 'medium-test-salt', lastTickAt: new Date(now - (given.lastTickAgoMs ?? 0)) });
    return manager.save(round);
  });
}

/** Moves the round as the engine's next ticks would: to `tick` at `price`, still ticking. */
export async function advanceRound(medium: MediumModule, round: RoundEntity, tick: number, price: bigint): Promise<void> {
  await medium.dataSource.manager.update(RoundEntity, { id: round.id }, { tick, price, lastTickAt: new Date() });
}

/** Ends the round at its current tick (as a maxTicks end would) and settles it through the settlement service. */
export async function endAndSettle(medium: MediumModule, roundId: string) {
  await reveal(medium, roundId, 'ENDED');
  return medium.get(RoundSettlementService).settle(roundId);
}

/** Ends the round with its seed revealed, as the engine does, in `status`. */
async function reveal(medium: MediumModule, roundId: string, status: 'ENDED' | 'VOIDED'): Promise<void> {
  await medium.dataSource.transaction(async (manager) => {
    const round = await manager.findOneOrFail(RoundEntity, { where: { id: roundId } });
    const serverSeed = await medium.get(SeedChainsService).serverSeed(manager, round.chainId, round.chainIndex);
    await manager.update(RoundEntity, { id: roundId }, { status, serverSeed, salt: round.salt ?? 'medium-test-salt', endedAt: new Date() });
  });
}

async function voidLiveRounds(medium: MediumModule): Promise<void> {
  const live = await medium.dataSource.manager.find(RoundEntity, { where: { status: In([...LIVE_ROUND_STATUSES]) } });
  for (const round of live) {
    await reveal(medium, round.id, 'VOIDED');
    await medium.get(RoundSettlementService).settle(round.id);
  }
}
