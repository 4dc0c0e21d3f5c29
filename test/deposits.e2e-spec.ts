import { randomUUID } from 'node:crypto';
import { Contract, HDNodeWallet, TransactionRequest } from 'ethers';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source.options';
import request from 'supertest';
import { contractArtifact } from '../src/blockchain/evm/contract-artifacts';
import { devAccount } from '../src/blockchain/evm/dev-deployment';
import { DEV_CHAIN_ID } from '../src/config/chain-config';
import { startTestChain, TestChain } from './support/dev-chain';
import { balancesOf, createAdmin, createFundedUser, db, reconcile } from './support/ledger';
import { signInWithSiwe, SignedInSession } from './support/sign-in';
import { closeSockets, collect, connectSocket } from './support/sockets';
import { RunningApp, startTestApp, testConfig } from './support/test-app';
import type { TestUser } from './support/users';

const USDC = (units: number) => BigInt(units) * 1_000_000n;

/** A signed-in session as the ledger helpers take a user. */
const asUser = (session: SignedInSession): TestUser => ({ id: session.user.id, token: session.accessToken, auth: session.auth });

/** A connection of its own while no app runs. */
async function withDatabase(work: (dataSource: DataSource) => Promise<unknown>): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions(testConfig())).initialize();
  try {
    await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

interface DepositBody {
  id: string;
  txHash: string;
  logIndex: number;
  blockNumber: string;
  status: string;
  amount: string;
  confirmations: number | null;
  requiredConfirmations: number | null;
  userId?: string | null;
  fromAddress: string;
}

// Deposits on a real node (anvil, a block per transaction): the watcher in the app reads Deposited logs, credits
// them after EVM_CONFIRMATIONS (2) exactly once across restarts, holds unknown senders for an admin, never credits a
// log whose block was replaced before it was confirmed, and keeps a restarted dev chain's deposits apart.
describe('EVM deposits (anvil, deposit watcher)', () => {
  let chain: TestChain;
  let running: RunningApp;
  let admin: TestUser;
  let vaultAddress: string;
  let tokenAddress: string;

  const appEnv = (more: Record<string, string> = {}) => ({ ...chain.env, EVM_POLL_MS: '100', EVM_CONFIRMATIONS: '2', ...more });
  const wallet = (index: number): HDNodeWallet => devAccount(index).connect(chain.provider);
  const vault = (signer: HDNodeWallet) => new Contract(vaultAddress, contractArtifact('CashMarketsVault').abi, signer);
  const token = (signer: HDNodeWallet) => new Contract(tokenAddress, contractArtifact('TestUSDC').abi, signer);
  const vaultBalance = async () => (await token(wallet(5)).balanceOf(vaultAddress)) as bigint;

  /** Mints, approves and deposits `amount` from `signer`; the deposit's receipt. */
  async function deposit(signer: HDNodeWallet, amount: bigint) {
    await (await token(signer).mint(signer.address, amount)).wait();
    await (await token(signer).approve(vaultAddress, amount)).wait();
    const receipt = await (await vault(signer).deposit(amount)).wait();
    return receipt!;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const myDeposits = async (session: { auth: { Authorization: string } }) =>
    (await request(running.url).get('/api/v1/accounts/me/deposits').set(session.auth).expect(200)).body.data as DepositBody[];
  const adminDeposits = async (status?: string) =>
    (await request(running.url).get('/api/v1/admin/deposits').query(status ? { status, limit: 100 } : { limit: 100 }).set(admin.auth).expect(200)).body.data as DepositBody[];
  const depositOf = async (txHash: string) => (await adminDeposits()).find((row) => row.txHash === txHash);
  const statusOf = async (txHash: string) => (await depositOf(txHash))?.status;
  const creditEntries = async (userId: string) =>
    (
      (await db(running).query(
        `SELECT count(*)::int AS n FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id JOIN accounts a ON a.id = e.account_id
          WHERE a.user_id = $1 AND t.kind IN ('deposit.credit', 'deposit.assign')`,
        [userId],
      )) as { n: number }[]
    )[0].n;
  const vaultCheck = async () => {
    const report = (await request(running.url).get('/api/v1/admin/ledger/reconciliation').set(admin.auth).expect(200)).body as {
      checks: { name: string; ok: boolean; details: Record<string, string> }[];
    };
    return report.checks.find((check) => check.name === 'evm-vault:dev')!;
  };

  async function startApp(more: Record<string, string> = {}) {
    running = await startTestApp(appEnv(more));
    const chains = (await request(running.url).get('/api/v1/chains').expect(200)).body.chains as { vaultAddress: string; token: { address: string } }[];
    vaultAddress = chains[0].vaultAddress;
    tokenAddress = chains[0].token.address;
    admin = await createAdmin(running);
    await chain.quiet();
  }

  beforeAll(async () => {
    chain = await startTestChain();
    await startApp();
  }, 60_000);

  afterEach(async () => {
    closeSockets();
    await chain.provider.send('evm_setAutomine', [true]);
    const report = await reconcile(running, admin);
    expect(report.assets.flatMap((asset) => asset.mismatches)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  afterAll(async () => {
    await running?.close();
    await chain?.stop();
  });

  describe('a signed-in wallet', () => {
    let alice: HDNodeWallet;
    let session: SignedInSession;

    beforeAll(async () => {
      alice = wallet(5);
      session = await signInWithSiwe(running, alice);
    });

    it('is credited after the confirmations, exactly once, and hears deposit:update', async () => {
      const before = (await balancesOf(running, asUser(session))).USDC.available;
      const socket = await connectSocket(running, { auth: { token: session.accessToken } });
      const updates = collect<DepositBody>(socket, 'deposit:update');

      // Automine off from the deposit on: a transaction the app sends meanwhile (a withdrawal another suite left
      // for `dev`, a seed commitment) waits for the blocks this test mines instead of confirming the deposit early.
      await (await token(alice).mint(alice.address, USDC(250))).wait();
      await (await token(alice).approve(vaultAddress, USDC(250))).wait();
      await chain.provider.send('evm_setAutomine', [false]);
      const sent = await vault(alice).deposit(USDC(250));
      await chain.mine(1);
      const receipt = (await sent.wait())!;
      const seen = await waitFor('SEEN', async () => (await myDeposits(session)).find((row) => row.txHash === receipt.hash));
      expect(seen).toMatchObject({ status: 'SEEN', amount: '250.000000', fromAddress: alice.address, blockNumber: String(receipt.blockNumber), requiredConfirmations: 2 });
      expect(seen.confirmations).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await balancesOf(running, asUser(session))).USDC.available).toBe(before);

      await chain.mine(1);
      const credited = await waitFor('CREDITED', async () => (await myDeposits(session)).find((row) => row.txHash === receipt.hash && row.status === 'CREDITED'));
      expect(credited.confirmations).toBeGreaterThanOrEqual(2);
      expect((await balancesOf(running, asUser(session))).USDC.available).toBe((Number(before) + 250).toFixed(6));

      // More blocks, more passes: nothing moves again.
      await chain.mine(5);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await balancesOf(running, asUser(session))).USDC.available).toBe((Number(before) + 250).toFixed(6));
      expect(await creditEntries(session.user.id)).toBe(1);
      await chain.provider.send('evm_setAutomine', [true]);
      await waitFor('deposit:update CREDITED', async () => updates.some((update) => update.status === 'CREDITED'));
      expect(updates.map((update) => update.status)).toEqual(expect.arrayContaining(['SEEN', 'CONFIRMED', 'CREDITED']));
      expect(updates.every((update) => update.txHash === receipt.hash)).toBe(true);

      const check = await vaultCheck();
      expect(check).toMatchObject({ ok: true, details: { surplus: '0.000000', uncredited: '0.000000' } });
      expect(check.details.onChain).toBe((Number(await vaultBalance()) / 1e6).toFixed(6));
    });

    it('is credited once across a watcher restart that re-reads the range it was in', async () => {
      const before = Number((await balancesOf(running, asUser(session))).USDC.available);
      const first = await deposit(alice, USDC(10));
      await waitFor('SEEN', async () => (await statusOf(first.hash)) === 'SEEN');
      await running.close();

      // While no watcher runs: another deposit and enough blocks to confirm both.
      const second = await deposit(alice, USDC(7));
      await chain.mine(3);
      // As if the watcher had died mid-range, before its cursor moved past the first deposit: the range is read again.
      const rewindTo = first.blockNumber - 1;
      const hashAt = async (n: number) => ((await chain.provider.send('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])) as { hash: string }).hash.toLowerCase();
      const [rewindHash, genesis] = [await hashAt(rewindTo), await hashAt(0)];
      await withDatabase((client) => client.query(`UPDATE evm_deposit_cursors SET block_number = $1, block_hash = $2 WHERE genesis_hash = $3`, [rewindTo, rewindHash, genesis]));
      await startApp({ EVM_LOG_RANGE: '1' });

      await waitFor('both credited', async () => (await statusOf(first.hash)) === 'CREDITED' && (await statusOf(second.hash)) === 'CREDITED');
      await waitFor('cursor past the re-read range', async () => {
        const [cursor] = (await db(running).query(`SELECT block_number FROM evm_deposit_cursors ORDER BY updated_at DESC LIMIT 1`)) as { block_number: string }[];
        return BigInt(cursor.block_number) >= BigInt(second.blockNumber);
      });
      expect(Number((await balancesOf(running, asUser(session))).USDC.available)).toBeCloseTo(before + 17, 6);
      expect(await creditEntries(session.user.id)).toBe(3);
      const rows = (await db(running).query(`SELECT count(*)::int AS n FROM deposits WHERE tx_hash = ANY($1)`, [[first.hash, second.hash]])) as { n: number }[];
      expect(rows[0].n).toBe(2);
    });

    it('never credits a deposit whose block is replaced (anvil_reorg) before its confirmations', async () => {
      const before = (await balancesOf(running, asUser(session))).USDC.available;
      const vaultBefore = await vaultBalance();
      const receipt = await deposit(alice, USDC(33));
      await waitFor('SEEN', async () => (await statusOf(receipt.hash)) === 'SEEN');
      const head = await chain.blockNumber();
      expect(head).toBe(receipt.blockNumber);

      await chain.provider.send('anvil_reorg', [1, []]);
      expect(await chain.blockNumber()).toBe(head);
      expect(await chain.provider.send('eth_getTransactionReceipt', [receipt.hash])).toBeNull();
      await chain.mine(3);

      await waitFor('DROPPED', async () => (await statusOf(receipt.hash)) === 'DROPPED');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await balancesOf(running, asUser(session))).USDC.available).toBe(before);
      expect((await myDeposits(session)).some((row) => row.txHash === receipt.hash)).toBe(false);
      expect(await vaultBalance()).toBe(vaultBefore);
      expect(await vaultCheck()).toMatchObject({ ok: true, details: { surplus: '0.000000' } });
    });

    it('credits once a deposit whose replacement block carries the same transaction again', async () => {
      const before = Number((await balancesOf(running, asUser(session))).USDC.available);
      await (await token(alice).mint(alice.address, USDC(21))).wait();
      await (await token(alice).approve(vaultAddress, USDC(21))).wait();
      const tx: TransactionRequest = await vault(alice).getFunction('deposit').populateTransaction(USDC(21));
      const signed = await alice.signTransaction(await alice.populateTransaction({ ...tx, chainId: DEV_CHAIN_ID }));
      const sent = await chain.provider.broadcastTransaction(signed);
      const receipt = (await sent.wait())!;
      const seen = await waitFor('SEEN', async () => {
        const row = await depositOf(receipt.hash);
        return row?.status === 'SEEN' && row;
      });

      await chain.provider.send('anvil_reorg', [1, [[signed, 0]]]);
      const moved = await chain.provider.getTransactionReceipt(receipt.hash);
      expect(moved?.blockHash).not.toBe(receipt.blockHash);
      await chain.mine(2);

      await waitFor('CREDITED', async () => (await statusOf(receipt.hash)) === 'CREDITED');
      const row = (await depositOf(receipt.hash)) as DepositBody & { blockHash: string };
      expect(row.id).toBe(seen.id);
      expect(row.blockHash).toBe(moved!.blockHash.toLowerCase());
      expect(Number((await balancesOf(running, asUser(session))).USDC.available)).toBeCloseTo(before + 21, 6);
    });
  });

  describe('a deposit from an address no user has', () => {
    it('is held unassigned until an admin assigns it to a user', async () => {
      const stranger = wallet(7);
      const receipt = await deposit(stranger, USDC(40));
      await chain.mine(1);
      const held = await waitFor('UNASSIGNED', async () => (await adminDeposits('UNASSIGNED')).find((row) => row.txHash === receipt.hash));
      expect(held).toMatchObject({ userId: null, fromAddress: stranger.address, amount: '40.000000' });
      expect(await vaultCheck()).toMatchObject({ ok: true, details: { surplus: '0.000000' } });

      const bob = await createFundedUser(running);
      const before = Number((await balancesOf(running, bob)).USDC.available);
      const key = randomUUID();
      const assign = () => request(running.url).post(`/api/v1/admin/deposits/${held.id}/assign`).set(admin.auth).set('Idempotency-Key', key).send({ userId: bob.id });
      const assigned = await assign().expect(200);
      expect(assigned.body).toMatchObject({ id: held.id, status: 'CREDITED', userId: bob.id });
      await assign().expect(200);
      expect(Number((await balancesOf(running, bob)).USDC.available)).toBeCloseTo(before + 40, 6);
      expect((await myDeposits(bob)).map((row) => row.id)).toEqual([held.id]);

      await request(running.url).post(`/api/v1/admin/deposits/${held.id}/assign`).set(admin.auth).set('Idempotency-Key', randomUUID()).send({ userId: bob.id }).expect(409);
      await request(running.url).post(`/api/v1/admin/deposits/${randomUUID()}/assign`).set(admin.auth).set('Idempotency-Key', randomUUID()).send({ userId: bob.id }).expect(404);
      await request(running.url).post(`/api/v1/admin/deposits/not-a-uuid/assign`).set(admin.auth).set('Idempotency-Key', randomUUID()).send({ userId: bob.id }).expect(404);
      await request(running.url).post(`/api/v1/admin/deposits/${held.id}/assign`).set(admin.auth).set('Idempotency-Key', randomUUID()).send({ userId: 'x' }).expect(400);
      await request(running.url).get('/api/v1/admin/deposits').query({ status: 'NOPE' }).set(admin.auth).expect(400);
      await request(running.url).get('/api/v1/admin/deposits').set(bob.auth).expect(403);
      expect(await creditEntries(bob.id)).toBe(1);
    });

    it('can be marked for return, its amount held until the return is sent', async () => {
      const stranger = wallet(8);
      const receipt = await deposit(stranger, USDC(12));
      await chain.mine(1);
      const held = await waitFor('UNASSIGNED', async () => (await adminDeposits('UNASSIGNED')).find((row) => row.txHash === receipt.hash));
      const returned = await request(running.url).post(`/api/v1/admin/deposits/${held.id}/return`).set(admin.auth).set('Idempotency-Key', randomUUID()).expect(200);
      expect(returned.body).toMatchObject({ status: 'RETURN_REQUESTED' });
      const bob = await createFundedUser(running);
      await request(running.url).post(`/api/v1/admin/deposits/${held.id}/assign`).set(admin.auth).set('Idempotency-Key', randomUUID()).send({ userId: bob.id }).expect(409);
      expect((await adminDeposits('RETURN_REQUESTED')).map((row) => row.id)).toContain(held.id);
    });
  });

  describe('a restarted dev chain', () => {
    it('starts a new history: the same transactions again are new deposits, credited again', async () => {
      let carol = wallet(9);
      const session = await signInWithSiwe(running, carol);
      // Explicit fields, so the same transactions on a fresh chain have the same hashes.
      const fees = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, gasLimit: 200_000n, chainId: DEV_CHAIN_ID };
      const sendSequence = async () => {
        // On the chain running now (a wallet is bound to its provider).
        carol = wallet(9);
        const calls = [
          await token(carol).getFunction('mint').populateTransaction(carol.address, USDC(5)),
          await token(carol).getFunction('approve').populateTransaction(vaultAddress, USDC(5)),
          await vault(carol).getFunction('deposit').populateTransaction(USDC(5)),
        ];
        const receipts = [];
        for (const [nonce, call] of calls.entries()) receipts.push(await (await carol.sendTransaction({ ...call, ...fees, nonce })).wait());
        await chain.mine(1);
        return receipts[2]!;
      };
      const first = await sendSequence();
      await waitFor('first CREDITED', async () => (await myDeposits(session)).find((row) => row.txHash === first.hash && row.status === 'CREDITED'));
      const afterFirst = Number((await balancesOf(running, asUser(session))).USDC.available);

      await running.close();
      const port = chain.port;
      await chain.stop();
      // anvil stamps its genesis block with its start time (seconds): a new second, a new genesis.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      chain = await startTestChain({ port });
      await startApp();
      expect(await chain.blockNumber()).toBeLessThan(first.blockNumber + 3);

      const again = await sendSequence();
      expect(again.hash).toBe(first.hash);
      await waitFor('second CREDITED', async () => {
        const both = (await myDeposits(session)).filter((row) => row.txHash === first.hash);
        return both.length === 2 && both.every((row) => row.status === 'CREDITED');
      });
      expect(Number((await balancesOf(running, asUser(session))).USDC.available)).toBeCloseTo(afterFirst + 5, 6);
      const rows = (await db(running).query(`SELECT DISTINCT chain_epoch FROM deposits WHERE tx_hash = $1`, [first.hash])) as { chain_epoch: string }[];
      expect(rows).toHaveLength(2);
      expect(await vaultCheck()).toMatchObject({ ok: true, details: { onChain: '5.000000', owed: '5.000000' } });
    });
  });
});
