import { EntityManager } from 'typeorm';
import { AccountsEvent } from '../../src/accounts/accounts.events';
import {
  LedgerBatchConflict,
  LedgerOutsideTransaction,
  LedgerService,
  Posting,
  PostingOutcome,
  Postings,
  SystemAccount,
} from '../../src/accounts/ledger.service';
import { ReconciliationService } from '../../src/accounts/reconciliation.service';
import { InsufficientFunds } from '../../src/common/errors/domain-error';
import { parseUsdc } from '../../src/common/money/usdc';
import { givenUserWithBalance } from './support/given';
import { MediumModule, startMediumModule } from './support/medium-module';

const units = (decimal: string) => parseUsdc(decimal, 'amount', 'any');

describe('Ledger batches: LedgerService.postBatch against the real database (medium)', () => {
  let medium: MediumModule;
  let ledger: LedgerService;

  const inTransaction = <T>(work: (manager: EntityManager) => Promise<T>) => medium.dataSource.transaction(work);
  const postBatch = (postings: Posting[]) => inTransaction((manager) => ledger.postBatch(manager, postings));
  const balanceOf = async (userId: string) => {
    const [row] = (await medium.dataSource.query(`SELECT available, locked FROM accounts WHERE user_id = $1 AND asset = 'USDC'`, [userId])) as {
      available: string;
      locked: string;
    }[];
    return { available: BigInt(row.available), locked: BigInt(row.locked) };
  };
  const system = (account: { system: string }) => inTransaction((manager) => ledger.systemBalance(manager, account));
  const open = (reference: string, margin: string, fee: string, extra: Partial<Posting> = {}) =>
    ({ ...Postings.holdWithFee(reference.split(':')[1], units(margin), units(fee), { kind: 'test.open', reference }), ...extra }) as Posting;
  const shape = (outcome: PostingOutcome) => (outcome.ok ? (outcome.result.replayed ? 'replayed' : 'posted') : `refused ${outcome.refusal.error}`);
  const transactionIdOf = (outcome: PostingOutcome) => (outcome.ok ? outcome.result.transactionId : undefined);
  /** The accounts (shards) of `system` the entries of these transactions moved. */
  const shardsMoved = async (transactionIds: string[], account: { system: string }) =>
    (
      (await medium.dataSource.query(
        `SELECT DISTINCT a.shard FROM ledger_entries e JOIN accounts a ON a.id = e.account_id WHERE e.transaction_id = ANY($1::uuid[]) AND a.system_key = $2`,
        [transactionIds, account.system],
      )) as { shard: number }[]
    ).map((row) => row.shard);
  /** Statements the ledger sends on this transaction's connection while `work` runs. */
  const statementsOf = async (manager: EntityManager, work: () => Promise<unknown>) => {
    const client = (await manager.queryRunner!.connect()) as { query: (...args: unknown[]) => unknown };
    const spy = jest.spyOn(client, 'query');
    try {
      await work();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  };
  const reconciles = async () => {
    const report = await medium.get(ReconciliationService).run();
    expect(report.assets.flatMap((asset) => asset.mismatches)).toEqual([]);
    expect(report.ok).toBe(true);
  };

  beforeAll(async () => {
    medium = await startMediumModule({ providers: [] }, { STARTING_BALANCE: '0' });
    ledger = medium.get(LedgerService);
  });
  afterAll(() => medium?.close());

  it('refuses only the posting that does not fit: the others commit, balances and fees are exact, the ledger reconciles', async () => {
    const [alice, bob, carol] = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '5'), await givenUserWithBalance(medium, '100')];
    const feesBefore = await system(SystemAccount.fees);
    medium.events.clear();

    const outcomes = await postBatch([open(`user:${alice.id}`, '50', '1'), open(`user:${bob.id}`, '50', '1'), open(`user:${carol.id}`, '20', '2.5')]);

    expect(outcomes.map(shape)).toEqual(['posted', 'refused InsufficientFunds', 'posted']);
    const refused = outcomes[1];
    expect(!refused.ok && refused.refusal).toBeInstanceOf(InsufficientFunds);
    expect(!refused.ok && { status: refused.refusal.status, message: refused.refusal.message, details: refused.refusal.details }).toEqual({
      status: 422,
      message: 'Available balance 5.000000 USDC is less than 51.000000 USDC',
      details: { asset: 'USDC', bucket: 'available', balance: '5.000000', required: '51.000000' },
    });
    expect(outcomes[0].ok && outcomes[0].result.userBalances).toEqual([{ userId: alice.id, asset: 'USDC', available: units('49'), locked: units('50') }]);
    expect(await balanceOf(alice.id)).toEqual({ available: units('49'), locked: units('50') });
    expect(await balanceOf(bob.id)).toEqual({ available: units('5'), locked: 0n });
    expect(await balanceOf(carol.id)).toEqual({ available: units('77.5'), locked: units('20') });
    expect(await system(SystemAccount.fees)).toBe(feesBefore + units('3.5'));
    expect(medium.events.named<{ userId: string }>(AccountsEvent.BalanceChanged).map((event) => event.userId)).toEqual([alice.id, carol.id]);
    await reconciles();
  });

  it('applies the same user’s postings in order: the second open sees the first and is refused alone', async () => {
    const dave = await givenUserWithBalance(medium, '60');
    medium.events.clear();

    const outcomes = await postBatch([open(`user:${dave.id}`, '50', '1'), open(`user:${dave.id}`, '50', '1'), open(`user:${dave.id}`, '8', '1')]);

    expect(outcomes.map(shape)).toEqual(['posted', 'refused InsufficientFunds', 'posted']);
    expect(!outcomes[1].ok && outcomes[1].refusal.details).toEqual({ asset: 'USDC', bucket: 'available', balance: '9.000000', required: '51.000000' });
    expect(outcomes[2].ok && outcomes[2].result.userBalances).toEqual([{ userId: dave.id, asset: 'USDC', available: 0n, locked: units('58') }]);
    expect(await balanceOf(dave.id)).toEqual({ available: 0n, locked: units('58') });
    // One balance event per user and transaction, with the value at commit.
    expect(medium.events.named(AccountsEvent.BalanceChanged)).toEqual([{ userId: dave.id, asset: 'USDC', available: '0.000000', locked: '58.000000' }]);
    await reconciles();
  });

  it('all or nothing: one posting that does not fit writes none of them; when all fit they post as in postBatch', async () => {
    const [gina, hank] = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '5')];
    medium.events.clear();

    const refused = await inTransaction((manager) => ledger.postAllOrNothing(manager, [open(`user:${gina.id}`, '50', '1'), open(`user:${hank.id}`, '50', '1')]));
    expect(refused).toBeNull();
    expect(await balanceOf(gina.id)).toEqual({ available: units('100'), locked: 0n });
    expect(medium.events.named(AccountsEvent.BalanceChanged)).toEqual([]);

    const posted = await inTransaction((manager) => ledger.postAllOrNothing(manager, [open(`user:${gina.id}`, '50', '1'), open(`user:${hank.id}`, '4', '1')]));
    expect(posted?.map(shape)).toEqual(['posted', 'posted']);
    expect(await balanceOf(gina.id)).toEqual({ available: units('49'), locked: units('50') });
    expect(await balanceOf(hank.id)).toEqual({ available: 0n, locked: units('4') });
    await reconciles();
  });

  it('closes in a batch: a profit is paid by one house shard, a loss goes to it, a refused close changes nothing', async () => {
    const [erin, frank] = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '100')];
    await postBatch([open(`user:${erin.id}`, '40', '0'), open(`user:${frank.id}`, '40', '0')]);
    const houseBefore = await system(SystemAccount.house);

    const counterparty = SystemAccount.house;
    const outcomes = await postBatch([
      Postings.closeHold(erin.id, units('40'), units('15'), { kind: 'test.close', reference: `close:${erin.id}`, counterparty }),
      Postings.closeHold(frank.id, units('40'), -units('10'), { kind: 'test.close', reference: `close:${frank.id}`, counterparty }),
      // frank's hold is gone now: settling it again does not fit.
      Postings.settleHold({ userId: frank.id }, units('40'), { kind: 'test.close', reference: `close:${frank.id}`, to: counterparty }),
    ]);

    expect(outcomes.map(shape)).toEqual(['posted', 'posted', 'refused InsufficientFunds']);
    expect(!outcomes[2].ok && outcomes[2].refusal.message).toBe('Locked balance 0.000000 USDC is less than 40.000000 USDC');
    expect(await balanceOf(erin.id)).toEqual({ available: units('115'), locked: 0n });
    expect(await balanceOf(frank.id)).toEqual({ available: units('90'), locked: 0n });
    expect(await system(SystemAccount.house)).toBe(houseBefore - units('5'));
    expect(await shardsMoved(outcomes.flatMap((outcome) => transactionIdOf(outcome) ?? []), SystemAccount.house)).toHaveLength(1);
    await reconciles();
  });

  it('replays idempotency keys within a batch and across batches; a refused posting claims no key', async () => {
    const gina = await givenUserWithBalance(medium, '100');
    const key = (name: string) => `test-batch:${gina.id}:${name}`;
    const hold = (amount: string, idempotencyKey: string, freshKey = false) =>
      Postings.hold({ userId: gina.id }, units(amount), { kind: 'test.hold', reference: `user:${gina.id}`, idempotencyKey, freshKey });

    const first = await postBatch([hold('10', key('a')), hold('10', key('a')), hold('500', key('b')), hold('20', key('b')), hold('5', key('c'), true), hold('5', key('c'))]);
    expect(first.map(shape)).toEqual(['posted', 'replayed', 'refused InsufficientFunds', 'posted', 'posted', 'replayed']);
    expect(transactionIdOf(first[1])).toBe(transactionIdOf(first[0]));
    expect(transactionIdOf(first[5])).toBe(transactionIdOf(first[4]));
    expect(await balanceOf(gina.id)).toEqual({ available: units('65'), locked: units('35') });

    const again = await postBatch([hold('10', key('a')), hold('20', key('b')), hold('1', key('d')), hold('1', key('d'))]);
    expect(again.map(shape)).toEqual(['replayed', 'replayed', 'posted', 'replayed']);
    expect(again.slice(0, 2).map(transactionIdOf)).toEqual([transactionIdOf(first[0]), transactionIdOf(first[3])]);
    expect(await balanceOf(gina.id)).toEqual({ available: units('64'), locked: units('36') });

    // A single verb replays a key a batch posted, and a batch one a single verb posted.
    const single = await inTransaction((manager) => ledger.hold(manager, { userId: gina.id }, units('10'), { kind: 'test.hold', reference: 'single', idempotencyKey: key('a') }));
    expect(single).toEqual({ transactionId: transactionIdOf(first[0]), replayed: true, userBalances: [], systemBalances: [] });
    const posted = await inTransaction((manager) => ledger.hold(manager, { userId: gina.id }, units('1'), { kind: 'test.hold', reference: 'single', idempotencyKey: key('e') }));
    expect((await postBatch([hold('1', key('e'))])).map(transactionIdOf)).toEqual([posted.transactionId]);
    expect(await balanceOf(gina.id)).toEqual({ available: units('63'), locked: units('37') });
    await reconciles();
  });

  it('replays a "fresh" key that was posted before (the write refuses it) and still writes the rest of the batch', async () => {
    const hank = await givenUserWithBalance(medium, '100');
    const meta = (name: string, freshKey = true) => ({ kind: 'test.hold', reference: `user:${hank.id}`, idempotencyKey: `test-fresh:${hank.id}:${name}`, freshKey });
    const [before] = await postBatch([Postings.hold({ userId: hank.id }, units('10'), meta('a', false))]);

    const outcomes = await postBatch([
      Postings.hold({ userId: hank.id }, units('10'), meta('a')),
      Postings.hold({ userId: hank.id }, units('20'), meta('b')),
      Postings.holdWithFee(hank.id, units('5'), units('1'), { kind: 'test.open', reference: 'no key' }),
    ]);

    expect(outcomes.map(shape)).toEqual(['replayed', 'posted', 'posted']);
    expect(transactionIdOf(outcomes[0])).toBe(transactionIdOf(before));
    expect(outcomes[2].ok && outcomes[2].result.userBalances).toEqual([{ userId: hank.id, asset: 'USDC', available: units('64'), locked: units('35') }]);
    expect(await balanceOf(hank.id)).toEqual({ available: units('64'), locked: units('35') });
    await reconciles();
  });

  it('throws LedgerBatchConflict, moving nothing, when a replayed "fresh" key funded a later posting of the batch', async () => {
    const ivan = await givenUserWithBalance(medium, '0');
    const grant = (freshKey: boolean) =>
      Postings.credit(ivan.id, units('10'), { kind: 'test.grant', reference: `user:${ivan.id}`, idempotencyKey: `test-conflict:${ivan.id}`, freshKey, from: SystemAccount.promotions });
    await postBatch([grant(false)]);
    await postBatch([Postings.transfer({ userId: ivan.id }, SystemAccount.house, units('10'), { kind: 'test.spend', reference: 'spend' })]);

    await expect(postBatch([grant(true), Postings.hold({ userId: ivan.id }, units('10'), { kind: 'test.hold', reference: 'hold' })])).rejects.toBeInstanceOf(
      LedgerBatchConflict,
    );
    expect(await balanceOf(ivan.id)).toEqual({ available: 0n, locked: 0n });
    await reconciles();
  });

  it('takes one shard of each sharded account for the whole batch; a concurrent batch takes another without waiting', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => givenUserWithBalance(medium, '10')));
    const opens = (half: typeof users) => half.map((user) => open(`user:${user.id}`, '1', '0.1'));
    const feesBefore = await system(SystemAccount.fees);

    const runner = medium.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const held = await ledger.postBatch(runner.manager, opens(users.slice(0, 3)));
      // While the first batch holds its fees shard, a second one commits on another.
      const other = await postBatch(opens(users.slice(3)));
      await runner.commitTransaction();

      const [heldShards, otherShards] = [await shardsMoved(held.map((o) => transactionIdOf(o)!), SystemAccount.fees), await shardsMoved(other.map((o) => transactionIdOf(o)!), SystemAccount.fees)];
      expect(heldShards).toHaveLength(1);
      expect(otherShards).toHaveLength(1);
      expect(otherShards[0]).not.toBe(heldShards[0]);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await system(SystemAccount.fees)).toBe(feesBefore + units('0.6'));
    await reconciles();
  });

  it('posts 500 postings in one batch with as many statements as a batch of 2', async () => {
    const users = await Promise.all(Array.from({ length: 100 }, () => givenUserWithBalance(medium, '1000')));
    const feesBefore = await system(SystemAccount.fees);
    const houseBefore = await system(SystemAccount.house);
    // Per user: two opens, a winning close of the first, a losing close of the second, and an open too big to fit.
    const batch = users.flatMap((user, index): Posting[] => {
      const meta = (what: string) => ({ kind: `test.${what}`, reference: `user:${user.id}`, idempotencyKey: `test-500:${user.id}:${what}`, freshKey: index % 2 === 0 });
      return [
        Postings.holdWithFee(user.id, units('100'), units('1'), meta('open-1')),
        Postings.holdWithFee(user.id, units('200'), units('2'), meta('open-2')),
        Postings.closeHold(user.id, units('100'), units('30'), { ...meta('close-1'), counterparty: SystemAccount.house }),
        Postings.closeHold(user.id, units('200'), -units('50'), { ...meta('close-2'), counterparty: SystemAccount.house }),
        Postings.holdWithFee(user.id, units('1000'), units('1'), meta('too-big')),
      ];
    });

    const { outcomes, statements, smallStatements } = await inTransaction(async (manager) => {
      const [first, second] = users;
      const smallStatements = await statementsOf(manager, () =>
        ledger.postBatch(manager, [
          open(`user:${first.id}`, '1', '0.5', { idempotencyKey: `test-500:small:${first.id}` }),
          Postings.credit(second.id, units('1'), { kind: 'test.credit', reference: `user:${second.id}`, from: SystemAccount.house }),
        ]),
      );
      await ledger.postBatch(manager, [Postings.release({ userId: first.id }, units('1'), { kind: 'test.release', reference: `user:${first.id}` })]);
      let outcomes: PostingOutcome[] = [];
      const statements = await statementsOf(manager, async () => (outcomes = await ledger.postBatch(manager, batch)));
      return { outcomes, statements, smallStatements };
    });

    expect(outcomes).toHaveLength(500);
    expect(new Set(outcomes.map(shape))).toEqual(new Set(['posted', 'refused InsufficientFunds']));
    expect(outcomes.filter((outcome, index) => (index % 5 === 4) === outcome.ok)).toEqual([]);
    // Lock (with the first shard), the second sharded account's shard, the key lookup, the write.
    expect(statements).toBe(smallStatements);
    expect(statements).toBe(4);
    for (const [index, user] of users.entries()) {
      const small = index === 0 ? -units('0.5') : index === 1 ? units('1') : 0n;
      expect(await balanceOf(user.id)).toEqual({ available: units('1000') - units('3') + units('30') - units('50') + small, locked: 0n });
    }
    expect(await system(SystemAccount.fees)).toBe(feesBefore + 100n * units('3') + units('0.5'));
    expect(await system(SystemAccount.house)).toBe(houseBefore - 100n * units('30') + 100n * units('50') - units('1'));
    await reconciles();
  });

  it('refuses to run outside the caller’s transaction, and an invalid posting throws for the whole batch, moving nothing', async () => {
    const jane = await givenUserWithBalance(medium, '10');
    await expect(ledger.postBatch(medium.dataSource.manager, [open(`user:${jane.id}`, '1', '0')])).rejects.toBeInstanceOf(LedgerOutsideTransaction);
    const unbalanced: Posting = { kind: 'test.bad', reference: 'bad', movements: [{ account: { userId: jane.id }, bucket: 'available', amount: -1n }, { account: SystemAccount.house, bucket: 'available', amount: 2n }] };
    await expect(postBatch([open(`user:${jane.id}`, '1', '0'), unbalanced])).rejects.toThrow(/sum to 1, not zero/);
    await expect(postBatch([open(`user:${jane.id}`, '1', '0'), { ...open(`user:${jane.id}`, '1', '0'), asset: 'BTC' }])).rejects.toThrow(/Invalid batch/);
    expect(await postBatch([])).toEqual([]);
    expect(await balanceOf(jane.id)).toEqual({ available: units('10'), locked: 0n });
  });
});
