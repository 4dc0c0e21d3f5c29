import { Account, Ed25519PrivateKey } from '@aptos-labs/ts-sdk';
import { AptosChain } from '../../src/blockchain/aptos/aptos-chain.service';
import { ChainsService } from '../../src/blockchain/chains.service';
import type { EvmChain } from '../../src/blockchain/evm/evm-chain.service';
import { testConfig } from '../support/test-app';
import { AptosFullnode, longAddress, u64Argument } from '../support/aptos-fullnode';

/** An AptosChain on the real SDK against the fixture fullnode, as the app builds it. */
async function connect(node: AptosFullnode, key: Ed25519PrivateKey, overrides: Record<string, string> = {}): Promise<{ chain: AptosChain; chains: ChainsService }> {
  const config = testConfig({ ...node.env(key.toString()), ...overrides });
  const chains = new ChainsService(config, { config: undefined } as EvmChain);
  const chain = new AptosChain(config, chains);
  await chain.onModuleInit();
  return { chain, chains };
}

const newKey = () => Ed25519PrivateKey.generate();
const addressOf = (key: Ed25519PrivateKey) => Account.fromPrivateKey({ privateKey: key }).accountAddress.toStringLong();

describe('AptosChain on @aptos-labs/ts-sdk against a fixture fullnode (medium)', () => {
  const operatorKey = newKey();
  let node: AptosFullnode;
  let chain: AptosChain;
  let chains: ChainsService;

  beforeAll(async () => {
    node = await AptosFullnode.start({ operatorAddress: addressOf(operatorKey) });
    ({ chain, chains } = await connect(node, operatorKey));
  });
  afterAll(async () => {
    await node?.close();
  });
  afterEach(() => {
    expect(node.unexpected).toEqual([]);
  });

  it('connects: reads the ledger and the vault, and describes itself in GET /chains', () => {
    expect(chains.describe().chains).toEqual([
      {
        name: 'aptos',
        kind: 'aptos',
        chainId: node.chainId,
        network: 'custom',
        rpcUrl: null,
        vaultAddress: node.moduleAddress,
        seedCommitmentsAddress: null,
        confirmations: 0,
        token: { symbol: 'USDC', decimals: 6, address: node.tokenAddress },
      },
    ]);
    expect(node.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /v1', 'POST /v1/view', 'POST /v1/view']);
  });

  it('draws a round’s salt: a transaction signed by the operator key for round_salts::draw(round id), answered with its event', async () => {
    const before = node.requests.length;
    const drawn = await chain.draw(42n);

    expect(node.submitted).toHaveLength(1);
    const [submitted] = node.submitted;
    expect(submitted).toMatchObject({ sender: addressOf(operatorKey), functionId: `${node.moduleAddress}::round_salts::draw`, chainId: node.chainId, signatureValid: true, outcome: 'executed', maxGasAmount: 50_000n, gasUnitPrice: 100n });
    expect(submitted.args.map(u64Argument)).toEqual([42n]);
    const { salt, hash } = node.draws.get(42n)!;
    expect(drawn).toEqual({ roundId: 42n, salt: salt.toString(16).padStart(64, '0'), txHash: hash, version: node.latestVersion, drawnAt: expect.any(Date) });
    // The fixture stamps a transaction with the time it commits.
    expect(Math.abs(drawn.drawnAt.getTime() - Date.now())).toBeLessThan(10_000);
    expect(drawn.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(drawn.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(drawn.txHash).toBe(submitted.hash);
    // Built (sequence number, gas price), submitted as BCS, then waited for by hash; nothing simulated, no ABI fetched.
    const calls = node.requests.slice(before).map((request) => `${request.method} ${request.path.replace(/0x[0-9a-f]{64}/g, '<hex>')}${request.method === 'POST' ? ` ${request.contentType}` : ''}`);
    expect([...new Set(calls)].sort()).toEqual([
      'GET /v1/accounts/<hex>',
      'GET /v1/estimate_gas_price',
      'GET /v1/transactions/by_hash/<hex>',
      'GET /v1/transactions/wait_by_hash/<hex>',
      'POST /v1/transactions application/x.aptos.signed_transaction+bcs',
    ]);
  });

  it('a second draw for the round is refused on chain and answers the first draw', async () => {
    const first = await chain.find(42n);
    const submittedBefore = node.submitted.length;
    const again = await chain.draw(42n);
    expect(node.submitted.slice(submittedBefore)).toEqual([expect.objectContaining({ outcome: 'aborted', signatureValid: true })]);
    expect(again).toEqual(first);
    expect(again?.txHash).toBe(node.draws.get(42n)!.hash);
  });

  it('finds a drawn round from the package’s state without sending anything, and nothing for an undrawn one', async () => {
    const submittedBefore = node.submitted.length;
    expect(await chain.find(42n)).toEqual(expect.objectContaining({ roundId: 42n, txHash: node.draws.get(42n)!.hash }));
    expect(await chain.find(7n)).toBeUndefined();
    expect(node.submitted.length).toBe(submittedBefore);
  });

  it('sends concurrent draws one after another, each with the next sequence number', async () => {
    const before = node.submitted.length;
    const draws = await Promise.all([100n, 101n, 102n].map((round) => chain.draw(round)));
    expect(draws.map((draw) => draw.roundId)).toEqual([100n, 101n, 102n]);
    expect(new Set(draws.map((draw) => draw.salt)).size).toBe(3);
    const sequenceNumbers = node.submitted.slice(before).map((submitted) => submitted.sequenceNumber);
    expect(sequenceNumbers).toEqual([sequenceNumbers[0], sequenceNumbers[0] + 1n, sequenceNumbers[0] + 2n]);
  });

  it('refuses a round id that is not a u64', async () => {
    await expect(chain.draw(-1n)).rejects.toThrow(RangeError);
    await expect(chain.find(2n ** 64n)).rejects.toThrow(RangeError);
  });

  it('fails a draw by a key that is not the package’s operator with the chain’s reason', async () => {
    const { chain: stranger } = await connect(node, newKey());
    await expect(stranger.draw(500n)).rejects.toThrow(/E_NOT_OPERATOR/);
    expect(node.draws.has(500n)).toBe(false);
  });

  it('reads the vault’s deposits page by page, whole transactions, skipping payouts and failed deposits', async () => {
    const start = node.latestVersion;
    const alice = `0x${'a1'.repeat(32)}`;
    const bob = '0xb0b';
    const first = node.addDeposit(alice, 30_000_000n);
    node.addVaultPayout(alice, 1_000_000n);
    node.addDeposit(bob, 5n, { success: false });
    const second = node.addDeposit(bob, 12_500_000n);
    const third = node.addDeposit(alice, 1n);
    const upTo = await chain.indexedVersion();
    expect(upTo).toBe(node.latestVersion);

    const page1 = await chain.depositsAfter(start, upTo, 2);
    expect(page1.deposits.map((deposit) => [deposit.txHash, deposit.fromAddress, deposit.amount])).toEqual([[first.hash, alice, 30_000_000n]]);
    expect(page1.through).toBe(first.version + 1n);
    const page2 = await chain.depositsAfter(page1.through, upTo, 2);
    expect(page2.deposits.map((deposit) => [deposit.txHash, deposit.fromAddress, deposit.amount])).toEqual([
      [second.hash, longAddress(bob), 12_500_000n],
      [third.hash, alice, 1n],
    ]);
    expect(page2.through).toBe(third.version);
    expect(await chain.depositsAfter(page2.through, upTo, 2)).toEqual({ deposits: [], through: upTo });
    expect(page2.deposits[0]).toEqual({
      chain: 'aptos',
      chainId: String(node.chainId),
      txHash: second.hash,
      logIndex: 2,
      blockNumber: second.version,
      blockHash: null,
      fromAddress: longAddress(bob),
      asset: 'USDC',
      amount: 12_500_000n,
    });
    expect(node.indexerQueries.filter((query) => query.query.includes('fungible_asset_activities')).every((query) => query.variables.store === node.vaultStoreAddress)).toBe(true);
  });

  it('reads no deposit past what the indexer has fully processed', async () => {
    node.indexUpTo(node.latestVersion);
    const start = node.latestVersion;
    node.addDeposit('0xc', 7n);
    expect(await chain.indexedVersion()).toBe(start);
    expect(await chain.depositsAfter(start, await chain.indexedVersion(), 10)).toEqual({ deposits: [], through: start });
    node.indexUpTo();
    expect((await chain.depositsAfter(start, await chain.indexedVersion(), 10)).deposits.map((deposit) => deposit.amount)).toEqual([7n]);
  });

  it('does not start against a package without an initialized vault', async () => {
    const empty = await AptosFullnode.start({ operatorAddress: addressOf(operatorKey) });
    try {
      const config = testConfig({ ...empty.env(operatorKey.toString()), APTOS_MODULE_ADDRESS: '0xdead' });
      await expect(new AptosChain(config, new ChainsService(config, { config: undefined } as EvmChain)).onModuleInit()).rejects.toThrow(/has no initialized cash_markets vault/);
    } finally {
      await empty.close();
    }
  });
});
