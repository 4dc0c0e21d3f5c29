import { LoggedPacket, MissedPacketLog } from './missed-packet-log';

function packet(id: string, rooms: string[], emittedAt = 0, except: string[] = []): LoggedPacket {
  return { id, rooms, except, data: ['event', { id }, id], emittedAt };
}

describe('MissedPacketLog', () => {
  it('returns what a session missed after its offset, public and private apart', () => {
    const log = new MissedPacketLog(60_000);
    log.record(packet('1', ['round:1']), 0);
    log.record(packet('2', ['round:1']), 1);
    log.record(packet('3', ['round:2']), 2);
    log.record(packet('4', ['user:a']), 3);
    log.record(packet('5', ['user:b']), 4);
    log.record(packet('6', []), 5);
    const missed = log.missedSince('1', ['round:1', 'user:a']);
    expect(missed).toEqual({
      publicPackets: [
        ['event', { id: '2' }, '2'],
        ['event', { id: '6' }, '6'],
      ],
      privatePackets: [{ rooms: ['user:a'], data: ['event', { id: '4' }, '4'] }],
    });
  });

  it('honours excluded rooms', () => {
    const log = new MissedPacketLog(60_000);
    log.record(packet('1', []), 0);
    log.record(packet('2', [], 1, ['round:1']), 1);
    expect(log.missedSince('1', ['round:1'])?.publicPackets).toEqual([]);
  });

  it('answers null for an unknown or expired offset', () => {
    const log = new MissedPacketLog(1000);
    log.record(packet('1', ['rounds'], 0), 0);
    expect(log.missedSince('nope', ['rounds'])).toBeNull();
    log.record(packet('2', ['rounds'], 5000), 5000);
    expect(log.missedSince('1', ['rounds'])).toBeNull();
    expect(log.missedSince('2', ['rounds'])).toEqual({ publicPackets: [], privatePackets: [] });
  });

  it('keeps at most maxPackets and compacts its storage', () => {
    const log = new MissedPacketLog(60_000, 100);
    for (let i = 0; i < 5000; i += 1) log.record(packet(String(i), ['rounds'], i), i);
    expect(log.size).toBe(100);
    expect(log.missedSince('4899', ['rounds'])).toBeNull();
    expect(log.missedSince('4900', ['rounds'])?.publicPackets).toHaveLength(99);
  });
});
