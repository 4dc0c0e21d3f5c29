import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { IsAmount } from '../common/money/is-amount.decorator';
import { ASSET_CODE, ASSET_CODE_MESSAGE } from './account.dto';

export class CreateAdjustmentDto {
  @ApiProperty({ example: 'USDC' })
  @Matches(ASSET_CODE, { message: ASSET_CODE_MESSAGE })
  asset!: string;

  @ApiProperty({ example: '-25.000000', description: 'Signed decimal string: positive credits, negative debits; not zero' })
  @IsAmount('nonZero')
  amount!: string;

  @ApiProperty({ example: 'Refund for ticket #4711' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}

export class AdjustmentDto {
  @ApiProperty({ example: '0b5c2f7e-3a4d-4d0e-9b1a-8d9e2f6c1a77' })
  transactionId!: string;

  @ApiProperty({ example: '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10' })
  userId!: string;

  @ApiProperty({ example: 'USDC' })
  asset!: string;

  @ApiProperty({ example: '-25.000000' })
  amount!: string;

  @ApiProperty({ example: 'Refund for ticket #4711' })
  reason!: string;

  @ApiProperty({ example: '975.000000', description: 'The user’s available balance after the adjustment' })
  available!: string;

  @ApiProperty({ example: '0.000000' })
  locked!: string;
}
