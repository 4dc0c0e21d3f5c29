import { randomUUID } from 'node:crypto';
import type { EngineCommand } from '../../src/engine/venue';
import { MetricsService } from '../../src/health/metrics.service';
import { COUNTER_TABLE_DDL } from './support/counter-venue';
import { EngineInstance, startEngineInstance, waitUntil } from './support/engine-instance';

const add = (amount: number): EngineCommand => ({ id: randomUUID(), type: 'add', payload: { amount } });

/** The current values of one metric on an instance's registry, as `labels → value` (labels JSON, keys sorted). */
async function valuesOf(instance: EngineInstance, name: string): Promise<Map<string, number>> {
  const metric = instance.module.get(MetricsService).registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return new Map(
    values.map((value) => [
      `${(value as { metricName?: string }).metricName ?? name}${JSON.stringify(Object.fromEntries(Object.entries(value.labels).sort(([a], [b]) => a.localeCompare(b))))}`,
      value.value,
    ]),
  );
}

describe('Venue engine: stream-path metrics, queue depth per shard and submit latency (medium)', () => {
  const running: EngineInstance[] = [];

  beforeAll(async () => {
    const probe = await startEngineInstance([]);
    await probe.dataSource.query(COUNTER_TABLE_DDL);
    await probe.close();
  });
  afterEach(async () => {
    while (running.length > 0) await running.pop()!.close();
  });

  it('counts each submit by path and result: local on the leader, remote through the stream, refused and 503', async () => {
    const shard = `m-${randomUUID().slice(0, 8)}`;
    const [a, b] = [await startEngineInstance([shard]), await startEngineInstance([shard])];
    running.push(a, b);
    await waitUntil(() => a.engine.isLeader('counter', shard) || b.engine.isLeader('counter', shard));
    const [leader, follower] = a.engine.isLeader('counter', shard) ? [a, b] : [b, a];

    await leader.engine.submit('counter', shard, add(1));
    await leader.engine.submit('counter', shard, add(-1));
    for (const amount of [1, 2]) await follower.engine.submit('counter', shard, add(amount));
    // A shard nobody leads: the submit waits in its stream until the reply timeout, then answers 503.
    const impatient = await startEngineInstance([], { ENGINE_ENABLED: 'false', ENGINE_REPLY_TIMEOUT_MS: '100' });
    running.push(impatient);
    const unanswered = await impatient.engine.submit('counter', `unled-${randomUUID().slice(0, 8)}`, add(1));

    const count = (labels: string) => `engine_submit_seconds_count${labels}`;
    const onLeader = await valuesOf(leader, 'engine_submit_seconds');
    const onFollower = await valuesOf(follower, 'engine_submit_seconds');
    expect(onLeader.get(count('{"path":"local","result":"ok","venue":"counter"}'))).toBe(1);
    expect(onLeader.get(count('{"path":"local","result":"refused","venue":"counter"}'))).toBe(1);
    expect(onFollower.get(count('{"path":"remote","result":"ok","venue":"counter"}'))).toBe(2);
    expect(unanswered).toMatchObject({ ok: false, refusal: { status: 503, error: 'EngineUnavailable' } });
    const onImpatient = await valuesOf(impatient, 'engine_submit_seconds');
    expect(onImpatient.get(count('{"path":"remote","result":"unavailable","venue":"counter"}'))).toBe(1);
    expect(onImpatient.get(`engine_submit_seconds_sum{"path":"remote","result":"unavailable","venue":"counter"}`)).toBeGreaterThanOrEqual(0.09);
  });

  it('reports the commands waiting at the leader per shard while a batch is held, and none on the follower', async () => {
    const shard = `m-${randomUUID().slice(0, 8)}`;
    const [a, b] = [await startEngineInstance([shard]), await startEngineInstance([shard])];
    running.push(a, b);
    await waitUntil(() => a.engine.isLeader('counter', shard) || b.engine.isLeader('counter', shard));
    const [leader, follower] = a.engine.isLeader('counter', shard) ? [a, b] : [b, a];
    const depth = async (instance: EngineInstance) => (await valuesOf(instance, 'engine_queue_depth')).get(`engine_queue_depth{"shard":"${shard}","venue":"counter"}`);
    expect(await depth(leader)).toBe(0);

    // Hold the shard's row: the first batch waits at its fence, the next commands wait behind it.
    const holder = leader.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    const outcomes: Promise<unknown>[] = [];
    try {
      await holder.query(`SELECT 1 FROM engine_shards WHERE venue = 'counter' AND shard = $1 FOR UPDATE`, [shard]);
      const first = leader.engine.submit('counter', shard, add(1));
      await waitUntil(async () => (await depth(leader)) === 0 && leader.venue.batches.length === 0);
      outcomes.push(first, ...Array.from({ length: 5 }, () => leader.engine.submit('counter', shard, add(1))), follower.engine.submit('counter', shard, add(1)));
      await waitUntil(async () => (await depth(leader)) === 6);
      expect(await depth(follower)).toBeUndefined();
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }

    expect((await Promise.all(outcomes)).every((outcome) => (outcome as { ok: boolean }).ok)).toBe(true);
    expect(await depth(leader)).toBe(0);
  });
});
