import { AccountsService } from '../../src/accounts/accounts.service';
import { UserUpdateEvent } from '../../src/realtime/realtime.events';
import { RoundEvent } from '../../src/rounds/rounds.events';
import { DomainError } from '../../src/common/errors/domain-error';
import { formatUsdc } from '../../src/common/money/usdc';
import { positionPayout } from '../../src/rounds/fairness/payouts';
import { START_PRICE } from '../../src/rounds/fairness/round-params';
import { RoundSettingsService } from '../../src/rounds/round-settings.service';
import { RoundSettlementService } from '../../src/rounds/round-settlement.service';
import { MAX_OPEN_POSITIONS_PER_ROUND, RoundsService } from '../../src/rounds/rounds.service';
import { SALT_SOURCE, ServerSaltSource } from '../../src/rounds/salt-source';
import { SeedChainsService } from '../../src/rounds/seed-chains.service';
import { givenUserWithBalance } from './support/given';
import { refusal } from './support/refusal';
import { advanceRound, endAndSettle, givenActiveRound } from './support/given-round';
import { MediumModule, startMediumModule } from './support/medium-module';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const usdc = formatUsdc;

describe('Rounds: the player rules of RoundsService against the real database (medium)', () => {
  let medium: MediumModule;
  let rounds: RoundsService;

  const available = async (userId: string) => (await medium.get(AccountsService).overview(userId)).balances.find((b) => b.asset === 'USDC')!.available;

  beforeAll(async () => {
    medium = await startMediumModule(
      { providers: [{ provide: SALT_SOURCE, useClass: ServerSaltSource }, SeedChainsService, RoundSettingsService, RoundsService, RoundSettlementService] },
      { STARTING_BALANCE: '0' },
    );
    rounds = medium.get(RoundsService);
  });
  afterAll(() => medium?.close());
  beforeEach(() => medium.events.clear());

  it('opens a position at the round price: fee taken, stake in the pot, balance exact, events out after commit', async () => {
    const round = await givenActiveRound(medium, { tick: 7 });
    const alice = await givenUserWithBalance(medium, '100');
    medium.events.clear();

    const position = await rounds.openPosition(alice.id, round.id, { side: 'long', amount: '10' });

    expect(position).toMatchObject({ side: 'long', amount: '10.000000', fee: '0.100000', stake: '9.900000', entryTick: 7, status: 'open', payout: null });
    expect(await available(alice.id)).toBe('90.000000');
    expect(medium.events.named(UserUpdateEvent.PositionUpdated)).toEqual([{ userId: alice.id, position: expect.objectContaining({ kind: 'position', id: position.id }) }]);
    expect(medium.events.named(RoundEvent.Trade)).toEqual([{ roundId: round.id, trade: expect.objectContaining({ kind: 'position', action: 'open', tick: 7 }) }]);
  });

  it('closes a position at the price of the tick it closes on, once', async () => {
    const round = await givenActiveRound(medium, { tick: 3 });
    const alice = await givenUserWithBalance(medium, '100');
    const position = await rounds.openPosition(alice.id, round.id, { side: 'short', amount: '20' });
    const exitPrice = (BigInt(START_PRICE) * 9n) / 10n;
    await advanceRound(medium, round, 5, exitPrice);

    const closed = await rounds.closePosition(alice.id, round.id, position.id);

    const payout = positionPayout('short', 19_800_000n, BigInt(START_PRICE), exitPrice);
    expect(closed).toMatchObject({ status: 'closed', exitTick: 5, payout: usdc(payout) });
    expect(await available(alice.id)).toBe(usdc(80_000_000n + payout));
    expect(await refusal(rounds.closePosition(alice.id, round.id, position.id))).toMatchObject({ status: 409, error: 'PositionAlreadyClosed' });
  });

  it('hides other players\' positions and unknown rounds behind 404', async () => {
    const round = await givenActiveRound(medium);
    const [alice, bob] = [await givenUserWithBalance(medium, '50'), await givenUserWithBalance(medium, '50')];
    const position = await rounds.openPosition(alice.id, round.id, { side: 'long', amount: '1' });

    expect(await refusal(rounds.closePosition(bob.id, round.id, position.id))).toMatchObject({ status: 404, error: 'RoundPositionNotFound' });
    expect(await refusal(rounds.openPosition(bob.id, UNKNOWN_ID, { side: 'long', amount: '1' }))).toMatchObject({ status: 404, error: 'RoundNotFound' });
    expect(await refusal(rounds.verification(round.id))).toMatchObject({ status: 409 });
  });

  it('refuses stakes outside the round\'s limits and moves nothing', async () => {
    const round = await givenActiveRound(medium);
    const bob = await givenUserWithBalance(medium, '2000');
    medium.events.clear();

    const tooBig = await refusal(rounds.openPosition(bob.id, round.id, { side: 'long', amount: '1000.5' }));
    const tooSmall = await refusal(rounds.openPosition(bob.id, round.id, { side: 'long', amount: '0.05' }));

    expect(tooBig).toMatchObject({ status: 422, error: 'StakeOutOfLimits', message: 'amount must be between 0.100000 and 1000.000000 USDC' });
    expect(tooSmall.error).toBe('StakeOutOfLimits');
    expect(await available(bob.id)).toBe('2000.000000');
    expect(medium.events.names()).toEqual([]);
  });

  it('refuses a position the player cannot pay for, and leaves no row or event behind', async () => {
    const round = await givenActiveRound(medium);
    const carol = await givenUserWithBalance(medium, '5');
    medium.events.clear();

    expect(await refusal(rounds.openPosition(carol.id, round.id, { side: 'long', amount: '6' }))).toMatchObject({ status: 422, error: 'InsufficientFunds' });
    expect((await rounds.mine(carol.id, round.id)).positions).toEqual([]);
    expect(medium.events.names()).toEqual([]);
  });

  it(`caps open positions per player and round at ${MAX_OPEN_POSITIONS_PER_ROUND}, also under concurrent opens`, async () => {
    const round = await givenActiveRound(medium);
    const dave = await givenUserWithBalance(medium, '100');

    const opens = await Promise.allSettled(Array.from({ length: MAX_OPEN_POSITIONS_PER_ROUND + 3 }, () => rounds.openPosition(dave.id, round.id, { side: 'long', amount: '1' })));

    expect(opens.filter((open) => open.status === 'fulfilled')).toHaveLength(MAX_OPEN_POSITIONS_PER_ROUND);
    const refused = opens.filter((open): open is PromiseRejectedResult => open.status === 'rejected').map((open) => (open.reason as DomainError).error);
    expect(refused).toEqual(['TooManyOpenPositions', 'TooManyOpenPositions', 'TooManyOpenPositions']);
    expect(await available(dave.id)).toBe(`${100 - MAX_OPEN_POSITIONS_PER_ROUND}.000000`);
  });

  it('takes side bets while PENDING, one unresolved bet per player, and positions only once ACTIVE', async () => {
    const round = await givenActiveRound(medium, { status: 'PENDING' });
    const erin = await givenUserWithBalance(medium, '100');

    expect(await refusal(rounds.openPosition(erin.id, round.id, { side: 'long', amount: '10' }))).toMatchObject({ status: 409, error: 'RoundStateConflict' });
    const bet = await rounds.placeSideBet(erin.id, round.id, { amount: '5' });
    expect(bet).toMatchObject({ amount: '5.000000', startTick: 1, endTick: 40, status: 'active', payoutMultiplier: '5' });
    expect(await refusal(rounds.placeSideBet(erin.id, round.id, { amount: '5' }))).toMatchObject({ status: 409, error: 'SideBetAlreadyActive' });
    expect(await available(erin.id)).toBe('95.000000');
  });

  it('refuses play on a round whose engine stopped ticking', async () => {
    const round = await givenActiveRound(medium, { lastTickAgoMs: 60_000 });
    const frank = await givenUserWithBalance(medium, '100');

    const stalled = await refusal(rounds.openPosition(frank.id, round.id, { side: 'long', amount: '1' }));

    expect(stalled).toMatchObject({ status: 409, error: 'RoundStateConflict', message: expect.stringContaining('not ticking') });
  });

  it('settles once: open positions close at the final price, the pot goes to the house, a second settlement pays nothing, play after the end is refused', async () => {
    const round = await givenActiveRound(medium, { tick: 2 });
    const [gina, hank] = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '100')];
    await rounds.openPosition(gina.id, round.id, { side: 'long', amount: '10' });
    await rounds.openPosition(hank.id, round.id, { side: 'short', amount: '10' });
    const finalPrice = (BigInt(START_PRICE) * 11n) / 10n;
    await advanceRound(medium, round, 9, finalPrice);

    const outcome = await endAndSettle(medium, round.id);

    expect(outcome).toMatchObject({ roundId: round.id, result: 'settled', positionsClosed: 2 });
    const longPayout = positionPayout('long', 9_900_000n, BigInt(START_PRICE), finalPrice);
    const shortPayout = positionPayout('short', 9_900_000n, BigInt(START_PRICE), finalPrice);
    expect(await available(gina.id)).toBe(usdc(90_000_000n + longPayout));
    expect(await available(hank.id)).toBe(usdc(90_000_000n + shortPayout));
    expect(BigInt(outcome.result === 'settled' ? outcome.potToHouse : -1)).toBe(19_800_000n - longPayout - shortPayout);
    expect(medium.events.named(UserUpdateEvent.PositionUpdated).filter((event) => (event as { userId: string }).userId === gina.id)).toHaveLength(2);

    // What each player was paid, once, for the notifications module (a player paid nothing is left out).
    const paid = [
      { userId: gina.id, amount: usdc(longPayout) },
      { userId: hank.id, amount: usdc(shortPayout) },
    ].filter((payout) => payout.amount !== usdc(0n));
    expect(medium.events.named(RoundEvent.Payouts)).toEqual([{ roundId: round.id, roundNumber: expect.any(Number), voided: false, payouts: expect.arrayContaining(paid) }]);
    expect((medium.events.named(RoundEvent.Payouts)[0] as { payouts: unknown[] }).payouts).toHaveLength(paid.length);

    await expect(medium.get(RoundSettlementService).settle(round.id)).resolves.toEqual({ roundId: round.id, result: 'already-settled' });
    expect(medium.events.named(RoundEvent.Payouts)).toHaveLength(1);
    expect(await available(gina.id)).toBe(usdc(90_000_000n + longPayout));
    expect(await refusal(rounds.openPosition(gina.id, round.id, { side: 'long', amount: '1' }))).toMatchObject({ status: 409, error: 'RoundStateConflict' });
    expect(await refusal(rounds.placeSideBet(gina.id, round.id, { amount: '1' }))).toMatchObject({ status: 409, error: 'RoundStateConflict' });
  });
});
