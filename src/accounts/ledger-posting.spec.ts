import { computePosting, computeSequence, LockedAccount, movementProblem, ResolvedMovement, shardOf } from './ledger-posting';

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

describe('computeSequence', () => {
  const hold = (accountId: string, amount: bigint): ResolvedMovement[] => [
    { accountId, bucket: 'available', amount: -amount },
    { accountId, bucket: 'locked', amount },
  ];
  const pay = (from: string, to: string, amount: bigint): ResolvedMovement[] => [
    { accountId: from, bucket: 'available', amount: -amount },
    { accountId: to, bucket: 'available', amount },
  ];

  it('applies postings in order: a later posting sees the balances the earlier ones left', () => {
    const accounts = new Map([account('u', 100n)]);
    const { steps, balances } = computeSequence(accounts, [{ movements: hold('u', 30n) }, { movements: hold('u', 50n) }]);
    expect(steps.map((step) => step.outcome)).toEqual(['posted', 'posted']);
    const [first, second] = steps.map((step) => (step.outcome === 'posted' ? step.computed : undefined));
    expect(first!.entries.map((entry) => entry.balanceAfter)).toEqual([70n, 30n]);
    expect(second!.entries.map((entry) => entry.balanceAfter)).toEqual([20n, 80n]);
    expect(second!.balances.get('u')).toEqual({ available: 20n, locked: 80n });
    expect(balances.get('u')).toEqual({ available: 20n, locked: 80n });
  });

  it('refuses a posting that does not fit against the running balance; it changes nothing and the next one still posts', () => {
    const accounts = new Map([account('u', 100n), account('v', 10n), account('fees', 0n, 0n, false)]);
    const { steps, balances } = computeSequence(accounts, [
      { movements: pay('u', 'fees', 60n) },
      { movements: pay('u', 'fees', 60n) },
      { movements: pay('v', 'fees', 10n) },
      { movements: pay('u', 'fees', 40n) },
    ]);
    expect(steps.map((step) => step.outcome)).toEqual(['posted', 'refused', 'posted', 'posted']);
    // The shortfall names the balance the refused posting met: after the first posting, not before the sequence.
    expect(steps[1]).toEqual({ outcome: 'refused', shortfall: { accountId: 'u', bucket: 'available', balance: 40n, required: 60n } });
    expect(balances).toEqual(
      new Map([
        ['u', { available: 0n, locked: 0n }],
        ['fees', { available: 110n, locked: 0n }],
        ['v', { available: 0n, locked: 0n }],
      ]),
    );
    // The caller's locked balances are left as they were.
    expect(accounts.get('u')!.available).toBe(100n);
  });

  it('lets a posting be funded by an earlier one of the sequence (a payout, then a new hold)', () => {
    const accounts = new Map([account('u', 0n), account('house', 0n, 0n, false)]);
    const { steps } = computeSequence(accounts, [{ movements: hold('u', 1n) }, { movements: pay('house', 'u', 5n) }, { movements: hold('u', 5n) }]);
    expect(steps.map((step) => step.outcome)).toEqual(['refused', 'posted', 'posted']);
  });

  it('makes a second posting with a posted key a duplicate of the first, but not the key of a refused posting', () => {
    const accounts = new Map([account('u', 50n), account('house', 0n, 0n, false)]);
    const { steps, balances } = computeSequence(accounts, [
      { idempotencyKey: 'a', movements: hold('u', 20n) },
      { idempotencyKey: 'a', movements: hold('u', 20n) },
      { idempotencyKey: 'b', movements: hold('u', 100n) },
      { idempotencyKey: 'b', movements: hold('u', 30n) },
      { idempotencyKey: 'b', movements: hold('u', 30n) },
      { movements: pay('house', 'u', 1n) },
      { movements: pay('house', 'u', 1n) },
    ]);
    expect(steps.map((step) => (step.outcome === 'duplicate' ? `duplicate of ${step.of}` : step.outcome))).toEqual([
      'posted',
      'duplicate of 0',
      'refused',
      'posted',
      'duplicate of 3',
      'posted',
      'posted',
    ]);
    expect(balances.get('u')).toEqual({ available: 2n, locked: 50n });
  });

  it('posts one posting exactly as computePosting does', () => {
    const accounts = new Map([account('u', 40n), account('house', 0n, 0n, false)]);
    const movements = pay('u', 'house', 30n);
    const { steps, balances } = computeSequence(accounts, [{ movements }]);
    expect(steps).toEqual([{ outcome: 'posted', computed: computePosting(accounts, movements) }]);
    expect(balances).toEqual(computePosting(accounts, movements).balances);
  });

  it('agrees with posting one at a time on random sequences (user totals never negative, money conserved)', () => {
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    for (let round = 0; round < 200; round++) {
      const users = ['u1', 'u2', 'u3'];
      const accounts = new Map([...users.map((id) => account(id, BigInt(random(100)))), account('house', 0n, 0n, false)]);
      const postings = Array.from({ length: 1 + random(12) }, () => {
        const user = users[random(users.length)];
        const amount = BigInt(1 + random(60));
        return { movements: random(3) === 0 ? pay('house', user, amount) : random(2) === 0 ? hold(user, amount) : pay(user, 'house', amount) };
      });
      const { steps, balances } = computeSequence(accounts, postings);
      // The same postings one at a time, each against what the previous ones left.
      const oneByOne = new Map(accounts);
      postings.forEach((posting, index) => {
        const alone = computePosting(oneByOne, posting.movements);
        expect(steps[index].outcome).toBe(alone.shortfalls.length > 0 ? 'refused' : 'posted');
        if (alone.shortfalls.length === 0) for (const [id, next] of alone.balances) oneByOne.set(id, { ...oneByOne.get(id)!, ...next });
      });
      for (const [id, next] of balances) {
        expect(next).toEqual({ available: oneByOne.get(id)!.available, locked: oneByOne.get(id)!.locked });
        if (id !== 'house') expect(next.available >= 0n && next.locked >= 0n).toBe(true);
      }
      const total = (map: Map<string, { available: bigint; locked: bigint }>) => [...map.values()].reduce((sum, b) => sum + b.available + b.locked, 0n);
      expect(total(oneByOne)).toBe(total(accounts));
    }
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
