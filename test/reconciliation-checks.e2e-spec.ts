import { DataSource } from 'typeorm';
import request from 'supertest';
import { LedgerService, SystemAccount } from '../src/accounts/ledger.service';
import { createHouseMarket } from './support/markets';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser, TestUser } from './support/users';

describe('venue invariants in the ledger reconciliation (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    running = await startTestApp();
    admin = await createTestUser(running, { roles: ['user', 'admin'] });
  });

  afterAll(async () => {
    await running.close();
  });

  const reconcile = async () => (await request(running.url).get('/api/v1/admin/ledger/reconciliation').set(admin.auth).expect(200)).body;

  /** Moves money between a market's pool and the house, as a bug in a venue might. */
  const movePool = (marketId: string, direction: 'drain' | 'refill', amount: bigint) =>
    running.app.get(DataSource).transaction((manager) => {
      const [from, to] = direction === 'drain' ? [SystemAccount.marketPool(marketId), SystemAccount.house] : [SystemAccount.house, SystemAccount.marketPool(marketId)];
      return running.app.get(LedgerService).transfer(manager, from, to, amount, { kind: 'test.pool-tamper', reference: `${direction}:${marketId}` });
    });

  it('reports every market pool able to pay its worst outcome, and fails when one cannot', async () => {
    const market = await createHouseMarket(running, admin, { subsidy: '100' });
    const healthy = await reconcile();
    expect(healthy.ok).toBe(true);
    expect(healthy.checks).toEqual(
      expect.arrayContaining([
        { name: 'marketPools', ok: true, details: { marketsChecked: expect.any(Number), violations: [] } },
        { name: 'marketOrderShares', ok: true, details: { oversold: [] } },
        { name: 'creatorReserves', ok: true, details: { creatorsChecked: expect.any(Number), violations: [] } },
        { name: 'creatorDividends', ok: true, details: { dividendsChecked: expect.any(Number), violations: [] } },
      ]),
    );

    // Someone holds shares now, so the pool owes their payout if Yes wins.
    const trader = await createTestUser(running);
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(trader.auth).send({ outcome: 'Yes', amount: '10' }).expect(201);
    const poolBalance = await running.app
      .get(DataSource)
      .transaction((manager) => running.app.get(LedgerService).systemBalance(manager, { system: `market-pool:${market.id}` }));
    expect(poolBalance).toBeGreaterThan(0n);

    // The ledger itself stays balanced, so only the venue check can notice the pool is short.
    await movePool(market.id, 'drain', poolBalance);
    try {
      const broken = await reconcile();
      expect(broken.ok).toBe(false);
      expect(broken.assets.every((asset: { mismatches: unknown[] }) => asset.mismatches.length === 0)).toBe(true);
      expect(broken.checks[0]).toMatchObject({ name: 'marketPools', ok: false });
      expect(JSON.stringify(broken.checks[0].details.violations)).toContain(market.id);
    } finally {
      await movePool(market.id, 'refill', poolBalance);
    }
    expect((await reconcile()).ok).toBe(true);
  });
});
