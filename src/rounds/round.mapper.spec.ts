import { DEFAULT_ROUND_PARAMS } from './fairness/round-params';
import { toPositionDto, toRoundSummary, toSideBetDto } from './round.mapper';
import type { RoundPositionEntity } from './round-position.entity';
import type { RoundSideBetEntity } from './round-side-bet.entity';
import type { RoundEntity } from './round.entity';
import { isProvablyFairSource, ServerSaltSource } from './salt-source';

function round(fields: Partial<RoundEntity> = {}): RoundEntity {
  return {
    id: 'r1',
    number: 7,
    chainId: 'c1',
    chainIndex: 7,
    status: 'PENDING',
    params: { ...DEFAULT_ROUND_PARAMS },
    serverSeedHash: 'a'.repeat(64),
    serverSeed: null,
    salt: null,
    saltSource: 'server',
    tick: 0,
    price: 100_000_000n,
    rugTick: null,
    tickMs: 250,
    feeBps: 100,
    minStake: 100_000n,
    maxStake: 1_000_000_000n,
    sideBetWindow: 40,
    sideBetMultiplier: '5',
    startsAt: new Date('2026-11-25T12:00:05.000Z'),
    lastTickAt: null,
    endedAt: null,
    settledAt: null,
    leaderToken: '1',
    createdAt: new Date('2026-11-25T12:00:00.000Z'),
    updatedAt: new Date('2026-11-25T12:00:00.000Z'),
    ...fields,
  };
}

function position(fields: Partial<RoundPositionEntity> = {}): RoundPositionEntity {
  return {
    id: 'p1',
    roundId: 'r1',
    userId: 'u1',
    side: 'short',
    amount: 10_000_000n,
    fee: 100_000n,
    stake: 9_900_000n,
    entryTick: 3,
    entryPrice: 123_456_789n,
    status: 'open',
    exitTick: null,
    exitPrice: null,
    payout: null,
    createdAt: new Date(),
    closedAt: null,
    ...fields,
  };
}

describe('round mapper', () => {
  it('shows a pending round with its countdown, no salt or seed yet, and not provably fair with a server salt', () => {
    const summary = toRoundSummary(round(), Date.parse('2026-11-25T12:00:03.500Z'));
    expect(summary).toMatchObject({ status: 'PENDING', countdownMs: 1500, salt: null, serverSeed: null, provablyFair: false, price: '1.00000000' });
    expect(summary).toMatchObject({ minStake: '0.100000', maxStake: '1000.000000', algorithm: 'cm-v1' });
  });

  it('never shows a negative countdown, and none once the round started', () => {
    expect(toRoundSummary(round(), Date.parse('2026-11-25T12:01:00.000Z')).countdownMs).toBe(0);
    expect(toRoundSummary(round({ status: 'ACTIVE' }), Date.parse('2026-11-25T12:00:00.000Z')).countdownMs).toBe(0);
  });

  it('leaves exit fields, payout and pnl null while a position is open', () => {
    expect(toPositionDto(position())).toMatchObject({ status: 'open', exitTick: null, exitPrice: null, payout: null, pnl: null, entryPrice: '1.23456789' });
  });

  it('reports pnl against the amount paid, fee included', () => {
    const closed = toPositionDto(position({ status: 'closed', exitTick: 9, exitPrice: 0n, payout: 19_800_000n, closedAt: new Date() }));
    expect(closed).toMatchObject({ exitPrice: '0.00000000', payout: '19.800000', pnl: '9.800000' });
    const lost = toPositionDto(position({ status: 'closed', exitTick: 9, exitPrice: 246_913_578n, payout: 0n, closedAt: new Date() }));
    expect(lost.pnl).toBe('-10.000000');
  });

  it('shows a side bet with its window and a null payout until resolved', () => {
    const bet = { id: 'b1', roundId: 'r1', userId: 'u1', amount: 5_000_000n, startTick: 1, endTick: 40, payoutMultiplier: '5', status: 'active', payout: null } as RoundSideBetEntity;
    expect(toSideBetDto(bet)).toEqual({ id: 'b1', roundId: 'r1', amount: '5.000000', startTick: 1, endTick: 40, payoutMultiplier: '5', status: 'active', payout: null });
  });
});

describe('salt sources', () => {
  it('marks the server source as not provably fair and draws 32 fresh random bytes each time', async () => {
    const source = new ServerSaltSource();
    const [a, b] = [await source.draw(), await source.draw()];
    expect(a.source).toBe('server');
    expect(a.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(a.salt).not.toBe(b.salt);
    expect(source.provablyFair).toBe(false);
    expect(isProvablyFairSource('server')).toBe(false);
    expect(isProvablyFairSource('aptos-randomness')).toBe(true);
  });
});
