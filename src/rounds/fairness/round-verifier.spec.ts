import { generateCandlePath } from './candle-path';
import { SeedChain, sha256Seed } from './hash-chain';
import { formatPrice } from './price';
import { DEFAULT_ROUND_PARAMS, FAIRNESS_ALGORITHM, RoundParams } from './round-params';
import { roundSeedOf } from './round-seed';
import { RoundVerification, verifyRound } from './round-verifier';

const CHAIN = SeedChain.fromFirstSeed('5e'.repeat(32), 20);
const ROUND_ID = '6f1c2a9e-4b7d-4c1e-9a35-0d2b8e7f1a11';
const BLOCK_HASH = `0x${'fe'.repeat(32)}`;

function evmReference(blockHash: string) {
  return {
    kind: 'evm-block',
    pinned: '1234',
    pinnedAt: '2026-01-01T00:00:00.000Z',
    chainId: 8453,
    blockNumber: 1234,
    blockHash,
    blockTime: '2026-01-01T00:00:02.000Z',
    aptosNetwork: null,
    moduleAddress: null,
    txHash: null,
    version: null,
  };
}

/** A `/verify` body as an honest server would publish it for round k of CHAIN. */
function publishedRound(k = 3, params: RoundParams = DEFAULT_ROUND_PARAMS, salt = BLOCK_HASH, roundId = ROUND_ID): RoundVerification {
  const serverSeed = CHAIN.serverSeedForRound(k);
  const roundSeed = roundSeedOf(serverSeed, salt);
  const path = generateCandlePath(roundSeed, params);
  return {
    roundId,
    number: k,
    algorithm: FAIRNESS_ALGORITHM,
    params: { ...params },
    serverSeed,
    serverSeedHash: CHAIN.serverSeedHashForRound(k),
    salt,
    saltSource: 'evm-block',
    saltReference: evmReference(salt),
    roundSeed,
    rugTick: path.rugTick,
    candles: path.candles.map((candle) => ({
      roundId,
      tick: candle.tick,
      open: formatPrice(candle.open),
      high: formatPrice(candle.high),
      low: formatPrice(candle.low),
      close: formatPrice(candle.close),
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, candle.tick * 250)).toISOString(),
    })),
  };
}

function differenceOf(published: unknown) {
  const outcome = verifyRound(published);
  if (outcome.ok) throw new Error('expected a difference, the round verified');
  return outcome.difference;
}

