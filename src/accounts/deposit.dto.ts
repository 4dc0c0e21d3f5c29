import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageDtoOf, PageQueryDto } from '../common/http/pagination';
import { DEPOSIT_STATUSES, DepositStatus } from './deposit.entity';

const DEPOSIT_ID = '3f2a9c4e-1b7d-4e8a-9c0f-2d3e4f5a6b7c';

export class DepositDto {
  @ApiProperty({ example: DEPOSIT_ID })
  id!: string;

  @ApiProperty({ example: 'dev', description: 'The chain it was made on (`dev`, `base`, `evm`, `aptos`)' })
  chain!: string;

  @ApiProperty({ example: '31337' })
  chainId!: string;

  @ApiProperty({ example: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060' })
  txHash!: string;

  @ApiProperty({ example: 0, description: 'EVM: the log index in its block; Aptos: the event index in its transaction' })
  logIndex!: number;

  @ApiProperty({ example: '1042', description: 'EVM block number (Aptos: transaction version), decimal string' })
  blockNumber!: string;

  @ApiProperty({ example: '0x71C7656EC7ab88b098defB751B7401B5f6d8976F' })
  fromAddress!: string;

  @ApiProperty({ example: 'USDC' })
  asset!: string;

  @ApiProperty({ example: '250.000000' })
  amount!: string;

  @ApiProperty({ enum: DEPOSIT_STATUSES, example: 'CREDITED', description: 'SEEN → CONFIRMED → CREDITED (your list shows only these)' })
  status!: DepositStatus;

  @ApiProperty({
    example: 3,
    nullable: true,
    type: Number,
    description: 'Blocks on top of the deposit, its own included, as this server sees the chain now; null where it does not follow that chain',
  })
  confirmations!: number | null;

  @ApiProperty({ example: 2, nullable: true, type: Number, description: 'Confirmations before it is credited (EVM_CONFIRMATIONS); null where unknown' })
  requiredConfirmations!: number | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-25T12:00:04.000Z', nullable: true, type: String })
  creditedAt!: string | null;
}

export class DepositPageDto extends PageDtoOf(DepositDto) {}

/** What an admin sees of a deposit: also its block hash, chain history, user and notes. */
export class AdminDepositDto extends DepositDto {
  @ApiProperty({ example: '9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e', nullable: true, type: String, description: 'Null while no user has the sender address' })
  userId!: string | null;

  @ApiProperty({ example: '0x0b7d5c2e6a4f3e1d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d', nullable: true, type: String })
  blockHash!: string | null;

  @ApiProperty({ example: '0xd32a52f531bcc6fa259fc4c75598dbd18af5562c45fec14d4e93efbbb7a42db8', description: 'The EVM chain’s genesis block hash; empty on Aptos' })
  chainEpoch!: string;

  @ApiProperty({ example: 'assigned by admin 6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10', nullable: true, type: String })
  note!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'The transaction that returned it (RETURNED)' })
  returnTxHash!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:04.000Z' })
  updatedAt!: string;
}

export class AdminDepositPageDto extends PageDtoOf(AdminDepositDto) {}

export class AdminDepositsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DEPOSIT_STATUSES, example: 'UNASSIGNED' })
  @IsOptional()
  @IsIn(DEPOSIT_STATUSES)
  status?: DepositStatus;
}

export class AssignDepositDto {
  @ApiProperty({ example: '9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e', description: 'The user to credit' })
  @IsUUID()
  userId!: string;
}
