import { boardAccessOf } from './queues-board';

describe('Bull Board access', () => {
  it('gives admins the full board, support staff the read-only one, and nobody else any', () => {
    expect(boardAccessOf(['user', 'admin'])).toBe('full');
    expect(boardAccessOf(['support', 'admin'])).toBe('full');
    expect(boardAccessOf(['user', 'support'])).toBe('read-only');
    expect(boardAccessOf(['user', 'creator'])).toBe('none');
    expect(boardAccessOf([])).toBe('none');
  });
});
