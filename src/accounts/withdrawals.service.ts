import { Injectable, OnModuleInit } from '@nestjs/common';
import type { AdminActor } from '../admin/admin-actor';
import { ApprovalDto } from '../admin/admin.dto';
import { ApprovalsService } from '../admin/approvals.service';
import { AuditService } from '../admin/audit.service';
import { exceedsApprovalThreshold } from './approval-threshold';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, ChainName } from '../config/app-config';
import { Conflict, InvalidField, NotFound } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { offsetOf, Page, PageQueryDto, toPage } from '../common/http/pagination';
import { parseUsdc } from '../common/money/usdc';
import { commandTransaction } from '../common/transactions/command-transaction';
import { AccountsEvent } from './accounts.events';
import { AssetsService, SETTLEMENT_ASSET } from './assets.service';
import { canonicalAddress } from './chain-address';
import { DepositChain, vaultAccount } from './deposit-postings';
import { LedgerService } from './ledger.service';
import { CreateWithdrawalDto, WithdrawalDto } from './withdrawal.dto';
import { WithdrawalEntity, WithdrawalStatus } from './withdrawal.entity';

/** What the chain sender needs of a withdrawal. */
export interface WithdrawalOrder {
  id: string;
  userId: string;
  asset: string;
  amount: bigint;
  chain: string;
  toAddress: string;
  status: WithdrawalStatus;
  /** Cleared to send (under the review threshold, or approved by an admin). */
  approved: boolean;
  txHash: string | null;
}

/** Statuses in which the chain sender still has work to do on a withdrawal. */
const IN_FLIGHT: WithdrawalStatus[] = ['SENDING', 'SENT'];

/**
 * A withdrawal holds its amount (available → locked) from the moment it is requested. Up to
 * WITHDRAWAL_REVIEW_THRESHOLD (USDC) it is cleared to send at once, above it it waits in PENDING for an admin's
 * approval; cancel or reject releases the hold while it is PENDING. The blockchain module's sender then takes it
 * (SENDING), broadcasts the payment (SENT) and, once the chain confirms it, completes it: the hold is settled from
 * the user's locked balance into the vault's ledger account (`vault:<chain>:<chainId>:<genesis>`, the account
 * deposits into that vault are credited out of), so minus that account's balance stays what the vault holds for
 * its users. While it is SENDING or SENT the amount is still owed by the ledger but may already have left the vault
 * (the vault reconciliation allows for it, DepositsService.vaultFigures). A payment that did not happen fails it and
 * releases the hold.
 */
export const WITHDRAWAL_APPROVAL = 'withdrawal.approve';

/** An admin's approval either cleared the withdrawal, or (above ADMIN_APPROVAL_THRESHOLD) waits for a second admin. */
export type WithdrawalApprovalOutcome = { withdrawal: WithdrawalDto } | { approval: ApprovalDto };

