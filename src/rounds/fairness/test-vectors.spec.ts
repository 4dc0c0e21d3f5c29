import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCandlePath, PathCandle } from './candle-path';
import { SeedChain, sha256Seed } from './hash-chain';
import { formatPrice } from './price';
import { DEFAULT_ROUND_PARAMS, RoundParams } from './round-params';
import { RoundDraws, roundSeedOf } from './round-seed';

/** The vectors published in docs/provably-fair.md (produced by scripts/provably-fair-reference.py). */
interface PublishedVectors {
  chain: { length: number; seeds: string[]; terminalHash: string };
  rounds: {
    name: string;
    chainRound: number;
    serverSeed: string;
    serverSeedHash: string;
    salt: string;
    params: Partial<RoundParams>;
    roundSeed: string;
    drawsTick1: { j: number; hex: string; value: string }[];
    firstCandles: { tick: number; open: string; high: string; low: string; close: string }[];
    rugTick: number | null;
    endTick: number;
    finalClose: string;
    pathDigest: string;
  }[];
}

function readPublishedVectors(): PublishedVectors {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'provably-fair.md'), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)];
  expect(blocks).toHaveLength(1);
  return JSON.parse(blocks[0][1]) as PublishedVectors;
}

function printed(candle: PathCandle) {
  return {
    tick: candle.tick,
    open: formatPrice(candle.open),
    high: formatPrice(candle.high),
    low: formatPrice(candle.low),
    close: formatPrice(candle.close),
  };
}

/** The digest the doc defines: sha256 of one `tick,open,high,low,close\n` line per candle. */
function pathDigest(candles: PathCandle[]): string {
  const text = candles.map((candle) => {
    const p = printed(candle);
    return `${p.tick},${p.open},${p.high},${p.low},${p.close}\n`;
  });
  return createHash('sha256').update(text.join(''), 'utf8').digest('hex');
}

const vectors = readPublishedVectors();

describe('cm-v1 test vectors published in docs/provably-fair.md', () => {
  it('the chain is s[0] = sha256("cash-markets cm-v1 test vector: chain") hashed forward', () => {
    const firstSeed = createHash('sha256').update('cash-markets cm-v1 test vector: chain').digest('hex');
    expect(vectors.chain.seeds[0]).toBe(firstSeed);
    const chain = SeedChain.fromFirstSeed(firstSeed, vectors.chain.length);
    expect(chain.terminalHash).toBe(vectors.chain.terminalHash);
    vectors.chain.seeds.forEach((seed, index) => expect(chain.seedAt(index)).toBe(seed));
  });

  it('covers a rug, a long path and an end at maxTicks', () => {
    expect(vectors.rounds.map((round) => round.rugTick)).toEqual([6, 96, null]);
  });

  describe.each(vectors.rounds.map((round) => [round.name, round] as const))('%s', (_name, round) => {
    const params: RoundParams = { ...DEFAULT_ROUND_PARAMS, ...round.params };
    const chain = SeedChain.fromFirstSeed(vectors.chain.seeds[0], vectors.chain.length);

    it('takes its seed and commitment from the chain', () => {
      expect(chain.serverSeedForRound(round.chainRound)).toBe(round.serverSeed);
      expect(chain.serverSeedHashForRound(round.chainRound)).toBe(round.serverSeedHash);
      expect(sha256Seed(round.serverSeed)).toBe(round.serverSeedHash);
    });

    it('derives the round seed and the draws of tick 1', () => {
      expect(roundSeedOf(round.serverSeed, round.salt)).toBe(round.roundSeed);
      const draws = new RoundDraws(round.roundSeed);
      expect(round.drawsTick1).toHaveLength(1 + 3 * params.subSteps);
      for (const expected of round.drawsTick1) {
        expect(draws.drawInteger(1, expected.j).toString(16).padStart(13, '0')).toBe(expected.hex);
        expect(draws.draw(1, expected.j)).toBe(Number(expected.value));
      }
    });

    it('generates the published candles, end and whole-path digest', () => {
      const path = generateCandlePath(round.roundSeed, params);
      expect(path.candles.slice(0, round.firstCandles.length).map(printed)).toEqual(round.firstCandles);
      expect(path.rugTick).toBe(round.rugTick);
      expect(path.endTick).toBe(round.endTick);
      expect(formatPrice(path.finalClose)).toBe(round.finalClose);
      expect(pathDigest(path.candles)).toBe(round.pathDigest);
    });
  });

  it('exercises the big-move branch within the long vector', () => {
    const round = vectors.rounds[1];
    const draws = new RoundDraws(round.roundSeed);
    let bigMoves = 0;
    for (let t = 1; t < (round.rugTick ?? 0); t += 1) {
      for (let s = 0; s < DEFAULT_ROUND_PARAMS.subSteps; s += 1) {
        if (draws.draw(t, 1 + 3 * s) < DEFAULT_ROUND_PARAMS.bigMoveProbability) bigMoves += 1;
      }
    }
    expect(bigMoves).toBeGreaterThan(0);
  });
});
