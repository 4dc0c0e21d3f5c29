import type { Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { IsIntBetween } from './is-int-between.decorator';

/** `?page=&limit=` for every list endpoint: pages count from 1, at most 100 items each. */
export class PageQueryDto {
  @ApiPropertyOptional({ example: 1, default: 1, minimum: 1, maximum: 1_000_000 })
  @IsOptional()
  @Type(() => Number)
  // At most 1,000,000 keeps (page - 1) * limit a small integer: a huge page would reach PostgreSQL as an invalid OFFSET.
  @IsIntBetween(1, 1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ example: 20, default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsIntBetween(1, 100)
  limit: number = 20;
}

export class PageMetaDto {
  @ApiProperty({ example: 1 })
  page!: number;

  @ApiProperty({ example: 20 })
  limit!: number;

  @ApiProperty({ example: 57 })
  total!: number;

  @ApiProperty({ example: 3 })
  totalPages!: number;

  @ApiProperty({ example: true })
  hasNext!: boolean;

  @ApiProperty({ example: false })
  hasPrevious!: boolean;
}

/** The list shape `{data, meta}`; declare a subclass with a typed `data` for Swagger (see `UserPageDto`). */
export interface Page<T> {
  data: T[];
  meta: PageMetaDto;
}

export function pageMeta(page: number, limit: number, total: number): PageMetaDto {
  const totalPages = Math.ceil(total / limit);
  return { page, limit, total, totalPages, hasNext: page < totalPages, hasPrevious: page > 1 };
}

export function toPage<T>(data: T[], total: number, query: Pick<PageQueryDto, 'page' | 'limit'>): Page<T> {
  return { data, meta: pageMeta(query.page, query.limit, total) };
}

/** The Swagger class of a list response without repeating it: `class WithdrawalPageDto extends PageDtoOf(WithdrawalDto) {}`. */
export function PageDtoOf<T>(item: ClassType<T>) {
  class PageDto {
    @ApiProperty({ type: [item] })
    data!: T[];

    @ApiProperty({ type: PageMetaDto })
    meta!: PageMetaDto;
  }
  return PageDto;
}

/** Rows to skip for `page` (pages count from 1). */
export function offsetOf(query: Pick<PageQueryDto, 'page' | 'limit'>): number {
  return (query.page - 1) * query.limit;
}
