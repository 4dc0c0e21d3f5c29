import { ClientEventRateLimiter } from './client-event-rate-limiter';

function burst(limiter: ClientEventRateLimiter, count: number, at: number) {
  return Array.from({ length: count }, () => limiter.hit(at));
}

describe('ClientEventRateLimiter', () => {
  it('allows up to the limit per second, then warns once and drops the rest of the window', () => {
    const limiter = new ClientEventRateLimiter(3, 3);
    expect(burst(limiter, 6, 0)).toEqual(['allow', 'allow', 'allow', 'warn', 'drop', 'drop']);
  });

  it('starts a fresh window after a second', () => {
    const limiter = new ClientEventRateLimiter(2, 3);
    burst(limiter, 3, 0);
    expect(burst(limiter, 2, 999)).toEqual(['drop', 'drop']);
    expect(burst(limiter, 3, 1000)).toEqual(['allow', 'allow', 'warn']);
  });

  it('disconnects on the last allowed strike within the memory', () => {
    const limiter = new ClientEventRateLimiter(1, 3, 10_000);
    expect(burst(limiter, 2, 0)[1]).toBe('warn');
    expect(burst(limiter, 2, 1000)[1]).toBe('warn');
    expect(burst(limiter, 2, 2000)[1]).toBe('disconnect');
  });

  it('forgets strikes older than the memory', () => {
    const limiter = new ClientEventRateLimiter(1, 2, 5_000);
    expect(burst(limiter, 2, 0)[1]).toBe('warn');
    expect(burst(limiter, 2, 6_000)[1]).toBe('warn');
    expect(burst(limiter, 2, 7_000)[1]).toBe('disconnect');
  });
});
