import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { encodeStreamEntry } from '../../src/engine/command-stream';
import { engineKeys } from '../../src/engine/engine-keys';
import type { CommandOutcome, EngineCommand, LeadershipChange, LocalCommand } from '../../src/engine/venue';
import { REDIS } from '../../src/redis/redis.module';
import { COUNTER_TABLE_DDL } from './support/counter-venue';
import { EngineInstance, startEngineInstance, waitUntil } from './support/engine-instance';

const add = (amount: number, id: string = randomUUID()): EngineCommand => ({ id, type: 'add', payload: { amount } });
const newShard = () => `s-${randomUUID().slice(0, 8)}`;
const result = (outcome: CommandOutcome) => (outcome.ok ? outcome.result : outcome.refusal);
const local = (instance: EngineInstance, shard: string, command: LocalCommand): Promise<CommandOutcome> => {
  const submitted = instance.engine.submitLocal('counter', shard, command);
  if (submitted === false) throw new Error(`not leading ${shard}`);
  return submitted;
};

describe('Venue engine: ordering, batching, dedupe, fencing and takeover against PostgreSQL and Redis (medium)', () => {
  const running: EngineInstance[] = [];
  const start = async (shards: string[], overrides: Record<string, string> = {}) => {
    const instance = await startEngineInstance(shards, overrides);
    running.push(instance);
    return instance;
  };
  const stop = async (instance: EngineInstance) => {
    running.splice(running.indexOf(instance), 1);
    await instance.close();
  };
  const rowsOf = async (instance: EngineInstance, shard: string) =>
    (await instance.dataSource.query(`SELECT seq, command_id, amount FROM engine_test_counter_rows WHERE shard = $1 ORDER BY seq`, [shard])) as {
      seq: number;
      command_id: string;
      amount: number;
    }[];
  const storedIds = async (instance: EngineInstance, shard: string) =>
    ((await instance.dataSource.query(`SELECT command_id FROM engine_commands WHERE venue = 'counter' AND shard = $1`, [shard])) as { command_id: string }[]).map(
      (row) => row.command_id,
    );
  const leading = async (shard: string, ...instances: EngineInstance[]) => {
    await waitUntil(() => instances.some((instance) => instance.engine.isLeader('counter', shard)));
    return instances.find((instance) => instance.engine.isLeader('counter', shard))!;
  };

  beforeAll(async () => {
    const probe = await startEngineInstance([]);
    await probe.dataSource.query(COUNTER_TABLE_DDL);
    await probe.close();
  });
  afterEach(async () => {
    while (running.length > 0) await stop(running[running.length - 1]);
  });

  it('applies commands in arrival order and answers each after its batch committed', async () => {
    const shard = newShard();
    const instance = await start([shard]);
    await leading(shard, instance);

    const outcomes = [];
    for (const amount of [5, 7, 11]) outcomes.push(await instance.engine.submit('counter', shard, add(amount)));

    expect(outcomes.map(result)).toEqual([
      { seq: 1, total: 5 },
      { seq: 2, total: 12 },
      { seq: 3, total: 23 },
    ]);
    expect((await rowsOf(instance, shard)).map((row) => row.amount)).toEqual([5, 7, 11]);
  });

  it('batches many concurrent submits into few transactions, in submission order', async () => {
    const shard = newShard();
    const instance = await start([shard]);
    await leading(shard, instance);

    const outcomes = await Promise.all(Array.from({ length: 300 }, (_, n) => instance.engine.submit('counter', shard, add(1, `c${n}`))));

    expect(outcomes.map((outcome) => (result(outcome) as { seq: number }).seq)).toEqual(Array.from({ length: 300 }, (_, n) => n + 1));
    expect(instance.venue.batches.length).toBeLessThanOrEqual(4);
    expect(Math.max(...instance.venue.batches)).toBeLessThanOrEqual(256);
    expect(await storedIds(instance, shard)).toHaveLength(300);
  });

  it('refuses one command of a batch alone: the others commit', async () => {
    const shard = newShard();
    const instance = await start([shard]);
    await leading(shard, instance);

    const outcomes = await Promise.all([add(1), add(-1), add(2)].map((command) => instance.engine.submit('counter', shard, command)));

    expect(outcomes.map(result)).toEqual([{ seq: 1, total: 1 }, { status: 422, error: 'NegativeAmount', message: 'amount must not be negative' }, { seq: 2, total: 3 }]);
    expect(instance.venue.batches).toEqual([3]);
    expect((await rowsOf(instance, shard)).map((row) => row.amount)).toEqual([1, 2]);
  });

  it('answers a committed id again with its stored outcome without applying it, also when redelivered through the stream', async () => {
    const shard = newShard();
    const instance = await start([shard]);
    await leading(shard, instance);
    const first = await instance.engine.submit('counter', shard, add(4, 'same-id'));

    const again = await instance.engine.submit('counter', shard, add(99, 'same-id'));
    const refusedAgain = [await instance.engine.submit('counter', shard, add(-1, 'refused-id')), await instance.engine.submit('counter', shard, add(1, 'refused-id'))];
    const stream = engineKeys.commandStream(instance.config.redisKeyPrefix, 'counter', shard);
    await instance.module.get<Redis>(REDIS).xadd(stream, '*', ...encodeStreamEntry(add(4, 'same-id'), 'nobody'));
    await instance.engine.submit('counter', shard, add(1, 'after'));

    expect(again).toEqual(first);
    expect(refusedAgain[1]).toEqual(refusedAgain[0]);
    expect((await rowsOf(instance, shard)).map((row) => row.command_id)).toEqual(['same-id', 'after']);
  });

  it('fails a batch whose transaction fails with a retryable 503 and rebuilds the state from PostgreSQL', async () => {
    const shard = newShard();
    const instance = await start([shard]);
    await leading(shard, instance);
    await instance.engine.submit('counter', shard, add(10));

    const failed = await Promise.all([add(5), { id: randomUUID(), type: 'boom', payload: {} }].map((command) => instance.engine.submit('counter', shard, command)));
    const next = await instance.engine.submit('counter', shard, add(1));

    for (const outcome of failed) expect(result(outcome)).toMatchObject({ status: 503, error: 'EngineUnavailable', details: { retryable: true } });
    expect(result(next)).toEqual({ seq: 2, total: 11 });
  });

  it('runs local events only on the leader, without a stored row when they carry no id', async () => {
    const shard = newShard();
    const [a, b] = [await start([shard]), await start([shard])];
    const leader = await leading(shard, a, b);
    const follower = leader === a ? b : a;

    expect(follower.engine.submitLocal('counter', shard, { type: 'add', payload: { amount: 1 } })).toBe(false);
    const outcome = await leader.engine.submitLocal('counter', shard, { type: 'add', payload: { amount: 3 } });

    expect(outcome && result(outcome)).toEqual({ seq: 1, total: 3 });
    expect(await storedIds(leader, shard)).toEqual([]);
  });

  it('answers an unrecorded local command that writes nothing at once, without a batch, on the state every earlier command left', async () => {
    const shard = newShard();
    const instance = await start([shard]);
    await leading(shard, instance);
    await instance.engine.submit('counter', shard, add(2));
    const batches = instance.venue.batches.length;

    expect(result(await local(instance, shard, { type: 'read', payload: {} }))).toEqual({ seq: 1, total: 2 });
    expect([instance.venue.batches.length - batches, instance.venue.withoutWrites]).toEqual([0, 1]);

    // Queued behind a command not committed yet, it waits for its batch: arrival order holds.
    const adding = instance.engine.submit('counter', shard, add(5));
    const reading = local(instance, shard, { type: 'read', payload: {} });
    expect(result(await reading)).toEqual({ seq: 2, total: 7 });
    expect(result(await adding)).toEqual({ seq: 2, total: 7 });
    expect(instance.venue.withoutWrites).toBe(1);

    // A local command that writes (the venue answers null) and a recorded one go through committed batches.
    expect(result(await local(instance, shard, { type: 'add', payload: { amount: 1 } }))).toEqual({ seq: 3, total: 8 });
    expect(result(await local(instance, shard, { id: 'read-once', type: 'read', payload: {} }))).toEqual({ seq: 3, total: 8 });
    expect(instance.venue.withoutWrites).toBe(1);
    expect(await storedIds(instance, shard)).toContain('read-once');
    expect(result(await local(instance, shard, { type: 'read', payload: {} }))).toEqual({ seq: 3, total: 8 });
    expect(instance.venue.withoutWrites).toBe(2);
  });

  it('gives each shard one leader among two instances, and a submit on the other goes through the stream', async () => {
    const shards = [newShard(), newShard(), newShard()];
    const [a, b] = [await start(shards), await start(shards)];
    for (const shard of shards) await leading(shard, a, b);

    for (const shard of shards) expect([a, b].filter((instance) => instance.engine.isLeader('counter', shard))).toHaveLength(1);
    const shard = shards[0];
    const follower = a.engine.isLeader('counter', shard) ? b : a;
    const outcomes = await Promise.all([1, 2, 3].map((amount) => follower.engine.submit('counter', shard, add(amount))));
    expect(outcomes.map(result)).toEqual([
      { seq: 1, total: 1 },
      { seq: 2, total: 3 },
      { seq: 3, total: 6 },
    ]);
    expect(follower.venue.batches).toEqual([]);
  });

  it('when the leader dies, the other instance takes over within the lease and applies the queued commands exactly once', async () => {
    const shard = newShard();
    const [a, b] = [await start([shard]), await start([shard])];
    const leader = await leading(shard, a, b);
    const survivor = leader === a ? b : a;
    const committed = await survivor.engine.submit('counter', shard, add(1, 'before'));

    await leader.engine.haltWithoutRelease();
    const diedAt = Date.now();
    const queued = Array.from({ length: 20 }, (_, n) => survivor.engine.submit('counter', shard, add(1, `queued-${n}`)));
    // A redelivery of what the dead leader committed: the new leader must not apply it again.
    const retried = survivor.engine.submit('counter', shard, add(1, 'before'));
    const outcomes = await Promise.all(queued);

    expect(survivor.engine.isLeader('counter', shard)).toBe(true);
    expect(Date.now() - diedAt).toBeLessThan(600 + 1000);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(await retried).toEqual(committed);
    const ids = (await rowsOf(survivor, shard)).map((row) => row.command_id);
    expect(ids).toHaveLength(21);
    expect(new Set(ids).size).toBe(21);
  });

  it('frees the lease on a clean shutdown, so the other instance takes over at its next pass rather than after the lease, and tells the venue who leads', async () => {
    const shard = newShard();
    const [a, b] = [await start([shard], { ENGINE_LEASE_MS: '3000' }), await start([shard], { ENGINE_LEASE_MS: '3000' })];
    const changes: LeadershipChange[] = [];
    for (const instance of [a, b]) instance.engine.onLeadership('counter', (change) => changes.push(change));
    const leader = await leading(shard, a, b);
    const survivor = leader === a ? b : a;

    await stop(leader);
    const stoppedAt = Date.now();
    await waitUntil(() => survivor.engine.isLeader('counter', shard));

    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(changes).toEqual([
      { venue: 'counter', shard, leading: true },
      { venue: 'counter', shard, leading: false },
      { venue: 'counter', shard, leading: true },
    ]);
    expect(result(await survivor.engine.submit('counter', shard, add(2)))).toEqual({ seq: 1, total: 2 });
  });

  it('a fenced-out leader cannot commit: its batch fails with 503, writes nothing, and it stops leading', async () => {
    const shard = newShard();
    const instance = await start([shard]);
    await leading(shard, instance);
    await instance.engine.submit('counter', shard, add(1));
    // What a successor's takeover writes: a larger token on the shard's row.
    await instance.dataSource.query(`UPDATE engine_shards SET fencing_token = fencing_token + 1000 WHERE venue = 'counter' AND shard = $1`, [shard]);

    const fenced = await instance.engine.submitLocal('counter', shard, { id: 'late', type: 'add', payload: { amount: 5 } });

    expect(fenced && result(fenced)).toMatchObject({ status: 503, error: 'EngineUnavailable' });
    expect((await rowsOf(instance, shard)).map((row) => row.command_id)).not.toContain('late');
    expect(instance.engine.isLeader('counter', shard)).toBe(false);
    // The lease's counter is raised past the row's token, so the shard gets a leader again.
    await waitUntil(() => instance.engine.isLeader('counter', shard));
    expect(result(await instance.engine.submit('counter', shard, add(2, 'late')))).toEqual({ seq: 2, total: 3 });
  });
});
