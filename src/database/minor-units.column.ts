import { Column, type ColumnOptions } from 'typeorm';
import { minorUnitsColumn } from '../common/money/amount';

/** `numeric(78,0)[]` ⇄ `bigint[]`. */
export const minorUnitsArrayColumn = {
  to: (values: readonly bigint[] | null | undefined): string[] | null | undefined => values?.map((value) => value.toString()),
  from: (values: string[] | null): bigint[] | null => values?.map((value) => BigInt(value)) ?? null,
};

type MinorUnitsColumnOptions = Pick<ColumnOptions, 'nullable' | 'default'>;

/** A `numeric(78,0)` column of integer minor units (or other fixed-scale integers), read and written as `bigint`. */
export function MinorUnitsColumn(options: MinorUnitsColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'numeric', precision: 78, scale: 0, ...options, transformer: minorUnitsColumn });
}

/** A `numeric(78,0)[]` column, read and written as `bigint[]`. */
export function MinorUnitsArrayColumn(options: MinorUnitsColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'numeric', precision: 78, scale: 0, array: true, ...options, transformer: minorUnitsArrayColumn });
}
