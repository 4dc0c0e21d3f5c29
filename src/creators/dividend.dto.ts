import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageDtoOf } from '../common/http/pagination';

const PERIOD_DESCRIPTION = 'A dividend period by its start: a UTC date (2026-01-05) or an ISO 8601 instant ending in Z';

export class MyDividendDto {
  @ApiProperty({ example: '5b7e2c1d-3f4a-4b6c-9d8e-1a2b3c4d5e6f' })
  creatorId!: string;

  @ApiProperty({ example: '2026-01-05T00:00:00.000Z', description: 'The period’s start' })
  period!: string;

  @ApiProperty({ example: 4, description: 'Shares held at the period’s end (of record)' })
  shares!: number;

  @ApiProperty({ example: '0.125000' })
  amount!: string;

  @ApiProperty({ example: true, description: 'Whether this part has been paid' })
  paid!: boolean;

  @ApiProperty({ example: '2026-01-06T00:00:03.000Z', nullable: true, type: String, description: 'When the job finished paying this dividend (null while it is paying its holders)' })
  paidAt!: string | null;
}

export class MyDividendPageDto extends PageDtoOf(MyDividendDto) {}

export class CreatorDividendDto {
  @ApiProperty({ example: '5b7e2c1d-3f4a-4b6c-9d8e-1a2b3c4d5e6f' })
  creatorId!: string;

  @ApiProperty({ example: '2026-01-05T00:00:00.000Z' })
  period!: string;

  @ApiProperty({ example: '1.250000', description: 'USDC of the pool, split over the holders of record' })
  amount!: string;

  @ApiProperty({ example: 42, description: 'Shares of record at the period’s end' })
  totalShares!: number;

  @ApiProperty({ example: 17 })
  holders!: number;

  @ApiProperty({ example: '2026-01-06T00:00:03.000Z', nullable: true, type: String, description: 'null while holders are still being paid' })
  paidAt!: string | null;
}

export class CreatorDividendPageDto extends PageDtoOf(CreatorDividendDto) {}

export class AdminDividendsQueryDto {
  @ApiPropertyOptional({ example: '2026-01-05', description: `${PERIOD_DESCRIPTION}; default: the latest period that ended` })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  period?: string;
}

export class RunDividendsDto {
  @ApiProperty({ example: '2026-01-05', description: PERIOD_DESCRIPTION })
  @IsString()
  @MaxLength(40)
  period!: string;
}

export class DividendPeriodDto {
  @ApiProperty({ example: '2026-01-05T00:00:00.000Z' })
  period!: string;

  @ApiProperty({ example: '2026-01-06T00:00:00.000Z' })
  endsAt!: string;

  @ApiProperty({ enum: ['open', 'pending', 'closed', 'finished'], example: 'finished', description: 'open: not ended; pending: ended, not run; closed: being paid; finished: every creator paid' })
  status!: 'open' | 'pending' | 'closed' | 'finished';

  @ApiProperty({ example: '12.500000', description: 'USDC of the dividends funded for this period so far' })
  amount!: string;

  @ApiProperty({ example: '12.500000', description: 'USDC of it already paid to holders' })
  paid!: string;

  @ApiProperty({ type: [CreatorDividendDto] })
  dividends!: CreatorDividendDto[];
}
