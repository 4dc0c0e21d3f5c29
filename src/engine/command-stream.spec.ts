import { decodeReplies, decodeStreamEntry, encodeReplies, encodeStreamEntry } from './command-stream';

describe('command stream encoding', () => {
  it('round-trips a command and its reply channel', () => {
    const command = { id: 'c1', type: 'open', userId: 'u1', payload: { amount: '10.5' } };
    expect(decodeStreamEntry(encodeStreamEntry(command, 'cm:engine:replies:x'))).toEqual({ command, replyTo: 'cm:engine:replies:x' });
  });

  it('skips entries it cannot read', () => {
    expect(decodeStreamEntry(['command', '{not json', 'replyTo', 'r'])).toBeNull();
    expect(decodeStreamEntry(['command', JSON.stringify({ id: 1, type: 'x' }), 'replyTo', 'r'])).toBeNull();
    expect(decodeStreamEntry(['command', JSON.stringify({ id: 'a', type: 'x', payload: null })])).toBeNull();
  });

  it('round-trips replies and ignores garbage', () => {
    const replies = [{ id: 'a', outcome: { ok: true as const, result: 1 } }];
    expect(decodeReplies(encodeReplies(replies))).toEqual(replies);
    expect(decodeReplies('nope')).toEqual([]);
    expect(decodeReplies('[{"id":2}]')).toEqual([]);
  });
});
