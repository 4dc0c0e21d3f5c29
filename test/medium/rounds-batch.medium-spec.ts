import { createHash } from 'node:crypto';
import { AccountsService } from '../../src/accounts/accounts.service';
import { BatchItemResult, IdempotencyService, KeyedOutcome } from '../../src/common/idempotency/idempotency.service';
import type { KeyRecord } from '../../src/common/idempotency/idempotent-command';
import { RoundEvent } from '../../src/rounds/rounds.events';
import { RoundSettingsService } from '../../src/rounds/round-settings.service';
import { RoundSettlementService } from '../../src/rounds/round-settlement.service';
import { MAX_OPEN_POSITIONS_PER_ROUND, OpenStake, RoundsService, StakeOutcome } from '../../src/rounds/rounds.service';
import type { RoundPositionDto } from '../../src/rounds/rounds.dto';
import { SALT_SOURCE, ServerSaltSource } from '../../src/rounds/salt-source';
import { SeedChainsService } from '../../src/rounds/seed-chains.service';
import { GivenUser, givenUserWithBalance } from './support/given';
import { advanceRound, givenActiveRound } from './support/given-round';
import { START_PRICE } from '../../src/rounds/fairness/round-params';
import { MediumModule, startMediumModule } from './support/medium-module';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('Rounds: a batch of opens (RoundsService.openPositions) is the same as the stakes one by one (medium)', () => {
  let medium: MediumModule;
  let rounds: RoundsService;
  let keys: IdempotencyService;

  beforeAll(async () => {
    medium = await startMediumModule(
      { providers: [{ provide: SALT_SOURCE, useClass: ServerSaltSource }, SeedChainsService, RoundSettingsService, RoundsService, RoundSettlementService] },
      { STARTING_BALANCE: '0' },
    );
    rounds = medium.get(RoundsService);
    keys = medium.get(IdempotencyService);
  });
  afterAll(() => medium?.close());
  beforeEach(() => medium.events.clear());

  const available = async (userId: string) => (await medium.get(AccountsService).overview(userId)).balances.find((b) => b.asset === 'USDC')!.available;
  /** Each of a user's ledger movements, in order, without the ids that differ between two players. */
  const ledgerOf = async (userId: string) =>
    (
      (await medium.dataSource.query(
        `SELECT t.kind, t.reference, t.idempotency_key, e.amount::text AS amount, a.system_key, e.bucket
           FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id JOIN accounts a ON a.id = e.account_id
          WHERE t.id IN (SELECT e2.transaction_id FROM ledger_entries e2 JOIN accounts a2 ON a2.id = e2.account_id WHERE a2.user_id = $1)
            AND t.kind LIKE 'round.%'
          ORDER BY t.created_at, t.id, a.system_key NULLS FIRST, e.amount`,
        [userId],
      )) as { kind: string; reference: string; idempotency_key: string; amount: string; system_key: string | null; bucket: string }[]
    ).map((row) => ({ kind: row.kind, amount: row.amount, account: row.system_key ?? 'user', bucket: row.bucket, keyed: row.idempotency_key === `${row.reference}:${row.kind.endsWith('open') ? 'open' : 'close'}` }));
  const positionsOf = async (roundId: string, userId: string) =>
    (await rounds.mine(userId, roundId)).positions.map((position) => ({ ...position, id: undefined }));
  const shape = (outcome: StakeOutcome<RoundPositionDto>) => (outcome.ok ? (outcome.value.status === 'open' ? 'opened' : 'closed') : outcome.error.error);
  const recordOf = (user: GivenUser, roundId: string, stake: OpenStake): KeyRecord => ({
    scope: user.id,
    key: `strategy:test:round:${roundId}:open`,
    requestHash: createHash('sha256').update(JSON.stringify(stake.body)).digest('hex'),
  });
  const keyed = (records: KeyRecord[], roundId: string, stakes: OpenStake[]) =>
    keys.executeBatch(
      records,
      async (claimed): Promise<BatchItemResult[]> =>
        (await rounds.openPositions(
          roundId,
          claimed.map((index) => stakes[index]),
        )).map((outcome) => (outcome.ok ? { ok: true, body: outcome.value } : { ok: false, error: outcome.error })),
      201,
    );
  const answerShape = (outcome: KeyedOutcome) => ('error' in outcome ? `error ${(outcome.error as Error).name}` : `${outcome.answer.replayed ? 'replayed' : 'answered'} ${outcome.answer.status}`);

  it('gives every player the balance, ledger entries and position that single openPosition calls give, a stake without funds refused alone', async () => {
    const round = await givenActiveRound(medium, { tick: 4 });
    const funds = ['100', '50', '3', '20'];
    const bodies = [
      { side: 'long' as const, amount: '10' },
      { side: 'short' as const, amount: '25.5' },
      { side: 'long' as const, amount: '5' }, // more than the 3 USDC this player holds
      { side: 'short' as const, amount: '1' },
    ];
    const single = await Promise.all(funds.map((amount) => givenUserWithBalance(medium, amount)));
    const batched = await Promise.all(funds.map((amount) => givenUserWithBalance(medium, amount)));

    const one = [];
    for (const [index, user] of single.entries()) {
      one.push(await rounds.openPosition(user.id, round.id, bodies[index]).then(() => 'opened', (error: { error: string }) => error.error));
    }
    medium.events.clear();
    const outcomes = await rounds.openPositions(
      round.id,
      batched.map((user, index) => ({ userId: user.id, body: bodies[index] })),
    );

    expect(outcomes.map(shape)).toEqual(['opened', 'opened', 'InsufficientFunds', 'opened']);
    expect(outcomes.map(shape)).toEqual(one);
    for (const index of funds.keys()) {
      expect(await available(batched[index].id)).toBe(await available(single[index].id));
      expect(await ledgerOf(batched[index].id)).toEqual(await ledgerOf(single[index].id));
      expect(await positionsOf(round.id, batched[index].id)).toEqual(await positionsOf(round.id, single[index].id));
    }
    expect(medium.events.named(RoundEvent.Trade)).toHaveLength(3);
  });

  it('refuses by the cap exactly as one by one: a refused debit leaves its place under the cap to the player\'s next stake', async () => {
    const round = await givenActiveRound(medium, { tick: 2 });
    const alice = await givenUserWithBalance(medium, '14');
    for (let i = 0; i < MAX_OPEN_POSITIONS_PER_ROUND - 1; i += 1) await rounds.openPosition(alice.id, round.id, { side: 'long', amount: '1' });

    const outcomes = await rounds.openPositions(round.id, [
      { userId: alice.id, body: { side: 'long', amount: '10' } }, // 5 USDC left: refused
      { userId: alice.id, body: { side: 'long', amount: '1' } }, // the tenth position
      { userId: alice.id, body: { side: 'short', amount: '1' } }, // the eleventh: over the cap
    ]);

    expect(outcomes.map(shape)).toEqual(['InsufficientFunds', 'opened', 'TooManyOpenPositions']);
    expect(await available(alice.id)).toBe('4.000000');
    expect((await rounds.mine(alice.id, round.id)).positions).toHaveLength(MAX_OPEN_POSITIONS_PER_ROUND);
  });

  it('refuses the whole batch when the round does not take positions (unknown, not ticking), and a stake outside the limits alone', async () => {
    const round = await givenActiveRound(medium, { tick: 1 });
    const [alice, bob] = [await givenUserWithBalance(medium, '2000'), await givenUserWithBalance(medium, '10')];

    const outcomes = await rounds.openPositions(round.id, [
      { userId: alice.id, body: { side: 'long', amount: '1000.5' } },
      { userId: bob.id, body: { side: 'long', amount: '2' } },
    ]);
    expect(outcomes.map(shape)).toEqual(['StakeOutOfLimits', 'opened']);

    await expect(rounds.openPositions(UNKNOWN_ID, [{ userId: bob.id, body: { side: 'long', amount: '2' } }])).rejects.toMatchObject({ error: 'RoundNotFound' });
    await medium.dataSource.query(`UPDATE rounds SET last_tick_at = now() - interval '1 hour' WHERE id = $1`, [round.id]);
    await expect(rounds.openPositions(round.id, [{ userId: bob.id, body: { side: 'long', amount: '2' } }])).rejects.toMatchObject({ error: 'RoundStateConflict' });
    expect(await available(alice.id)).toBe('2000.000000');
    expect(await available(bob.id)).toBe('8.000000');
  });

  it('closes a batch of positions as closePosition one by one: same payouts and ledger; a closed or foreign position refused alone', async () => {
    const round = await givenActiveRound(medium, { tick: 2 });
    const single = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '100')];
    const batched = [await givenUserWithBalance(medium, '100'), await givenUserWithBalance(medium, '100')];
    const open = async (user: GivenUser, side: 'long' | 'short') => (await rounds.openPosition(user.id, round.id, { side, amount: '10' })).id;
    const singleIds = [await open(single[0], 'long'), await open(single[1], 'short')];
    const batchedIds = [await open(batched[0], 'long'), await open(batched[1], 'short')];
    await advanceRound(medium, round, 6, (BigInt(START_PRICE) * 13n) / 10n);

    for (const [index, user] of single.entries()) await rounds.closePosition(user.id, round.id, singleIds[index]);
    const outcomes = await rounds.closePositions(round.id, [
      { userId: batched[0].id, positionId: batchedIds[0] },
      { userId: batched[1].id, positionId: batchedIds[1] },
      { userId: batched[1].id, positionId: batchedIds[1] }, // twice: closed by the one before
      { userId: batched[1].id, positionId: batchedIds[0] }, // someone else's
    ]);

    expect(outcomes.map(shape)).toEqual(['closed', 'closed', 'PositionAlreadyClosed', 'RoundPositionNotFound']);
    for (const index of single.keys()) {
      expect(await available(batched[index].id)).toBe(await available(single[index].id));
      expect(await ledgerOf(batched[index].id)).toEqual(await ledgerOf(single[index].id));
      expect(await positionsOf(round.id, batched[index].id)).toEqual(await positionsOf(round.id, single[index].id));
    }
  });

  it('stores every answer under its key in the same transaction: the repeated batch replays them and moves nothing', async () => {
    const round = await givenActiveRound(medium, { tick: 3 });
    const users = [await givenUserWithBalance(medium, '30'), await givenUserWithBalance(medium, '2'), await givenUserWithBalance(medium, '30')];
    const stakes: OpenStake[] = users.map((user) => ({ userId: user.id, body: { side: 'long', amount: '5' } }));
    const records = users.map((user, index) => recordOf(user, round.id, stakes[index]));

    const first = await keyed(records, round.id, stakes);
    expect(first.map(answerShape)).toEqual(['answered 201', 'error InsufficientFunds', 'answered 201']);
    const balances = await Promise.all(users.map((user) => available(user.id)));
    expect(balances).toEqual(['25.000000', '2.000000', '25.000000']);
    medium.events.clear();

    const again = await keyed(records, round.id, stakes);

    const refusedStatus = (first[1] as { error: { status: number } }).error.status;
    expect(again.map(answerShape)).toEqual(['replayed 201', `replayed ${refusedStatus}`, 'replayed 201']);
    expect((again[0] as { answer: { body: RoundPositionDto } }).answer.body).toEqual((first[0] as { answer: { body: RoundPositionDto } }).answer.body);
    expect((again[1] as { answer: { body: { error: string } } }).answer.body).toMatchObject({ error: 'InsufficientFunds' });
    expect(await Promise.all(users.map((user) => available(user.id)))).toEqual(balances);
    for (const user of users) expect((await rounds.mine(user.id, round.id)).positions.length).toBeLessThanOrEqual(1);
    expect(medium.events.named(RoundEvent.Trade)).toEqual([]);

    // The same keys one at a time (the single path) replay the batch's answers as well.
    const single = await keys.execute(records[0], () => rounds.openPosition(users[0].id, round.id, stakes[0].body), () => 201);
    expect(single).toMatchObject({ replayed: true, status: 201 });
    expect(await available(users[0].id)).toBe('25.000000');
  });
});
