import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { PageDtoOf } from '../common/http/pagination';
import { IsAmount } from '../common/money/is-amount.decorator';
import { ASSET_CODE, ASSET_CODE_MESSAGE } from './account.dto';
import { WITHDRAWAL_STATUSES, WithdrawalStatus } from './withdrawal.entity';

export class CreateWithdrawalDto {
  @ApiProperty({ example: 'USDC' })
  @Matches(ASSET_CODE, { message: ASSET_CODE_MESSAGE })
  asset!: string;

  @ApiProperty({ example: '60.5', description: 'Decimal string, > 0, at most the asset’s decimals' })
  @IsAmount()
  amount!: string;

  @ApiProperty({ example: 'dev', description: 'A configured chain: `dev` in development and tests; `base`, `aptos` when configured' })
  @IsString()
  @Length(1, 16)
  chain!: string;

  @ApiProperty({ example: '0x71C7656EC7ab88b098defB751B7401B5f6d8976F', description: 'Valid address on that chain' })
  @IsString()
  @Length(1, 128)
  toAddress!: string;
}

export class RejectWithdrawalDto {
  @ApiPropertyOptional({ example: 'Address is on a sanctions list' })
  @IsOmittable()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class WithdrawalDto {
  @ApiProperty({ example: '1c9d2a5e-7b8f-4c3d-9e0a-5f6b7c8d9e0f' })
  id!: string;

  @ApiProperty({ example: 'USDC' })
  asset!: string;

  @ApiProperty({ example: '60.500000' })
  amount!: string;

  @ApiProperty({ example: 'dev' })
  chain!: string;

  @ApiProperty({ example: '0x71C7656EC7ab88b098defB751B7401B5f6d8976F' })
  toAddress!: string;

  @ApiProperty({
    enum: WITHDRAWAL_STATUSES,
    example: 'PENDING',
    description:
      'PENDING (held; waits for review when `approvedAt` is null), SENDING (being sent, no longer cancellable), SENT (broadcast, ' +
      'waiting for confirmations), COMPLETED (paid on chain), FAILED (not paid; hold released), CANCELLED, REJECTED',
  })
  status!: WithdrawalStatus;

  @ApiProperty({
    example: '2026-11-25T12:00:00.000Z',
    nullable: true,
    type: String,
    description: 'When it was cleared to send: at once up to the review threshold, else when an admin approved it',
  })
  approvedAt!: string | null;

  @ApiProperty({ example: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060', nullable: true, type: String, description: 'The payment transaction, once broadcast' })
  txHash!: string | null;

  @ApiProperty({ example: 'reverted on chain', nullable: true, type: String, description: 'Why it was rejected or failed' })
  reason!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;
}

export class WithdrawalPageDto extends PageDtoOf(WithdrawalDto) {}