@Injectable()
export class WithdrawalsService implements OnModuleInit {
  private readonly reviewThreshold: bigint;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly assets: AssetsService,
    private readonly events: DomainEventBus,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly approvals: ApprovalsService,
  ) {
    this.reviewThreshold = parseUsdc(config.chains.withdrawalReviewThreshold, 'WITHDRAWAL_REVIEW_THRESHOLD', 'nonNegative');
  }

  onModuleInit(): void {
    this.approvals.register(WITHDRAWAL_APPROVAL, async (manager, approval, approver) => {
      const row = await this.lockApprovable(manager, approval.targetId);
      return { result: await this.approveIn(manager, approver, row, approval.requestedBy) };
    });
  }

  async request(userId: string, body: CreateWithdrawalDto): Promise<WithdrawalDto> {
    const amount = await this.assets.parse(body.asset, body.amount);
    if (!(this.config.withdrawalChains as string[]).includes(body.chain)) {
      throw new InvalidField('chain', `must be one of the configured chains: ${this.config.withdrawalChains.join(', ') || '(none)'}`);
    }
    const toAddress = canonicalAddress(body.chain as ChainName, body.toAddress);
    if (!toAddress) throw new InvalidField('toAddress', `is not a valid ${body.chain} address`);
    // The threshold is in USDC; other assets always go through review.
    const needsReview = body.asset !== SETTLEMENT_ASSET || amount > this.reviewThreshold;

    const withdrawal = await commandTransaction(this.dataSource, async (manager) => {
      const repository = manager.getRepository(WithdrawalEntity);
      const saved = await repository.save(
        repository.create({ userId, asset: body.asset, amount, chain: body.chain, toAddress, status: 'PENDING', reason: null, approvedAt: needsReview ? null : new Date(), approvedBy: null, txHash: null }),
      );
      await this.ledger.hold(manager, { userId }, amount, { kind: 'withdrawal.hold', reference: `withdrawal:${saved.id}`, asset: body.asset });
      this.updated(manager, saved);
      return saved;
    });
    return this.toDto(withdrawal);
  }

  async listOf(userId: string, query: PageQueryDto): Promise<Page<WithdrawalDto>> {
    const [rows, total] = await this.dataSource.getRepository(WithdrawalEntity).findAndCount({
      where: { userId },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: offsetOf(query),
      take: query.limit,
    });
    return toPage(
      rows.map((row) => this.toDto(row)),
      total,
      query,
    );
  }

  async cancel(userId: string, withdrawalId: string): Promise<WithdrawalDto> {
    return this.toDto(await this.close(withdrawalId, 'CANCELLED', { ownerId: userId, kind: 'withdrawal.cancel' }));
  }

  async reject(actor: AdminActor, withdrawalId: string, reason?: string): Promise<WithdrawalDto> {
    return this.toDto(
      await this.close(withdrawalId, 'REJECTED', { kind: 'withdrawal.reject', reason: reason ?? `rejected by admin ${actor.id}`, actor }),
    );
  }

  /**
   * Clears a PENDING withdrawal above the review threshold for sending; above ADMIN_APPROVAL_THRESHOLD this
   * admin's approval only asks for a second admin's (POST /admin/approvals/:id/approve clears it).
   */
  async approve(actor: AdminActor, withdrawalId: string): Promise<WithdrawalApprovalOutcome> {
    return commandTransaction(this.dataSource, async (manager) => {
      const row = await this.lockApprovable(manager, withdrawalId);
      if (await exceedsApprovalThreshold(this.assets, this.config, row.asset, row.amount)) {
        const payload = { withdrawalId: row.id, userId: row.userId, chain: row.chain, toAddress: row.toAddress };
        return { approval: await this.approvals.request(manager, actor, { action: WITHDRAWAL_APPROVAL, targetId: row.id, asset: row.asset, amount: this.assets.format(row.asset, row.amount), payload }) };
      }
      return { withdrawal: await this.approveIn(manager, actor, row) };
    });
  }

  private async lockApprovable(manager: EntityManager, withdrawalId: string): Promise<WithdrawalEntity> {
    const row = await this.lockForUpdate(manager, withdrawalId);
    if (row.status !== 'PENDING') throw new Conflict(`Withdrawal ${withdrawalId} is ${row.status}, not PENDING`);
    if (row.approvedAt) throw new Conflict(`Withdrawal ${withdrawalId} is already approved`);
    return row;
  }

  private async approveIn(manager: EntityManager, actor: AdminActor, row: WithdrawalEntity, requestedBy?: string): Promise<WithdrawalDto> {
    const before = this.toDto(row);
    row.approvedAt = new Date();
    row.approvedBy = actor.id;
    const saved = await manager.getRepository(WithdrawalEntity).save(row);
    this.updated(manager, saved);
    const after = this.toDto(saved);
    await this.audit.record(manager, actor, { action: 'withdrawal.approve', targetType: 'withdrawal', targetId: row.id, before, after: requestedBy ? { ...after, requestedBy } : after });
    return after;
  }

  // ---- for the chain sender (blockchain module) ----

  async order(withdrawalId: string): Promise<WithdrawalOrder | undefined> {
    const row = await this.dataSource.getRepository(WithdrawalEntity).findOne({ where: { id: withdrawalId } });
    return row ? this.toOrder(row) : undefined;
  }

  /** Ids of the withdrawals on `chain` the sender still has to send or finish, oldest first. */
  async inFlightOn(chain: string, limit = 1000): Promise<string[]> {
    const rows = await this.dataSource
      .getRepository(WithdrawalEntity)
      .createQueryBuilder('withdrawal')
      .select('withdrawal.id', 'id')
      .where('withdrawal.chain = :chain', { chain })
      .andWhere(`(withdrawal.status IN (:...inFlight) OR (withdrawal.status = 'PENDING' AND withdrawal.approvedAt IS NOT NULL))`, { inFlight: IN_FLIGHT })
      .orderBy('withdrawal.createdAt', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  /**
   * PENDING and approved → SENDING, from when the user can no longer cancel it. Answers the withdrawal as it is
   * after the call: SENDING (or SENT, taken before) for the sender to go on with, anything else to leave alone.
   */
  async claimForSending(withdrawalId: string): Promise<WithdrawalOrder> {
    return this.transition(withdrawalId, (row) => {
      if (row.status !== 'PENDING' || !row.approvedAt) return Promise.resolve(false);
      row.status = 'SENDING';
      return Promise.resolve(true);
    });
  }

  /** SENDING → SENT: the payment `txHash` was broadcast. */
  async markSent(withdrawalId: string, txHash: string): Promise<WithdrawalOrder> {
    return this.transition(withdrawalId, (row) => {
      if (row.status !== 'SENDING' && !(row.status === 'SENT' && row.txHash !== txHash)) return Promise.resolve(false);
      row.status = 'SENT';
      row.txHash = txHash;
      return Promise.resolve(true);
    });
  }

  /**
   * The payment is confirmed on chain, out of the vault of `vault`: COMPLETED, the hold settled from the user's
   * locked balance into that vault's ledger account. Once.
   */
  async complete(withdrawalId: string, txHash: string | null, vault: DepositChain): Promise<WithdrawalOrder> {
    return this.transition(withdrawalId, async (row, manager) => {
      if (row.status === 'COMPLETED') return false;
      if (!IN_FLIGHT.includes(row.status)) throw new Conflict(`Withdrawal ${withdrawalId} is ${row.status}: only a SENDING or SENT one completes`);
      await this.ledger.settleHold(manager, { userId: row.userId }, row.amount, {
        kind: 'withdrawal.complete',
        reference: `withdrawal:${row.id}`,
        asset: row.asset,
        idempotencyKey: `withdrawal.complete:${row.id}`,
        to: vaultAccount(vault),
      });
      row.status = 'COMPLETED';
      row.txHash = txHash ?? row.txHash;
      return true;
    });
  }

  /** Nothing was paid and nothing can be any more: FAILED, the hold released. Once. */
  async fail(withdrawalId: string, reason: string): Promise<WithdrawalOrder> {
    return this.transition(withdrawalId, async (row, manager) => {
      if (row.status === 'FAILED') return false;
      if (!IN_FLIGHT.includes(row.status)) throw new Conflict(`Withdrawal ${withdrawalId} is ${row.status}: only a SENDING or SENT one fails`);
      await this.ledger.release(manager, { userId: row.userId }, row.amount, {
        kind: 'withdrawal.fail',
        reference: `withdrawal:${row.id}`,
        asset: row.asset,
        idempotencyKey: `withdrawal.fail:${row.id}`,
      });
      row.status = 'FAILED';
      row.reason = reason.slice(0, 500);
      return true;
    });
  }

  /** Runs `change` under the row lock; when it reports a change, saves the row and records `withdrawal.updated`. */
  private async transition(withdrawalId: string, change: (row: WithdrawalEntity, manager: EntityManager) => Promise<boolean>): Promise<WithdrawalOrder> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.lockForUpdate(manager, withdrawalId);
      if (await change(row, manager)) {
        await manager.getRepository(WithdrawalEntity).save(row);
        this.updated(manager, row);
      }
      return this.toOrder(row);
    });
  }

  /** PENDING → CANCELLED/REJECTED and the hold released, under the withdrawal's row lock so it happens once. */
  private close(
    withdrawalId: string,
    status: Extract<WithdrawalStatus, 'CANCELLED' | 'REJECTED'>,
    options: { ownerId?: string; kind: string; reason?: string; actor?: AdminActor },
  ): Promise<WithdrawalEntity> {
    return commandTransaction(this.dataSource, async (manager) => {
      const withdrawal = await this.lockForUpdate(manager, withdrawalId, options.ownerId);
      if (withdrawal.status !== 'PENDING') throw new Conflict(`Withdrawal ${withdrawalId} is ${withdrawal.status}, not PENDING`);
      const before = this.toDto(withdrawal);
      await this.ledger.release(manager, { userId: withdrawal.userId }, withdrawal.amount, {
        kind: options.kind,
        reference: `withdrawal:${withdrawal.id}`,
        asset: withdrawal.asset,
      });
      withdrawal.status = status;
      withdrawal.reason = options.reason ?? null;
      const saved = await manager.getRepository(WithdrawalEntity).save(withdrawal);
      this.updated(manager, saved);
      if (options.actor) await this.audit.record(manager, options.actor, { action: 'withdrawal.reject', targetType: 'withdrawal', targetId: saved.id, before, after: this.toDto(saved) });
      return saved;
    });
  }

  private async lockForUpdate(manager: EntityManager, withdrawalId: string, ownerId?: string): Promise<WithdrawalEntity> {
    const withdrawal = await manager
      .getRepository(WithdrawalEntity)
      .findOne({ where: ownerId ? { id: withdrawalId, userId: ownerId } : { id: withdrawalId }, lock: { mode: 'pessimistic_write' } });
    if (!withdrawal) throw new NotFound(`Withdrawal ${withdrawalId} not found`);
    return withdrawal;
  }

  private updated(manager: EntityManager, withdrawal: WithdrawalEntity): void {
    this.events.afterCommit(manager, { name: AccountsEvent.WithdrawalUpdated, payload: { userId: withdrawal.userId, withdrawal: this.toDto(withdrawal) } });
  }

  private toOrder(row: WithdrawalEntity): WithdrawalOrder {
    return {
      id: row.id,
      userId: row.userId,
      asset: row.asset,
      amount: row.amount,
      chain: row.chain,
      toAddress: row.toAddress,
      status: row.status,
      approved: row.approvedAt !== null,
      txHash: row.txHash,
    };
  }

  private toDto(withdrawal: WithdrawalEntity): WithdrawalDto {
    return {
      id: withdrawal.id,
      asset: withdrawal.asset,
      amount: this.assets.format(withdrawal.asset, withdrawal.amount),
      chain: withdrawal.chain,
      toAddress: withdrawal.toAddress,
      status: withdrawal.status,
      approvedAt: withdrawal.approvedAt?.toISOString() ?? null,
      txHash: withdrawal.txHash,
      reason: withdrawal.reason,
      createdAt: withdrawal.createdAt.toISOString(),
    };
  }
}
