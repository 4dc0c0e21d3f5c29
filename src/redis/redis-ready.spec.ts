import { dependencyOutageOf } from '../common/errors/dependency-outage';
import { assertRedisReady, withinRedisTimeout } from './redis-ready';

describe('withinRedisTimeout', () => {
  it('answers with the call when it finishes in time', async () => {
    await expect(withinRedisTimeout(Promise.resolve('added'), 50, 'enqueueing a job')).resolves.toBe('added');
  });

  it('stops waiting for a call that hangs (a BullMQ add while Redis is down), with an error answered 503', async () => {
    const hanging = new Promise<never>(() => undefined);
    const started = Date.now();
    const error = await withinRedisTimeout(hanging, 50, 'enqueueing settle-1').catch((reason: unknown) => reason);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(dependencyOutageOf(error)).toEqual({ dependency: 'redis', reason: 'Command timed out: enqueueing settle-1 took over 50 ms (REDIS_COMMAND_TIMEOUT_MS)' });
  });

  it('passes the call’s own failure on, and swallows a failure that comes after it gave up', async () => {
    await expect(withinRedisTimeout(Promise.reject(new Error('NOSCRIPT')), 50, 'x')).rejects.toThrow('NOSCRIPT');
    let failLater!: (error: Error) => void;
    const late = new Promise<never>((_resolve, reject) => (failLater = reject));
    await expect(withinRedisTimeout(late, 10, 'x')).rejects.toThrow('Command timed out');
    failLater(new Error('Connection is closed.'));
    await new Promise((resolve) => setImmediate(resolve));
  });
});

describe('assertRedisReady', () => {
  it('lets a ready connection through and refuses any other state at once', () => {
    expect(() => assertRedisReady({ status: 'ready' })).not.toThrow();
    for (const status of ['connecting', 'reconnecting', 'end'] as const) {
      expect(() => assertRedisReady({ status })).toThrow(`Redis connection is ${status}`);
    }
  });
});
