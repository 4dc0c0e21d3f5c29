import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AdminActor } from '../admin/admin-actor';
import { AuditService } from '../admin/audit.service';
import { UsersService } from '../auth/users.service';
import { Conflict, NotFound } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { commandTransaction } from '../common/transactions/command-transaction';
import { AdminDepositDto } from './deposit.dto';
import { DepositEntity, DepositStatus } from './deposit.entity';
import { DepositMapper } from './deposit.mapper';
import { DepositPostings } from './deposit-postings';
import { DepositsEvent } from './deposits.events';
import { LedgerService } from './ledger.service';

/** What the chain sender needs of a deposit to return. */
export interface DepositReturnOrder {
  id: string;
  chain: string;
  chainId: string;
  chainEpoch: string;
  asset: string;
  amount: bigint;
  /** Where the return goes: the address the deposit came from. */
  toAddress: string;
  status: DepositStatus;
  /** Which return request of this deposit is current (each is paid by an operator transaction of its own). */
  attempt: number;
  returnTxHash: string | null;
}

/**
 * What an admin does with a deposit from an address no user has (UNASSIGNED): credit it to a user, or send it
 * back. A return is RETURN_REQUESTED with its amount held in `unassigned-deposits` until it is paid on chain:
 * the blockchain module's `withdrawals` job sends `vault.withdraw(depositId, fromAddress, amount)` (the vault pays
 * each deposit id once) and then calls `markReturned` (RETURNED: the hold settles into the vault account, the
 * vault paid it) or `markReturnFailed` (UNASSIGNED again, the hold released; a later request is a new attempt).
 */
