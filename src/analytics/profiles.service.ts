import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { UsersService } from '../auth/users.service';
import { isPgError, PgError } from '../database/pg-errors';
import { DisplayNameTaken, PlayerNotFound } from './analytics-errors';
import type { ProfileDto, UpdateProfileDto } from './analytics.dto';
import { LeaderboardNamesCache } from './leaderboard-names.cache';
import { PlayerProfileEntity } from './player-profile.entity';

/** Player profiles: private until the player says otherwise; the name is their display name, else their username. */
@Injectable()
export class ProfilesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly names: LeaderboardNamesCache,
  ) {}

  async mine(userId: string): Promise<ProfileDto> {
    return (await this.find(userId)) ?? { userId, displayName: null, public: false };
  }

  /** Null for no such user. */
  private async find(userId: string): Promise<ProfileDto | null> {
    const [profile, names] = await Promise.all([this.dataSource.manager.findOne(PlayerProfileEntity, { where: { userId } }), this.users.usernames([userId])]);
    if (!names.has(userId)) return null;
    return { userId, displayName: profile?.displayName ?? names.get(userId)!, public: profile?.public ?? false };
  }

  async update(userId: string, body: UpdateProfileDto): Promise<ProfileDto> {
    try {
      await this.dataSource.manager
        .createQueryBuilder()
        .insert()
        .into(PlayerProfileEntity)
        .values({ userId, displayName: body.displayName ?? null, public: body.public ?? false })
        .orUpdate([...(body.displayName !== undefined ? ['display_name'] : []), ...(body.public !== undefined ? ['public'] : []), 'updated_at'], ['user_id'])
        .execute();
    } catch (error) {
      if (isPgError(error, PgError.UniqueViolation)) throw new DisplayNameTaken(body.displayName ?? '');
      throw error;
    }
    // After the commit, and not swallowed: a player who just went private must not stay on the boards by name.
    await this.names.forget(userId);
    return this.mine(userId);
  }

  /** The caller's own profile, or a public one; anything else (private, unknown) is PlayerNotFound. */
  async visibleTo(callerId: string | undefined, userId: string): Promise<ProfileDto> {
    const profile = await this.find(userId);
    if (!profile || (callerId !== userId && !profile.public)) throw new PlayerNotFound(userId);
    return profile;
  }

  /** Names of the public ones among `userIds` (display name, else username), from the leaderboard names cache when there. */
  publicNames(userIds: string[]): Promise<Map<string, string>> {
    return this.names.publicNames(userIds, (missing) => this.loadPublicNames(missing));
  }

  /** One query on the profiles; the usernames (another query, through UsersService) only for public players without a display name. */
  private async loadPublicNames(userIds: string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const profiles = await this.dataSource.manager.find(PlayerProfileEntity, { where: { userId: In(userIds), public: true } });
    const usernames = await this.users.usernames(profiles.filter((p) => p.displayName === null).map((p) => p.userId));
    return new Map(profiles.map((p) => [p.userId, p.displayName ?? usernames.get(p.userId) ?? p.userId]));
  }
}
