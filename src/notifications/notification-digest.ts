import { NOTIFICATION_KINDS, NotificationKind } from './notification-kinds';

/** One notification waiting for the user's next digest mail. */
export interface DigestItem {
  kind: NotificationKind;
  title: string;
  body: string;
  createdAt: Date;
}

export interface DigestMail {
  subject: string;
  text: string;
}

const SECTION_TITLES: Record<NotificationKind, string> = {
  'market-resolved': 'Markets resolved',
  'market-cancelled': 'Markets cancelled',
  'dividend-paid': 'Dividends',
  'perp-trigger': 'Live positions closed',
  'withdrawal-completed': 'Withdrawals completed',
  'withdrawal-failed': 'Withdrawals failed',
  'withdrawal-rejected': 'Withdrawals rejected',
  'round-payout': 'Rounds',
  broadcast: 'Announcements',
};

/**
 * Digests are sent at the end of fixed windows of `windowMs` (from the epoch): notifications of one window
 * go out together, once it ends.
 */
export function digestWindowEnd(at: Date, windowMs: number): Date {
  return new Date(Math.ceil(at.getTime() / windowMs) * windowMs);
}

/**
 * When a user's digest may go out: the end of the window `now` is in, but never sooner than `windowMs` after the
 * last mail, so a user gets at most one digest per window length however the jobs run.
 */
export function nextDigestAt(now: Date, lastSentAt: Date | null, windowMs: number): Date {
  const windowEnd = digestWindowEnd(now, windowMs);
  if (!lastSentAt) return windowEnd;
  const earliest = new Date(lastSentAt.getTime() + windowMs);
  return earliest > windowEnd ? earliest : windowEnd;
}

/** Groups by kind (in the kinds' order), oldest first within each; the subject says how many and of what. */
export function groupDigest(items: DigestItem[]): { kind: NotificationKind; items: DigestItem[] }[] {
  const byKind = new Map<NotificationKind, DigestItem[]>();
  for (const item of items) byKind.set(item.kind, [...(byKind.get(item.kind) ?? []), item]);
  return NOTIFICATION_KINDS.filter((kind) => byKind.has(kind)).map((kind) => ({
    kind,
    items: [...byKind.get(kind)!].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
  }));
}

export function composeDigest(items: DigestItem[], appUrl: string): DigestMail {
  if (items.length === 0) throw new Error('a digest needs at least one notification');
  const groups = groupDigest(items);
  const subject = items.length === 1 ? `Cash Markets: ${items[0].title}` : `Cash Markets: ${items.length} new notifications`;
  const sections = groups.map(
    (group) => `${SECTION_TITLES[group.kind]} (${group.items.length})\n${group.items.map((item) => `- ${item.title}\n  ${item.body}`).join('\n')}`,
  );
  const text = [...sections, `All your notifications: ${appUrl}\nChange which ones are emailed in your notification settings.`].join('\n\n');
  return { subject, text };
}
