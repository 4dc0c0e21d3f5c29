import type { WithdrawalUpdatedEvent } from '../accounts/accounts.events';
import type { CreatorDividendsPaidEvent } from '../creators/creators.events';
import type { MarketPositionsSettledEvent } from '../markets/markets.events';
import type { RoundPayoutsEvent } from '../rounds/rounds.events';
import type { PerpPositionTriggeredEvent } from '../trades/trades.events';
import { notificationKeys } from './notification-keys';
import type { NotificationKind } from './notification-kinds';

/** What a notification says; the data values are the cause's ids and decimal amounts, for a client to link and show. */
export type NotificationData = Record<string, string | number | null>;

/** A notification to create: at most once per `key`. */
export interface NotificationDraft {
  userId: string;
  kind: NotificationKind;
  key: string;
  title: string;
  body: string;
  data: NotificationData;
}

/** A decimal string of nothing (`0.000000`). */
export function isZero(amount: string): boolean {
  return !/[1-9]/.test(amount);
}

/** A question quoted in a title, cut to fit the column. */
function quoted(text: string, max = 120): string {
  return text.length <= max ? `“${text}”` : `“${text.slice(0, max - 1)}…”`;
}

/** One per holder of a batch of a RESOLVED or CANCELLED market's settlement, with what they got. */
export function marketSettledDrafts(event: MarketPositionsSettledEvent): NotificationDraft[] {
  const resolved = event.status === 'RESOLVED';
  return event.payments.map((payment) => ({
    userId: payment.userId,
    kind: resolved ? 'market-resolved' : 'market-cancelled',
    key: notificationKeys.marketSettled(event.marketId, payment.userId),
    title: resolved ? `Market resolved: ${quoted(event.question)}` : `Market cancelled: ${quoted(event.question)}`,
    body: resolved
      ? `It resolved to ${event.resolvedOutcomeLabel ?? `outcome ${event.resolvedOutcome}`}. You got ${payment.amount} USDC.`
      : `It was cancelled and your position refunded: you got ${payment.amount} USDC.`,
    data: { marketId: event.marketId, amount: payment.amount, resolvedOutcome: event.resolvedOutcome },
  }));
}

export function dividendDrafts(event: CreatorDividendsPaidEvent): NotificationDraft[] {
  return event.payments
    .filter((payment) => !isZero(payment.amount))
    .map((payment) => ({
      userId: payment.userId,
      kind: 'dividend-paid' as const,
      key: notificationKeys.dividendPaid(event.creatorId, event.period, payment.userId),
      title: 'Dividend paid',
      body: `You received ${payment.amount} USDC in dividends for your ${payment.shares} share${payment.shares === 1 ? '' : 's'} (period starting ${event.period}).`,
      data: { creatorId: event.creatorId, period: event.period, shares: payment.shares, amount: payment.amount },
    }));
}

const TRIGGER_TITLES = { liquidation: 'Position liquidated', stop_loss: 'Stop-loss hit', take_profit: 'Take-profit hit' } as const;

export function perpTriggerDraft(event: PerpPositionTriggeredEvent): NotificationDraft {
  return {
    userId: event.userId,
    kind: 'perp-trigger',
    key: notificationKeys.perpTrigger(event.positionId),
    title: `${TRIGGER_TITLES[event.reason]}: ${event.symbol}`,
    body: `${event.message}. Paid back: ${event.payout} USDC.`,
    data: { positionId: event.positionId, symbol: event.symbol, reason: event.reason, price: event.price, payout: event.payout, at: event.at },
  };
}

const WITHDRAWAL_OUTCOMES = {
  COMPLETED: { kind: 'withdrawal-completed', title: 'Withdrawal completed' },
  FAILED: { kind: 'withdrawal-failed', title: 'Withdrawal failed' },
  REJECTED: { kind: 'withdrawal-rejected', title: 'Withdrawal rejected' },
} as const;

function isEnded(status: string): status is keyof typeof WITHDRAWAL_OUTCOMES {
  return status in WITHDRAWAL_OUTCOMES;
}

/** Only a withdrawal's end is news: completed, failed (funds back) or rejected (funds back). */
export function withdrawalDraft({ userId, withdrawal }: WithdrawalUpdatedEvent): NotificationDraft | null {
  if (!isEnded(withdrawal.status)) return null;
  const outcome = WITHDRAWAL_OUTCOMES[withdrawal.status];
  const what = `${withdrawal.amount} ${withdrawal.asset} to ${withdrawal.toAddress}`;
  const body =
    withdrawal.status === 'COMPLETED'
      ? `Your withdrawal of ${what} was paid on ${withdrawal.chain}.`
      : `Your withdrawal of ${what} was not paid${withdrawal.reason ? ` (${withdrawal.reason})` : ''}; the amount is available again.`;
  return {
    userId,
    kind: outcome.kind,
    key: notificationKeys.withdrawal(withdrawal.id, withdrawal.status),
    title: outcome.title,
    body,
    data: { withdrawalId: withdrawal.id, status: withdrawal.status, amount: withdrawal.amount, asset: withdrawal.asset, txHash: withdrawal.txHash, reason: withdrawal.reason },
  };
}

export function roundPayoutDrafts(event: RoundPayoutsEvent): NotificationDraft[] {
  return event.payouts.map((payout) => ({
    userId: payout.userId,
    kind: 'round-payout' as const,
    key: notificationKeys.roundPayout(event.roundId, payout.userId),
    title: event.voided ? `Round #${event.roundNumber} voided` : `Round #${event.roundNumber} settled`,
    body: event.voided ? `The round was voided and refunded: you got ${payout.amount} USDC back.` : `You were paid ${payout.amount} USDC.`,
    data: { roundId: event.roundId, roundNumber: event.roundNumber, voided: event.voided ? 1 : 0, amount: payout.amount },
  }));
}

export function broadcastDrafts(broadcast: { id: string; title: string; body: string }, userIds: string[]): NotificationDraft[] {
  return userIds.map((userId) => ({
    userId,
    kind: 'broadcast' as const,
    key: notificationKeys.broadcast(broadcast.id, userId),
    title: broadcast.title,
    body: broadcast.body,
    data: { broadcastId: broadcast.id },
  }));
}
