import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { UsersService } from '../auth/users.service';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { offsetOf, toPage } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { UserUpdateEvent } from '../realtime/realtime.events';
import type { NotificationDraft } from './notification-drafts';
import { NotificationNotFound } from './notification-errors';
import { NotificationJobs } from './notification-jobs';
import { NotificationMetrics } from './notification-metrics';
import { EMAIL_BY_DEFAULT, NOTIFICATION_KINDS, NotificationKind } from './notification-kinds';
import { ListNotificationsQueryDto, NotificationDto, NotificationPageDto, NotificationSettingsDto, ReadAllResultDto, UpdateNotificationSettingsDto } from './notification.dto';
import { NotificationEvent, NotificationsCommittedEvent } from './notifications.events';

export interface NotificationRow {
  id: string;
  user_id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  data: NotificationDto['data'];
  read_at: Date | null;
  email_due: boolean;
  created_at: Date;
}

/** Drafts per INSERT statement: a whole settlement batch (DIVIDEND_BATCH_SIZE, at most 10,000) is one. */
const INSERT_CHUNK = 10_000;

const COLUMNS = 'id, user_id, kind, title, body, data, read_at, email_due, created_at';

/** An outbox row's key: its batch of notification keys (in any order), so the same batch recorded twice is one row. */
function outboxCause(drafts: NotificationDraft[]): string {
  const keys = drafts.map((draft) => draft.key).sort();
  return `batch:${createHash('sha256').update(keys.join('\n')).digest('hex')}`;
}

