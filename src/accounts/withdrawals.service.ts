import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, ChainName } from '../config/app-config';
import { Conflict, InvalidField, NotFound } from '../common/errors/domain-error';
import { offsetOf, Page, PageQueryDto, toPage } from '../common/http/pagination';
import { AssetsService } from './assets.service';
import { canonicalAddress } from './chain-address';
import { LedgerService } from './ledger.service';
import { CreateWithdrawalDto, WithdrawalDto } from './withdrawal.dto';
import { WithdrawalEntity, WithdrawalStatus } from './withdrawal.entity';
import { commandTransaction } from '../common/transactions/command-transaction';

/**
 * A withdrawal holds its amount (available → locked) from the moment it is requested. Until the
 * blockchain module sends it, it waits in PENDING for an admin; cancel or reject releases the hold.
 */
@Injectable()
export class WithdrawalsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly assets: AssetsService,
    private readonly config: AppConfig,
  ) {}

  async request(userId: string, body: CreateWithdrawalDto): Promise<WithdrawalDto> {
    const amount = await this.assets.parse(body.asset, body.amount);
    if (!(this.config.withdrawalChains as string[]).includes(body.chain)) {
      throw new InvalidField('chain', `must be one of the configured chains: ${this.config.withdrawalChains.join(', ') || '(none)'}`);
    }
    const toAddress = canonicalAddress(body.chain as ChainName, body.toAddress);
    if (!toAddress) throw new InvalidField('toAddress', `is not a valid ${body.chain} address`);

    const withdrawal = await commandTransaction(this.dataSource, async (manager) => {
      const saved = await manager.getRepository(WithdrawalEntity).save(
        manager.getRepository(WithdrawalEntity).create({ userId, asset: body.asset, amount, chain: body.chain, toAddress, status: 'PENDING', reason: null }),
      );
      await this.ledger.hold(manager, { userId }, amount, { kind: 'withdrawal.hold', reference: `withdrawal:${saved.id}`, asset: body.asset });
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

  async reject(adminId: string, withdrawalId: string, reason?: string): Promise<WithdrawalDto> {
    return this.toDto(await this.close(withdrawalId, 'REJECTED', { kind: 'withdrawal.reject', reason: reason ?? `rejected by admin ${adminId}` }));
  }

  /** PENDING → CANCELLED/REJECTED and the hold released, under the withdrawal's row lock so it happens once. */
  private close(
    withdrawalId: string,
    status: Extract<WithdrawalStatus, 'CANCELLED' | 'REJECTED'>,
    options: { ownerId?: string; kind: string; reason?: string },
  ): Promise<WithdrawalEntity> {
    return commandTransaction(this.dataSource, async (manager) => {
      const withdrawal = await this.lockForUpdate(manager, withdrawalId, options.ownerId);
      if (withdrawal.status !== 'PENDING') throw new Conflict(`Withdrawal ${withdrawalId} is ${withdrawal.status}, not PENDING`);
      await this.ledger.release(manager, { userId: withdrawal.userId }, withdrawal.amount, {
        kind: options.kind,
        reference: `withdrawal:${withdrawal.id}`,
        asset: withdrawal.asset,
      });
      withdrawal.status = status;
      withdrawal.reason = options.reason ?? null;
      return manager.getRepository(WithdrawalEntity).save(withdrawal);
    });
  }

  private async lockForUpdate(manager: EntityManager, withdrawalId: string, ownerId?: string): Promise<WithdrawalEntity> {
    const withdrawal = await manager
      .getRepository(WithdrawalEntity)
      .findOne({ where: ownerId ? { id: withdrawalId, userId: ownerId } : { id: withdrawalId }, lock: { mode: 'pessimistic_write' } });
    if (!withdrawal) throw new NotFound(`Withdrawal ${withdrawalId} not found`);
    return withdrawal;
  }

  private toDto(withdrawal: WithdrawalEntity): WithdrawalDto {
    return {
      id: withdrawal.id,
      asset: withdrawal.asset,
      amount: this.assets.format(withdrawal.asset, withdrawal.amount),
      chain: withdrawal.chain,
      toAddress: withdrawal.toAddress,
      status: withdrawal.status,
      createdAt: withdrawal.createdAt.toISOString(),
    };
  }
}
