import { Account, Ed25519PrivateKey } from '@aptos-labs/ts-sdk';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AptosDepositWatcher } from '../src/blockchain/aptos/aptos-deposit-watcher.service';
import { verifyRound } from '../src/rounds/fairness/round-verifier';
import { AptosFullnode } from './support/aptos-fullnode';
import { FAST_ROUNDS, resetRoundsVenue, RoundBody, waitForRound, waitForStatus } from './support/rounds';
import { RunningApp, startTestApp, testConfig } from './support/test-app';

const VERIFY_ROUND = join(__dirname, '..', 'dist', 'src', 'scripts', 'verify-round.js');

function verifyRoundCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VERIFY_ROUND, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

// Rounds salted by the cash_markets package's randomness draw (through the app's AptosChain, against the fixture
// fullnode): the round's number is its pinned draw id, the salt is the drawn u256, /verify names the transaction,
// and the verify-round CLI finds the RoundSaltDrawn event on the fullnode.
describe('Rounds: aptos salts (fixture fullnode, e2e)', () => {
  const operatorKey = Ed25519PrivateKey.generate();
  let node: AptosFullnode;
  let running: RunningApp;
  let staleUpTo = 0;

  beforeAll(async () => {
    staleUpTo = await resetRoundsVenue(testConfig().databaseUrl);
    node = await AptosFullnode.start({ operatorAddress: Account.fromPrivateKey({ privateKey: operatorKey }).accountAddress.toStringLong() });
    running = await startTestApp({ ...FAST_ROUNDS, ROUND_MAX_TICKS: '30', ...node.env(operatorKey.toString()) });
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

  it("pins the round's number as its draw id, salts with the drawn u256 and verifies against the fullnode", async () => {
    const round = (await waitForRound(running, staleUpTo, ['PENDING'])) as RoundBody & { saltSource: string; saltRef: string | null; provablyFair: boolean };
    expect(round).toMatchObject({ saltSource: 'aptos', saltRef: String(round.number), provablyFair: true, salt: null });

    const ended = await waitForStatus(running, round.id, ['ENDED', 'SETTLED'], 20_000);
    const drawn = node.draws.get(BigInt(round.number));
    expect(drawn).toBeDefined();
    expect(ended.salt).toBe(drawn!.salt.toString(16).padStart(64, '0'));

    const { body } = await request(running.url).get(`/api/v1/rounds/${round.id}/verify`).expect(200);
    expect(body).toMatchObject({
      saltSource: 'aptos',
      provablyFair: true,
      saltReference: { kind: 'aptos', pinned: String(round.number), aptosNetwork: 'custom', moduleAddress: node.moduleAddress, txHash: drawn!.hash, blockHash: null },
    });
    // When the draw happened: its transaction's timestamp on the fullnode, after the round was created.
    const drawTransaction = (await (await fetch(`${node.url}/transactions/by_hash/${drawn!.hash}`)).json()) as { timestamp: string };
    expect(body.saltReference.drawnAt).toBe(new Date(Number(BigInt(drawTransaction.timestamp) / 1000n)).toISOString());
    expect(Date.parse(body.saltReference.drawnAt as string)).toBeGreaterThanOrEqual(Date.parse(body.saltReference.pinnedAt as string));
    expect(verifyRound(body)).toMatchObject({ ok: true, saltLookup: { kind: 'aptos', txHash: drawn!.hash, roundId: String(round.number) } });

    const verified = await verifyRoundCli([round.id, '--url', running.url, '--aptos-node', node.url, '--aptos-module', node.moduleAddress]);
    expect(verified).toMatchObject({ code: 0, err: '' });
    expect(verified.out).toContain(`salt: drawn for round id ${round.number} in transaction ${drawn!.hash} on ${node.url}`);
    const otherModule = await verifyRoundCli([round.id, '--url', running.url, '--aptos-node', node.url, '--aptos-module', '0xbeef']);
    expect(otherModule.code).toBe(1);
    expect(otherModule.err).toMatch(/NOT verified: saltReference.moduleAddress/);
    expect(node.unexpected).toEqual([]);
  });
});
