import { Account, Ed25519PrivateKey } from '@aptos-labs/ts-sdk';
import { DataSource } from 'typeorm';
import { AptosChain } from '../src/blockchain/aptos/aptos-chain.service';
import { AptosDepositWatcher } from '../src/blockchain/aptos/aptos-deposit-watcher.service';
import { AptosFullnode } from './support/aptos-fullnode';
import { assertBuilt, runServer, startServer } from './support/server-process';
import { RunningApp, startTestApp } from './support/test-app';

// The app with APTOS_NETWORK set, against the fixture fullnode (no Aptos node runs here): it starts only when the
// node answers with an initialized vault, lists the chain in GET /api/v1/chains, and its AptosChain (what the
// `aptos` salt source calls) draws through the operator key. Deposits credited through the real DepositsService:
// aptos-deposits.e2e-spec.ts (the watcher's paging and leasing: its medium test).
describe('Aptos in the running app (fixture fullnode)', () => {
  const operatorKey = Ed25519PrivateKey.generate();
  let node: AptosFullnode;
  let running: RunningApp;

  beforeAll(async () => {
    node = await AptosFullnode.start({ operatorAddress: Account.fromPrivateKey({ privateKey: operatorKey }).accountAddress.toStringLong() });
    running = await startTestApp(node.env(operatorKey.toString()));
  });
  afterAll(async () => {
    const watcher = running?.app.get(AptosDepositWatcher);
    // Stopped before its cursor row goes, so it neither misses the row and holds its lease to expiry nor recreates it.
    await watcher?.stop();
    const stream = watcher?.stream;
    await running?.app.get(DataSource).query(`DELETE FROM aptos_deposit_cursors WHERE stream = $1`, [stream]);
    await running?.close();
    await node?.close();
  });

  it('GET /api/v1/chains lists the Aptos chain: its package as the vault, the USDC metadata object, final on commit', async () => {
    const response = await fetch(`${running.url}/api/v1/chains`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      chains: [
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
      ],
      saltSource: 'aptos',
    });
  });

  it('draws a round salt once through the app’s AptosChain; a retry answers the same draw', async () => {
    const chain = running.app.get(AptosChain);
    const first = await chain.draw(9001n);
    expect(first.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(await chain.draw(9001n)).toEqual(first);
    expect(await chain.find(9001n)).toEqual(first);
    expect(node.submitted.map((submitted) => [submitted.outcome, submitted.signatureValid])).toEqual([
      ['executed', true],
      ['aborted', true],
    ]);
  });

  it('runs the deposit watcher (APP_ROLE all) and asks nothing the fixtures do not answer', async () => {
    const watcher = running.app.get(AptosDepositWatcher);
    for (let attempt = 0; attempt < 400 && !watcher.isLeader; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(watcher.isLeader).toBe(true);
    expect(node.unexpected).toEqual([]);
  });

  it('the built server (the SDK on its Node HTTP client) connects to the node, and exits 1 naming the problem when the vault is missing', async () => {
    assertBuilt();
    const env = node.env(operatorKey.toString());
    const server = startServer(env);
    try {
      await server.waitForLog(/^Aptos custom \(chain 2\): package /);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const exit = await runServer({ ...env, APTOS_MODULE_ADDRESS: '0xdead' });
    expect(exit.code).toBe(1);
    expect(exit.output).toMatch(/APTOS_MODULE_ADDRESS 0x0{60}dead has no initialized cash_markets vault/);
    node.unexpected.length = 0;
  });
});
