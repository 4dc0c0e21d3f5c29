import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidField } from '../common/errors/domain-error';
import { formatAmount, AmountSign } from '../common/money/amount';
import { parseAmountField } from '../common/money/amount-field';
import { AssetEntity } from './asset.entity';

/** The settlement asset: starting balances and fees are in it. */
export const SETTLEMENT_ASSET = 'USDC';

/** Asset decimals, cached per process (assets are added by migration, never changed). */
@Injectable()
export class AssetsService implements OnModuleInit {
  private readonly decimalsByCode = new Map<string, number>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Migrations have run by now, so every asset is known and `format` works synchronously. */
  async onModuleInit(): Promise<void> {
    for (const asset of await this.dataSource.getRepository(AssetEntity).find()) this.decimalsByCode.set(asset.code, asset.decimals);
  }

  async all(): Promise<string[]> {
    if (this.decimalsByCode.size === 0) await this.onModuleInit();
    return [...this.decimalsByCode.keys()].sort();
  }

  async decimals(asset: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const cached = this.decimalsByCode.get(asset);
    if (cached !== undefined) return cached;
    const row = await manager.getRepository(AssetEntity).findOneBy({ code: asset });
    if (!row) throw new InvalidField('asset', `"${asset}" is not a known asset`);
    this.decimalsByCode.set(asset, row.decimals);
    return row.decimals;
  }

  /** An API amount of `asset` → minor units; a 400 naming `field` when it does not fit the asset. */
  async parse(asset: string, value: string, field = 'amount', sign: AmountSign = 'positive'): Promise<bigint> {
    const decimals = await this.decimals(asset);
    return parseAmountField(value, { decimals, sign }, field);
  }

  /** Only for assets already seen by `decimals` in this process (every posted asset is). */
  format(asset: string, minor: bigint): string {
    const decimals = this.decimalsByCode.get(asset);
    if (decimals === undefined) throw new Error(`asset ${asset} not loaded`);
    return formatAmount(minor, decimals);
  }
}
