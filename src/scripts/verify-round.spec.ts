import { generateCandlePath } from '../rounds/fairness/candle-path';
import { SeedChain } from '../rounds/fairness/hash-chain';
import { formatPrice } from '../rounds/fairness/price';
import { DEFAULT_ROUND_PARAMS, FAIRNESS_ALGORITHM } from '../rounds/fairness/round-params';
import { roundSeedOf } from '../rounds/fairness/round-seed';
import { parseVerifyRoundArgs, runVerifyRound, verifyUrl, VerifyRoundIo } from './verify-round';

function honestRound(roundId: string, salt = 'cli spec salt') {
  const chain = SeedChain.fromFirstSeed('42'.repeat(32), 5);
  const serverSeed = chain.serverSeedForRound(2);
  const roundSeed = roundSeedOf(serverSeed, salt);
  const path = generateCandlePath(roundSeed, DEFAULT_ROUND_PARAMS);
  return {
    roundId,
    number: 2,
    algorithm: FAIRNESS_ALGORITHM,
    params: { ...DEFAULT_ROUND_PARAMS },
    serverSeed,
    serverSeedHash: chain.serverSeedHashForRound(2),
    salt,
    saltSource: 'server',
    roundSeed,
    rugTick: path.rugTick,
    candles: path.candles.map((c) => ({ roundId, tick: c.tick, open: formatPrice(c.open), high: formatPrice(c.high), low: formatPrice(c.low), close: formatPrice(c.close), at: '2026-01-01T00:00:00.000Z' })),
  };
}

function fakeIo(answer: { status: number; body: unknown } | Error) {
  const requested: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const io: VerifyRoundIo = {
    fetch: async (url) => {
      requested.push(url);
      if (answer instanceof Error) throw answer;
      return { ok: answer.status < 300, status: answer.status, json: async () => answer.body, text: async () => JSON.stringify(answer.body) };
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { io, requested, out, err };
}

describe('verify-round CLI', () => {
  it('fetches /api/v1/rounds/:id/verify from localhost:3000 when neither PUBLIC_URL nor PORT is set and prints "verified"', async () => {
    const fake = fakeIo({ status: 200, body: honestRound('r-1') });
    await expect(runVerifyRound(['r-1'], fake.io)).resolves.toBe(0);
    expect(fake.requested).toEqual(['http://localhost:3000/api/v1/rounds/r-1/verify']);
    expect(fake.out[0]).toBe('verified');
    expect(fake.out).toContainEqual(expect.stringMatching(/warning: .*not provably fair/));
    expect(fake.err).toEqual([]);
  });

  it('takes --url in both spellings, with or without a trailing slash', async () => {
    const first = fakeIo({ status: 200, body: honestRound('r-2') });
    await expect(runVerifyRound(['r-2', '--url', 'http://10.0.0.5:8080/'], first.io)).resolves.toBe(0);
    expect(first.requested).toEqual(['http://10.0.0.5:8080/api/v1/rounds/r-2/verify']);
    const second = fakeIo({ status: 200, body: honestRound('r-2') });
    await expect(runVerifyRound(['--url=https://cash.example', 'r-2'], second.io)).resolves.toBe(0);
    expect(second.requested).toEqual(['https://cash.example/api/v1/rounds/r-2/verify']);
  });

  it('exits 1 with the first difference when a candle was tampered with', async () => {
    const round = honestRound('r-3');
    round.candles[0].high = '7.00000000';
    const fake = fakeIo({ status: 200, body: round });
    await expect(runVerifyRound(['r-3'], fake.io)).resolves.toBe(1);
    expect(fake.out).toEqual([]);
    expect(fake.err[0]).toMatch(/^NOT verified: candles\[0\]\.high: expected "\d+\.\d{8}", got "7\.00000000"/);
  });

  it('exits 2 when the server answers an error or cannot be reached', async () => {
    const notFound = fakeIo({ status: 404, body: { statusCode: 404, error: 'NotFound' } });
    await expect(runVerifyRound(['nope'], notFound.io)).resolves.toBe(2);
    expect(notFound.err[0]).toMatch(/answered 404/);
    const down = fakeIo(new Error('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:3000') }));
    await expect(runVerifyRound(['r-4'], down.io)).resolves.toBe(2);
    expect(down.err[0]).toMatch(/fetch failed: connect ECONNREFUSED/);
  });

  it('exits 2 with usage on bad arguments, without fetching', async () => {
    for (const args of [[], ['a', 'b'], ['a', '--url'], ['a', '--bogus'], ['a', '--url', 'localhost:3000']]) {
      const fake = fakeIo({ status: 200, body: {} });
      await expect(runVerifyRound(args, fake.io)).resolves.toBe(2);
      expect(fake.requested).toEqual([]);
      expect(fake.err[fake.err.length - 1]).toMatch(/^usage: npm run verify-round -- <roundId>/);
    }
  });

  it('asks PUBLIC_URL, else localhost on PORT, when no --url is given', async () => {
    const fromPublicUrl = fakeIo({ status: 200, body: honestRound('r-5') });
    const env = { PUBLIC_URL: 'https://rounds.example/', PORT: '3100' };
    await expect(runVerifyRound(['r-5'], fromPublicUrl.io, env)).resolves.toBe(0);
    expect(fromPublicUrl.requested).toEqual(['https://rounds.example/api/v1/rounds/r-5/verify']);

    expect(parseVerifyRoundArgs(['r-5'], { PORT: '3100' })).toEqual({ roundId: 'r-5', url: 'http://localhost:3100' });
    expect(parseVerifyRoundArgs(['r-5'], { PUBLIC_URL: '', PORT: '' })).toEqual({ roundId: 'r-5', url: 'http://localhost:3000' });
    expect(parseVerifyRoundArgs(['r-5', '--url', 'http://10.0.0.5:8080'], env)).toEqual({ roundId: 'r-5', url: 'http://10.0.0.5:8080' });
  });

  it('names PUBLIC_URL when that is the bad url', () => {
    expect(parseVerifyRoundArgs(['r-6'], { PUBLIC_URL: 'rounds.example' })).toEqual({
      error: 'PUBLIC_URL must be http(s)://host[:port], got rounds.example',
    });
  });

  it('encodes the round id into the path', () => {
    expect(parseVerifyRoundArgs(['a/b'])).toEqual({ roundId: 'a/b', url: 'http://localhost:3000' });
    expect(verifyUrl('http://localhost:3000', 'a/b')).toBe('http://localhost:3000/api/v1/rounds/a%2Fb/verify');
  });
});

