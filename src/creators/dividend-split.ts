/**
 * A dividend pool split over its holders of record, pure: each holder's part is floor(pool × shares / total), and
 * the units left over (fewer than the holders) go one each to the largest holders, ties by user id, so the parts
 * add up to the pool exactly.
 */

export interface HolderOfRecord {
  userId: string;
  shares: bigint;
}

export interface DividendPart extends HolderOfRecord {
  amount: bigint;
}

/** Parts in user id order (the order the job pays them in). */
export function splitDividend(pool: bigint, holders: readonly HolderOfRecord[]): DividendPart[] {
  if (pool < 0n) throw new Error(`a dividend pool cannot be negative (got ${pool})`);
  const total = holders.reduce((sum, holder) => sum + holder.shares, 0n);
  if (holders.some((holder) => holder.shares <= 0n)) throw new Error('every holder of record holds at least one share');
  if (total === 0n) {
    if (pool > 0n) throw new Error('a dividend needs holders');
    return [];
  }
  const parts = holders.map((holder) => ({ ...holder, amount: (pool * holder.shares) / total }));
  // Ids lower-cased once (a sort of 100,000 holders compares them ~1.7 million times).
  const ids = parts.map((part) => part.userId.toLowerCase());
  const byId = (a: number, b: number) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0);
  let remainder = pool - parts.reduce((sum, part) => sum + part.amount, 0n);
  if (remainder > 0n) {
    const largestFirst = parts.map((_, index) => index).sort((a, b) => (parts[a].shares === parts[b].shares ? byId(a, b) : parts[a].shares > parts[b].shares ? -1 : 1));
    for (const index of largestFirst) {
      if (remainder === 0n) break;
      parts[index].amount += 1n;
      remainder -= 1n;
    }
  }
  // The holders of record come in user id order already (the job reads them so): no sort then.
  let ordered = true;
  for (let index = 1; index < ids.length && ordered; index++) ordered = ids[index - 1] <= ids[index];
  if (ordered) return parts;
  return parts
    .map((_, index) => index)
    .sort(byId)
    .map((index) => parts[index]);
}

/** Lower-case uuids compare as PostgreSQL orders uuid values (byte by byte). */
export function compareIds(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}
