import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type Redis from 'ioredis';
import { dependencyOutageOf } from '../common/errors/dependency-outage';
import { RATE_LIMIT_BUCKET, RateLimitBucket } from './rate-limit.decorators';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const MINUTE_MS = 60_000;

/**
 * A Redis client as the throttler storage sees it: a status, and pipelines of its script command, each call
 * answering `hits` (or failing); `eval` counts the calls.
 */
function fakeRedis(status: string, evalAnswer: () => Promise<unknown> = async () => [1, MINUTE_MS, 0, 0]) {
  const evalCalls = jest.fn(evalAnswer);
  const redis = {
    status,
    eval: evalCalls,
    defineCommand: jest.fn(),
    pipeline: () => {
      const calls: Promise<unknown>[] = [];
      return {
        cmThrottleIncrement: () => calls.push(evalCalls()),
        exec: () => Promise.all(calls.map((call) => call.then((reply) => [null, reply], (error: unknown) => [error, undefined]))),
      };
    },
  };
  return redis as unknown as Redis & { eval: jest.Mock };
}

async function guardOn(redis: Redis): Promise<RateLimitGuard> {
  const guard = new RateLimitGuard(
    {
      setHeaders: false,
      throttlers: (['default', 'sign-in', 'refresh'] as RateLimitBucket[]).map((name) => ({ name, limit: 100, ttl: MINUTE_MS })),
    },
    new RedisThrottlerStorage(redis, 'cm-unit'),
    new Reflector(),
  );
  await guard.onModuleInit();
  return guard;
}

/** An HTTP request to a handler in `bucket` (undefined: the default bucket). */
function requestTo(bucket: RateLimitBucket | undefined): ExecutionContext {
  const handler = () => undefined;
  if (bucket) Reflect.defineMetadata(RATE_LIMIT_BUCKET, bucket, handler);
  const request = { originalUrl: '/api/v1/anything', ip: '127.0.0.1', ips: [], headers: {}, user: undefined };
  const response = { setHeader: jest.fn(), header: jest.fn() };
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => class Controller {},
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
}

describe('RateLimitGuard while Redis is out', () => {
  it('counts in Redis while it is up', async () => {
    const redis = fakeRedis('ready');
    const guard = await guardOn(redis);
    await expect(guard.canActivate(requestTo(undefined))).resolves.toBe(true);
    expect(redis.eval).toHaveBeenCalledTimes(1);
  });

  it('lets requests of the per-user and refresh buckets through uncounted, without waiting for Redis', async () => {
    const redis = fakeRedis('reconnecting');
    const guard = await guardOn(redis);
    await expect(guard.canActivate(requestTo(undefined))).resolves.toBe(true);
    await expect(guard.canActivate(requestTo('refresh'))).resolves.toBe(true);
    expect(redis.eval).not.toHaveBeenCalled();
  });

  it('refuses sign-in requests, which it cannot count, with an error the filter answers 503', async () => {
    const guard = await guardOn(fakeRedis('reconnecting'));
    const refusal = await guard.canActivate(requestTo('sign-in')).catch((error: unknown) => error);
    expect(dependencyOutageOf(refusal)).toEqual({ dependency: 'redis', reason: 'Redis connection is reconnecting' });
  });

  it('treats a command that failed on a connection that looked up (timed out) the same way', async () => {
    const timedOut = fakeRedis('ready', async () => {
      throw new Error('Command timed out');
    });
    const guard = await guardOn(timedOut);
    await expect(guard.canActivate(requestTo(undefined))).resolves.toBe(true);
    const refusal = await guard.canActivate(requestTo('sign-in')).catch((error: unknown) => error);
    expect(dependencyOutageOf(refusal)?.dependency).toBe('redis');
  });

  it('still fails on anything that is not an outage (a bug stays a 500)', async () => {
    const broken = fakeRedis('ready', async () => {
      throw new TypeError('bad reply');
    });
    const guard = await guardOn(broken);
    await expect(guard.canActivate(requestTo(undefined))).rejects.toThrow(TypeError);
  });
});
