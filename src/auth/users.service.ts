import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { AuthEvent, UserRolesChangedEvent } from './auth.events';
import { randomBytes } from 'node:crypto';
import { Brackets, DataSource, EntityManager, In } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Conflict, NotFound } from '../common/errors/domain-error';
import { UserEntity, UserRole, UserStatus } from './user.entity';
import { isPgError, PgError } from '../database/pg-errors';
import type { AdminActor } from '../admin/admin-actor';
import { AuditService } from '../admin/audit.service';
import { AuthStateBroadcast } from './auth-state-broadcast';
import { LastAdminRefused, SelfBanRefused, SelfDemotionRefused } from './auth.errors';
import { SessionsService } from './sessions.service';

export interface NewUser {
  walletAddress?: string;
  aptosAddress?: string;
  email?: string;
  roles?: UserRole[];
  username?: string;
}

/** One way of signing in, as stored on the user. */
export type LoginIdentity = { walletAddress: string } | { aptosAddress: string } | { email: string };

const IDENTITY_LABELS: Record<string, string> = { walletAddress: 'Ethereum wallet', aptosAddress: 'Aptos address', email: 'email' };

export interface UserSearch {
  page: number;
  limit: number;
  q?: string;
}

export interface AuthState {
  status: UserStatus;
  roles: UserRole[];
}


@Injectable()
export class UsersService {
  // Per-process, short-lived; a ban or role change clears it on every instance at once (AuthStateBroadcast).
  private readonly authStateCache = new Map<string, { state: AuthState | null; expiresAt: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly events: DomainEventBus,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly stateBroadcast: AuthStateBroadcast,
  ) {
    stateBroadcast.onChange((userId) => this.authStateCache.delete(userId));
  }

  private users(manager: EntityManager = this.dataSource.manager) {
    return manager.getRepository(UserEntity);
  }

  async create(fields: NewUser, manager?: EntityManager): Promise<UserEntity> {
    const user = this.users(manager).create({
      username: fields.username ?? `user_${randomBytes(5).toString('hex')}`,
      walletAddress: fields.walletAddress ?? null,
      aptosAddress: fields.aptosAddress ?? null,
      email: fields.email?.toLowerCase() ?? null,
      roles: fields.roles ?? ['user'],
      status: 'active',
    });
    return this.users(manager).save(user);
  }

