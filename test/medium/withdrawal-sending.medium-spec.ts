import { DepositReviewService } from '../../src/accounts/deposit-review.service';
import { vaultAccount } from '../../src/accounts/deposit-postings';
import { DepositsService } from '../../src/accounts/deposits.service';
import { LedgerService } from '../../src/accounts/ledger.service';
import { SystemAccount } from '../../src/accounts/ledger-vocabulary';
import { ReconciliationService } from '../../src/accounts/reconciliation.service';
import { WithdrawalsService } from '../../src/accounts/withdrawals.service';
import { Clock } from '../../src/blockchain/evm/clock';
import { EvmVaultReconciliation } from '../../src/blockchain/evm/deposit-watcher/vault-reconciliation';
import { EvmChain } from '../../src/blockchain/evm/evm-chain.service';
import { uuidToBytes32 } from '../../src/blockchain/evm/ids';
import { OperatorTransactions } from '../../src/blockchain/evm/operator-transactions.service';
import { VaultPayouts } from '../../src/blockchain/evm/vault-payouts.service';
import { depositReturnTxKey, DepositReturnSender } from '../../src/blockchain/withdrawals/deposit-return-sender.service';
import { withdrawalTxKey, WithdrawalSender } from '../../src/blockchain/withdrawals/withdrawal-sender.service';
import { startTestChain, TestChain } from '../support/dev-chain';
import { ManualClock } from '../support/manual-clock';
import { randomAddress, resumeMining, stopMining, vaultActors, VaultActors } from '../support/vault';
import { givenUserWithBalance } from './support/given';
import { MediumModule, startMediumModule } from './support/medium-module';

const DEADLINE_MS = 3000;

