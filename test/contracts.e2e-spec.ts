import { Contract, ZeroHash, id } from 'ethers';
import { startTestChain, TestChain } from './support/dev-chain';

// The EVM contracts on a real node (anvil, automine): the vault's deposit and once-only withdrawal, its
// operator and owner rules and pause; SeedCommitments' once-only chain commitment and idempotent reveals.
describe('EVM contracts (anvil)', () => {
  let chain: TestChain;
  let token: Contract;
  let vault: Contract;
  let commitments: Contract;
  const owner = () => chain.wallet(9);
  const operator = () => chain.wallet(8);
  const alice = () => chain.wallet(7);

  beforeAll(async () => {
    chain = await startTestChain();
    token = (await chain.deploy('TestUSDC')) as Contract;
    vault = (await chain.deploy('CashMarketsVault', await token.getAddress(), operator().address, owner().address)) as Contract;
    commitments = (await chain.deploy('SeedCommitments', operator().address, owner().address)) as Contract;
  }, 30_000);

  afterAll(async () => {
    await chain?.stop();
  });

  const as = (contract: Contract, signer: ReturnType<TestChain['wallet']>) => contract.connect(signer) as Contract;

  it('TestUSDC has 6 decimals and an open mint', async () => {
    expect(await token.decimals()).toBe(6n);
    await (await as(token, alice()).mint(alice().address, 5_000_000n)).wait();
    expect(await token.balanceOf(alice().address)).toBe(5_000_000n);
  });

  it('deposit pulls the approved amount and emits Deposited(account, amount)', async () => {
    await (await as(token, alice()).approve(await vault.getAddress(), 2_000_000n)).wait();
    const receipt = await (await as(vault, alice()).deposit(2_000_000n)).wait();
    const event = vault.interface.parseLog(receipt.logs.find((log: { address: string }) => log.address === vault.target)!);
    expect(event?.name).toBe('Deposited');
    expect(event?.args.account).toBe(alice().address);
    expect(event?.args.amount).toBe(2_000_000n);
    expect(await token.balanceOf(await vault.getAddress())).toBe(2_000_000n);
    await expect(as(vault, alice()).deposit(0n)).rejects.toThrow(/ZeroAmount|revert/);
    await expect(as(vault, alice()).deposit(10_000_000n)).rejects.toThrow(/revert|ERC20InsufficientAllowance/);
  });

  it('withdraw pays once per withdrawalId, only from the operator', async () => {
    const withdrawalId = id('withdrawal-1');
    const bob = chain.wallet(6).address;
    await expect(as(vault, alice()).withdraw(withdrawalId, bob, 500_000n)).rejects.toThrow(/NotOperator|revert/);
    const receipt = await (await as(vault, operator()).withdraw(withdrawalId, bob, 500_000n)).wait();
    expect(receipt.status).toBe(1);
    expect(await token.balanceOf(bob)).toBe(500_000n);
    expect(await vault.withdrawn(withdrawalId)).toBe(true);
    await expect(as(vault, operator()).withdraw(withdrawalId, bob, 500_000n)).rejects.toThrow(/AlreadyWithdrawn|revert/);
    expect(await token.balanceOf(bob)).toBe(500_000n);
  });

  it('the owner pauses deposits and withdrawals; nobody else can', async () => {
    await expect(as(vault, operator()).pause()).rejects.toThrow(/OwnableUnauthorizedAccount|revert/);
    await (await as(vault, owner()).pause()).wait();
    await expect(as(vault, alice()).deposit(1n)).rejects.toThrow(/EnforcedPause|revert/);
    await expect(as(vault, operator()).withdraw(id('withdrawal-2'), alice().address, 1n)).rejects.toThrow(/EnforcedPause|revert/);
    await (await as(vault, owner()).unpause()).wait();
    await (await as(vault, operator()).withdraw(id('withdrawal-2'), alice().address, 1n)).wait();
  });

  it('SeedCommitments records a chain once and each revealed seed once, readable back', async () => {
    const chainId = id('seed-chain-1');
    const terminal = id('terminal');
    await expect(as(commitments, alice()).commitChain(chainId, terminal, 10n)).rejects.toThrow(/NotOperator|revert/);
    await (await as(commitments, operator()).commitChain(chainId, terminal, 10n)).wait();
    await expect(as(commitments, operator()).commitChain(chainId, ZeroHash, 10n)).rejects.toThrow(/AlreadyCommitted|revert/);
    const stored = await commitments.chains(chainId);
    expect(stored.terminalHash).toBe(terminal);
    expect(stored.chainLength).toBe(10n);
    expect(stored.committedAt).toBeGreaterThan(0n);

    const rounds = [id('round-1'), id('round-2')];
    const seeds = [id('seed-1'), id('seed-2')];
    await expect(as(commitments, operator()).revealSeeds(id('unknown'), rounds, seeds)).rejects.toThrow(/UnknownChain|revert/);
    await expect(as(commitments, operator()).revealSeeds(chainId, rounds, [seeds[0]])).rejects.toThrow(/LengthMismatch|revert/);
    await (await as(commitments, operator()).revealSeeds(chainId, rounds, seeds)).wait();
    // A retried batch skips what is recorded: the first seed is not overwritten.
    const retry = await (await as(commitments, operator()).revealSeeds(chainId, [rounds[0]], [id('other')])).wait();
    expect(retry.logs).toHaveLength(0);
    expect((await commitments.reveals(rounds[0])).seed).toBe(seeds[0]);
    expect((await commitments.reveals(rounds[1])).chainId).toBe(chainId);
  });
});