function toDto(row: NotificationRow): NotificationDto {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    data: row.data,
    readAt: row.read_at ? row.read_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * Per-user notifications: created once per cause (the unique `key`), pushed as `notification` to `user:<id>`
 * after they commit, listed newest first, marked read. A notification whose kind the user gets by email waits for
 * their next digest (NotificationDigests).
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger('Notifications');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: DomainEventBus,
    private readonly users: UsersService,
    private readonly jobs: NotificationJobs,
    private readonly metrics: NotificationMetrics,
    private readonly config: AppConfig,
  ) {}

  /**
   * A cause's notifications, in the cause's own transaction (before its commit), so they commit or roll back with
   * what they tell of: as rows (`record`), or, from NOTIFICATION_OUTBOX_FROM of them (a settlement or dividend batch
   * of many holders), as one outbox row keyed by the batch, which the `outbox` job turns into rows after the commit:
   * one small write instead of a thousand rows and their indexes in the cause's transaction.
   */
  async recordForCause(manager: EntityManager, drafts: NotificationDraft[]): Promise<void> {
    if (drafts.length === 0) return;
    if (drafts.length < this.config.notifications.outboxFrom) {
      await this.record(manager, drafts);
      return;
    }
    const [row] = (await manager.query(`INSERT INTO notification_outbox (cause, drafts) VALUES ($1, $2::jsonb) ON CONFLICT (cause) DO NOTHING RETURNING id`, [
      outboxCause(drafts),
      JSON.stringify(drafts),
    ])) as { id: string }[];
    // Recorded already (the same batch again before its outbox row was drained): that row creates them.
    if (row) this.events.afterCommit(manager, { name: NotificationEvent.Outboxed, payload: { outboxId: row.id } });
  }

  /**
   * The `outbox` job: the outbox row's notifications created (those whose key is new) and the row deleted, in one
   * transaction; 0 when it is gone (drained already) or another job holds it.
   */
  async drainOutbox(outboxId: string): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = (await manager.query(`SELECT drafts FROM notification_outbox WHERE id = $1 FOR UPDATE SKIP LOCKED`, [outboxId])) as { drafts: NotificationDraft[] }[];
      if (!row) return 0;
      const created = await this.record(manager, row.drafts);
      await manager.query(`DELETE FROM notification_outbox WHERE id = $1`, [outboxId]);
      return created.length;
    });
  }

  /** Outbox rows not drained yet, oldest first (their job was never enqueued: the process stopped right after the commit). */
  async outboxWaiting(olderThanMs = 0): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM notification_outbox WHERE created_at <= now() - make_interval(secs => $1::float8 / 1000) ORDER BY created_at, id LIMIT 10000`,
      [olderThanMs],
    )) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /** Creates what is not created yet (by key), in a transaction of its own, and returns those it created. */
  async create(drafts: NotificationDraft[]): Promise<NotificationDto[]> {
    if (drafts.length === 0) return [];
    const created = await this.dataSource.transaction((manager) => this.record(manager, drafts));
    return created.map(toDto);
  }

  /** In the caller's transaction: inserts the drafts whose key is new, one multi-row statement per 10,000 drafts. */
  async record(manager: EntityManager, drafts: NotificationDraft[]): Promise<NotificationRow[]> {
    if (drafts.length === 0) return [];
    const emails = await this.users.emails(
      drafts.map((draft) => draft.userId),
      manager,
    );
    const created: NotificationRow[] = [];
    for (let start = 0; start < drafts.length; start += INSERT_CHUNK) created.push(...(await this.insert(manager, drafts.slice(start, start + INSERT_CHUNK), emails)));
    return created;
  }

  /**
   * In the caller's transaction: inserts the drafts whose key is new (`emails`: the users who can be mailed; a kind a
   * user turned email off for is not due either) and records, for after the commit, their push to `user:<id>` and
   * `notifications.committed` (counted, digests scheduled: NotificationsListener).
   */
  async insert(manager: EntityManager, drafts: NotificationDraft[], emails: Map<string, string>): Promise<NotificationRow[]> {
    if (drafts.length === 0) return [];
    const rows = (await manager.query(
      `INSERT INTO notifications (user_id, kind, key, title, body, data, email_due)
       SELECT v.user_id, v.kind, v.key, v.title, v.body, v.data::jsonb,
              v.mailable AND NOT EXISTS (SELECT 1 FROM notification_settings s WHERE s.user_id = v.user_id AND s.kind = v.kind AND NOT s.email)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[]) AS v(user_id, kind, key, title, body, data, mailable)
       ON CONFLICT (key) DO NOTHING
       RETURNING id, key, email_due, created_at`,
      [
        drafts.map((draft) => draft.userId),
        drafts.map((draft) => draft.kind),
        drafts.map((draft) => draft.key),
        drafts.map((draft) => draft.title.slice(0, 200)),
        drafts.map((draft) => draft.body),
        drafts.map((draft) => JSON.stringify(draft.data)),
        drafts.map((draft) => emails.has(draft.userId)),
      ],
    )) as (Pick<NotificationRow, 'id' | 'email_due' | 'created_at'> & { key: string })[];
    if (rows.length === 0) return [];
    // The rest of each row is its draft's: not sent back (a batch's titles, bodies and data would double its traffic).
    const byKey = new Map(drafts.map((draft) => [draft.key, draft]));
    const created = rows.map(({ id, key, email_due, created_at }): NotificationRow => {
      const draft = byKey.get(key)!;
      return { id, user_id: draft.userId, kind: draft.kind, title: draft.title.slice(0, 200), body: draft.body, data: draft.data, read_at: null, email_due, created_at };
    });
    for (const row of created) {
      this.events.afterCommit(manager, { name: UserUpdateEvent.NotificationCreated, payload: { userId: row.user_id, notification: toDto(row) } });
    }
    this.events.afterCommit(manager, {
      name: NotificationEvent.Committed,
      payload: { created: created.map((row) => ({ userId: row.user_id, kind: row.kind, emailDue: row.email_due })) },
    });
    return created;
  }

  /**
   * After notifications committed: counts them and schedules one digest job per user (and window) for those waiting
   * for an email. Never throws: the notifications are stored, and a digest not scheduled now goes with the user's next one.
   */
  async committed(created: NotificationsCommittedEvent['created']): Promise<void> {
    for (const row of created) this.metrics.created.inc({ kind: row.kind });
    const users = [...new Set(created.filter((row) => row.emailDue).map((row) => row.userId))];
    if (users.length === 0) return;
    await this.jobs.digests(users).catch((error: Error) => {
      this.metrics.digestScheduleFailures.inc(users.length);
      this.logger.error(`could not schedule the digests of ${users.length} users: ${error.message}`);
    });
  }

  async list(userId: string, query: ListNotificationsQueryDto): Promise<NotificationPageDto> {
    const unreadOnly = query.unread === 'true';
    const filter = unreadOnly ? 'AND read_at IS NULL' : '';
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 ${filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [userId, query.limit, offsetOf(query)],
    )) as NotificationRow[];
    const [counts] = (await this.dataSource.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE read_at IS NULL)::int AS unread FROM notifications WHERE user_id = $1`,
      [userId],
    )) as { total: number; unread: number }[];
    return { ...toPage(rows.map(toDto), unreadOnly ? counts.unread : counts.total, query), unreadCount: counts.unread };
  }

  /** Marks one of the caller's notifications read (again: no change); anyone else's is not found. */
  async markRead(userId: string, id: string): Promise<NotificationDto> {
    const [rows] = (await this.dataSource.query(
      `UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      [id, userId],
    )) as [NotificationRow[], number];
    if (rows.length === 0) throw new NotificationNotFound(id);
    return toDto(rows[0]);
  }

  async markAllRead(userId: string): Promise<ReadAllResultDto> {
    const [, marked] = (await this.dataSource.query(`UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL`, [userId])) as [unknown, number];
    return { marked, unreadCount: 0 };
  }

  async settings(userId: string): Promise<NotificationSettingsDto> {
    const rows = (await this.dataSource.query(`SELECT kind, email FROM notification_settings WHERE user_id = $1`, [userId])) as { kind: NotificationKind; email: boolean }[];
    const chosen = new Map(rows.map((row) => [row.kind, row.email]));
    return { settings: NOTIFICATION_KINDS.map((kind) => ({ kind, inApp: true as const, email: chosen.get(kind) ?? EMAIL_BY_DEFAULT })) };
  }

  async updateSettings(userId: string, changes: UpdateNotificationSettingsDto): Promise<NotificationSettingsDto> {
    const entries = NOTIFICATION_KINDS.filter((kind) => changes[kind] !== undefined).map((kind) => [kind, changes[kind]!] as const);
    if (entries.length > 0) {
      await this.dataSource.query(
        `INSERT INTO notification_settings (user_id, kind, email, updated_at)
         SELECT $1, v.kind, v.email, now() FROM unnest($2::text[], $3::boolean[]) AS v(kind, email)
         ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email, updated_at = now()`,
        [userId, entries.map(([kind]) => kind), entries.map(([, email]) => email)],
      );
    }
    return this.settings(userId);
  }

  /** `<userId>:<kind>` of every kind these users turned email off for. */
  async emailOff(manager: EntityManager, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = (await manager.query(`SELECT user_id, kind FROM notification_settings WHERE user_id = ANY($1::uuid[]) AND NOT email`, [userIds])) as {
      user_id: string;
      kind: string;
    }[];
    return new Set(rows.map((row) => `${row.user_id}:${row.kind}`));
  }
}
