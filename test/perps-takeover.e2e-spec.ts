import request from 'supertest';
import { DataSource } from 'typeorm';
import { VenueEngine } from '../src/engine/venue-engine.service';
import { PerpPrices } from '../src/trades/feed/perp-prices';
import { createAdmin, createFundedUser, reconcile } from './support/ledger';
import { idempotencyKey, waitFor } from './support/rounds';
import { ScriptedBackpack, startScriptedBackpack } from './support/scripted-backpack';
import { RunningApp, startTestApp } from './support/test-app';
import type { TestUser } from './support/users';

const BTC = 'BTC_USDC_PERP';

/**
 * Two instances share the perps venue: commands reach the shard's leader from either, a stop fires once, and
 * when the leader goes away the other takes the shard over from PostgreSQL and fires what the next tick crosses, once.
 */
describe('Perps across two instances and a leader change (e2e)', () => {
  let backpack: ScriptedBackpack;
  let first: RunningApp;
  let second: RunningApp;
  const stopped = new Set<RunningApp>();
  let admin: TestUser;

  const env = () => ({
    PRICE_FEED_ENABLED: 'true',
    PRICE_FEED: 'backpack',
    BACKPACK_WS_URL: backpack.url,
    PERP_SYMBOLS: `${BTC},ETH_USDC_PERP`,
    FEED_STALE_MS: '3000',
    FEED_LEASE_MS: '600',
    ENGINE_LEASE_MS: '900',
    STARTING_BALANCE: '1000',
  });
  const leads = (running: RunningApp) => running.app.get(VenueEngine).isLeader('perps', BTC);

  /** Sends the quote until every running instance has it: after a leader change the next feed leader connects to the exchange anew. */
  async function quote(_seenBy: RunningApp, bid: string, ask: string): Promise<void> {
    let sentAt = 0;
    await waitFor(`quote ${bid}`, async () => {
      const live = [first, second].filter((app) => !stopped.has(app));
      if (live.every((app) => app.app.get(PerpPrices).latest(BTC)?.bid === bid && !app.app.get(PerpPrices).isStale(BTC))) return true;
      if (Date.now() - sentAt > 250) {
        backpack.send(BTC, { bid, ask });
        sentAt = Date.now();
      }
      return false;
    });
  }

  const open = (running: RunningApp, user: TestUser, body: object) =>
    request(running.url)
      .post('/api/v1/trades')
      .set(user.auth)
      .set('Idempotency-Key', idempotencyKey())
      .send(body)
      .then((response) => {
        expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
        return response;
      });
  const triggerFills = async (positionId: string) =>
    Number(((await [first, second].find((running) => !stopped.has(running))!.app.get(DataSource).query(`SELECT count(*)::int AS n FROM perp_fills WHERE position_id = $1 AND kind = 'trigger'`, [positionId])) as { n: number }[])[0].n);

  beforeAll(async () => {
    backpack = await startScriptedBackpack();
    first = await startTestApp(env());
    second = await startTestApp(env());
    admin = await createAdmin(first);
    await backpack.subscribed();
    await waitFor('a perps leader', async () => leads(first) || leads(second), 10_000);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([first, second].filter((running) => running && !stopped.has(running)).map((running) => running.close()));
    await backpack?.close();
  });

  it('takes commands on either instance; a stop crossed by one tick fires once', async () => {
    await quote(second, '65000', '65010');
    const alice = await createFundedUser(first);
    const bob = await createFundedUser(second);
    const a = (await open(first, alice, { symbol: BTC, side: 'long', margin: '20', leverage: 5, stopLoss: '64000' })).body;
    const b = (await open(second, bob, { symbol: BTC, side: 'long', margin: '20', leverage: 5, stopLoss: '64000' })).body;
    await quote(first, '63900', '63910');
    await quote(first, '63800', '63810');
    for (const [user, running, id] of [[alice, first, a.id], [bob, second, b.id]] as const) {
      await waitFor('the stop', async () => (await request(running.url).get(`/api/v1/trades/${id}`).set(user.auth)).body.status === 'closed');
      expect(await triggerFills(id)).toBe(1);
    }
    expect((await reconcile(first, admin)).ok).toBe(true);
  });

  it('after the leader leaves, the other rebuilds the shard and fires on the next crossing tick, once', async () => {
    await quote(first, '65000', '65010');
    const [leader, follower] = leads(first) ? [first, second] : [second, first];
    const carol = await createFundedUser(follower);
    const position = (await open(follower, carol, { symbol: BTC, side: 'short', margin: '20', leverage: 5, takeProfit: '64000' })).body;

    stopped.add(leader);
    await leader.close();
    await waitFor('the takeover', async () => leads(follower), 15_000);

    await quote(follower, '63890', '63900');
    await waitFor('the take-profit', async () => (await request(follower.url).get(`/api/v1/trades/${position.id}`).set(carol.auth)).body.status === 'closed', 10_000);
    const finished = (await request(follower.url).get(`/api/v1/trades/${position.id}`).set(carol.auth).expect(200)).body;
    expect(finished).toMatchObject({ closeReason: 'take_profit', exitPrice: '63900.00000000' });
    expect(await triggerFills(position.id)).toBe(1);
    expect((await reconcile(follower, await createAdmin(follower))).ok).toBe(true);
  });
});
