import { BullModule } from '@nestjs/bullmq';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { MailerService } from '../../src/auth/mailer.service';
import { UsersService } from '../../src/auth/users.service';
import { UserUpdateEvent } from '../../src/realtime/realtime.events';
import { NotificationBroadcasts } from '../../src/notifications/notification-broadcasts.service';
import { NotificationDigests } from '../../src/notifications/notification-digests.service';
import { broadcastDrafts, NotificationDraft } from '../../src/notifications/notification-drafts';
import { NotificationNotFound } from '../../src/notifications/notification-errors';
import { NOTIFICATIONS_QUEUE, NotificationJobs } from '../../src/notifications/notification-jobs';
import { NotificationsListener } from '../../src/notifications/notifications.listener';
import { NotificationsService } from '../../src/notifications/notifications.service';
import { NotificationMetrics } from '../../src/notifications/notification-metrics';
import { HealthModule } from '../../src/health/health.module';
import { MetricsService } from '../../src/health/metrics.service';
import { SmtpSink } from '../support/smtp-sink';
import { MediumModule, startMediumModule } from './support/medium-module';

const WINDOW_MS = 60_000;

/** The notifications services and listener (no worker: the digest and broadcast jobs are run by calling the services). */
const NOTIFICATIONS = {
  imports: [HealthModule, BullModule.registerQueue({ name: NOTIFICATIONS_QUEUE })],
  providers: [NotificationMetrics, MailerService, NotificationsService, NotificationDigests, NotificationBroadcasts, NotificationJobs, NotificationsListener],
};

let drafted = 0;
function draft(userId: string, overrides: Partial<NotificationDraft> = {}): NotificationDraft {
  drafted += 1;
  return { userId, kind: 'round-payout', key: `test:${process.pid}:${Date.now()}:${drafted}:${userId}`, title: `Round #${drafted} settled`, body: 'You were paid 1.000000 USDC.', data: { n: drafted }, ...overrides };
}

