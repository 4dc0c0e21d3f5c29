import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ReconciliationMismatchDto {
  @ApiProperty({
    enum: ['cachedBalance', 'unbalancedTransaction', 'emptyTransaction'],
    example: 'cachedBalance',
    description: 'cachedBalance: an account’s cached bucket differs from the sum of its entries; unbalancedTransaction: entries do not sum to zero',
  })
  type!: 'cachedBalance' | 'unbalancedTransaction' | 'emptyTransaction';

  @ApiPropertyOptional({ example: '9a0c1d2e-3f4a-4b5c-8d9e-0f1a2b3c4d5e' })
  accountId?: string;

  @ApiPropertyOptional({ example: 'user:6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10', description: '`user:<id>` or `system:<key>#<shard>`' })
  owner?: string;

  @ApiPropertyOptional({ enum: ['available', 'locked'], example: 'available' })
  bucket?: 'available' | 'locked';

  @ApiPropertyOptional({ example: '40.000000' })
  cached?: string;

  @ApiPropertyOptional({ example: '39.000000', description: 'Sum of entries (or of the transaction’s entries)' })
  entries?: string;

  @ApiPropertyOptional({ example: '0b5c2f7e-3a4d-4d0e-9b1a-8d9e2f6c1a77' })
  transactionId?: string;
}

export class AssetReconciliationDto {
  @ApiProperty({ example: 'USDC' })
  asset!: string;

  @ApiProperty({ example: '0.000000', description: 'Sum of every entry in this asset: zero in a balanced ledger' })
  sumOfEntries!: string;

  @ApiProperty({ example: 1250 })
  accountsChecked!: number;

  @ApiProperty({ type: [ReconciliationMismatchDto] })
  mismatches!: ReconciliationMismatchDto[];
}

export class ReconciliationCheckDto {
  @ApiProperty({ example: 'marketPools', description: 'A venue invariant registered with the reconciliation' })
  name!: string;

  @ApiProperty({ example: true })
  ok!: boolean;

  @ApiPropertyOptional({ description: 'What the check found (shape depends on the check)', example: { marketsChecked: 12, violations: [] } })
  details?: unknown;
}

export class ReconciliationDto {
  @ApiProperty({ example: true, description: 'Every transaction balances, every asset sums to zero, every cached balance equals its entries, and every venue check passes' })
  ok!: boolean;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  checkedAt!: string;

  @ApiProperty({ type: [AssetReconciliationDto] })
  assets!: AssetReconciliationDto[];

  @ApiProperty({ type: [ReconciliationCheckDto], description: 'Venue invariants (e.g. every market pool can pay its worst outcome); `ok` includes them' })
  checks!: ReconciliationCheckDto[];
}