const BLOCK_HASH = `0x${'5a'.repeat(32)}`;
const PINNED_AT = '2026-01-01T00:00:00.000Z';
const PINNED_S = Date.parse(PINNED_AT) / 1000;

/** A round whose salt is block 77's hash on chain `chainId`, as an honest server publishes it. */
function evmBlockRound(roundId: string, salt = BLOCK_HASH, chainId = 8453) {
  const reference = { kind: 'evm-block', pinned: '77', pinnedAt: PINNED_AT, chainId, blockNumber: 77, blockHash: salt, blockTime: '2026-01-01T00:00:02.000Z' };
  return { ...honestRound(roundId, salt), saltSource: 'evm-block', saltReference: { ...reference, aptosNetwork: null, moduleAddress: null, txHash: null, version: null } };
}

const APTOS_SALT = 2n ** 255n + 3n;

function aptosRound(roundId: string, salt = APTOS_SALT.toString(16)) {
  const reference = { kind: 'aptos', pinned: '2', pinnedAt: PINNED_AT, chainId: null, blockNumber: null, blockHash: null, blockTime: null };
  return { ...honestRound(roundId, salt), saltSource: 'aptos', saltReference: { ...reference, aptosNetwork: 'testnet', moduleAddress: '0x00c0ffee', txHash: '0xd1', version: '88' } };
}

interface FakeNetwork {
  server: unknown;
  /** EVM nodes by URL: their chain id and block hashes. */
  evm?: Record<string, { chainId: number; head: number; hashes: Record<number, string>; mintedAt?: number }>;
  /** Aptos fullnode transactions by URL and hash. */
  aptos?: Record<string, Record<string, unknown>>;
}

