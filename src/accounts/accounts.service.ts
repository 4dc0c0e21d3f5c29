import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UsersService } from '../auth/users.service';
import { offsetOf, Page, toPage } from '../common/http/pagination';
import { AccountDto, LedgerEntryDto, LedgerQueryDto } from './account.dto';
import { AdjustmentDto, CreateAdjustmentDto } from './adjustment.dto';
import { AssetsService, SETTLEMENT_ASSET } from './assets.service';
import { LedgerService, SystemAccount } from './ledger.service';
import { AccountEntity } from './account.entity';
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

/** What a user (or an admin) reads and adjusts; every write goes through LedgerService. */
@Injectable()
export class AccountsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly assets: AssetsService,
    private readonly users: UsersService,
  ) {}

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

  /** Admin correction: a credit from or debit to the `adjustments` system account, with the reason as memo. */
  async adjust(adminId: string, userId: string, body: CreateAdjustmentDto): Promise<AdjustmentDto> {
    const amount = await this.assets.parse(body.asset, body.amount, 'amount', 'nonZero');
    await this.users.getById(userId);
    const meta = { kind: 'admin.adjustment', reference: `admin:${adminId}`, asset: body.asset, memo: body.reason };
    const result = await commandTransaction(this.dataSource, (manager) =>
      amount > 0n
        ? this.ledger.credit(manager, userId, amount, { ...meta, from: SystemAccount.adjustments })
        : this.ledger.debit(manager, userId, -amount, { ...meta, to: SystemAccount.adjustments }),
    );
    const balance = result.userBalances.find((item) => item.userId === userId)!;
    return {
      transactionId: result.transactionId,
      userId,
      asset: body.asset,
      amount: this.assets.format(body.asset, amount),
      reason: body.reason,
      available: this.assets.format(body.asset, balance.available),
      locked: this.assets.format(body.asset, balance.locked),
    };
  }
}