@Injectable()
export class DepositReviewService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly users: UsersService,
    private readonly mapper: DepositMapper,
    private readonly events: DomainEventBus,
    private readonly audit: AuditService,
  ) {}

  /** UNASSIGNED → CREDITED to `userId`, out of `unassigned-deposits`. */
  assign(actor: AdminActor, depositId: string, userId: string): Promise<AdminDepositDto> {
    const adminId = actor.id;
    return commandTransaction(this.dataSource, async (manager) => {
      const deposit = await this.lockInStatus(manager, depositId, 'UNASSIGNED');
      const before = this.mapper.toAdminDto(deposit);
      if (!(await this.users.findById(userId, manager))) throw new NotFound(`User ${userId} not found`);
      await this.ledger.post(manager, DepositPostings.assign(deposit, userId, adminId));
      Object.assign(deposit, { status: 'CREDITED', userId, creditedAt: new Date(), note: `assigned by admin ${adminId}` });
      const saved = await manager.getRepository(DepositEntity).save(deposit);
      this.events.afterCommit(manager, { name: DepositsEvent.Updated, payload: { userId, deposit: this.mapper.toDto(saved) } });
      const after = this.mapper.toAdminDto(saved);
      await this.audit.record(manager, actor, { action: 'deposit.assign', targetType: 'deposit', targetId: depositId, before, after });
      return after;
    });
  }

  /** UNASSIGNED → RETURN_REQUESTED, its amount held (see the return hook above). */
  requestReturn(actor: AdminActor, depositId: string): Promise<AdminDepositDto> {
    return commandTransaction(this.dataSource, async (manager) => {
      const deposit = await this.lockInStatus(manager, depositId, 'UNASSIGNED');
      const before = this.mapper.toAdminDto(deposit);
      await this.ledger.post(manager, DepositPostings.holdForReturn(deposit));
      Object.assign(deposit, {
        status: 'RETURN_REQUESTED',
        returnAttempts: deposit.returnAttempts + 1,
        note: `return to ${deposit.fromAddress} requested by admin ${actor.id}`,
      });
      const saved = await manager.getRepository(DepositEntity).save(deposit);
      const after = this.mapper.toAdminDto(saved);
      await this.audit.record(manager, actor, { action: 'deposit.return', targetType: 'deposit', targetId: depositId, before, after });
      this.events.afterCommit(manager, { name: DepositsEvent.ReturnRequested, payload: { depositId: saved.id, chain: saved.chain } });
      return after;
    });
  }

  async returnOrder(depositId: string): Promise<DepositReturnOrder | undefined> {
    const row = await this.dataSource.getRepository(DepositEntity).findOne({ where: { id: depositId } });
    return row ? toReturnOrder(row) : undefined;
  }

  /** Ids of the deposits on `chain` whose return is to be sent, oldest request first. */
  async returnsToSendOn(chain: string, limit = 100): Promise<string[]> {
    const rows = await this.dataSource
      .getRepository(DepositEntity)
      .find({ select: { id: true }, where: { chain, status: 'RETURN_REQUESTED' }, order: { updatedAt: 'ASC' }, take: limit });
    return rows.map((row) => row.id);
  }

  /** The return was paid on chain by `txHash` (null: paid, the transaction not found): RETURNED, once. */
  markReturned(depositId: string, txHash: string | null): Promise<DepositReturnOrder> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, depositId);
      if (current.status !== 'RETURN_REQUESTED') return toReturnOrder(current);
      return toReturnOrder(await this.completeReturn(manager, depositId, txHash ?? ''));
    });
  }

  /** Nothing was paid and nothing can be any more: UNASSIGNED again, the hold released, once. */
  markReturnFailed(depositId: string, reason: string): Promise<DepositReturnOrder> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, depositId);
      if (current.status !== 'RETURN_REQUESTED') return toReturnOrder(current);
      return toReturnOrder(await this.failReturn(manager, depositId, reason));
    });
  }

  /** The return was paid on chain by `txHash`: RETURN_REQUESTED → RETURNED, in the caller's transaction. */
  private async completeReturn(manager: EntityManager, depositId: string, txHash: string): Promise<DepositEntity> {
    const deposit = await this.lockInStatus(manager, depositId, 'RETURN_REQUESTED');
    await this.ledger.post(manager, DepositPostings.settleReturn(deposit));
    Object.assign(deposit, { status: 'RETURNED', returnTxHash: txHash });
    return manager.getRepository(DepositEntity).save(deposit);
  }

  /** The return could not be sent: RETURN_REQUESTED → UNASSIGNED (hold released), in the caller's transaction. */
  private async failReturn(manager: EntityManager, depositId: string, reason: string): Promise<DepositEntity> {
    const deposit = await this.lockInStatus(manager, depositId, 'RETURN_REQUESTED');
    await this.ledger.post(manager, DepositPostings.releaseReturn(deposit));
    Object.assign(deposit, { status: 'UNASSIGNED', note: `return failed: ${reason}`.slice(0, 500) });
    return manager.getRepository(DepositEntity).save(deposit);
  }

  private async lock(manager: EntityManager, depositId: string): Promise<DepositEntity> {
    const deposit = await manager.getRepository(DepositEntity).findOne({ where: { id: depositId }, lock: { mode: 'pessimistic_write' } });
    if (!deposit) throw new NotFound(`Deposit ${depositId} not found`);
    return deposit;
  }

  private async lockInStatus(manager: EntityManager, depositId: string, status: DepositStatus): Promise<DepositEntity> {
    const deposit = await this.lock(manager, depositId);
    if (deposit.status !== status) throw new Conflict(`Deposit ${depositId} is ${deposit.status}, not ${status}`);
    return deposit;
  }
}

function toReturnOrder(row: DepositEntity): DepositReturnOrder {
  return {
    id: row.id,
    chain: row.chain,
    chainId: row.chainId,
    chainEpoch: row.chainEpoch,
    asset: row.asset,
    amount: row.amount,
    toAddress: row.fromAddress,
    status: row.status,
    attempt: row.returnAttempts,
    returnTxHash: row.returnTxHash,
  };
}