describe('verifyRound', () => {
  it('verifies an honest round', () => {
    const round = publishedRound();
    expect(verifyRound(round)).toEqual({
      ok: true,
      candles: round.candles.length,
      rugTick: round.rugTick,
      saltLookup: { kind: 'evm-block', chainId: 8453, blockNumber: 1234, salt: BLOCK_HASH, pinnedAt: '2026-01-01T00:00:00.000Z' },
      warnings: [],
    });
    expect(round.rugTick).not.toBeNull();
  });

  it('verifies a round that ended at maxTicks without a rug, and warns about non-default params', () => {
    const round = publishedRound(4, { ...DEFAULT_ROUND_PARAMS, rugProbability: 0, maxTicks: 25 });
    const outcome = verifyRound(round);
    expect(outcome).toMatchObject({ ok: true, candles: 25, rugTick: null });
    expect(outcome.warnings).toEqual(['params differ from the cm-v1 defaults: rugProbability=0, maxTicks=25']);
  });

  it('warns that a server-chosen salt is not provably fair, but still verifies the arithmetic', () => {
    const outcome = verifyRound({ ...publishedRound(), saltSource: 'server', saltReference: null });
    expect(outcome).toMatchObject({ ok: true, saltLookup: null });
    expect(outcome.warnings).toEqual([expect.stringMatching(/not provably fair/)]);
  });

  it('needs an evm-block salt to be the hash of the block pinned at creation', () => {
    expect(differenceOf({ ...publishedRound(), saltReference: null })).toMatchObject({ field: 'saltReference', message: expect.stringMatching(/looked up/) });
    expect(differenceOf({ ...publishedRound(), saltReference: evmReference(`0x${'ab'.repeat(32)}`) })).toMatchObject({ field: 'saltReference.blockHash' });
    expect(differenceOf({ ...publishedRound(), saltReference: { ...evmReference(BLOCK_HASH), blockNumber: 1235 } })).toMatchObject({ field: 'saltReference.blockNumber' });
    expect(differenceOf({ ...publishedRound(), saltReference: { ...evmReference(BLOCK_HASH), chainId: null } })).toMatchObject({ field: 'saltReference.chainId' });
    expect(differenceOf({ ...publishedRound(), saltReference: { ...evmReference(BLOCK_HASH), kind: 'aptos' } })).toMatchObject({ field: 'saltReference.kind' });
    const upper = publishedRound(3, DEFAULT_ROUND_PARAMS, `0x${'FE'.repeat(32)}`);
    expect(differenceOf(upper)).toMatchObject({ field: 'salt', message: 'an evm-block salt is a block hash' });
  });

  it('warns when the salt block is stamped before the round pinned it', () => {
    const outcome = verifyRound({ ...publishedRound(), saltReference: { ...evmReference(BLOCK_HASH), blockTime: '2025-12-31T23:59:50.000Z' } });
    expect(outcome.ok).toBe(true);
    expect(outcome.warnings).toEqual([expect.stringMatching(/block 1234 is stamped .* before the round pinned it/)]);
  });

  it('needs an aptos salt to name its draw transaction, and says what to look up', () => {
    const salt = (2n ** 200n + 17n).toString(16).padStart(64, '0');
    const reference = { ...evmReference(salt), kind: 'aptos', pinned: '3', chainId: null, blockNumber: null, blockHash: null, blockTime: null, aptosNetwork: 'testnet', moduleAddress: '0xc0ffee', txHash: '0xfeed', version: '12' };
    const round = { ...publishedRound(3, DEFAULT_ROUND_PARAMS, salt), saltSource: 'aptos', saltReference: reference };
    expect(verifyRound(round)).toMatchObject({ ok: true, saltLookup: { kind: 'aptos', network: 'testnet', moduleAddress: '0xc0ffee', roundId: '3', txHash: '0xfeed', salt } });
    expect(differenceOf({ ...round, saltReference: { ...reference, txHash: null } })).toMatchObject({ field: 'saltReference.txHash' });
    expect(differenceOf({ ...publishedRound(3, DEFAULT_ROUND_PARAMS, '0xfeed'), saltSource: 'aptos', saltReference: reference })).toMatchObject({ field: 'salt' });
  });

  it('catches a tampered candle price', () => {
    const round = publishedRound();
    round.candles[2] = { ...round.candles[2], close: '9.99999999' };
    expect(differenceOf(round)).toMatchObject({ field: 'candles[2].close', actual: '"9.99999999"' });
  });

  it('catches a high or low nudged by one unit', () => {
    const round = publishedRound();
    const low = round.candles[1].low;
    round.candles[1] = { ...round.candles[1], low: formatPrice(BigInt(low.replace('.', '')) - 1n) };
    expect(differenceOf(round)).toMatchObject({ field: 'candles[1].low', expected: JSON.stringify(low) });
  });

  it('catches a wrong seed: a different seed, even with a matching hash and round seed, gives other candles', () => {
    const honest = publishedRound();
    const otherSeed = CHAIN.serverSeedForRound(5);
    const forged = { ...honest, serverSeed: otherSeed, serverSeedHash: sha256Seed(otherSeed), roundSeed: roundSeedOf(otherSeed, honest.salt) };
    expect(differenceOf(forged).field).toMatch(/^candles\[\d+\]\.(open|high|low|close)$/);
  });

  it('catches a wrong hash link: the revealed seed does not hash to the commitment', () => {
    const round = publishedRound();
    const difference = differenceOf({ ...round, serverSeedHash: CHAIN.serverSeedHashForRound(4) });
    expect(difference).toMatchObject({ field: 'serverSeedHash', expected: JSON.stringify(round.serverSeedHash) });
  });

  it('catches a round seed that is not HMAC(serverSeed, salt), and a salt swapped afterwards', () => {
    const round = publishedRound();
    expect(differenceOf({ ...round, roundSeed: sha256Seed(round.roundSeed) }).field).toBe('roundSeed');
    expect(differenceOf({ ...round, salt: '0xfeedbeee' }).field).toBe('roundSeed');
  });

  it('catches a wrong rug tick', () => {
    const round = publishedRound();
    expect(differenceOf({ ...round, rugTick: (round.rugTick ?? 0) + 1 })).toMatchObject({ field: 'rugTick', expected: String(round.rugTick) });
    expect(differenceOf({ ...round, rugTick: null })).toMatchObject({ field: 'rugTick', actual: 'null' });
  });

  it('catches a missing candle, a cut-off path and extra candles', () => {
    const round = publishedRound();
    const withoutTick3 = { ...round, candles: round.candles.filter((candle) => candle.tick !== 3) };
    expect(differenceOf(withoutTick3)).toMatchObject({ field: 'candles[2].tick', expected: '3', actual: '4' });
    const cut = { ...round, candles: round.candles.slice(0, -1) };
    expect(differenceOf(cut)).toMatchObject({ field: `candles[${round.candles.length - 1}]`, actual: 'missing' });
    const extra = { ...round, candles: [...round.candles, { ...round.candles[0], tick: round.candles.length + 1 }] };
    expect(differenceOf(extra).field).toBe(`candles[${round.candles.length}]`);
  });

  it('catches a candle published under another round', () => {
    const round = publishedRound();
    round.candles[0] = { ...round.candles[0], roundId: 'another-round' };
    expect(differenceOf(round).field).toBe('candles[0].roundId');
  });

  it('catches params that differ from those the candles were made with', () => {
    const round = publishedRound();
    expect(differenceOf({ ...round, params: { ...round.params, volatility: 0.006 } }).field).toMatch(/^candles\[/);
  });

  it('reports a malformed response instead of throwing', () => {
    const round = publishedRound();
    expect(differenceOf(null).field).toBe('');
    expect(differenceOf([round]).field).toBe('');
    expect(differenceOf({ ...round, roundId: 7 }).field).toBe('roundId');
    expect(differenceOf({ ...round, algorithm: 'cm-v2' })).toMatchObject({ field: 'algorithm', expected: '"cm-v1"' });
    expect(differenceOf({ ...round, params: { ...round.params, subSteps: 0 } }).message).toBe('subSteps must be a positive integer');
    expect(differenceOf({ ...round, params: undefined }).field).toBe('params');
    expect(differenceOf({ ...round, serverSeed: round.serverSeed.toUpperCase() }).field).toBe('serverSeed');
    expect(differenceOf({ ...round, serverSeedHash: undefined }).field).toBe('serverSeedHash');
    expect(differenceOf({ ...round, salt: 12 }).field).toBe('salt');
    expect(differenceOf({ ...round, candles: 'none' }).field).toBe('candles');
    expect(differenceOf({ ...round, candles: [null] }).field).toBe('candles[0]');
  });
});
