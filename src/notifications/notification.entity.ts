import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { NotificationData } from './notification-drafts';
import type { NotificationKind } from './notification-kinds';

/** One notification of one user, created once per cause (`key` is unique). */
@Entity('notifications')
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: NotificationKind;

  @Column({ type: 'varchar', length: 200 })
  key!: string;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'jsonb' })
  data!: NotificationData;

  @Column({ type: 'timestamptz', nullable: true })
  readAt!: Date | null;

  /** Waits for the user's next digest mail (email was on for its kind when it was created). */
  @Column({ type: 'boolean' })
  emailDue!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  emailedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

/** A user's email choice for one kind; no row means the default (EMAIL_BY_DEFAULT). */
@Entity('notification_settings')
export class NotificationSettingEntity {
  @Column({ type: 'uuid', primary: true })
  userId!: string;

  @Column({ type: 'varchar', length: 32, primary: true })
  kind!: NotificationKind;

  @Column({ type: 'boolean' })
  email!: boolean;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** When a user was last sent a digest: the next one waits NOTIFICATION_EMAIL_DIGEST_MINUTES from it. */
@Entity('notification_digests')
export class NotificationDigestEntity {
  @Column({ type: 'uuid', primary: true })
  userId!: string;

  @Column({ type: 'timestamptz', nullable: true })
  lastSentAt!: Date | null;
}

/** An admin's message to every user; its job gives it to users in id order behind `deliveredThrough`. */
@Entity('notification_broadcasts')
export class NotificationBroadcastEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'uuid' })
  createdBy!: string;

  @Column({ type: 'uuid', nullable: true })
  deliveredThrough!: string | null;

  @Column({ type: 'int' })
  recipients!: number;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

/** A large cause's notifications, written with the cause, waiting for the `outbox` job that creates them. */
@Entity('notification_outbox')
export class NotificationOutboxEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200, unique: true })
  cause!: string;

  @Column({ type: 'jsonb' })
  drafts!: unknown;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
