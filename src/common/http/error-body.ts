import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one shape every error response has. */
export class ErrorBody {
  @ApiProperty({ example: 422 })
  statusCode!: number;

  @ApiProperty({ example: 'InsufficientFunds', description: 'Stable machine-readable error name' })
  error!: string;

  @ApiProperty({ example: 'Available balance 40.000000 USDC is less than 60.000000 USDC' })
  message!: string;

  @ApiPropertyOptional({ example: [{ field: 'amount', messages: ['amount must be a decimal string'] }] })
  details?: unknown;

  @ApiProperty({ example: '0b5c2f7e-3a4d-4d0e-9b1a-8d9e2f6c1a77' })
  requestId!: string;
}
