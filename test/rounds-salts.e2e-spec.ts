import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Interface } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { contractArtifact } from '../src/blockchain/evm/contract-artifacts';
import { uuidToBytes32 } from '../src/blockchain/evm/ids';
import { verifyRound } from '../src/rounds/fairness/round-verifier';
import { startTestChain, TestChain } from './support/dev-chain';
import { balancesOf, createFundedUser } from './support/ledger';
import { currentRound, FAST_ROUNDS, post, resetRoundsVenue, roundById, RoundBody, waitFor, waitForRound, waitForStatus } from './support/rounds';
import { RunningApp, startTestApp, testConfig } from './support/test-app';

const VERIFY_ROUND = join(__dirname, '..', 'dist', 'src', 'scripts', 'verify-round.js');

interface SaltedRound extends RoundBody {
  saltSource: string;
  saltRef: string | null;
  provablyFair: boolean;
  startsAt: string;
}

/** The run of `npm run verify-round` (the built script), in an environment of its own. */
function verifyRoundCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VERIFY_ROUND, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

// Rounds salted with the hash of a block pinned when the round is created, on a dev chain mining a block a
// second: the round waits for that block (and its confirmations), starts with its hash, and the verify-round
// CLI checks that hash against a node it is given, not against the server.
describe('Rounds: evm-block salts on the dev chain (e2e)', () => {
  let chain: TestChain;
  let running: RunningApp;
  let staleUpTo = 0;
  const env = (overrides: Record<string, string> = {}) => ({ ...FAST_ROUNDS, ROUND_MAX_TICKS: '30', EVM_POLL_MS: '100', SALT_WAIT_MS: '30000', ...chain.env, ...overrides });
  const intervalMining = (seconds: number) => chain.provider.send('evm_setIntervalMining', [seconds]);
  const blockAt = async (n: number) => (await chain.provider.send('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])) as { hash: string; timestamp: string } | null;
  const roundRow = async (id: string) =>
    ((await running.app.get(DataSource).query(`SELECT salt_ref, salt_proof, salt, created_at FROM rounds WHERE id = $1`, [id])) as { salt_ref: string; salt_proof: unknown; salt: string | null; created_at: Date }[])[0];

  /** With interval mining off, the next round created pins head + 1, a block that exists only once the test mines it. */
  async function nextRoundWithMiningOff(): Promise<SaltedRound> {
    await intervalMining(0);
    const live = await currentRound(running);
    // A round created before mining stopped may wait for blocks nobody mines now: mine them until it starts.
    while (live?.status === 'PENDING' && (await roundById(running, live.id)).status === 'PENDING') {
      await chain.mine(1);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    return (await waitForRound(running, live?.number ?? 0, ['PENDING'])) as SaltedRound;
  }

  beforeAll(async () => {
    staleUpTo = await resetRoundsVenue(testConfig().databaseUrl);
    chain = await startTestChain({ blockTime: 1 });
    running = await startTestApp(env());
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await chain?.stop();
  });

  it('says evm-block and provably fair by default on the dev chain', async () => {
    const { body } = await request(running.url).get('/api/v1/chains').expect(200);
    expect(body.saltSource).toBe('evm-block');
    const round = (await waitForRound(running, staleUpTo, ['PENDING', 'ACTIVE'])) as SaltedRound;
    expect(round).toMatchObject({ saltSource: 'evm-block', provablyFair: true, saltRef: expect.stringMatching(/^[0-9]+$/) });
  });

  let verifiedRoundId = '';
  let saltBlock = 0;

  it('pins a block that does not exist yet, waits for it past the start time, and starts with its hash', async () => {
    const round = await nextRoundWithMiningOff();
    saltBlock = Number(round.saltRef);
    const head = await chain.blockNumber();
    expect(saltBlock).toBe(head + 1);
    await expect(blockAt(saltBlock)).resolves.toBeNull();

    // Its start time passes: without its block it stays PENDING, with no salt.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(round.startsAt) - Date.now()) + 800));
    expect(await roundById(running, round.id)).toMatchObject({ status: 'PENDING', salt: null, saltRef: String(saltBlock) });

    await intervalMining(1);
    const active = (await waitForStatus(running, round.id, ['ACTIVE', 'ENDED', 'SETTLED'], 15_000)) as SaltedRound;
    const block = await blockAt(saltBlock);
    expect(block).not.toBeNull();
    expect(active.salt).toBe(block!.hash.toLowerCase());
    expect(active.saltRef).toBe(String(saltBlock));
    // The round started once the block had its 2 confirmations, so after the block was mined.
    expect(await chain.blockNumber()).toBeGreaterThanOrEqual(saltBlock + 2);
    expect(Date.parse(active.startsAt)).toBeGreaterThanOrEqual(Number(BigInt(block!.timestamp)) * 1000);
    const row = await roundRow(round.id);
    expect(row.created_at.getTime()).toBeLessThanOrEqual(Number(BigInt(block!.timestamp)) * 1000 + 999);
    verifiedRoundId = round.id;
  });

  it('/verify gives the block number and hash, and the verifier recomputes the round', async () => {
    await waitForStatus(running, verifiedRoundId, ['ENDED', 'SETTLED'], 15_000);
    const { body } = await request(running.url).get(`/api/v1/rounds/${verifiedRoundId}/verify`).expect(200);
    const block = await blockAt(saltBlock);
    expect(body).toMatchObject({
      saltSource: 'evm-block',
      provablyFair: true,
      salt: block!.hash,
      saltReference: {
        kind: 'evm-block',
        pinned: String(saltBlock),
        chainId: 31337,
        blockNumber: saltBlock,
        blockHash: block!.hash,
        blockTime: new Date(Number(BigInt(block!.timestamp)) * 1000).toISOString(),
        txHash: null,
      },
    });
    // Null until the chain-settlement job's revealSeeds transaction is confirmed (next test).
    expect(body.seedRevealTxHash === null || /^0x[0-9a-f]{64}$/.test(body.seedRevealTxHash as string)).toBe(true);
    const outcome = verifyRound(body);
    expect(outcome).toMatchObject({ ok: true, saltLookup: { kind: 'evm-block', blockNumber: saltBlock, chainId: 31337 } });
    expect(outcome.warnings).toEqual(['params differ from the cm-v1 defaults: maxTicks=30']);
  });

  it('npm run verify-round checks the salt against the block hash on the node it is given, and fails on another chain', async () => {
    const verified = await verifyRoundCli([verifiedRoundId, '--url', running.url, '--rpc', chain.url]);
    expect(verified).toMatchObject({ code: 0, err: '' });
    expect(verified.out).toMatch(/^verified\n/);
    expect(verified.out).toContain(`salt: block ${saltBlock} of chain 31337 has this hash on ${chain.url}`);

    // EVM_RPC_URL, or the dev chain on DEV_CHAIN_PORT, when there is no --rpc.
    expect(await verifyRoundCli([verifiedRoundId, '--url', running.url], { EVM_RPC_URL: chain.url })).toMatchObject({ code: 0 });
    expect(await verifyRoundCli([verifiedRoundId, '--url', running.url], { DEV_CHAIN_PORT: String(chain.port) })).toMatchObject({ code: 0 });

    // Another node of chain 31337 with as many blocks: its block has another hash, and the CLI says so.
    const other = await startTestChain();
    try {
      await other.mine(saltBlock + 3);
      const otherHash = (await other.provider.send('eth_getBlockByNumber', [`0x${saltBlock.toString(16)}`, false])) as { hash: string };
      const refused = await verifyRoundCli([verifiedRoundId, '--url', running.url, '--rpc', other.url]);
      expect(refused.code).toBe(1);
      expect(refused.out).toBe('');
      expect(refused.err).toContain(`NOT verified: salt: expected "${otherHash.hash}" (block ${saltBlock}'s hash on ${other.url})`);
    } finally {
      await other.stop();
    }
    const down = await verifyRoundCli([verifiedRoundId, '--url', running.url, '--rpc', 'http://127.0.0.1:1']);
    expect(down.code).toBe(2);
    expect(down.err).toMatch(/could not check the salt on http:\/\/127\.0\.0\.1:1/);
  });

  it('the chain-settlement job records the revealed seed in SeedCommitments, and /verify names that transaction', async () => {
    const { body } = await waitFor(
      'the seed reveal transaction',
      async () => {
        const response = await request(running.url).get(`/api/v1/rounds/${verifiedRoundId}/verify`).expect(200);
        return response.body.seedRevealTxHash ? response : null;
      },
      30_000,
      200,
    );
    const receipt = await chain.provider.getTransactionReceipt(body.seedRevealTxHash as string);
    expect(receipt?.status).toBe(1);
    const seedCommitments = new Interface(contractArtifact('SeedCommitments').abi);
    const revealed = receipt!.logs.flatMap((log) => seedCommitments.parseLog(log) ?? []).filter((event) => event.name === 'SeedRevealed');
    expect(revealed.map((event) => ({ roundId: event.args.roundId as string, seed: event.args.seed as string }))).toContainEqual({
      roundId: uuidToBytes32(verifiedRoundId),
      seed: `0x${body.serverSeed as string}`,
    });
    // The rounds row holds it (what /verify reads), once.
    const [row] = (await running.app.get(DataSource).query(`SELECT seed_reveal_tx_hash FROM rounds WHERE id = $1`, [verifiedRoundId])) as { seed_reveal_tx_hash: string }[];
    expect(row.seed_reveal_tx_hash).toBe(body.seedRevealTxHash);
  });

  it('a leader that dies while the round waits for its block leaves the next one the same pinned block, even once the chain is past it', async () => {
    const round = await nextRoundWithMiningOff();
    const pinned = Number(round.saltRef);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(round.startsAt) - Date.now()) + 300));
    await running.close();

    // The block and many more are mined while no engine runs: a start that drew again would pin past them.
    await chain.mine(10);
    const head = await chain.blockNumber();
    running = await startTestApp(env());
    const started = (await waitForStatus(running, round.id, ['ACTIVE', 'ENDED', 'SETTLED'], 15_000)) as SaltedRound;
    expect(started.saltRef).toBe(String(pinned));
    expect(started.salt).toBe((await blockAt(pinned))!.hash);
    expect(pinned).toBeLessThan(head);
    await intervalMining(1);
  });

  it('a salt block that never comes within SALT_WAIT_MS voids the round (side bets refunded) instead of drawing another', async () => {
    await running.close();
    // Long enough for a block and its 2 confirmations at a block a second, short for a test.
    running = await startTestApp(env({ SALT_WAIT_MS: '5000' }));
    const player = await createFundedUser(running);
    const before = (await balancesOf(running, player)).USDC.available;
    const round = await nextRoundWithMiningOff();
    const bet = await post(running, player, `/api/v1/rounds/${round.id}/side-bets`, { amount: '2' });
    expect(bet.status).toBe(201);

    const voided = await waitForStatus(running, round.id, ['VOIDED'], 15_000);
    expect(voided).toMatchObject({ salt: null, saltRef: round.saltRef, serverSeed: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await roundRow(round.id)).salt_proof).toBeNull();
    await waitFor('the side bet refunded', async () => (await balancesOf(running, player)).USDC.available === before);
    await request(running.url).get(`/api/v1/rounds/${round.id}/verify`).expect(409);

    // Play goes on once blocks come again.
    await intervalMining(1);
    const next = (await waitForRound(running, voided.number, ['ACTIVE', 'ENDED', 'SETTLED'], 20_000)) as SaltedRound;
    expect(next.salt).toBe((await blockAt(Number(next.saltRef)))!.hash);
  });

  it('a round pinned for evm-block is voided, not drawn from another source, by a server restarted with SALT_SOURCE=server', async () => {
    const round = await nextRoundWithMiningOff();
    await running.close();
    running = await startTestApp(env({ SALT_SOURCE: 'server' }));
    await intervalMining(1);
    const voided = await waitForStatus(running, round.id, ['VOIDED'], 15_000);
    expect(voided).toMatchObject({ salt: null, saltRef: round.saltRef, saltSource: 'evm-block' });
    const next = (await waitForRound(running, voided.number, ['ACTIVE', 'ENDED', 'SETTLED'])) as SaltedRound;
    expect(next).toMatchObject({ saltSource: 'server', saltRef: null, provablyFair: false });
  });
});
