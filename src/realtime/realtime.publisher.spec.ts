import type { Server } from 'socket.io';
import { RequestContext } from '../common/request-context';
import { MetricsService } from '../health/metrics.service';
import { RealtimePublisher } from './realtime.publisher';
import { RealtimeServer } from './realtime-server';
import { RealtimeSnapshots } from './realtime-snapshots';

/** A Socket.IO server whose broadcasts fail as they do once the adapter's Redis client has quit. */
function closedConnectionServer() {
  const emit = jest.fn(() => {
    throw new Error('Connection is closed.');
  });
  const io = { to: () => ({ emit }), emit } as unknown as Server;
  return { io, emit };
}

describe('RealtimePublisher during shutdown', () => {
  it('drops broadcasts once the Socket.IO server is detached, without throwing or touching the server', () => {
    const server = new RealtimeServer();
    const { io, emit } = closedConnectionServer();
    server.attach(io);
    const publisher = new RealtimePublisher(server, { remember: jest.fn() } as unknown as RealtimeSnapshots, new MetricsService());

    server.detach();
    expect(server.closed).toBe(true);
    expect(() => {
      publisher.roundState('r-1', { status: 'SETTLED' });
      publisher.balanceUpdate('u-1', { asset: 'USDC', available: '1', locked: '0' });
      publisher.maintenance({ message: 'bye', startsAt: new Date(0).toISOString() });
    }).not.toThrow();
    expect(emit).not.toHaveBeenCalled();
  });

  it('is not re-attached by a late gateway init after shutdown began', () => {
    const server = new RealtimeServer();
    server.detach();
    server.attach(closedConnectionServer().io);
    expect(server.io).toBeUndefined();
  });
});

describe('RealtimePublisher request ids', () => {
  it('names the request that caused a broadcast in a second argument, and times the broadcast', async () => {
    const server = new RealtimeServer();
    const emit = jest.fn();
    server.attach({ to: () => ({ emit }), emit } as unknown as Server);
    const metrics = new MetricsService();
    const publisher = new RealtimePublisher(server, { remember: jest.fn() } as unknown as RealtimeSnapshots, metrics);

    publisher.balanceUpdate('u-1', { asset: 'USDC', available: '1', locked: '0' });
    RequestContext.run({ requestId: 'req-42' }, () => publisher.balanceUpdate('u-1', { asset: 'USDC', available: '2', locked: '0' }));

    expect(emit).toHaveBeenNthCalledWith(1, 'balance:update', { asset: 'USDC', available: '1', locked: '0' });
    expect(emit).toHaveBeenNthCalledWith(2, 'balance:update', { asset: 'USDC', available: '2', locked: '0' }, { requestId: 'req-42' });
    expect(await metrics.registry.metrics()).toMatch(/^realtime_broadcast_seconds_count\{event="balance:update"\} 2$/m);
  });
});
