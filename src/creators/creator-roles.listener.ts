import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthEvent, UserRolesChangedEvent } from '../auth/auth.events';
import { UsersService } from '../auth/users.service';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { AppConfig } from '../config/app-config';
import { runsJobs } from '../lifecycle/job-worker';
import { CreatorSharesService } from './creator-shares.service';

/**
 * Keeps share markets in step with the `creator` role however it changes: `POST /api/v1/admin/users/:id/roles`
 * (the `user.roles-changed` event after its commit) or the admin creators routes (which open the market in the
 * role's own transaction; the event then finds nothing to do). At boot, a worker opens the market of every
 * creator who has none yet (roles granted before creator shares existed, or an event lost to a crash).
 */
@Injectable()
export class CreatorRolesListener implements OnApplicationBootstrap {
  private readonly logger = new Logger('CreatorRoles');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly shares: CreatorSharesService,
    private readonly config: AppConfig,
  ) {}

  @OnDomainEvent(AuthEvent.UserRolesChanged)
  onRolesChanged(event: UserRolesChangedEvent): unknown {
    const isCreator = event.granted.includes('creator') ? true : event.revoked.includes('creator') ? false : undefined;
    if (isCreator === undefined) return Promise.resolve();
    // The role already changed: a failure here is logged, and the next boot's backfill opens a missing market.
    return this.shares.syncRole(event.userId, isCreator).catch((error: Error) => this.logger.error(`share market of ${event.userId} not synced: ${error.message}`));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!runsJobs(this.config)) return;
    const creators = await this.users.idsWithRole('creator');
    if (creators.length === 0) return;
    const opened = (await this.dataSource.query(`SELECT creator_id FROM creator_share_markets WHERE creator_id = ANY($1::uuid[])`, [creators])) as {
      creator_id: string;
    }[];
    const have = new Set(opened.map((row) => row.creator_id));
    const missing = creators.filter((id) => !have.has(id));
    for (const creatorId of missing) await this.shares.syncRole(creatorId, true);
    if (missing.length > 0) this.logger.log(`opened the share markets of ${missing.length} creators who had none`);
  }
}
