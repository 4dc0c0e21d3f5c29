import type Redis from 'ioredis';
import { dependencyOutageOf } from '../../src/common/errors/dependency-outage';
import { connectRedis } from '../../src/redis/redis.module';
import { PrivateRedis } from '../support/private-redis';
import { testConfig } from '../support/test-app';

// The shared Redis connection against a redis-server of the test's own, which is paused (connections stay open,
// nothing answers) and killed: every command fails within REDIS_COMMAND_TIMEOUT_MS with an error the HTTP filter
// answers 503, and the same client works again once Redis is back, without being recreated.

const TIMEOUT_MS = 300;

describe('the shared Redis connection while Redis is out (medium)', () => {
  let redis: PrivateRedis;
  let client: Redis;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    client = await connectRedis(testConfig({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS) }));
  });

  afterAll(async () => {
    client?.disconnect();
    redis?.resume();
    await redis?.stop();
  });

  /** The command's failure and how long it took. */
  async function failure(command: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
    const started = Date.now();
    const error = await command().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    return { error, ms: Date.now() - started };
  }

  it('gives a command up after REDIS_COMMAND_TIMEOUT_MS when Redis hangs, and works again when it answers', async () => {
    await client.set('medium:outage', '1');
    redis.pause();
    try {
      const { error, ms } = await failure(() => client.get('medium:outage'));
      expect(dependencyOutageOf(error)).toEqual({ dependency: 'redis', reason: 'Command timed out' });
      expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(ms).toBeLessThan(TIMEOUT_MS + 1000);
    } finally {
      redis.resume();
    }
    expect(await client.get('medium:outage')).toBe('1');
  });

  it('gives commands up while Redis is down (queued during reconnects), and recovers by itself once it restarts', async () => {
    await redis.stop();
    const { error, ms } = await failure(() => client.get('medium:outage'));
    expect(dependencyOutageOf(error)?.dependency).toBe('redis');
    expect(ms).toBeLessThan(TIMEOUT_MS + 1000);

    await redis.restart();
    const deadline = Date.now() + 10_000;
    while (client.status !== 'ready' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // Restarted empty (no persistence): the key is gone, the connection is the same.
    expect(await client.get('medium:outage')).toBeNull();
  });
});
