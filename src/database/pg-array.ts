/** An element of a one-dimensional PostgreSQL array literal. */
export type PgArrayElement = string | number | bigint | null;

/** Elements that need no quotes: no whitespace, no `{}",\`, not empty (and not the word NULL, checked apart). */
const BARE = /^[-0-9A-Za-z_.:+]+$/;

/**
 * A one-dimensional PostgreSQL array literal (`{a,b,NULL,"c d"}`) for a parameter cast to an array type
 * (`unnest($1::uuid[], $2::numeric[])`): what node-postgres sends for a JS array, built here instead. pg quotes
 * every element and escapes it with two regular expressions, and that was the largest single cost of this process
 * in an engine batch (hundreds of rows × a dozen columns per statement); ids, amounts and keys need no quotes.
 */
export function pgArray(values: readonly PgArrayElement[]): string {
  let literal = '{';
  for (let index = 0; index < values.length; index++) {
    if (index > 0) literal += ',';
    const value = values[index];
    if (value === null) literal += 'NULL';
    else if (typeof value !== 'string') literal += String(value);
    else if (BARE.test(value) && value.toUpperCase() !== 'NULL') literal += value;
    else literal += `"${value.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${literal}}`;
}