// The withdrawal sender against the real database and a real node (anvil, a block a second, 2 confirmations):
// one payment whatever runs twice or stops half-way, and a failure only when nothing was or can be paid.
describe('Withdrawal sending: WithdrawalSender, VaultPayouts and OperatorTransactions on anvil (medium)', () => {
  let chain: TestChain;
  let medium: MediumModule;
  let withdrawals: WithdrawalsService;
  let sender: WithdrawalSender;
  let operator: OperatorTransactions;
  let actors: VaultActors;
  // Deadlines are measured on this clock, stopped at the start of each test: no payment passes its deadline
  // because the machine is slow, only when a test moves the clock past it.
  const clock = new ManualClock();

  beforeAll(async () => {
    chain = await startTestChain({ blockTime: 1 });
    medium = await startMediumModule(
      { providers: [EvmChain, EvmVaultReconciliation, OperatorTransactions, VaultPayouts, WithdrawalSender, DepositReturnSender, { provide: Clock, useValue: clock }] },
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

  beforeEach(() => clock.freeze());

  afterEach(async () => {
    await resumeMining(chain);
    const report = await medium.get(ReconciliationService).run();
    expect(report.checks).toEqual([expect.objectContaining({ name: 'evm-vault:dev', ok: true })]);
    expect(report.ok).toBe(true);
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
  const systemBalance = (account: { system: string }) => medium.dataSource.transaction((manager) => medium.get(LedgerService).systemBalance(manager, account));
  /** The vault's ledger account: deposits are credited out of it, payments out of the vault settle into it. */
  const vaultBalance = async () => systemBalance(vaultAccount(await medium.get(EvmChain).vaultChain()));
  const operatorRows = (key: string) =>
    medium.dataSource.query(`SELECT key, purpose, status, nonce::int, tx_hash FROM operator_transactions WHERE key LIKE $1 ORDER BY created_at`, [`${key}%`]) as Promise<
      { key: string; purpose: string; status: string; nonce: number; tx_hash: string }[]
    >;

  it("pays a withdrawal: SENDING → SENT → COMPLETED, the token arrives, the hold is settled into the vault's ledger account", async () => {
    const { user, to, withdrawal } = await request('60.5');
    const vaultBefore = await vaultBalance();

    const result = await sender.send(withdrawal.id);

    expect(result).toEqual({ state: 'done', status: 'COMPLETED' });
    expect(await actors.balanceOf(to)).toBe(60_500_000n);
    expect(await balances(user.id)).toEqual({ available: 4_939_500_000n, locked: 0n });
    expect((await vaultBalance()) - vaultBefore).toBe(60_500_000n);
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

  it('not mined before WITHDRAWAL_DEADLINE_MS: its nonce goes to a cancellation, then FAILED and released', async () => {
    const { user, to, withdrawal } = await request('11', '100');
    await stopMining(chain);

    const first = await sender.send(withdrawal.id, 500);
    expect(first).toMatchObject({ state: 'pending' });
    expect((await withdrawals.order(withdrawal.id))?.status).toBe('SENT');
    expect((await operatorRows(withdrawalTxKey(withdrawal.id))).map((row) => row.purpose)).toEqual(['call']);
    const [{ broadcast_at: broadcastAt }] = (await medium.dataSource.query(`SELECT broadcast_at FROM operator_transactions WHERE key = $1`, [
      withdrawalTxKey(withdrawal.id),
    ])) as { broadcast_at: Date }[];
    clock.set(broadcastAt.getTime() + DEADLINE_MS + 1);
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

  describe('returning an unassigned deposit (DepositReturnSender)', () => {
    /** A confirmed deposit of `amount` into the vault from an address no user has: UNASSIGNED. */
    const givenUnassignedDeposit = async (amount: bigint) => {
      const from = randomAddress();
      await actors.fund(amount);
      const chainId = await medium.get(EvmChain).vaultChain();
      const txHash = `0x${crypto.randomUUID().replaceAll('-', '').padEnd(64, '0')}`;
      await medium.get(DepositsService).recordFinal([
        { ...chainId, chain: 'dev', txHash, logIndex: 0, blockNumber: 1n, blockHash: null, fromAddress: from, asset: 'USDC', amount },
      ]);
      const [row] = (await medium.dataSource.query(`SELECT id, status FROM deposits WHERE tx_hash = $1`, [txHash])) as { id: string; status: string }[];
      expect(row.status).toBe('UNASSIGNED');
      return { from, depositId: row.id };
    };
    const status = async (depositId: string) => (await medium.get(DepositReviewService).returnOrder(depositId))?.status;

    it('pays it back to the sender once: RETURNED, out of unassigned-deposits into the vault account; run again, nothing more', async () => {
      const admin = await givenUserWithBalance(medium, '0');
      const { from, depositId } = await givenUnassignedDeposit(25_000_000n);
      const review = medium.get(DepositReviewService);
      const returns = medium.get(DepositReturnSender);
      const [unassignedBefore, vaultBefore] = [await systemBalance(SystemAccount.unassignedDeposits), await vaultBalance()];

      await review.requestReturn({ id: admin.id, requestId: 'medium-test' }, depositId);
      const results = await Promise.all([returns.send(depositId), returns.send(depositId)]);

      expect(results).toEqual(Array(2).fill({ state: 'done', status: 'RETURNED' }));
      expect(await actors.balanceOf(from)).toBe(25_000_000n);
      const [tx] = await operatorRows(depositReturnTxKey(depositId, 1));
      expect(await actors.withdrawnEvents(uuidToBytes32(depositId))).toEqual([{ transactionHash: tx.tx_hash, to: from, amount: 25_000_000n }]);
      expect((await review.returnOrder(depositId))?.returnTxHash).toBe(tx.tx_hash);
      expect(unassignedBefore - (await systemBalance(SystemAccount.unassignedDeposits))).toBe(25_000_000n);
      expect((await vaultBalance()) - vaultBefore).toBe(25_000_000n);
      expect(await returns.send(depositId)).toEqual({ state: 'done', status: 'RETURNED' });
      await expect(review.requestReturn({ id: admin.id, requestId: 'medium-test' }, depositId)).rejects.toThrow(/RETURNED, not UNASSIGNED/);
      expect(await actors.withdrawnEvents(uuidToBytes32(depositId))).toHaveLength(1);
    });

    it('a return the vault refuses (paused) leaves it UNASSIGNED with the hold released; requested again, it is paid by a new transaction', async () => {
      const admin = await givenUserWithBalance(medium, '0');
      const { from, depositId } = await givenUnassignedDeposit(8_000_000n);
      const review = medium.get(DepositReviewService);
      const returns = medium.get(DepositReturnSender);

      await review.requestReturn({ id: admin.id, requestId: 'medium-test' }, depositId);
      await (await chain.provider.getTransaction(await actors.setPaused(true)))!.wait();
      try {
        expect(await returns.send(depositId)).toEqual({ state: 'done', status: 'UNASSIGNED' });
      } finally {
        await (await chain.provider.getTransaction(await actors.setPaused(false)))!.wait();
      }
      const [unassigned] = (await medium.dataSource.query(`SELECT locked::text FROM accounts WHERE system_key = 'unassigned-deposits'`)) as { locked: string }[];
      expect(unassigned.locked).toBe('0');
      expect(await status(depositId)).toBe('UNASSIGNED');

      await review.requestReturn({ id: admin.id, requestId: 'medium-test' }, depositId);
      expect(await returns.send(depositId)).toEqual({ state: 'done', status: 'RETURNED' });
      expect(await operatorRows(depositReturnTxKey(depositId, 2))).toHaveLength(1);
      expect(await actors.balanceOf(from)).toBe(8_000_000n);
      expect(await actors.withdrawnEvents(uuidToBytes32(depositId))).toHaveLength(1);
    });
  });
});
