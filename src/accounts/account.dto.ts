import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PageDtoOf, PageQueryDto } from '../common/http/pagination';

export const ASSET_CODE = /^[A-Z0-9]{2,16}$/;
export const ASSET_CODE_MESSAGE = 'asset must be an asset code such as USDC';

export class BalanceDto {
  @ApiProperty({ example: 'USDC' })
  asset!: string;

  @ApiProperty({ example: '940.000000', description: 'Spendable now (decimal string)' })
  available!: string;

  @ApiProperty({ example: '60.000000', description: 'Held for open orders, positions and pending withdrawals' })
  locked!: string;
}

export class AccountDto {
  @ApiProperty({ example: '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10' })
  userId!: string;

  @ApiProperty({ type: [BalanceDto] })
  balances!: BalanceDto[];
}

export class LedgerQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'USDC', description: 'Only entries in this asset' })
  @IsOptional()
  @Matches(ASSET_CODE, { message: ASSET_CODE_MESSAGE })
  asset?: string;
}

export class LedgerEntryDto {
  @ApiProperty({ example: '1042', description: 'Entry id; higher is newer' })
  id!: string;

  @ApiProperty({ example: '0b5c2f7e-3a4d-4d0e-9b1a-8d9e2f6c1a77' })
  transactionId!: string;

  @ApiProperty({ example: 'withdrawal.hold' })
  kind!: string;

  @ApiProperty({ example: 'withdrawal:1c9d2a5e-7b8f-4c3d-9e0a-5f6b7c8d9e0f' })
  reference!: string;

  @ApiProperty({ example: 'USDC' })
  asset!: string;

  @ApiProperty({ enum: ['available', 'locked'], example: 'available' })
  bucket!: 'available' | 'locked';

  @ApiProperty({ example: '-60.000000', description: 'Signed change to the bucket' })
  amount!: string;

  @ApiProperty({ example: '40.000000', description: 'The bucket after this entry' })
  balanceAfter!: string;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;
}

export class LedgerPageDto extends PageDtoOf(LedgerEntryDto) {}
