import type { Server } from 'socket.io';
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
    const publisher = new RealtimePublisher(server, { remember: jest.fn() } as unknown as RealtimeSnapshots);

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
