/**
 * What a notification is about. Every kind is always shown in the app; each user turns its email on or off
 * (`/api/v1/me/notification-settings`), on by default.
 */
export const NOTIFICATION_KINDS = [
  'market-resolved',
  'market-cancelled',
  'dividend-paid',
  'perp-trigger',
  'withdrawal-completed',
  'withdrawal-failed',
  'withdrawal-rejected',
  'round-payout',
  'broadcast',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Email of a kind nobody has changed yet. */
export const EMAIL_BY_DEFAULT = true;

export function isNotificationKind(value: string): value is NotificationKind {
  return (NOTIFICATION_KINDS as readonly string[]).includes(value);
}
