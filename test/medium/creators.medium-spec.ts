import { LedgerService } from '../../src/accounts/ledger.service';
import { AccountsService } from '../../src/accounts/accounts.service';
import { parseUsdc } from '../../src/common/money/usdc';
import { CreatorAccounts } from '../../src/creators/creators.accounts';
import { CreatorEvent, CreatorDividendsPaidEvent } from '../../src/creators/creators.events';
import { curveValue, reserveFor } from '../../src/creators/creator-curve';
import { CreatorDividendsService } from '../../src/creators/creator-dividends.service';
import { CreatorEarnings } from '../../src/creators/creator-earnings.service';
import { CreatorQueriesService } from '../../src/creators/creator-queries.service';
import { CreatorSharesService } from '../../src/creators/creator-shares.service';
import { periodStartOf } from '../../src/creators/dividend-periods';
import { splitDividend } from '../../src/creators/dividend-split';
import { givenUserWithBalance, GivenUser } from './support/given';
import { MediumModule, startMediumModule } from './support/medium-module';

const PERIOD_SECONDS = 3600;
const units = (decimal: string) => parseUsdc(decimal, 'amount', 'any');

/** The creators venue's services without HTTP, jobs or realtime (the admin detail reads are not needed here). */
const CREATORS_VENUE = {
  providers: [CreatorEarnings, CreatorSharesService, CreatorDividendsService, { provide: CreatorQueriesService, useValue: {} }],
};

describe('Creators: shares and dividends against the real database (medium)', () => {
  let medium: MediumModule;
  let shares: CreatorSharesService;
  let dividends: CreatorDividendsService;

  const available = async (userId: string) => units((await medium.get(AccountsService).overview(userId)).balances.find((b) => b.asset === 'USDC')!.available);
  const system = (account: { system: string }) => medium.dataSource.transaction((manager) => medium.get(LedgerService).systemBalance(manager, account));

  async function givenCreator(): Promise<GivenUser> {
    const creator = await givenUserWithBalance(medium, '100');
    await medium.dataSource.transaction((manager) => shares.open(manager, creator.id));
    return creator;
  }

  beforeAll(async () => {
    medium = await startMediumModule(CREATORS_VENUE, { STARTING_BALANCE: '0', CREATOR_SHARE_LOCK_SECONDS: '0', DIVIDEND_PERIOD_SECONDS: String(PERIOD_SECONDS), DIVIDEND_BATCH_SIZE: '3' });
    shares = medium.get(CreatorSharesService);
    dividends = medium.get(CreatorDividendsService);
  });
  afterAll(() => medium?.close());

  it('serializes 20 parallel buys on one creator: the supply, holders and reserve end exactly where the curve says', async () => {
    const creator = await givenCreator();
    const buyers = await Promise.all(Array.from({ length: 20 }, () => givenUserWithBalance(medium, '10')));
    await Promise.all(buyers.map((buyer) => shares.buy(buyer.id, creator.id, { shares: 1 })));
    const state = await medium.dataSource.transaction((manager) => shares.stateOf(manager, creator.id));
    expect(state).toMatchObject({ supply: 21, holders: 21, tradeCount: 20 });
    expect(await system(CreatorAccounts.reserve(creator.id))).toBe(reserveFor(21n, 16_000n));
    // Each paid the curve value of the share it got plus fees: the sum is V(21) − V(1) plus fees, whatever the order.
    const spent = (await Promise.all(buyers.map(async (buyer) => units('10') - (await available(buyer.id))))).reduce((sum, value) => sum + value, 0n);
    expect(spent > curveValue(21n, 16_000n) - curveValue(1n, 16_000n)).toBe(true);
  });

  it('a fee share earned before the period was closed but committed after it waits for the close, and the close moves later fees to the next period', async () => {
    const creator = await givenCreator();
    const earnings = medium.get(CreatorEarnings);
    const now = new Date();
    const current = periodStartOf(now, PERIOD_SECONDS);
    let closed = false;
    await medium.dataSource.transaction(async (manager) => {
      expect(await earnings.openPeriod(manager, creator.id, now)).toEqual(current);
      const closing = dividends.close(current).then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The close waits for this transaction's share lock on the cursor.
      expect(closed).toBe(false);
      void closing;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(true);
    const next = new Date(current.getTime() + PERIOD_SECONDS * 1000);
    await medium.dataSource.transaction(async (manager) => expect(await earnings.openPeriod(manager, creator.id, now)).toEqual(next));
    // Without a share market the whole fee share goes to the creator.
    const plain = await givenUserWithBalance(medium, '0');
    await medium.dataSource.transaction(async (manager) =>
      expect(await earnings.feeShareMovements(manager, plain.id, 100n)).toEqual([{ account: { userId: plain.id }, bucket: 'available', amount: 100n }]),
    );
  });

  it('pays the holders of record of a closed period exactly, in batches; trades after the close are not of record, and a resumed or second run pays nobody twice', async () => {
    const creator = await givenCreator();
    const [alice, bob, carol] = await Promise.all([givenUserWithBalance(medium, '50'), givenUserWithBalance(medium, '50'), givenUserWithBalance(medium, '50')]);
    // These land in the creator's current period (their dividend part into its pool)...
    for (const [user, count] of [[alice, 5], [bob, 3], [carol, 1]] as const) await shares.buy(user.id, creator.id, { shares: count });
    const period = await medium.dataSource.transaction(async (manager) => (await medium.get(CreatorEarnings).openPeriod(manager, creator.id))!);
    const pool = await system(CreatorAccounts.dividendPool(creator.id, period));
    expect(pool > 0n).toBe(true);
    await dividends.close(period);
    // ...these after the close: Carol's sell and Bob's buy count in the next period.
    await shares.sell(carol.id, creator.id, { shares: 1 });
    await shares.buy(bob.id, creator.id, { shares: 4 });
    expect(await system(CreatorAccounts.dividendPool(creator.id, period))).toBe(pool);

    const before = new Map(await Promise.all([creator, alice, bob, carol].map(async (user) => [user.id, await available(user.id)] as const)));
    medium.events.clear();
    const first = await dividends.payCreator(creator.id, period);
    const expected = splitDividend(pool, [
      { userId: creator.id, shares: 1n },
      { userId: alice.id, shares: 5n },
      { userId: bob.id, shares: 3n },
      { userId: carol.id, shares: 1n },
    ]);
    expect(first).toEqual({ holders: 4, amount: pool });
    for (const part of expected) expect(await available(part.userId)).toBe(before.get(part.userId)! + part.amount);
    expect(await system(CreatorAccounts.dividendPool(creator.id, period))).toBe(0n);
    const batches = medium.events.named<CreatorDividendsPaidEvent>(CreatorEvent.DividendsPaid);
    expect(batches.map((batch) => batch.payments.length)).toEqual([3, 1]);

    expect(await dividends.payCreator(creator.id, period)).toEqual({ holders: 0, amount: 0n });
    for (const part of expected) expect(await available(part.userId)).toBe(before.get(part.userId)! + part.amount);
  });
});
