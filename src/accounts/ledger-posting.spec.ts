import { computePosting, LockedAccount, movementProblem, shardOf } from './ledger-posting';

const account = (id: string, available: bigint, locked = 0n, mustStayNonNegative = true): [string, LockedAccount] => [
  id,
  { id, available, locked, mustStayNonNegative },
];

describe('computePosting', () => {
  it('computes balance-after per entry and the new balances of a hold', () => {
    const accounts = new Map([account('u', 100n)]);
    const result = computePosting(accounts, [
      { accountId: 'u', bucket: 'available', amount: -60n },
      { accountId: 'u', bucket: 'locked', amount: 60n },
    ]);
    expect(result.shortfalls).toEqual([]);
    expect(result.entries.map((entry) => entry.balanceAfter)).toEqual([40n, 60n]);
    expect(result.balances.get('u')).toEqual({ available: 40n, locked: 60n });
  });

  it('reports a shortfall for a user account, with balance and total required', () => {
    const accounts = new Map([account('u', 40n), account('house', 0n, 0n, false)]);
    const result = computePosting(accounts, [
      { accountId: 'u', bucket: 'available', amount: -30n },
      { accountId: 'u', bucket: 'available', amount: -30n },
      { accountId: 'house', bucket: 'available', amount: 60n },
    ]);
    expect(result.shortfalls).toEqual([{ accountId: 'u', bucket: 'available', balance: 40n, required: 60n }]);
  });

  it('lets system accounts go negative (promotions pays out of nothing)', () => {
    const accounts = new Map([account('promotions', 0n, 0n, false), account('u', 0n)]);
    const result = computePosting(accounts, [
      { accountId: 'promotions', bucket: 'available', amount: -1000n },
      { accountId: 'u', bucket: 'available', amount: 1000n },
    ]);
    expect(result.shortfalls).toEqual([]);
    expect(result.balances.get('promotions')!.available).toBe(-1000n);
  });

  it('judges the end state, so a credit earlier in the posting can fund a debit', () => {
    const accounts = new Map([account('u', 0n), account('pool', 0n, 0n, false)]);
    const result = computePosting(accounts, [
      { accountId: 'pool', bucket: 'available', amount: -5n },
      { accountId: 'u', bucket: 'available', amount: 5n },
      { accountId: 'u', bucket: 'available', amount: -5n },
      { accountId: 'pool', bucket: 'available', amount: 5n },
    ]);
    expect(result.shortfalls).toEqual([]);
  });

  it('refuses an account that was not locked', () => {
    expect(() => computePosting(new Map(), [{ accountId: 'x', bucket: 'available', amount: 1n }])).toThrow(/not locked/);
  });
});

describe('movementProblem', () => {
  it('accepts balanced non-zero movements only', () => {
    expect(movementProblem([-5n, 5n])).toBeUndefined();
    expect(movementProblem([5n])).toContain('at least two');
    expect(movementProblem([0n, 0n])).toContain('zero');
    expect(movementProblem([-5n, 4n])).toContain('sum to -1');
  });
});

describe('shardOf', () => {
  it('is stable and spreads ids over every shard', () => {
    expect(shardOf('abc', 16)).toBe(shardOf('abc', 16));
    const seen = new Set(Array.from({ length: 500 }, (_, index) => shardOf(`user-${index}`, 16)));
    expect(seen.size).toBe(16);
  });
});
