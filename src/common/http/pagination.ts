import type { Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `?page=&limit=` for list endpoints; extend it to add filters. */
export class PageQueryDto {
  @ApiPropertyOptional({ example: 1, minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ example: 20, minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}

export class PageMetaDto {
  @ApiProperty({ example: 1 })
  page!: number;

  @ApiProperty({ example: 20 })
  limit!: number;

  @ApiProperty({ example: 42 })
  total!: number;

  @ApiProperty({ example: 3 })
  totalPages!: number;

  @ApiProperty({ example: true })
  hasNext!: boolean;

  @ApiProperty({ example: false })
  hasPrevious!: boolean;
}

/** The response class of a list endpoint: `class WithdrawalPageDto extends PageDtoOf(WithdrawalDto) {}`. */
export function PageDtoOf<T>(item: ClassType<T>) {
  class PageDto {
    @ApiProperty({ type: [item] })
    data!: T[];

    @ApiProperty({ type: PageMetaDto })
    meta!: PageMetaDto;
  }
  return PageDto;
}

export interface Page<T> {
  data: T[];
  meta: PageMetaDto;
}

export function pageOf<T>(data: T[], total: number, { page, limit }: { page: number; limit: number }): Page<T> {
  const totalPages = Math.ceil(total / limit);
  return { data, meta: { page, limit, total, totalPages, hasNext: page < totalPages, hasPrevious: page > 1 } };
}

export function offsetOf({ page, limit }: { page: number; limit: number }): number {
  return (page - 1) * limit;
}
