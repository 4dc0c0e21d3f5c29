import { DEFAULT_ROUND_PARAMS } from './fairness/round-params';
import { toPositionDto, toRoundSummary, toSaltReference, toSideBetDto } from './round.mapper';
import type { RoundPositionEntity } from './round-position.entity';
import type { RoundSideBetEntity } from './round-side-bet.entity';
import type { RoundEntity } from './round.entity';

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
    saltRef: null,
    saltProof: null,
    seedRevealTxHash: null,
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

  it('publishes the pinned salt reference from creation, before the salt exists', () => {
    const pending = toRoundSummary(round({ saltSource: 'evm-block', saltRef: '1234' }));
    expect(pending).toMatchObject({ saltSource: 'evm-block', saltRef: '1234', salt: null, provablyFair: true });
  });

  it('says where an evm-block or aptos salt can be looked up, and nothing for a server salt', () => {
    const hash = `0x${'ab'.repeat(32)}`;
    const evm = round({ saltSource: 'evm-block', saltRef: '1234', salt: hash, saltProof: { kind: 'evm-block', chainId: 8453, blockNumber: 1234, blockHash: hash, blockTimestamp: 1_795_000_000 } });
    expect(toSaltReference(evm)).toEqual({
      kind: 'evm-block',
      pinned: '1234',
      pinnedAt: '2026-11-25T12:00:00.000Z',
      chainId: 8453,
      blockNumber: 1234,
      blockHash: hash,
      blockTime: new Date(1_795_000_000_000).toISOString(),
      aptosNetwork: null,
      moduleAddress: null,
      txHash: null,
      version: null,
      drawnAt: null,
    });
    const aptos = round({
      saltSource: 'aptos',
      saltRef: '7',
      saltProof: { kind: 'aptos', network: 'testnet', moduleAddress: '0xc0ffee', roundId: '7', txHash: '0xfeed', version: '99', drawnAt: '2026-11-25T12:00:03.000Z' },
    });
    expect(toSaltReference(aptos)).toMatchObject({ kind: 'aptos', pinned: '7', aptosNetwork: 'testnet', moduleAddress: '0xc0ffee', txHash: '0xfeed', version: '99', blockHash: null, drawnAt: '2026-11-25T12:00:03.000Z' });
    // A round drawn before the draw's time was recorded says so with null.
    const older = round({ saltSource: 'aptos', saltRef: '7', saltProof: { kind: 'aptos', network: 'testnet', moduleAddress: '0xc0ffee', roundId: '7', txHash: '0xfeed', version: '99' } });
    expect(toSaltReference(older)).toMatchObject({ kind: 'aptos', drawnAt: null });
    expect(toSaltReference(round({ salt: 'abc' }))).toBeNull();
  });
});
