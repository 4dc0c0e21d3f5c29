import { generateCandlePath } from '../rounds/fairness/candle-path';
import { SeedChain } from '../rounds/fairness/hash-chain';
import { formatPrice } from '../rounds/fairness/price';
import { DEFAULT_ROUND_PARAMS, FAIRNESS_ALGORITHM } from '../rounds/fairness/round-params';
import { roundSeedOf } from '../rounds/fairness/round-seed';
import { parseVerifyRoundArgs, runVerifyRound, verifyUrl, VerifyRoundIo } from './verify-round';

function honestRound(roundId: string) {
  const chain = SeedChain.fromFirstSeed('42'.repeat(32), 5);
  const serverSeed = chain.serverSeedForRound(2);
  const salt = 'cli spec salt';
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