describe('Notifications against the real database (medium)', () => {
  const smtp = new SmtpSink();
  let medium: MediumModule;
  let notifications: NotificationsService;
  let digests: NotificationDigests;

  const givenUser = async (email?: string) => ({ id: (await medium.get(UsersService).create(email ? { email } : {})).id });
  const pushed = () => medium.events.named<{ userId: string; notification: { id: string } }>(UserUpdateEvent.NotificationCreated);
  const mailsTo = (to: string) => smtp.messages.filter((mail) => mail.to.includes(to));
  let emails = 0;
  const newEmail = () => `notified-${process.pid}-${Date.now()}-${(emails += 1)}@example.test`;

  beforeAll(async () => {
    await smtp.start();
    medium = await startMediumModule(NOTIFICATIONS, { SMTP_URL: smtp.url, NOTIFICATION_EMAIL_DIGEST_MINUTES: String(WINDOW_MS / 60_000), NOTIFICATION_BROADCAST_BATCH_SIZE: '2' });
    notifications = medium.get(NotificationsService);
    digests = medium.get(NotificationDigests);
  });
  afterAll(async () => {
    await medium?.get<Queue>(getQueueToken(NOTIFICATIONS_QUEUE) as never)?.obliterate({ force: true }).catch(() => undefined);
    await medium?.close();
    await smtp.stop();
  });
  beforeEach(() => medium.events.clear());

  it('creates each key once: the same cause again inserts and pushes nothing', async () => {
    const alice = await givenUser();
    const bob = await givenUser();
    const drafts = [draft(alice.id), draft(bob.id)];
    const createdTotal = async () => (await medium.get(MetricsService).registry.getSingleMetric('notifications_created_total')!.get()).values.reduce((sum, value) => sum + value.value, 0);
    const before = await createdTotal();
    const first = await notifications.create(drafts);
    expect(first.map((created) => created.title)).toEqual(drafts.map((d) => d.title));
    expect(pushed().map((event) => event.userId)).toEqual([alice.id, bob.id]);
    medium.events.clear();
    expect(await notifications.create(drafts)).toEqual([]);
    expect(await notifications.create([...drafts, ...drafts])).toEqual([]);
    expect(pushed()).toEqual([]);
    expect(await createdTotal()).toBe(before + 2);
    expect((await notifications.list(alice.id, { page: 1, limit: 20 })).meta.total).toBe(1);
  });

  it('lists newest first with the unread count; read, read-all and the unread filter agree', async () => {
    const carol = await givenUser();
    const created: string[] = [];
    for (let n = 0; n < 3; n += 1) created.push((await notifications.create([draft(carol.id)]))[0].id);
    const page = await notifications.list(carol.id, { page: 1, limit: 2 });
    expect(page.data.map((row) => row.id)).toEqual([created[2], created[1]]);
    expect(page).toMatchObject({ unreadCount: 3, meta: { total: 3, hasNext: true } });

    const read = await notifications.markRead(carol.id, created[1]);
    expect(read.readAt).not.toBeNull();
    expect((await notifications.markRead(carol.id, created[1])).readAt).toBe(read.readAt);
    const unread = await notifications.list(carol.id, { page: 1, limit: 20, unread: 'true' });
    expect(unread.data.map((row) => row.id)).toEqual([created[2], created[0]]);
    expect(unread).toMatchObject({ unreadCount: 2, meta: { total: 2 } });

    expect(await notifications.markAllRead(carol.id)).toEqual({ marked: 2, unreadCount: 0 });
    expect(await notifications.markAllRead(carol.id)).toEqual({ marked: 0, unreadCount: 0 });
    expect((await notifications.list(carol.id, { page: 1, limit: 20 })).unreadCount).toBe(0);
  });

  it('someone else’s notification is not found, and stays unread', async () => {
    const owner = await givenUser();
    const stranger = await givenUser();
    const [mine] = await notifications.create([draft(owner.id)]);
    await expect(notifications.markRead(stranger.id, mine.id)).rejects.toBeInstanceOf(NotificationNotFound);
    expect(await notifications.markAllRead(stranger.id)).toEqual({ marked: 0, unreadCount: 0 });
    expect((await notifications.list(owner.id, { page: 1, limit: 20 })).unreadCount).toBe(1);
  });

  it('a digest mails every waiting notification of the kinds the user gets by email, once per window', async () => {
    const email = newEmail();
    const dave = await givenUser(email);
    await notifications.updateSettings(dave.id, { 'dividend-paid': false });
    expect((await notifications.settings(dave.id)).settings).toEqual(expect.arrayContaining([{ kind: 'dividend-paid', inApp: true, email: false }, { kind: 'round-payout', inApp: true, email: true }]));
    await notifications.create([draft(dave.id, { title: 'Round A' }), draft(dave.id, { kind: 'dividend-paid', title: 'Dividend X' }), draft(dave.id, { kind: 'broadcast', title: 'News B' })]);

    const now = new Date();
    expect(await digests.send(dave.id, now)).toEqual({ sent: 2 });
    const [mail] = mailsTo(email);
    expect(mail.data).toContain('Subject: Cash Markets: 2 new notifications');
    expect(mail.data).toContain('Round A');
    expect(mail.data).toContain('News B');
    expect(mail.data).not.toContain('Dividend X');

    // Another notification within the window waits: the digest is not due before one window after the mail.
    await notifications.create([draft(dave.id, { title: 'Round C' })]);
    expect(await digests.send(dave.id, new Date(now.getTime() + WINDOW_MS - 1))).toEqual({ sent: 0, retryAt: new Date(now.getTime() + WINDOW_MS) });
    expect(mailsTo(email)).toHaveLength(1);
    expect(await digests.send(dave.id, new Date(now.getTime() + WINDOW_MS))).toEqual({ sent: 1 });
    expect(mailsTo(email)).toHaveLength(2);
    expect(await digests.send(dave.id, new Date(now.getTime() + 3 * WINDOW_MS))).toEqual({ sent: 0 });
  });

  it('a kind turned off after its notification was created is not mailed; a user without email gets no digest', async () => {
    const email = newEmail();
    const erin = await givenUser(email);
    await notifications.create([draft(erin.id, { kind: 'withdrawal-failed', title: 'Withdrawal failed' })]);
    await notifications.updateSettings(erin.id, { 'withdrawal-failed': false });
    expect(await digests.send(erin.id)).toEqual({ sent: 0 });
    expect(mailsTo(email)).toHaveLength(0);

    const nomail = await givenUser();
    const [created] = await notifications.create([draft(nomail.id)]);
    const [row] = (await medium.dataSource.query(`SELECT email_due FROM notifications WHERE id = $1`, [created.id])) as { email_due: boolean }[];
    expect(row.email_due).toBe(false);
  });

  it('a broadcast reaches every active user once, in batches, and a rerun notifies nobody again', async () => {
    const admin = await givenUser();
    const broadcasts = medium.get(NotificationBroadcasts);
    const created = await broadcasts.create({ id: admin.id, requestId: 'medium-broadcast' }, { title: 'Maintenance', body: 'Sunday 02:00 UTC' });
    const [{ count: activeUsers }] = (await medium.dataSource.query(`SELECT count(*)::int AS count FROM users WHERE status = 'active'`)) as { count: number }[];
    expect(await broadcasts.deliver(created.id)).toBe(activeUsers);
    expect(await broadcasts.deliver(created.id)).toBe(0);
    // Even a fan-out from scratch (the cursor lost) inserts nothing twice: the keys are unique.
    const again = await medium.dataSource.transaction((manager) => notifications.insert(manager, broadcastDrafts({ ...created }, [admin.id]), new Map()));
    expect(again).toEqual([]);
    const [{ count }] = (await medium.dataSource.query(`SELECT count(*)::int AS count FROM notifications WHERE key LIKE $1`, [`broadcast:${created.id}:%`])) as { count: number }[];
    expect(count).toBe(activeUsers);
    expect(await broadcasts.unfinished()).not.toContain(created.id);
  });
});
