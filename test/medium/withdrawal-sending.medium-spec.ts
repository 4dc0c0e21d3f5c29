import { LedgerService } from '../../src/accounts/ledger.service';
import { SystemAccount } from '../../src/accounts/ledger-vocabulary';
import { ReconciliationService } from '../../src/accounts/reconciliation.service';
import { WithdrawalsService } from '../../src/accounts/withdrawals.service';
import { EvmChain } from '../../src/blockchain/evm/evm-chain.service';
import { uuidToBytes32 } from '../../src/blockchain/evm/ids';
import { OperatorTransactions } from '../../src/blockchain/evm/operator-transactions.service';
import { VaultPayouts } from '../../src/blockchain/evm/vault-payouts.service';
import { withdrawalTxKey, WithdrawalSender } from '../../src/blockchain/withdrawals/withdrawal-sender.service';
import { startTestChain, TestChain } from '../support/dev-chain';
import { randomAddress, resumeMining, stopMining, vaultActors, VaultActors } from '../support/vault';
import { givenUserWithBalance } from './support/given';
import { MediumModule, startMediumModule } from './support/medium-module';

const DEADLINE_MS = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The withdrawal sender against the real database and a real node (anvil, a block a second, 2 confirmations):
// one payment whatever runs twice or stops half-way, and a failure only when nothing was or can be paid.
describe('Withdrawal sending: WithdrawalSender, VaultPayouts and OperatorTransactions on anvil (medium)', () => {
  let chain: TestChain;
  let medium: MediumModule;
  let withdrawals: WithdrawalsService;
  let sender: WithdrawalSender;
  let operator: OperatorTransactions;
  let actors: VaultActors;

  beforeAll(async () => {
    chain = await startTestChain({ blockTime: 1 });
    medium = await startMediumModule(
      { providers: [EvmChain, OperatorTransactions, VaultPayouts, WithdrawalSender] },
      { ...chain.env, STARTING_BALANCE: '0', WITHDRAWAL_DEADLINE_MS: String(DEADLINE_MS) },
    );
    withdrawals = medium.get(WithdrawalsService);
    sender = medium.get(WithdrawalSender);
    operator = medium.get(OperatorTransactions);
    actors = vaultActors(chain, medium.get(EvmChain).addresses);
    await actors.fund(1_000_000_000_000n);
  }, 60_000);

  afterAll(async () => {
    await medium?.close();
    await chain?.stop();
  });

  afterEach(async () => {
    await resumeMining(chain);
    expect((await medium.get(ReconciliationService).run()).ok).toBe(true);
  });

  const request = async (amount: string, balance = '5000') => {
    const user = await givenUserWithBalance(medium, balance);
    const to = randomAddress();
    const withdrawal = await withdrawals.request(user.id, { asset: 'USDC', amount, chain: 'dev', toAddress: to });
    return { user, to, withdrawal };
  };
  const balances = async (userId: string) => {
    const [row] = (await medium.dataSource.query(`SELECT available::text, locked::text FROM accounts WHERE user_id = $1 AND asset = 'USDC'`, [userId])) as {
      available: string;
      locked: string;
    }[];
    return { available: BigInt(row.available), locked: BigInt(row.locked) };
  };
  const inTransit = () => medium.dataSource.transaction((manager) => medium.get(LedgerService).systemBalance(manager, SystemAccount.chainInTransit));
  const operatorRows = (key: string) =>
    medium.dataSource.query(`SELECT key, purpose, status, nonce::int, tx_hash FROM operator_transactions WHERE key LIKE $1 ORDER BY created_at`, [`${key}%`]) as Promise<
      { key: string; purpose: string; status: string; nonce: number; tx_hash: string }[]
    >;

  it('pays a withdrawal: SENDING → SENT → COMPLETED, the token arrives, the hold is settled to chain-in-transit', async () => {
    const { user, to, withdrawal } = await request('60.5');
    const transitBefore = await inTransit();

    const result = await sender.send(withdrawal.id);

    expect(result).toEqual({ state: 'done', status: 'COMPLETED' });
    expect(await actors.balanceOf(to)).toBe(60_500_000n);
    expect(await balances(user.id)).toEqual({ available: 4_939_500_000n, locked: 0n });
    expect((await inTransit()) - transitBefore).toBe(60_500_000n);
    const order = await withdrawals.order(withdrawal.id);
    const [tx] = await operatorRows(withdrawalTxKey(withdrawal.id));
    expect(order).toMatchObject({ status: 'COMPLETED', txHash: tx.tx_hash });
    expect(tx).toMatchObject({ purpose: 'call', status: 'CONFIRMED' });
    expect(await actors.withdrawnEvents(uuidToBytes32(withdrawal.id))).toEqual([{ transactionHash: tx.tx_hash, to, amount: 60_500_000n }]);
    // A finished withdrawal's job run again does nothing.
    expect(await sender.send(withdrawal.id)).toEqual({ state: 'done', status: 'COMPLETED' });
    expect(await actors.balanceOf(to)).toBe(60_500_000n);
  });

  it('two runs at once pay once: one stored transaction, one Withdrawn event', async () => {
    const { to, withdrawal } = await request('7');

    const results = await Promise.all([sender.send(withdrawal.id), sender.send(withdrawal.id), sender.send(withdrawal.id)]);

    expect(results).toEqual(Array(3).fill({ state: 'done', status: 'COMPLETED' }));
    expect(await actors.balanceOf(to)).toBe(7_000_000n);
    expect(await operatorRows(withdrawalTxKey(withdrawal.id))).toHaveLength(1);
    expect(await actors.withdrawnEvents(uuidToBytes32(withdrawal.id))).toHaveLength(1);
  });

  it('a run stopped after storing the signed transaction, before broadcasting it: the next run sends those same bytes', async () => {
    const { to, withdrawal } = await request('3');
    await withdrawals.claimForSending(withdrawal.id);
    const payouts = medium.get(VaultPayouts);
    const stored = await operator.prepare({
      key: withdrawalTxKey(withdrawal.id),
      to: medium.get(EvmChain).addresses.vault,
      data: payouts.withdrawCalldata(uuidToBytes32(withdrawal.id), to, 3_000_000n),
    });
    expect(stored.status).toBe('SIGNED');
    expect(await chain.provider.send('eth_getTransactionByHash', [stored.txHash])).toBeNull();

    expect(await sender.send(withdrawal.id)).toEqual({ state: 'done', status: 'COMPLETED' });

    expect(await withdrawals.order(withdrawal.id)).toMatchObject({ txHash: stored.txHash });
    expect(await actors.balanceOf(to)).toBe(3_000_000n);
  });

  it('a run stopped after broadcasting, before marking it SENT: the next run follows that transaction and pays once', async () => {
    const { to, withdrawal } = await request('4');
    await withdrawals.claimForSending(withdrawal.id);
    const payouts = medium.get(VaultPayouts);
    const sent = await operator.submit({
      key: withdrawalTxKey(withdrawal.id),
      to: medium.get(EvmChain).addresses.vault,
      data: payouts.withdrawCalldata(uuidToBytes32(withdrawal.id), to, 4_000_000n),
    });
    expect(sent.status).toBe('BROADCAST');
    expect((await withdrawals.order(withdrawal.id))?.status).toBe('SENDING');
    await chain.mine(3);

    expect(await sender.send(withdrawal.id)).toEqual({ state: 'done', status: 'COMPLETED' });

    expect(await actors.balanceOf(to)).toBe(4_000_000n);
    expect(await actors.withdrawnEvents(uuidToBytes32(withdrawal.id))).toEqual([expect.objectContaining({ transactionHash: sent.txHash })]);
  });

  it('a paused vault refuses the simulation: FAILED with the reason, the hold released, nothing signed', async () => {
    const { user, to, withdrawal } = await request('9', '100');
    await (await chain.provider.getTransaction(await actors.setPaused(true)))!.wait();
    try {
      expect(await sender.send(withdrawal.id)).toEqual({ state: 'done', status: 'FAILED' });
    } finally {
      await (await chain.provider.getTransaction(await actors.setPaused(false)))!.wait();
    }
    const order = await withdrawals.order(withdrawal.id);
    expect(order?.status).toBe('FAILED');
    const [row] = (await medium.dataSource.query(`SELECT reason FROM withdrawals WHERE id = $1`, [withdrawal.id])) as { reason: string }[];
    expect(row.reason).toMatch(/EnforcedPause/);
    expect(await balances(user.id)).toEqual({ available: 100_000_000n, locked: 0n });
    expect(await operatorRows(withdrawalTxKey(withdrawal.id))).toEqual([]);
    expect(await actors.balanceOf(to)).toBe(0n);
  });

  // Skipped for now: on a loaded CI machine the second send sometimes finds no cancellation yet (1 run in ~3 at stop
  // of 2026-12-03); the deadline path needs its clock made explicit before this runs in CI again.
  it.skip('not mined before WITHDRAWAL_DEADLINE_MS: its nonce goes to a cancellation, then FAILED and released', async () => {
    const { user, to, withdrawal } = await request('11', '100');
    await stopMining(chain);

    const first = await sender.send(withdrawal.id, 500);
    expect(first).toMatchObject({ state: 'pending' });
    expect((await withdrawals.order(withdrawal.id))?.status).toBe('SENT');
    await sleep(DEADLINE_MS + 200);
    expect(await sender.send(withdrawal.id, 200)).toMatchObject({ state: 'pending' });
    const rows = await operatorRows(withdrawalTxKey(withdrawal.id));
    expect(rows.map((row) => row.purpose)).toEqual(['call', 'cancel']);
    expect(rows[1].nonce).toBe(rows[0].nonce);

    await resumeMining(chain);
    expect(await sender.send(withdrawal.id)).toEqual({ state: 'done', status: 'FAILED' });

    expect((await operatorRows(withdrawalTxKey(withdrawal.id))).map((row) => [row.purpose, row.status])).toEqual([
      ['call', 'REPLACED'],
      ['cancel', 'CONFIRMED'],
    ]);
    expect(await balances(user.id)).toEqual({ available: 100_000_000n, locked: 0n });
    expect(await actors.balanceOf(to)).toBe(0n);
    expect(await actors.withdrawnEvents(uuidToBytes32(withdrawal.id))).toEqual([]);
  });

  it('above WITHDRAWAL_REVIEW_THRESHOLD: not sent until an admin approves it', async () => {
    const admin = await givenUserWithBalance(medium, '0');
    const { to, withdrawal } = await request('1500');
    expect(withdrawal.approvedAt).toBeNull();

    expect(await sender.send(withdrawal.id)).toEqual({ state: 'done', status: 'PENDING' });
    expect(await operatorRows(withdrawalTxKey(withdrawal.id))).toEqual([]);

    const actor = { id: admin.id, requestId: 'medium' };
    const approved = await withdrawals.approve(actor, withdrawal.id);
    expect(approved).toMatchObject({ withdrawal: { status: 'PENDING', approvedAt: expect.any(String) } });
    await expect(withdrawals.approve(actor, withdrawal.id)).rejects.toThrow(/already approved/);
    expect(await sender.send(withdrawal.id)).toEqual({ state: 'done', status: 'COMPLETED' });
    expect(await actors.balanceOf(to)).toBe(1_500_000_000n);
  });

  it('hands out consecutive nonces to concurrent calls, and the same transaction to the same key', async () => {
    const vault = medium.get(EvmChain).addresses.vault;
    const payouts = medium.get(VaultPayouts);
    const calls = Array.from({ length: 5 }, (_, i) => {
      const id = crypto.randomUUID();
      return { key: `test-payout:${id}`, to: vault, data: payouts.withdrawCalldata(uuidToBytes32(id), randomAddress(), BigInt(i + 1)) };
    });
    const stored = await Promise.all([...calls, calls[0], calls[1]].map((call) => operator.prepare(call)));
    const nonces = stored.slice(0, 5).map((tx) => tx.nonce);
    expect([...nonces].sort((a, b) => a - b)).toEqual(Array.from({ length: 5 }, (_, i) => Math.min(...nonces) + i));
    expect(stored[5].txHash).toBe(stored[0].txHash);
    expect(stored[6].txHash).toBe(stored[1].txHash);
    const outcomes = await Promise.all(calls.map((call) => operator.send(call)));
    expect(outcomes.map((outcome) => outcome.state)).toEqual(Array(5).fill('confirmed'));
  });
});
