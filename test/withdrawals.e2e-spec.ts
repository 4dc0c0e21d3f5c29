import { randomUUID } from 'node:crypto';
import { HDNodeWallet, Wallet } from 'ethers';
import request from 'supertest';
import { uuidToBytes32 } from '../src/blockchain/evm/ids';
import { startTestChain, TestChain } from './support/dev-chain';
import { createAdmin, db, reconcile } from './support/ledger';
import { assertBuilt, ServerProcess, startServer } from './support/server-process';
import { signInWithSiwe, SignedInSession } from './support/sign-in';
import { RunningApp, startTestApp } from './support/test-app';
import type { TestUser } from './support/users';
import { randomAddress, vaultActors, VaultActors } from './support/vault';

const USDC = (units: number) => BigInt(units) * 1_000_000n;
const REVIEW_THRESHOLD = '50';

interface WithdrawalBody {
  id: string;
  status: string;
  amount: string;
  txHash: string | null;
  reason: string | null;
  approvedAt: string | null;
}

// Withdrawals end to end on a real node (anvil, a block per transaction; the suite mines the confirmations): the
// API in this process takes requests and approvals, a spawned worker (APP_ROLE=worker) credits deposits and runs
// the `withdrawals` job, so it can be killed with SIGKILL between broadcast and confirmation and started again.
describe('EVM withdrawals (anvil, withdrawals job in a worker process)', () => {
  let chain: TestChain;
  let api: RunningApp;
  let worker: ServerProcess;
  let admin: TestUser;
  let actors: VaultActors;
  let alice: HDNodeWallet;
  let session: SignedInSession;

  const env = () => ({
    ...chain.env,
    EVM_POLL_MS: '100',
    EVM_CONFIRMATIONS: '2',
    STARTING_BALANCE: '0',
    WITHDRAWAL_REVIEW_THRESHOLD: REVIEW_THRESHOLD,
    ROUNDS_ENGINE_ENABLED: 'false',
    PRICE_FEED_ENABLED: 'false',
  });
  const startWorker = async () => {
    worker = startServer({ ...env(), APP_ROLE: 'worker' });
    await worker.waitForLog(/listening on/, 60_000);
  };
  const killWorker = async () => {
    worker.child.kill('SIGKILL');
    expect((await worker.exited).signal).toBe('SIGKILL');
  };

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${worker.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const balances = async () => {
    const body = (await request(api.url).get('/api/v1/accounts/me').set(session.auth).expect(200)).body as { balances: { asset: string; available: string; locked: string }[] };
    const usdc = body.balances.find((balance) => balance.asset === 'USDC')!;
    return { available: usdc.available, locked: usdc.locked };
  };
  const withdrawal = async (id: string) =>
    ((await request(api.url).get('/api/v1/accounts/me/withdrawals').query({ limit: 100 }).set(session.auth).expect(200)).body.data as WithdrawalBody[]).find(
      (row) => row.id === id,
    )!;
  const withdrawalIn = (id: string, status: string, timeoutMs?: number) =>
    waitFor(`withdrawal ${id} ${status}`, async () => {
      const row = await withdrawal(id);
      return row.status === status && row;
    }, timeoutMs);
  const requestWithdrawal = async (amount: string, toAddress: string) =>
    (
      await request(api.url)
        .post('/api/v1/accounts/me/withdrawals')
        .set(session.auth)
        .set('Idempotency-Key', randomUUID())
        .send({ asset: 'USDC', amount, chain: 'dev', toAddress })
        .expect(201)
    ).body as WithdrawalBody;
  const operatorRows = (key: string) =>
    db(api).query(`SELECT purpose, status, tx_hash FROM operator_transactions WHERE key LIKE $1 ORDER BY created_at`, [`${key}%`]) as Promise<
      { purpose: string; status: string; tx_hash: string }[]
    >;
  const completions = async (withdrawalId: string) =>
    (
      (await db(api).query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE kind = 'withdrawal.complete' AND reference = $1`, [
        `withdrawal:${withdrawalId}`,
      ])) as { n: number }[]
    )[0].n;
  const vaultCheck = async () => {
    const report = (await request(api.url).get('/api/v1/admin/ledger/reconciliation').set(admin.auth).expect(200)).body as {
      checks: { name: string; ok: boolean; details: Record<string, string> }[];
    };
    return report.checks.find((check) => check.name === 'evm-vault:dev')!;
  };
  const setAutomine = (on: boolean) => chain.provider.send('evm_setAutomine', [on]);
  /** A new wallet with gas money: the suites share one database, so a dev account may already be another suite's user. */
  const freshWallet = async () => {
    const wallet = Wallet.createRandom().connect(chain.provider);
    await chain.provider.send('anvil_setBalance', [wallet.address, '0x56BC75E2D63100000']);
    return wallet;
  };

  /** Mints, approves and deposits `amount` from `signer`, and mines the confirmations. */
  async function deposit(signer: HDNodeWallet, amount: bigint): Promise<string> {
    const token = actors.token.connect(signer) as typeof actors.token;
    const vault = actors.vault.connect(signer) as typeof actors.vault;
    await (await token.getFunction('mint')(signer.address, amount)).wait();
    await (await token.getFunction('approve')(await vault.getAddress(), amount)).wait();
    const receipt = await (await vault.getFunction('deposit')(amount)).wait();
    await chain.mine(2);
    return receipt.hash as string;
  }

  /**
   * The worker's boot-time chain writes (the seed commitments of earlier suites' rounds) wait for confirmations, and
   * on this chain (a block per transaction) nobody mines them: a withdrawal would queue behind them. Mine until five
   * blocks in a row carry nothing but our own mining.
   */
  async function settleBootWrites(): Promise<void> {
    const deadline = Date.now() + 90_000;
    for (let idle = 0; idle < 5; ) {
      if (Date.now() > deadline) throw new Error('the worker kept sending transactions for 90 s');
      const before = await chain.blockNumber();
      await chain.mine(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      idle = (await chain.blockNumber()) === before + 1 ? idle + 1 : 0;
    }
  }

  beforeAll(async () => {
    assertBuilt();
    chain = await startTestChain();
    api = await startTestApp({ ...env(), APP_ROLE: 'api' });
    admin = await createAdmin(api);
    const chains = (await request(api.url).get('/api/v1/chains').expect(200)).body.chains as { vaultAddress: string; token: { address: string }; seedCommitmentsAddress?: string }[];
    actors = vaultActors(chain, { vault: chains[0].vaultAddress, token: chains[0].token.address, seedCommitments: chains[0].seedCommitmentsAddress ?? chains[0].vaultAddress });
    // Withdrawals to `dev` other suites left PENDING (they run without a chain) would be paid out of this suite's vault.
    const leftovers = (await db(api).query(`SELECT id FROM withdrawals WHERE chain = 'dev' AND status = 'PENDING'`)) as { id: string }[];
    for (const { id } of leftovers) {
      await request(api.url).post(`/api/v1/admin/withdrawals/${id}/reject`).set(admin.auth).set('Idempotency-Key', randomUUID()).send({ reason: 'left by another suite' }).expect(200);
    }
    await startWorker();
    await settleBootWrites();
    alice = await freshWallet();
    session = await signInWithSiwe(api, alice);
    await request(api.url).get('/api/v1/accounts/me').set(session.auth).expect(200);
    await deposit(alice, USDC(200));
    await waitFor('the deposit credited', async () => (await balances()).available === '200.000000');
  }, 120_000);

  afterEach(async () => {
    await setAutomine(true);
    const report = await reconcile(api, admin);
    expect(report.assets.flatMap((asset) => asset.mismatches)).toEqual([]);
    expect(report.ok).toBe(true);
    // Every payment out of the vault is settled into its ledger account: what the vault holds is what the ledger owes
    // (once nothing is being paid: the worker's sweep also takes up approved withdrawals other suites left behind).
    const check = await waitFor('nothing being paid', async () => {
      const current = await vaultCheck();
      return current.details.paying === '0.000000' && current;
    });
    expect(check).toMatchObject({ ok: true, details: { surplus: '0.000000' } });
  });

  afterAll(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await api?.close();
    await chain?.stop();
  });

  it('pays a withdrawal: the job sends vault.withdraw, COMPLETED after the confirmations, the token arrives once', async () => {
    const to = randomAddress();
    const requested = await requestWithdrawal('30', to);
    expect(requested).toMatchObject({ status: 'PENDING', approvedAt: expect.any(String) });
    expect(await balances()).toEqual({ available: '170.000000', locked: '30.000000' });

    const sent = await withdrawalIn(requested.id, 'SENT');
    expect(await actors.balanceOf(to)).toBe(USDC(30)); // mined at once, one block short of its confirmations
    await chain.mine(2);
    const completed = await withdrawalIn(requested.id, 'COMPLETED');

    expect(completed.txHash).toBe(sent.txHash);
    expect(await balances()).toEqual({ available: '170.000000', locked: '0.000000' });
    expect(await actors.withdrawnEvents(uuidToBytes32(requested.id))).toEqual([{ transactionHash: sent.txHash, to, amount: USDC(30) }]);
    expect(await operatorRows(`withdrawal:${requested.id}`)).toEqual([{ purpose: 'call', status: 'CONFIRMED', tx_hash: sent.txHash }]);
    expect(await completions(requested.id)).toBe(1);
  });

  it('a worker killed (SIGKILL) after broadcasting, before the confirmations: restarted, it pays once and completes once', async () => {
    const to = randomAddress();
    await setAutomine(false);
    const requested = await requestWithdrawal('10', to);
    const sent = await withdrawalIn(requested.id, 'SENT');
    expect(await chain.provider.send('eth_getTransactionByHash', [sent.txHash])).not.toBeNull();
    expect(await chain.provider.send('eth_getTransactionReceipt', [sent.txHash])).toBeNull();

    await killWorker();
    await chain.mine(1);
    expect(await actors.balanceOf(to)).toBe(USDC(10));
    await startWorker();
    await chain.mine(2);
    await setAutomine(true);

    const completed = await withdrawalIn(requested.id, 'COMPLETED', 40_000);
    expect(completed.txHash).toBe(sent.txHash);
    await chain.mine(3);
    expect(await actors.balanceOf(to)).toBe(USDC(10));
    expect(await actors.withdrawnEvents(uuidToBytes32(requested.id))).toHaveLength(1);
    expect(await operatorRows(`withdrawal:${requested.id}`)).toEqual([{ purpose: 'call', status: 'CONFIRMED', tx_hash: sent.txHash }]);
    expect(await completions(requested.id)).toBe(1);
    expect(await balances()).toEqual({ available: '160.000000', locked: '0.000000' });
  }, 90_000);

  it('a withdrawal that reverts on chain (the vault paused in the same block) is FAILED and its hold released', async () => {
    const to = randomAddress();
    await setAutomine(false);
    const requested = await requestWithdrawal('20', to);
    const sent = await withdrawalIn(requested.id, 'SENT');
    // The owner's pause pays more per gas: mined first in the next block, so the withdrawal reverts.
    const pause = await actors.setPaused(true, { maxPriorityFeePerGas: 50_000_000_000n, maxFeePerGas: 100_000_000_000n });
    try {
      await chain.mine(1);
      const receipt = (await chain.provider.send('eth_getTransactionReceipt', [sent.txHash])) as { status: string; blockNumber: string };
      expect(receipt.status).toBe('0x0');
      expect(((await chain.provider.send('eth_getTransactionReceipt', [pause])) as { blockNumber: string }).blockNumber).toBe(receipt.blockNumber);
      await chain.mine(2);
      const failed = await withdrawalIn(requested.id, 'FAILED');
      expect(failed.reason).toMatch(/reverted on chain/);
    } finally {
      await setAutomine(true);
      await (await chain.provider.getTransaction(await actors.setPaused(false)))!.wait();
    }
    expect(await balances()).toEqual({ available: '160.000000', locked: '0.000000' });
    expect(await actors.balanceOf(to)).toBe(0n);
    expect(await actors.withdrawnEvents(uuidToBytes32(requested.id))).toEqual([]);
    expect(await operatorRows(`withdrawal:${requested.id}`)).toEqual([{ purpose: 'call', status: 'REVERTED', tx_hash: sent.txHash }]);
    expect(await completions(requested.id)).toBe(0);
  });

  it(`above WITHDRAWAL_REVIEW_THRESHOLD (${REVIEW_THRESHOLD}) it waits for an admin's approval, then pays`, async () => {
    const to = randomAddress();
    const requested = await requestWithdrawal('80', to);
    expect(requested).toMatchObject({ status: 'PENDING', approvedAt: null });
    // The worker's sweep and a few of its polls go by: nothing is sent.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await withdrawal(requested.id)).toMatchObject({ status: 'PENDING', txHash: null });
    expect(await operatorRows(`withdrawal:${requested.id}`)).toEqual([]);

    const approved = await request(api.url)
      .post(`/api/v1/admin/withdrawals/${requested.id}/approve`)
      .set(admin.auth)
      .set('Idempotency-Key', randomUUID())
      .expect(200);
    expect(approved.body).toMatchObject({ status: 'PENDING', approvedAt: expect.any(String) });
    await withdrawalIn(requested.id, 'SENT');
    await chain.mine(2);
    await withdrawalIn(requested.id, 'COMPLETED');

    expect(await actors.balanceOf(to)).toBe(USDC(80));
    expect(await balances()).toEqual({ available: '80.000000', locked: '0.000000' });
    expect(await completions(requested.id)).toBe(1);
  });

  it('an admin returns a deposit from an unknown address: paid back to the sender once, RETURNED', async () => {
    const stranger = await freshWallet();
    const txHash = await deposit(stranger, USDC(5));
    const unassigned = await waitFor('the deposit UNASSIGNED', async () => {
      const rows = (await request(api.url).get('/api/v1/admin/deposits').query({ status: 'UNASSIGNED', limit: 100 }).set(admin.auth).expect(200)).body.data as {
        id: string;
        txHash: string;
      }[];
      return rows.find((row) => row.txHash === txHash);
    });
    const before = await actors.balanceOf(stranger.address);

    const returned = request(api.url).post(`/api/v1/admin/deposits/${unassigned.id}/return`).set(admin.auth);
    expect((await returned.set('Idempotency-Key', randomUUID()).expect(200)).body).toMatchObject({ status: 'RETURN_REQUESTED' });
    // The row is stored (SIGNED, its hash known) before it is sent: mining as soon as it exists can mine empty blocks
    // ahead of the return's own, which then sits one block short of its confirmations with nobody mining after it.
    // So wait until the return itself is mined (a block per transaction here), then mine its confirmations.
    const [signed] = await waitFor('the return stored', async () => {
      const rows = await operatorRows(`deposit-return:${unassigned.id}:`);
      return rows.length === 1 && rows;
    });
    await waitFor('the return mined', async () => (await chain.provider.send('eth_getTransactionReceipt', [signed.tx_hash])) !== null);
    await chain.mine(2);
    const status = async () => ((await db(api).query(`SELECT status, return_tx_hash FROM deposits WHERE id = $1`, [unassigned.id])) as { status: string; return_tx_hash: string }[])[0];
    await waitFor('RETURNED', async () => (await status()).status === 'RETURNED');

    expect((await actors.balanceOf(stranger.address)) - before).toBe(USDC(5));
    const [tx] = await operatorRows(`deposit-return:${unassigned.id}:`);
    expect((await status()).return_tx_hash).toBe(tx.tx_hash);
    expect(await actors.withdrawnEvents(uuidToBytes32(unassigned.id))).toEqual([{ transactionHash: tx.tx_hash, to: stranger.address, amount: USDC(5) }]);
    await request(api.url).post(`/api/v1/admin/deposits/${unassigned.id}/return`).set(admin.auth).set('Idempotency-Key', randomUUID()).expect(409);
  });
});
