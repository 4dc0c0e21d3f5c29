import { Account, Ed25519PrivateKey } from '@aptos-labs/ts-sdk';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { AptosDepositCursors } from '../src/blockchain/aptos/aptos-deposit-cursors';
import { AptosDepositWatcher } from '../src/blockchain/aptos/aptos-deposit-watcher.service';
import { AptosFullnode, longAddress } from './support/aptos-fullnode';
import { balancesOf, createAdmin, db, reconcile } from './support/ledger';
import { waitFor } from './support/rounds';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser, TestUser } from './support/users';

// Aptos vault deposits from the fixture fullnode's indexer, credited by the app's real watcher through the real
// DepositsService and ledger: each once, however often the watcher hands a page over again (a crash between the
// credit and the cursor, a restart from an older cursor), and a sender no user has held as UNASSIGNED.
describe('Aptos deposits credited in the running app (fixture fullnode and indexer)', () => {
  const operatorKey = Ed25519PrivateKey.generate();
  // A package address of its own: the cursor row and the deposits are this run's alone.
  const moduleAddress = `0x${randomBytes(32).toString('hex')}`;
  let node: AptosFullnode;
  let running: RunningApp;
  let watcher: AptosDepositWatcher;
  let alice: TestUser;
  const aliceAddress = longAddress(`0x${randomBytes(32).toString('hex')}`);

  const depositsOf = async (user: TestUser) =>
    (await request(running.url).get('/api/v1/accounts/me/deposits?limit=100').set(user.auth).expect(200)).body.data as { txHash: string; status: string; amount: string }[];
  const rowsOf = async (txHashes: string[]) =>
    (await db(running).query(`SELECT tx_hash, status, amount::text AS amount, user_id FROM deposits WHERE chain = 'aptos' AND tx_hash = ANY($1) ORDER BY block_number`, [txHashes])) as {
      tx_hash: string;
      status: string;
      amount: string;
      user_id: string | null;
    }[];
  const aliceAvailable = async () => (await balancesOf(running, alice)).USDC?.available ?? '0.000000';

  beforeAll(async () => {
    node = await AptosFullnode.start({ operatorAddress: Account.fromPrivateKey({ privateKey: operatorKey }).accountAddress.toStringLong(), moduleAddress });
    running = await startTestApp({ ...node.env(operatorKey.toString()), APTOS_DEPOSIT_PAGE_SIZE: '2', APTOS_POLL_MS: '50', STARTING_BALANCE: '0' });
    watcher = running.app.get(AptosDepositWatcher);
    alice = await createTestUser(running, { aptosAddress: aliceAddress });
  });
  afterAll(async () => {
    await running?.close();
    await node?.close();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    expect(node.unexpected).toEqual([]);
  });

  it('a deposit by a signed-in Aptos address is CREDITED to its balance once', async () => {
    const made = node.addDeposit(aliceAddress, 25_000_000n);
    await waitFor('the credit', async () => (await aliceAvailable()) === '25.000000');
    expect(await depositsOf(alice)).toEqual([expect.objectContaining({ txHash: made.hash, status: 'CREDITED', amount: '25.000000' })]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await aliceAvailable()).toBe('25.000000');
  });

  it('a page handed over again after a crash between its credit and the cursor, and again after a restart from an older cursor, is credited once', async () => {
    const cursors = running.app.get(AptosDepositCursors);
    const from = await cursors.version(watcher.stream);
    // The first time the cursor would move past a page of credited deposits, the process "dies" instead.
    const advance = jest.spyOn(cursors, 'advance').mockRejectedValueOnce(new Error('killed between the credit and the cursor'));
    // The indexer holds back what comes now, so the watcher sees it only when the test says.
    node.indexUpTo(node.latestVersion);
    const made = [node.addDeposit(aliceAddress, 1_000_000n), node.addDeposit(aliceAddress, 2_000_000n), node.addDeposit(aliceAddress, 3_000_000n)];
    // The indexer has the first two only: the watcher stops mid-range, after the first page.
    node.indexUpTo(made[1].version);
    await waitFor('the first page credited', async () => (await aliceAvailable()) === '28.000000');
    await waitFor('the cursor past the first page', async () => ((await cursors.version(watcher.stream)) ?? 0n) >= made[1].version);
    expect(advance.mock.calls.length).toBeGreaterThanOrEqual(2);

    // Restarted, and (as after a crash that lost the cursor's last moves) from the cursor before these deposits.
    await watcher.stop();
    await db(running).query(`UPDATE aptos_deposit_cursors SET version = $2 WHERE stream = $1`, [watcher.stream, from!.toString()]);
    node.indexUpTo();
    watcher.start();
    await waitFor('the rest credited', async () => (await aliceAvailable()) === '31.000000');
    await waitFor('the cursor at the ledger', async () => (await cursors.version(watcher.stream)) === node.latestVersion);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await aliceAvailable()).toBe('31.000000');
    const rows = await rowsOf(made.map((deposit) => deposit.hash));
    expect(rows.map((row) => [row.tx_hash, row.status, row.amount])).toEqual([
      [made[0].hash, 'CREDITED', '1000000'],
      [made[1].hash, 'CREDITED', '2000000'],
      [made[2].hash, 'CREDITED', '3000000'],
    ]);
  });

  it('a deposit from an address no user has is UNASSIGNED, held out of every balance, and the ledger reconciles', async () => {
    const stranger = longAddress(`0x${randomBytes(32).toString('hex')}`);
    const made = node.addDeposit(stranger, 7_000_000n);
    await waitFor('the deposit recorded', async () => (await rowsOf([made.hash]))[0]?.status === 'UNASSIGNED');
    expect(await rowsOf([made.hash])).toEqual([{ tx_hash: made.hash, status: 'UNASSIGNED', amount: '7000000', user_id: null }]);
    expect(await aliceAvailable()).toBe('31.000000');
    const admin = await createAdmin(running);
    const { body } = await request(running.url).get('/api/v1/admin/deposits?status=UNASSIGNED').set(admin.auth).expect(200);
    expect(body.data).toContainEqual(expect.objectContaining({ txHash: made.hash, status: 'UNASSIGNED', fromAddress: stranger }));
    expect((await reconcile(running, admin)).ok).toBe(true);
  });
});
