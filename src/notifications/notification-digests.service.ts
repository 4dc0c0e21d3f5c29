import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MailerService } from '../auth/mailer.service';
import { UsersService } from '../auth/users.service';
import { AppConfig } from '../config/app-config';
import { composeDigest, DigestItem } from './notification-digest';
import { NotificationMetrics } from './notification-metrics';
import { NotificationsService } from './notifications.service';

/** Notifications one mail carries at most; more wait for the next window. */
const DIGEST_LIMIT = 100;

export interface DigestOutcome {
  /** Notifications the mail carried (0: no mail). */
  sent: number;
  /** When the user's next digest is due (too soon after the last mail, or more are waiting). */
  retryAt?: Date;
}

/**
 * One user's email digest: every notification waiting for email, in one mail, at most one mail per
 * NOTIFICATION_EMAIL_DIGEST_MINUTES. The user's digest row is locked while the mail is sent, so two jobs for
 * one user never both send; a mail sent whose transaction then fails may be sent again (at least once).
 */
@Injectable()
export class NotificationDigests {
  private readonly logger = new Logger('NotificationDigests');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly notifications: NotificationsService,
    private readonly users: UsersService,
    private readonly mailer: MailerService,
    private readonly config: AppConfig,
    private readonly metrics: NotificationMetrics,
  ) {}

  async send(userId: string, now: Date = new Date()): Promise<DigestOutcome> {
    const windowMs = this.config.notifications.emailDigestMs;
    return this.dataSource.transaction(async (manager): Promise<DigestOutcome> => {
      await manager.query(`INSERT INTO notification_digests (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`, [userId]);
      const [state] = (await manager.query(`SELECT last_sent_at FROM notification_digests WHERE user_id = $1 FOR UPDATE`, [userId])) as { last_sent_at: Date | null }[];
      if (state.last_sent_at && now.getTime() < state.last_sent_at.getTime() + windowMs) {
        return { sent: 0, retryAt: new Date(state.last_sent_at.getTime() + windowMs) };
      }
      const pending = (await manager.query(
        `SELECT id, kind, title, body, created_at FROM notifications
          WHERE user_id = $1 AND email_due AND emailed_at IS NULL ORDER BY created_at, id LIMIT $2 FOR UPDATE`,
        [userId, DIGEST_LIMIT + 1],
      )) as { id: string; kind: DigestItem['kind']; title: string; body: string; created_at: Date }[];
      const batch = pending.slice(0, DIGEST_LIMIT);
      if (batch.length === 0) return { sent: 0 };
      // The settings as they are now: a kind turned off since its notifications were created is not mailed.
      const off = await this.notifications.emailOff(manager, [userId]);
      const email = (await this.users.emails([userId])).get(userId);
      const mailed = email ? batch.filter((row) => !off.has(`${userId}:${row.kind}`)) : [];
      const dropped = batch.filter((row) => !mailed.includes(row));
      if (dropped.length > 0) await manager.query(`UPDATE notifications SET email_due = false WHERE id = ANY($1::uuid[])`, [dropped.map((row) => row.id)]);
      if (mailed.length === 0) return { sent: 0 };
      const mail = composeDigest(
        mailed.map((row) => ({ kind: row.kind, title: row.title, body: row.body, createdAt: row.created_at })),
        this.config.publicUrl,
      );
      await this.mailer.send({ to: email!, ...mail });
      this.metrics.digestsSent.inc();
      await manager.query(`UPDATE notifications SET emailed_at = $2 WHERE id = ANY($1::uuid[])`, [mailed.map((row) => row.id), now]);
      await manager.query(`UPDATE notification_digests SET last_sent_at = $2 WHERE user_id = $1`, [userId, now]);
      this.logger.debug(`digest of ${mailed.length} notifications mailed to user ${userId}`);
      return pending.length > DIGEST_LIMIT ? { sent: mailed.length, retryAt: new Date(now.getTime() + windowMs) } : { sent: mailed.length };
    });
  }
}
