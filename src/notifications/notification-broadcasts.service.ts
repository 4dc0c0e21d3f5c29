import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AdminActor } from '../admin/admin-actor';
import { AuditService } from '../admin/audit.service';
import { UsersService } from '../auth/users.service';
import { commandTransaction, whenCommitted } from '../common/transactions/command-transaction';
import { AppConfig } from '../config/app-config';
import { broadcastDrafts } from './notification-drafts';
import { NotificationJobs } from './notification-jobs';
import { BroadcastDto, BroadcastResultDto } from './notification.dto';
import { NotificationsService } from './notifications.service';

interface BroadcastRow {
  id: string;
  title: string;
  body: string;
  delivered_through: string | null;
  finished_at: Date | null;
  created_at: Date;
}

/**
 * Admin broadcasts: the request stores the broadcast (an `Idempotency-Key` retry answers the same one), the
 * `broadcast` job gives it to every active user in id order, one batch per transaction that also moves the
 * broadcast's cursor, so a rerun or a crash mid-way notifies nobody twice (and keys are unique besides).
 */
@Injectable()
export class NotificationBroadcasts {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly notifications: NotificationsService,
    private readonly users: UsersService,
    private readonly jobs: NotificationJobs,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  /** Stores the broadcast and its audit row in one transaction; its job is enqueued once that commits. */
  async create(actor: AdminActor, body: BroadcastDto): Promise<BroadcastResultDto> {
    const row = await commandTransaction(this.dataSource, async (manager) => {
      const [inserted] = (await manager.query(`INSERT INTO notification_broadcasts (title, body, created_by) VALUES ($1, $2, $3) RETURNING id, title, body, created_at`, [
        body.title,
        body.body,
        actor.id,
      ])) as BroadcastRow[];
      await this.audit.record(manager, actor, { action: 'notification.broadcast', targetType: 'broadcast', targetId: inserted.id, before: null, after: { title: body.title, body: body.body } });
      return inserted;
    });
    await whenCommitted(() => this.jobs.broadcast(row.id));
    return { id: row.id, title: row.title, body: row.body, createdAt: row.created_at.toISOString() };
  }

  /** Ids of broadcasts whose fan-out has not finished (a crash before their job was enqueued, say). */
  async unfinished(): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT id FROM notification_broadcasts WHERE finished_at IS NULL ORDER BY created_at`)) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /** Runs the fan-out to the end; returns how many users this run notified. */
  async deliver(broadcastId: string): Promise<number> {
    let notified = 0;
    for (;;) {
      const step = await this.deliverBatch(broadcastId);
      notified += step.notified;
      if (step.done) return notified;
    }
  }

  private async deliverBatch(broadcastId: string): Promise<{ notified: number; done: boolean }> {
    const batchSize = this.config.notifications.broadcastBatchSize;
    // Counted and digests scheduled after the commit (notifications.committed), like a cause's notifications.
    return this.dataSource.transaction(async (manager) => {
      const [broadcast] = (await manager.query(`SELECT id, title, body, delivered_through, finished_at FROM notification_broadcasts WHERE id = $1 FOR UPDATE`, [
        broadcastId,
      ])) as BroadcastRow[];
      if (!broadcast || broadcast.finished_at) return { notified: 0, done: true };
      const userIds = await this.users.activeIdsAfter(broadcast.delivered_through, batchSize);
      if (userIds.length === 0) {
        await manager.query(`UPDATE notification_broadcasts SET finished_at = now() WHERE id = $1`, [broadcastId]);
        return { notified: 0, done: true };
      }
      const emails = await this.users.emails(userIds, manager);
      const created = await this.notifications.insert(manager, broadcastDrafts(broadcast, userIds), emails);
      await manager.query(`UPDATE notification_broadcasts SET delivered_through = $2, recipients = recipients + $3 WHERE id = $1`, [
        broadcastId,
        userIds[userIds.length - 1],
        created.length,
      ]);
      return { notified: created.length, done: false };
    });
  }
}
