import type Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { RealtimeSnapshots } from './realtime-snapshots';

function fakeRedis() {
  const exec = jest.fn(async () => []);
  const transaction = { hset: jest.fn(), pexpire: jest.fn(), exec };
  transaction.hset.mockReturnValue(transaction);
  transaction.pexpire.mockReturnValue(transaction);
  return { multi: jest.fn(() => transaction), transaction };
}

describe('RealtimeSnapshots.remember', () => {
  it('caches a broadcast only on channels whose kind has no provider (the cache of the others is never read)', () => {
    const redis = fakeRedis();
    const snapshots = new RealtimeSnapshots(redis as unknown as Redis, { redisKeyPrefix: 'cm-unit' } as AppConfig);
    snapshots.register('market', async () => ({ id: 'm' }));

    snapshots.remember('market:m1', 'market:update', { id: 'm1' });
    expect(redis.multi).not.toHaveBeenCalled();

    snapshots.remember('ticker:BTC-USD', 'ticker', { price: '1' });
    snapshots.remember('rounds', 'round:state', { id: 'r' });
    expect(redis.multi).toHaveBeenCalledTimes(2);
    expect(redis.transaction.hset).toHaveBeenCalledWith('cm-unit:realtime:latest:ticker:BTC-USD', 'ticker', '{"price":"1"}');
  });
});
