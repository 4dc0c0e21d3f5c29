import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainEvent, UserBannedEvent } from '../common/events/domain-events';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Conflict, NotFound } from '../common/errors/domain-error';
import { UserEntity, UserRole, UserStatus } from './user.entity';

export interface NewUser {
  walletAddress?: string;
  aptosAddress?: string;
  email?: string;
  roles?: UserRole[];
  username?: string;
}

export interface AuthState {
  status: UserStatus;
  roles: UserRole[];
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class UsersService {
  // Per-process, short-lived: a ban takes effect within AUTH_STATE_CACHE_MS on every instance.
  private readonly authStateCache = new Map<string, { state: AuthState | null; expiresAt: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
  ) {}

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

  async setStatus(id: string, status: UserStatus): Promise<UserEntity> {
    const user = await this.getById(id);
    user.status = status;
    const saved = await this.users().save(user);
    this.authStateCache.delete(id);
    if (status === 'banned') this.events.emit(DomainEvent.UserBanned, { userId: id } satisfies UserBannedEvent);
    return saved;
  }

  async setRoles(id: string, roles: UserRole[]): Promise<UserEntity> {
    const user = await this.getById(id);
    user.roles = [...new Set<UserRole>(['user', ...roles])];
    const saved = await this.users().save(user);
    this.authStateCache.delete(id);
    return saved;
  }

  async rename(id: string, username: string): Promise<UserEntity> {
    const user = await this.getById(id);
    user.username = username;
    try {
      return await this.users().save(user);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new Conflict(`Username "${username}" is taken`);
      throw error;
    }
  }
}
