import { dividendDrafts, isZero, marketSettledDrafts, perpTriggerDraft, roundPayoutDrafts, withdrawalDraft } from './notification-drafts';
import { digestJobId, notificationKeys } from './notification-keys';

const MARKET = '11111111-1111-4111-8111-111111111111';
const ALICE = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const BOB = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

describe('notification keys', () => {
  it('name the cause and the user, so two users of one cause never share a key', () => {
    expect(notificationKeys.marketSettled(MARKET, ALICE)).toBe(`market-settled:${MARKET}:${ALICE}`);
    expect(notificationKeys.marketSettled(MARKET, ALICE)).not.toBe(notificationKeys.marketSettled(MARKET, BOB));
    expect(notificationKeys.dividendPaid(BOB, '2026-12-02T00:00:00.000Z', ALICE)).toBe(`dividend:${BOB}:2026-12-02T00:00:00.000Z:${ALICE}`);
    expect(notificationKeys.withdrawal(MARKET, 'FAILED')).not.toBe(notificationKeys.withdrawal(MARKET, 'COMPLETED'));
  });

  it('fit the 200-character column', () => {
    const longest = [
      notificationKeys.marketSettled(MARKET, ALICE),
      notificationKeys.dividendPaid(MARKET, '2026-12-02T00:00:00.000Z', ALICE),
      notificationKeys.roundPayout(MARKET, ALICE),
      notificationKeys.broadcast(MARKET, ALICE),
      notificationKeys.withdrawal(MARKET, 'COMPLETED'),
      notificationKeys.perpTrigger(MARKET),
    ].reduce((max, key) => Math.max(max, key.length), 0);
    expect(longest).toBeLessThanOrEqual(200);
  });

  it('a digest job is named by its user and window, without the colons BullMQ refuses', () => {
    expect(digestJobId(ALICE, new Date('2026-12-03T12:15:00Z'))).toBe(`digest-${ALICE}-1796300100000`);
  });
});

describe('notification drafts', () => {
  it('a resolved market tells each holder what they got, a zero included', () => {
    const drafts = marketSettledDrafts({
      marketId: MARKET,
      question: 'Will it rain?',
      status: 'RESOLVED',
      resolvedOutcome: 0,
      resolvedOutcomeLabel: 'Yes',
      payments: [
        { userId: ALICE, amount: '12.500000' },
        { userId: BOB, amount: '0.000000' },
      ],
    });
    expect(drafts.map((draft) => [draft.userId, draft.kind, draft.key, draft.body])).toEqual([
      [ALICE, 'market-resolved', `market-settled:${MARKET}:${ALICE}`, 'It resolved to Yes. You got 12.500000 USDC.'],
      [BOB, 'market-resolved', `market-settled:${MARKET}:${BOB}`, 'It resolved to Yes. You got 0.000000 USDC.'],
    ]);
  });

  it('a cancelled market is its own kind; a long question is cut for the title', () => {
    const [draft] = marketSettledDrafts({ marketId: MARKET, question: 'x'.repeat(300), status: 'CANCELLED', resolvedOutcome: null, resolvedOutcomeLabel: null, payments: [{ userId: ALICE, amount: '3.000000' }] });
    expect(draft.kind).toBe('market-cancelled');
    expect(draft.title.length).toBeLessThanOrEqual(200);
  });

  it('dividends of nothing are not news', () => {
    const drafts = dividendDrafts({
      creatorId: BOB,
      period: '2026-12-02T00:00:00.000Z',
      payments: [
        { userId: ALICE, shares: 3, amount: '0.120000' },
        { userId: BOB, shares: 1, amount: '0.000000' },
      ],
    });
    expect(drafts.map((draft) => draft.userId)).toEqual([ALICE]);
    expect(drafts[0].body).toContain('3 shares');
  });

  it('only a withdrawal’s end is a notification', () => {
    const withdrawal = { id: MARKET, asset: 'USDC', amount: '60.000000', chain: 'dev', toAddress: '0xabc', approvedAt: null, txHash: null, reason: 'reverted', createdAt: '' };
    for (const status of ['PENDING', 'SENDING', 'SENT', 'CANCELLED'] as const) expect(withdrawalDraft({ userId: ALICE, withdrawal: { ...withdrawal, status } })).toBeNull();
    expect(withdrawalDraft({ userId: ALICE, withdrawal: { ...withdrawal, status: 'FAILED' } })).toMatchObject({ kind: 'withdrawal-failed', key: `withdrawal:${MARKET}:FAILED` });
    expect(withdrawalDraft({ userId: ALICE, withdrawal: { ...withdrawal, status: 'REJECTED' } })!.body).toContain('(reverted)');
    expect(withdrawalDraft({ userId: ALICE, withdrawal: { ...withdrawal, status: 'COMPLETED' } })!.kind).toBe('withdrawal-completed');
  });

  it('perp triggers and round payouts carry their ids', () => {
    const perp = perpTriggerDraft({ userId: ALICE, reason: 'liquidation', positionId: MARKET, symbol: 'BTC_USDC_PERP', message: 'Your BTC_USDC_PERP long was liquidated at 63000', price: '63000', payout: '0.000000', at: '' });
    expect(perp).toMatchObject({ kind: 'perp-trigger', key: `perp-trigger:${MARKET}`, title: 'Position liquidated: BTC_USDC_PERP', data: { reason: 'liquidation' } });
    const rounds = roundPayoutDrafts({ roundId: MARKET, roundNumber: 7, voided: true, payouts: [{ userId: BOB, amount: '1.010000' }] });
    expect(rounds).toEqual([expect.objectContaining({ kind: 'round-payout', key: `round-payout:${MARKET}:${BOB}`, title: 'Round #7 voided' })]);
  });

  it('isZero reads decimal strings', () => {
    expect(isZero('0.000000')).toBe(true);
    expect(isZero('0')).toBe(true);
    expect(isZero('0.000001')).toBe(false);
  });
});
