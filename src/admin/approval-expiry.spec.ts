import { approvalExpiresAt, approvalExpiryCutoff, effectiveApprovalStatus } from './approval-expiry';

const DAY_MS = 86_400_000;
const asked = new Date('2026-12-03T14:00:00.000Z');
const at = (offsetMs: number) => new Date(asked.getTime() + offsetMs);

describe('approval expiry', () => {
  it('a PENDING approval lapses TTL after it was asked', () => {
    expect(approvalExpiresAt(asked, DAY_MS).toISOString()).toBe('2026-12-04T14:00:00.000Z');
  });

  it('stays PENDING up to and including the instant it lapses, and is EXPIRED one millisecond later', () => {
    const pending = { status: 'PENDING' as const, createdAt: asked };
    expect(effectiveApprovalStatus(pending, DAY_MS, at(0))).toBe('PENDING');
    expect(effectiveApprovalStatus(pending, DAY_MS, at(DAY_MS - 1))).toBe('PENDING');
    expect(effectiveApprovalStatus(pending, DAY_MS, at(DAY_MS))).toBe('PENDING');
    expect(effectiveApprovalStatus(pending, DAY_MS, at(DAY_MS + 1))).toBe('EXPIRED');
    expect(effectiveApprovalStatus(pending, DAY_MS, at(25 * 3_600_000))).toBe('EXPIRED');
  });

  it('follows the configured TTL', () => {
    const pending = { status: 'PENDING' as const, createdAt: asked };
    expect(effectiveApprovalStatus(pending, 60_000, at(60_001))).toBe('EXPIRED');
    expect(effectiveApprovalStatus(pending, 7 * DAY_MS, at(6 * DAY_MS))).toBe('PENDING');
  });

  it('never touches a decided or already expired approval, however old', () => {
    for (const status of ['APPROVED', 'REJECTED', 'EXPIRED'] as const) {
      expect(effectiveApprovalStatus({ status, createdAt: asked }, DAY_MS, at(30 * DAY_MS))).toBe(status);
      expect(effectiveApprovalStatus({ status, createdAt: asked }, DAY_MS, at(1))).toBe(status);
    }
  });

  it('the cutoff splits stored PENDING rows the way effectiveApprovalStatus does (created before it: EXPIRED)', () => {
    const now = at(DAY_MS + 5);
    const cutoff = approvalExpiryCutoff(now, DAY_MS);
    for (const createdAt of [at(0), at(4), at(5), at(6), at(DAY_MS)]) {
      const expired = effectiveApprovalStatus({ status: 'PENDING', createdAt }, DAY_MS, now) === 'EXPIRED';
      expect(createdAt.getTime() < cutoff.getTime()).toBe(expired);
    }
  });
});
