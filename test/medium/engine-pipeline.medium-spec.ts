import { randomUUID } from 'node:crypto';
import type { CommandOutcome, EngineCommand } from '../../src/engine/venue';
import { COUNTER_TABLE_DDL } from './support/counter-venue';
import { EngineInstance, startEngineInstance, waitUntil } from './support/engine-instance';

const add = (amount: number, id: string = randomUUID()): EngineCommand => ({ id, type: 'add', payload: { amount } });
const lateBoom = (afterMs: number): EngineCommand => ({ id: randomUUID(), type: 'late-boom', payload: { afterMs } });
const newShard = () => `p-${randomUUID().slice(0, 8)}`;
const result = (outcome: CommandOutcome) => (outcome.ok ? outcome.result : outcome.refusal);

/** ENGINE_PIPELINE_DEPTH > 1: the next batch is applied while the previous commits, and commits strictly after it. */
describe('Venue engine: overlapping batches (ENGINE_PIPELINE_DEPTH) against PostgreSQL (medium)', () => {
  const running: EngineInstance[] = [];
  const start = async (shard: string, overrides: Record<string, string>, overlapping = true) => {
    const instance = await startEngineInstance([shard], { ENGINE_PIPELINE_DEPTH: '2', ...overrides });
    instance.venue.overlapping = overlapping;
    running.push(instance);
    await waitUntil(() => instance.engine.isLeader('counter', shard));
    return instance;
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

  beforeAll(async () => {
    const probe = await startEngineInstance([]);
    await probe.dataSource.query(COUNTER_TABLE_DDL);
    await probe.close();
  });
  afterEach(async () => {
    while (running.length > 0) await running.pop()!.close();
  });

  it('applies overlapping batches on the state the previous left and commits them in arrival order', async () => {
    const shard = newShard();
    const instance = await start(shard, { ENGINE_BATCH_SIZE: '4' });

    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, n) => instance.engine.submit('counter', shard, add(1, `c${n}`))));

    expect(outcomes.map((outcome) => result(outcome))).toEqual(Array.from({ length: 40 }, (_, n) => ({ seq: n + 1, total: n + 1 })));
    expect((await rowsOf(instance, shard)).map((row) => row.command_id)).toEqual(Array.from({ length: 40 }, (_, n) => `c${n}`));
    expect(await storedIds(instance, shard)).toHaveLength(40);
    expect(instance.venue.overlapped.filter(Boolean).length).toBeGreaterThan(0);
  });

  it('when batch N fails after its apply, batch N+1 applied on its state is not committed either, and both are retried on the rebuilt state', async () => {
    const shard = newShard();
    const instance = await start(shard, { ENGINE_BATCH_SIZE: '2', ENGINE_BATCH_MS: '0' });
    await instance.engine.submit('counter', shard, add(10, 'committed'));
    const batchesBefore = instance.venue.batches.length;

    // Batch N: an add and a command that fails 300 ms later, in beforeCommit; batch N+1 is applied meanwhile.
    const doomed = [add(1, 'n-1'), lateBoom(300)];
    const following = [add(2, 'n1-1'), add(3, 'n1-2')];
    const outcomes = await Promise.all([...doomed, ...following].map((command) => instance.engine.submit('counter', shard, command)));

    for (const outcome of outcomes) expect(result(outcome)).toMatchObject({ status: 503, error: 'EngineUnavailable', details: { retryable: true } });
    // N+1 was applied (overlapped) before N failed, on N's uncommitted state.
    expect(instance.venue.batches.slice(batchesBefore)).toEqual([2, 2]);
    expect(instance.venue.overlapped.slice(batchesBefore)).toEqual([false, true]);
    expect((await rowsOf(instance, shard)).map((row) => row.command_id)).toEqual(['committed']);
    expect(await storedIds(instance, shard)).toEqual(['committed']);

    // The state was rebuilt from what committed: retries apply on it, once.
    const retried = await Promise.all([add(1, 'n-1'), add(2, 'n1-1'), add(3, 'n1-2')].map((command) => instance.engine.submit('counter', shard, command)));
    expect(retried.map(result)).toEqual([
      { seq: 2, total: 11 },
      { seq: 3, total: 13 },
      { seq: 4, total: 16 },
    ]);
    expect((await rowsOf(instance, shard)).map((row) => row.seq)).toEqual([1, 2, 3, 4]);
  });

  it('when batch N+1 fails while batch N still commits, the state is rebuilt only after N committed (N\'s effects stay in it)', async () => {
    const shard = newShard();
    const instance = await start(shard, { ENGINE_BATCH_SIZE: '2', ENGINE_BATCH_MS: '0' });
    await instance.engine.submit('counter', shard, add(1, 'first'));
    const batchesBefore = instance.venue.batches.length;

    // Batch N commits 300 ms after its apply; batch N+1, applied overlapped meanwhile, throws at once.
    const slow: EngineCommand = { id: randomUUID(), type: 'slow', payload: { afterMs: 300 } };
    const boom: EngineCommand = { id: randomUUID(), type: 'boom', payload: {} };
    const outcomes = await Promise.all([add(1, 'n'), slow, add(1, 'n1'), boom].map((command) => instance.engine.submit('counter', shard, command)));

    expect(instance.venue.overlapped.slice(batchesBefore)).toEqual([false, true]);
    expect(result(outcomes[0])).toEqual({ seq: 2, total: 2 });
    for (const outcome of outcomes.slice(2)) expect(result(outcome)).toMatchObject({ status: 503, error: 'EngineUnavailable' });
    // The next command applies on what committed, N included (not on a state reloaded before N's COMMIT).
    expect(result(await instance.engine.submit('counter', shard, add(1, 'after')))).toEqual({ seq: 3, total: 3 });
    expect((await rowsOf(instance, shard)).map((row) => row.command_id)).toEqual(['first', 'n', 'after']);
  });

  it('a takeover while batch N+1 is applied overlapped fences N+1 at its last statement: N commits, N+1 writes nothing, the leader stops', async () => {
    const shard = newShard();
    const instance = await start(shard, { ENGINE_BATCH_SIZE: '2', ENGINE_BATCH_MS: '0' });
    await instance.engine.submit('counter', shard, add(1, 'first'));
    const batchesBefore = instance.venue.batches.length;

    const slow: EngineCommand = { id: 'slow', type: 'slow', payload: { afterMs: 300 } };
    const submitted = [add(1, 'n'), slow, add(1, 'n1-a'), add(1, 'n1-b')].map((command) => instance.engine.submit('counter', shard, command));
    await waitUntil(() => instance.venue.batches.length === batchesBefore + 2);
    // Another instance's takeover: waits for N's row lock (N fenced first), then writes a larger token before N+1 fences.
    const takeover = instance.dataSource.query(`UPDATE engine_shards SET fencing_token = fencing_token + 1000 WHERE venue = 'counter' AND shard = $1`, [shard]);
    const outcomes = await Promise.all(submitted);
    await takeover;

    expect(instance.venue.overlapped.slice(batchesBefore)).toEqual([false, true]);
    expect(outcomes.slice(0, 2).map(result)).toEqual([
      { seq: 2, total: 2 },
      { seq: 2, total: 2 },
    ]);
    for (const outcome of outcomes.slice(2)) expect(result(outcome)).toMatchObject({ status: 503, error: 'EngineUnavailable' });
    expect((await rowsOf(instance, shard)).map((row) => row.command_id)).toEqual(['first', 'n']);
    expect((await storedIds(instance, shard)).sort()).toEqual(['first', 'n', 'slow']);
    await waitUntil(() => !instance.engine.isLeader('counter', shard));
  });

  it('answers an id repeated in the next batch with the outcome of the batch still committing, applied once', async () => {
    const shard = newShard();
    const instance = await start(shard, { ENGINE_BATCH_SIZE: '2', ENGINE_BATCH_MS: '0' });

    const outcomes = await Promise.all([add(1, 'a'), add(1, 'b'), add(5, 'a'), add(1, 'c')].map((command) => instance.engine.submit('counter', shard, command)));

    expect(outcomes.map(result)).toEqual([
      { seq: 1, total: 1 },
      { seq: 2, total: 2 },
      { seq: 1, total: 1 },
      { seq: 3, total: 3 },
    ]);
    expect((await rowsOf(instance, shard)).map((row) => row.command_id)).toEqual(['a', 'b', 'c']);
    expect((await storedIds(instance, shard)).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a venue that does not overlap is applied only after the previous batch committed, in order', async () => {
    const shard = newShard();
    const instance = await start(shard, { ENGINE_BATCH_SIZE: '3' }, false);

    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, n) => instance.engine.submit('counter', shard, add(1, `d${n}`))));

    expect(outcomes.map((outcome) => (result(outcome) as { seq: number }).seq)).toEqual(Array.from({ length: 30 }, (_, n) => n + 1));
    expect(instance.venue.overlapped.every((overlapped) => !overlapped)).toBe(true);
  });

  it('stores outcomes as jsonb strings of their JSON and answers ids stored either way (objects before)', async () => {
    const shard = newShard();
    const instance = await start(shard, {});
    await instance.dataSource.query(`INSERT INTO engine_commands (venue, shard, command_id, outcome) VALUES ('counter', $1, 'legacy', $2::jsonb)`, [
      shard,
      JSON.stringify({ ok: true, result: { seq: 41, total: 42 } }),
    ]);
    const fresh = await instance.engine.submit('counter', shard, add(3, 'fresh'));
    const legacy = await instance.engine.submit('counter', shard, add(3, 'legacy'));
    const again = await instance.engine.submit('counter', shard, add(9, 'fresh'));

    expect([fresh, legacy, again].map(result)).toEqual([
      { seq: 1, total: 3 },
      { seq: 41, total: 42 },
      { seq: 1, total: 3 },
    ]);
    const types = (await instance.dataSource.query(`SELECT command_id, jsonb_typeof(outcome) AS type FROM engine_commands WHERE venue = 'counter' AND shard = $1 ORDER BY command_id`, [
      shard,
    ])) as { command_id: string; type: string }[];
    expect(types).toEqual([
      { command_id: 'fresh', type: 'string' },
      { command_id: 'legacy', type: 'object' },
    ]);
    expect((await rowsOf(instance, shard)).map((row) => row.command_id)).toEqual(['fresh']);
  });
});