  async findById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.users(manager).findOneBy({ id });
  }

  /**
   * The users signing in with these addresses, by address (EVM: EIP-55 as stored; Aptos: 64 lowercase hex);
   * addresses nobody has are absent from the map.
   */
  async idsByAddress(kind: 'evm' | 'aptos', addresses: string[], manager?: EntityManager): Promise<Map<string, string>> {
    const unique = [...new Set(addresses)];
    if (unique.length === 0) return new Map();
    const field = kind === 'evm' ? 'walletAddress' : 'aptosAddress';
    const rows = await this.users(manager).find({ where: { [field]: In(unique) }, select: { id: true, [field]: true } });
    return new Map(rows.map((row) => [row[field]!, row.id]));
  }

  async getById(id: string): Promise<UserEntity> {
    const user = await this.findById(id);
    if (!user) throw new NotFound(`User ${id} not found`);
    return user;
  }

  /** Status and roles as of at most AUTH_STATE_CACHE_MS ago; null when the user no longer exists. */
  async authState(id: string): Promise<AuthState | null> {
    const cached = this.authStateCache.get(id);
    if (cached && cached.expiresAt > Date.now()) return cached.state;
    const row = await this.users().findOne({ where: { id }, select: { id: true, status: true, roles: true } });
    const state = row ? { status: row.status, roles: row.roles } : null;
    if (this.config.authStateCacheMs > 0) {
      this.authStateCache.set(id, { state, expiresAt: Date.now() + this.config.authStateCacheMs });
    }
    return state;
  }

  /**
   * Bans or lifts a ban, in one transaction with the audit row. A ban also revokes every session of the user
   * (so their refresh tokens are refused for good: lifting the ban does not bring them back) and, after
   * commit, disconnects their sockets and clears their cached access on every instance. With an `actor`
   * (an admin's request) banning oneself or the last active admin is refused.
   */
  async setStatus(id: string, status: UserStatus, actor?: AdminActor): Promise<UserEntity> {
    if (actor && status === 'banned' && actor.id === id) throw new SelfBanRefused();
    const saved = await this.dataSource.transaction(async (manager) => {
      const admins = await this.lockAdmins(manager);
      const user = await this.users(manager).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new NotFound(`User ${id} not found`);
      const before = { status: user.status, roles: user.roles };
      if (status === 'banned' && user.status !== 'banned' && user.roles.includes('admin')) assertAdminRemains(admins, id);
      user.status = status;
      await this.users(manager).update({ id }, { status });
      const sessionsRevoked = status === 'banned' ? await this.sessions.revokeAllOf(manager, id, 'banned') : 0;
      if (actor) {
        await this.audit.record(manager, actor, {
          action: status === 'banned' ? 'user.ban' : 'user.unban',
          targetType: 'user',
          targetId: id,
          before,
          after: { status, roles: user.roles, ...(status === 'banned' ? { sessionsRevoked } : {}) },
        });
      }
      if (status === 'banned') this.events.afterCommit(manager, { name: AuthEvent.UserBanned, payload: { userId: id } });
      return user;
    });
    await this.stateBroadcast.changed(id);
    return saved;
  }

  /** Replaces the roles (`user` always kept); an admin cannot drop their own `admin`, nor the last active admin's. */
  async setRoles(id: string, roles: UserRole[], actor?: AdminActor): Promise<UserEntity> {
    const next = [...new Set<UserRole>(['user', ...roles])];
    const { saved, changed } = await this.dataSource.transaction(async (manager) => {
      const admins = await this.lockAdmins(manager);
      const user = await this.users(manager).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new NotFound(`User ${id} not found`);
      const before = user.roles;
      const demoted = before.includes('admin') && !next.includes('admin');
      if (demoted && actor?.id === id) throw new SelfDemotionRefused();
      if (demoted && user.status === 'active') assertAdminRemains(admins, id);
      user.roles = next;
      await this.users(manager).update({ id }, { roles: next });
      if (actor) await this.audit.record(manager, actor, { action: 'user.roles', targetType: 'user', targetId: id, before: { roles: before }, after: { roles: next } });
      return { saved: user, changed: rolesChange(id, before, next) };
    });
    await this.stateBroadcast.changed(id);
    if (changed) this.events.publishCommitted({ name: AuthEvent.UserRolesChanged, payload: changed });
    return saved;
  }

  /** Every user holding `admin`, locked in id order (so two admin changes never both remove the last one). */
  private async lockAdmins(manager: EntityManager): Promise<{ id: string; status: UserStatus }[]> {
    return this.users(manager)
      .createQueryBuilder('user')
      .select(['user.id', 'user.status'])
      .where(`'admin' = ANY(user.roles)`)
      .orderBy('user.id')
      .setLock('pessimistic_write')
      .getMany();
  }

  /**
   * Adds or removes one role in the caller's transaction (the user's row locked), so another module's own rows
   * (a creator's share market) commit with it; `user.roles-changed` goes out after that commit when it changed.
   * `rolesBefore` is what the locked row held, for the caller's audit.
   */
  async changeRole(manager: EntityManager, id: string, role: Exclude<UserRole, 'user'>, granted: boolean): Promise<{ user: UserEntity; rolesBefore: UserRole[] }> {
    const user = await this.users(manager).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!user) throw new NotFound(`User ${id} not found`);
    const before = user.roles;
    const roles = granted ? [...new Set<UserRole>([...before, role])] : before.filter((held) => held !== role);
    const changed = rolesChange(id, before, roles);
    if (!changed) return { user, rolesBefore: before };
    await this.users(manager).update({ id }, { roles });
    user.roles = roles;
    this.authStateCache.delete(id);
    this.events.afterCommit(manager, { name: AuthEvent.UserRolesChanged, payload: changed });
    return { user, rolesBefore: before };
  }

  /** Ids of every user holding `role`, oldest first. */
  async idsWithRole(role: UserRole): Promise<string[]> {
    const rows = await this.users().createQueryBuilder('user').select('user.id', 'id').where(':role = ANY(user.roles)', { role }).orderBy('user.created_at').getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  /** Up to `limit` ids of active users after `afterId` in id order: a fan-out (an admin broadcast) walks every user with it. */
  async activeIdsAfter(afterId: string | null, limit: number): Promise<string[]> {
    const query = this.users().createQueryBuilder('user').select('user.id', 'id').where("user.status = 'active'").orderBy('user.id').limit(limit);
    if (afterId) query.andWhere('user.id > :afterId', { afterId });
    return (await query.getRawMany<{ id: string }>()).map((row) => row.id);
  }

  /**
   * Email addresses by user id, of the users among `ids` who have one (to mail them: notification digests). Pass the
   * manager of a transaction that is open (a cause writing its notifications) so the lookup uses its connection.
   */
  async emails(ids: string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    // One array parameter, not one per id: a dividend batch asks for 1,000 users at once.
    const rows = (await manager.query(`SELECT id, email FROM users WHERE id = ANY($1::uuid[]) AND email IS NOT NULL`, [[...new Set(ids)]])) as { id: string; email: string }[];
    return new Map(rows.map((row) => [row.id, row.email]));
  }

  /** Usernames by user id, for lists that show other users (ids not found are left out). */
  async usernames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.users().createQueryBuilder('user').select(['user.id', 'user.username']).whereInIds([...new Set(ids)]).getMany();
    return new Map(rows.map((row) => [row.id, row.username]));
  }

  /** The user who signs in with this identity, created on first sign-in (safe under concurrent first sign-ins). */
  async findOrCreateFor(manager: EntityManager, identity: LoginIdentity): Promise<UserEntity> {
    const existing = await this.users(manager).findOneBy(identity);
    if (existing) return existing;
    await manager
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values({ username: `user_${randomBytes(5).toString('hex')}`, ...identity, roles: ['user'], status: 'active' })
      .orIgnore()
      .execute();
    return this.users(manager).findOneByOrFail(identity);
  }

  /**
   * Adds a sign-in method to a signed-in user. 409 when it belongs to someone else or the user
   * already has a different one of that kind (one wallet, one Aptos address, one email each).
   */
  async link(manager: EntityManager, userId: string, identity: LoginIdentity): Promise<UserEntity> {
    const [field, value] = Object.entries(identity)[0] as [keyof LoginIdentity & keyof UserEntity, string];
    const label = IDENTITY_LABELS[field];
    const user = await this.users(manager).findOne({ where: { id: userId }, lock: { mode: 'pessimistic_write' } });
    if (!user) throw new NotFound(`User ${userId} not found`);
    if (user[field] === value) return user;
    if (user[field] !== null) throw new Conflict(`This account already has another ${label} linked`);
    const owner = await this.users(manager).findOneBy(identity);
    if (owner) throw new Conflict(`This ${label} is already linked to another account`);
    Object.assign(user, identity);
    try {
      return await this.users(manager).save(user);
    } catch (error) {
      // A concurrent link of the same identity won the unique index; the caller's transaction rolls back.
      if (isPgError(error, PgError.UniqueViolation)) throw new Conflict(`This ${label} is already linked to another account`);
      throw error;
    }
  }

  /** Stamps the sign-in and grants `admin` to users listed in ADMIN_WALLETS / ADMIN_EMAILS. */
  async recordSignIn(manager: EntityManager, user: UserEntity): Promise<UserEntity> {
    const listed =
      (user.walletAddress !== null && this.config.adminWallets.includes(user.walletAddress.toLowerCase())) ||
      (user.email !== null && this.config.adminEmails.includes(user.email.toLowerCase()));
    user.lastLoginAt = new Date();
    if (listed && !user.roles.includes('admin')) user.roles = [...user.roles, 'admin'];
    await this.users(manager).update({ id: user.id }, { lastLoginAt: user.lastLoginAt, roles: user.roles });
    this.authStateCache.delete(user.id);
    return user;
  }

  /** Newest first; `q` matches username, email or either address (case-insensitive, substring). */
  async search({ page, limit, q }: UserSearch): Promise<{ users: UserEntity[]; total: number }> {
    const query = this.users().createQueryBuilder('user').orderBy('user.created_at', 'DESC').addOrderBy('user.id', 'ASC');
    if (q) {
      const pattern = `%${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      query.where(
        new Brackets((where) =>
          where
            .where('user.username ILIKE :pattern', { pattern })
            .orWhere('user.email ILIKE :pattern')
            .orWhere('user.wallet_address ILIKE :pattern')
            .orWhere('user.aptos_address ILIKE :pattern'),
        ),
      );
    }
    const [users, total] = await query.skip((page - 1) * limit).take(limit).getManyAndCount();
    return { users, total };
  }

  async rename(id: string, username: string): Promise<UserEntity> {
    const user = await this.getById(id);
    if (user.username === username) return user;
    user.username = username;
    let saved: UserEntity;
    try {
      saved = await this.users().save(user);
    } catch (error) {
      if (isPgError(error, PgError.UniqueViolation)) throw new Conflict(`Username "${username}" is taken`);
      throw error;
    }
    // save() committed its own transaction: the rename is durable, so listeners hear of it now.
    this.events.publishCommitted({ name: AuthEvent.UserRenamed, payload: { userId: id, username } });
    return saved;
  }
}

/** Refuses a change that would leave no active admin (`removedId` stops being one). */
function assertAdminRemains(admins: { id: string; status: UserStatus }[], removedId: string): void {
  if (!admins.some((admin) => admin.id !== removedId && admin.status === 'active')) throw new LastAdminRefused();
}

function rolesChange(userId: string, before: readonly string[], after: readonly string[]): UserRolesChangedEvent | undefined {
  const granted = after.filter((role) => !before.includes(role));
  const revoked = before.filter((role) => !after.includes(role));
  return granted.length + revoked.length > 0 ? { userId, roles: [...after], granted, revoked } : undefined;
}
