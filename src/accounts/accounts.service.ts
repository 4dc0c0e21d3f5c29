import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AdminActor } from '../admin/admin-actor';
import { ApprovalDto } from '../admin/admin.dto';
import { ApprovalsService } from '../admin/approvals.service';
import { AuditService } from '../admin/audit.service';
import { AppConfig } from '../config/app-config';
import { UsersService } from '../auth/users.service';
import { offsetOf, Page, toPage } from '../common/http/pagination';
import { AccountDto, LedgerEntryDto, LedgerQueryDto } from './account.dto';
import { AdjustmentDto, CreateAdjustmentDto } from './adjustment.dto';
import { AssetsService, SETTLEMENT_ASSET } from './assets.service';
import { LedgerService, SystemAccount } from './ledger.service';
import { AccountEntity } from './account.entity';
import { exceedsApprovalThreshold } from './approval-threshold';
import { commandTransaction } from '../common/transactions/command-transaction';

interface LedgerRow {
  id: string;
  transaction_id: string;
  kind: string;
  reference: string;
  asset: string;
  bucket: 'available' | 'locked';
  amount: string;
  balance_after: string;
  created_at: Date;
}

/** An adjustment either ran, or (above ADMIN_APPROVAL_THRESHOLD) waits for a second admin. */
export type AdjustmentOutcome = { adjustment: AdjustmentDto } | { approval: ApprovalDto };

export const ADJUSTMENT_APPROVAL = 'account.adjustment';

/** What a user (or an admin) reads and adjusts; every write goes through LedgerService. */
@Injectable()
export class AccountsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly assets: AssetsService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly approvals: ApprovalsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.approvals.register(ADJUSTMENT_APPROVAL, async (manager, approval, approver) => {
      const body = approval.payload as unknown as CreateAdjustmentDto;
      const amount = await this.assets.parse(body.asset, body.amount, 'amount', 'nonZero');
      return { result: await this.adjustIn(manager, approver, approval.targetId, body, amount, { approvalId: approval.id, requestedBy: approval.requestedBy }) };
    });
  }


  /** Opens the settlement account on first visit (granting the starting balance), then lists every balance. */
  async overview(userId: string): Promise<AccountDto> {
    const accountsOf = () => this.dataSource.getRepository(AccountEntity).find({ where: { userId }, order: { asset: 'ASC' } });
    let accounts = await accountsOf();
    if (!accounts.some((account) => account.asset === SETTLEMENT_ASSET)) {
      await this.dataSource.transaction((manager) => this.ledger.openUserAccount(manager, userId, SETTLEMENT_ASSET));
      accounts = await accountsOf();
    }
    return {
      userId,
      balances: accounts.map((account) => ({
        asset: account.asset,
        available: this.assets.format(account.asset, account.available),
        locked: this.assets.format(account.asset, account.locked),
      })),
    };
  }

  async ledgerOf(userId: string, query: LedgerQueryDto): Promise<Page<LedgerEntryDto>> {
    const filter = `a.user_id = $1${query.asset ? ' AND e.asset = $2' : ''}`;
    const params: unknown[] = query.asset ? [userId, query.asset] : [userId];
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM ledger_entries e JOIN accounts a ON a.id = e.account_id WHERE ${filter}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT e.id, e.transaction_id, t.kind, t.reference, e.asset, e.bucket, e.amount, e.balance_after, e.created_at
         FROM ledger_entries e
         JOIN accounts a ON a.id = e.account_id
         JOIN ledger_transactions t ON t.id = e.transaction_id
        WHERE ${filter}
        ORDER BY e.id DESC
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.limit, offsetOf(query)],
    )) as LedgerRow[];
    const data = rows.map((row) => ({
      id: row.id,
      transactionId: row.transaction_id,
      kind: row.kind,
      reference: row.reference,
      asset: row.asset,
      bucket: row.bucket,
      amount: this.assets.format(row.asset, BigInt(row.amount)),
      balanceAfter: this.assets.format(row.asset, BigInt(row.balance_after)),
      createdAt: row.created_at.toISOString(),
    }));
    return toPage(data, total, query);
  }

  /**
   * Admin correction: a credit from or debit to the `adjustments` system account, with the reason as memo,
   * audited with the balance before and after. Above ADMIN_APPROVAL_THRESHOLD it only records a pending approval.
   */
  async adjust(actor: AdminActor, userId: string, body: CreateAdjustmentDto): Promise<AdjustmentOutcome> {
    const amount = await this.assets.parse(body.asset, body.amount, 'amount', 'nonZero');
    await this.users.getById(userId);
    if (await exceedsApprovalThreshold(this.assets, this.config, body.asset, amount)) {
      const payload = { asset: body.asset, amount: body.amount, reason: body.reason };
      const approval = await commandTransaction(this.dataSource, (manager) =>
        this.approvals.request(manager, actor, { action: ADJUSTMENT_APPROVAL, targetId: userId, asset: body.asset, amount: this.assets.format(body.asset, amount), payload }),
      );
      return { approval };
    }
    return { adjustment: await commandTransaction(this.dataSource, (manager) => this.adjustIn(manager, actor, userId, body, amount)) };
  }

  private async adjustIn(
    manager: EntityManager,
    actor: AdminActor,
    userId: string,
    body: CreateAdjustmentDto,
    amount: bigint,
    approval?: { approvalId: string; requestedBy: string },
  ): Promise<AdjustmentDto> {
    const meta = { kind: 'admin.adjustment', reference: `admin:${approval?.requestedBy ?? actor.id}`, asset: body.asset, memo: body.reason };
    const result =
      amount > 0n
        ? await this.ledger.credit(manager, userId, amount, { ...meta, from: SystemAccount.adjustments })
        : await this.ledger.debit(manager, userId, -amount, { ...meta, to: SystemAccount.adjustments });
    const balance = result.userBalances.find((item) => item.userId === userId)!;
    const adjustment: AdjustmentDto = {
      transactionId: result.transactionId,
      userId,
      asset: body.asset,
      amount: this.assets.format(body.asset, amount),
      reason: body.reason,
      available: this.assets.format(body.asset, balance.available),
      locked: this.assets.format(body.asset, balance.locked),
    };
    await this.audit.record(manager, actor, {
      action: 'account.adjustment',
      targetType: 'user',
      targetId: userId,
      before: { asset: body.asset, available: this.assets.format(body.asset, balance.available - amount), locked: adjustment.locked },
      after: { ...adjustment, ...(approval ?? {}) },
    });
    return adjustment;
  }
}
