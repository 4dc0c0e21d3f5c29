import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Movement } from '../accounts/ledger.service';
import { AppConfig } from '../config/app-config';
import { CreatorAccounts } from './creators.accounts';
import { dividendPartOf } from './creator-curve';
import { effectivePeriod } from './dividend-periods';

/**
 * How a creator's fee share is paid, for every venue that pays one (prediction markets, share trades): of each
 * fee share DIVIDEND_SHARE_BPS goes to the creator's dividend pool of the open period, the rest to the creator.
 * A creator without a share market (the role given before shares existed and not yet backfilled) keeps it all.
 */
@Injectable()
export class CreatorEarnings {
  private readonly dividendShareBps: bigint;
  private readonly periodSeconds: number;

  constructor(config: AppConfig) {
    this.dividendShareBps = BigInt(config.creators.dividendShareBps);
    this.periodSeconds = config.creators.dividendPeriodSeconds;
  }

  /**
   * The movements crediting `creatorFee` (minor units), to add to the caller's posting in its transaction. Reads the
   * creator's dividend cursor under a share lock, held to the caller's commit: the dividend job's close waits for it.
   */
  feeShareMovements(manager: EntityManager, creatorId: string, creatorFee: bigint, now: Date = new Date()): Promise<Movement[]> {
    return this.feeShareMovementsOnce(manager, creatorId, creatorFee, new Map(), now);
  }

  /**
   * feeShareMovements for the fees of one batch transaction: the creator's period is looked up (and its cursor
   * locked) once per creator, remembered in `periods`, instead of once per fee.
   */
  async feeShareMovementsOnce(manager: EntityManager, creatorId: string, creatorFee: bigint, periods: Map<string, Date | undefined>, now: Date = new Date()): Promise<Movement[]> {
    if (creatorFee <= 0n) return [];
    const toPool = dividendPartOf(creatorFee, this.dividendShareBps);
    let period: Date | undefined;
    if (toPool > 0n) {
      if (!periods.has(creatorId)) periods.set(creatorId, await this.openPeriod(manager, creatorId, now));
      period = periods.get(creatorId);
    }
    if (!period) return [{ account: { userId: creatorId }, bucket: 'available', amount: creatorFee }];
    return this.split(creatorId, creatorFee, toPool, period);
  }

  /** The period fees and trades of `creatorId` count in now; undefined without a share market. Locks the cursor (share). */
  async openPeriod(manager: EntityManager, creatorId: string, now: Date = new Date()): Promise<Date | undefined> {
    const [cursor] = (await manager.query(`SELECT closed_through FROM creator_dividend_cursors WHERE creator_id = $1 FOR SHARE`, [creatorId])) as {
      closed_through: Date | null;
    }[];
    return cursor ? effectivePeriod(now, cursor.closed_through, this.periodSeconds) : undefined;
  }

  /** `creatorFee` with `toPool` of it to the pool of `period` (the share trades know both already). */
  split(creatorId: string, creatorFee: bigint, toPool: bigint, period: Date): Movement[] {
    const movements: Movement[] = [
      { account: { userId: creatorId }, bucket: 'available', amount: creatorFee - toPool },
      { account: CreatorAccounts.dividendPool(creatorId, period), bucket: 'available', amount: toPool },
    ];
    return movements.filter((movement) => movement.amount !== 0n);
  }
}