function networkIo(network: FakeNetwork) {
  const requested: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const answer = (status: number, body: unknown) => ({ ok: status < 300, status, json: async () => body, text: async () => JSON.stringify(body) });
  const io: VerifyRoundIo = {
    fetch: async (url, init) => {
      requested.push(init ? `${url} ${(JSON.parse(init.body) as { method: string }).method}` : url);
      if (url.includes('/api/v1/rounds/')) return answer(200, network.server);
      const node = network.evm?.[url];
      if (node && init) {
        const { method, params } = JSON.parse(init.body) as { method: string; params: [string] };
        if (method === 'eth_chainId') return answer(200, { jsonrpc: '2.0', id: 1, result: `0x${node.chainId.toString(16)}` });
        if (method === 'eth_blockNumber') return answer(200, { jsonrpc: '2.0', id: 1, result: `0x${node.head.toString(16)}` });
        const number = Number(BigInt(params[0]));
        const hash = number <= node.head ? node.hashes[number] : undefined;
        return answer(200, { jsonrpc: '2.0', id: 1, result: hash ? { hash, timestamp: `0x${(node.mintedAt ?? PINNED_S + 2).toString(16)}` } : null });
      }
      for (const [base, transactions] of Object.entries(network.aptos ?? {})) {
        if (!url.startsWith(`${base}/transactions/by_hash/`)) continue;
        const transaction = transactions[url.slice(`${base}/transactions/by_hash/`.length)];
        return transaction ? answer(200, transaction) : answer(404, { error_code: 'transaction_not_found' });
      }
      throw new Error('fetch failed', { cause: new Error(`connect ECONNREFUSED ${url}`) });
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { io, requested, out, err };
}

describe('verify-round CLI: the salt on the chain', () => {
  const BASE_NODE = 'http://base-node:8545';

  it('checks an evm-block salt against the block hash from the node given by --rpc, never the server', async () => {
    const fake = networkIo({ server: evmBlockRound('e-1'), evm: { [BASE_NODE]: { chainId: 8453, head: 100, hashes: { 77: BLOCK_HASH.toUpperCase().replace('0X', '0x') } } } });
    await expect(runVerifyRound(['e-1', '--rpc', BASE_NODE], fake.io)).resolves.toBe(0);
    expect(fake.requested).toEqual(['http://localhost:3000/api/v1/rounds/e-1/verify', `${BASE_NODE} eth_chainId`, `${BASE_NODE} eth_getBlockByNumber`]);
    expect(fake.out).toEqual(['verified', expect.stringMatching(/candles recomputed/), `salt: block 77 of chain 8453 has this hash on ${BASE_NODE}`]);
  });

  it('takes EVM_RPC_URL, and the local dev chain on DEV_CHAIN_PORT for chain 31337, when there is no --rpc', async () => {
    const fromEnv = networkIo({ server: evmBlockRound('e-2'), evm: { [BASE_NODE]: { chainId: 8453, head: 100, hashes: { 77: BLOCK_HASH } } } });
    await expect(runVerifyRound(['e-2'], fromEnv.io, { EVM_RPC_URL: BASE_NODE })).resolves.toBe(0);
    const dev = networkIo({ server: evmBlockRound('e-3', BLOCK_HASH, 31337), evm: { 'http://127.0.0.1:9545': { chainId: 31337, head: 80, hashes: { 77: BLOCK_HASH } } } });
    await expect(runVerifyRound(['e-3'], dev.io, { DEV_CHAIN_PORT: '9545' })).resolves.toBe(0);
  });

  it('exits 2 without a node to ask for another chain than the dev chain', async () => {
    const fake = networkIo({ server: evmBlockRound('e-4') });
    await expect(runVerifyRound(['e-4'], fake.io)).resolves.toBe(2);
    expect(fake.err[0]).toBe("the salt is block 77's hash on chain 8453: pass --rpc <a node of that chain> (or set EVM_RPC_URL) to check it");
    expect(fake.out).toEqual([]);
  });

  it('exits 1 when a self-consistent round was salted with something else than the pinned block hash', async () => {
    const lying = evmBlockRound('e-5', `0x${'66'.repeat(32)}`);
    const fake = networkIo({ server: lying, evm: { [BASE_NODE]: { chainId: 8453, head: 100, hashes: { 77: BLOCK_HASH } } } });
    await expect(runVerifyRound(['e-5', '--rpc', BASE_NODE], fake.io)).resolves.toBe(1);
    expect(fake.err[0]).toBe(`NOT verified: salt: expected "${BLOCK_HASH}" (block 77's hash on ${BASE_NODE}), got "0x${'66'.repeat(32)}"`);
    expect(fake.out).toEqual([]);
  });

  it('exits 1 when the block does not exist on the node, and 2 when the node is another chain or is down', async () => {
    const young = networkIo({ server: evmBlockRound('e-6'), evm: { [BASE_NODE]: { chainId: 8453, head: 50, hashes: {} } } });
    await expect(runVerifyRound(['e-6', '--rpc', BASE_NODE], young.io)).resolves.toBe(1);
    expect(young.err[0]).toMatch(/^NOT verified: salt: block 77 does not exist on .* \(its head is 50\)/);
    const other = networkIo({ server: evmBlockRound('e-7'), evm: { [BASE_NODE]: { chainId: 1, head: 100, hashes: { 77: BLOCK_HASH } } } });
    await expect(runVerifyRound(['e-7', '--rpc', BASE_NODE], other.io)).resolves.toBe(2);
    expect(other.err[0]).toMatch(/is chain 1, but the salt block is on chain 8453/);
    const down = networkIo({ server: evmBlockRound('e-8') });
    await expect(runVerifyRound(['e-8', '--rpc', 'http://nowhere:1'], down.io)).resolves.toBe(2);
    expect(down.err[0]).toMatch(/could not check the salt on http:\/\/nowhere:1: eth_chainId failed: fetch failed: connect ECONNREFUSED/);
  });

  it('warns when the block was mined before the round pinned it', async () => {
    const fake = networkIo({ server: evmBlockRound('e-9'), evm: { [BASE_NODE]: { chainId: 8453, head: 100, hashes: { 77: BLOCK_HASH }, mintedAt: PINNED_S - 60 } } });
    await expect(runVerifyRound(['e-9', '--rpc', BASE_NODE], fake.io)).resolves.toBe(0);
    expect(fake.out).toContainEqual(expect.stringMatching(/^warning: block 77 was mined at .*, before the round pinned it/));
  });

  const APTOS_NODE = 'https://fullnode.testnet.example/v1';
  const drawTransaction = (salt: bigint, fields: { type?: string; roundId?: string; success?: boolean } = {}) => ({
    success: fields.success ?? true,
    events: [
      { type: '0x1::transaction_fee::FeeStatement', data: {} },
      { type: fields.type ?? '0xc0ffee::rounds::RoundSaltDrawn', data: { round_id: fields.roundId ?? '2', salt: salt.toString() } },
    ],
  });

  it("checks an aptos salt against the draw transaction's RoundSaltDrawn event on a fullnode", async () => {
    const round = aptosRound('a-1');
    const fake = networkIo({ server: round, aptos: { [APTOS_NODE]: { '0xd1': drawTransaction(APTOS_SALT) } } });
    await expect(runVerifyRound(['a-1', '--aptos-node', APTOS_NODE, '--aptos-module', '0xC0FFEE'], fake.io)).resolves.toBe(0);
    expect(fake.out).toContain(`salt: drawn for round id 2 in transaction 0xd1 on ${APTOS_NODE}`);
    expect(fake.out.filter((line) => line.startsWith('warning'))).toEqual([]);
    const unpinned = networkIo({ server: round, aptos: { 'https://api.testnet.aptoslabs.com/v1': { '0xd1': drawTransaction(APTOS_SALT) } } });
    await expect(runVerifyRound(['a-1'], unpinned.io)).resolves.toBe(0);
    expect(unpinned.out).toContainEqual(expect.stringMatching(/^warning: module address 0x00c0ffee is the server's word/));
  });

  it('exits 1 when the event says another salt or round, comes from another module, or the transaction failed or does not exist', async () => {
    const round = aptosRound('a-2');
    const cases: [Record<string, unknown>, RegExp, string[]][] = [
      [{ '0xd1': drawTransaction(12345n) }, /^NOT verified: salt: expected "0{60}3039" \(the RoundSaltDrawn salt 12345 on/, []],
      [{ '0xd1': drawTransaction(APTOS_SALT, { roundId: '3' }) }, /^NOT verified: saltReference.pinned: expected "3"/, []],
      [{ '0xd1': drawTransaction(APTOS_SALT, { type: '0xbad::rounds::RoundSaltDrawn' }) }, /emitted no RoundSaltDrawn event from 0x00c0ffee/, []],
      [{ '0xd1': drawTransaction(APTOS_SALT, { success: false }) }, /did not succeed/, []],
      [{}, /0xd1 is not a transaction on/, []],
      [{ '0xd1': drawTransaction(APTOS_SALT) }, /^NOT verified: saltReference.moduleAddress: expected "0xbeef"/, ['--aptos-module', '0xbeef']],
    ];
    for (const [transactions, message, extra] of cases) {
      const fake = networkIo({ server: round, aptos: { [APTOS_NODE]: transactions } });
      await expect(runVerifyRound(['a-2', '--aptos-node', APTOS_NODE, ...extra], fake.io)).resolves.toBe(1);
      expect(fake.err[0]).toMatch(message);
    }
  });

  it('parses the node options in both spellings and refuses bad ones', () => {
    expect(parseVerifyRoundArgs(['r', '--rpc', 'http://a:1', '--aptos-node=https://b/v1', '--aptos-module', '0xab'])).toEqual({
      roundId: 'r',
      url: 'http://localhost:3000',
      rpc: 'http://a:1',
      aptosNode: 'https://b/v1',
      aptosModule: '0xab',
    });
    expect(parseVerifyRoundArgs(['r', '--rpc', 'a:1'])).toEqual({ error: '--rpc must be an http(s) URL, got a:1' });
    expect(parseVerifyRoundArgs(['r', '--aptos-module', 'cafe'])).toEqual({ error: '--aptos-module must be a 0x address, got cafe' });
    expect(parseVerifyRoundArgs(['r', '--rpc'])).toEqual({ error: '--rpc needs a value' });
  });
});
