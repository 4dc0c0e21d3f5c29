import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { offsetOf, Page, toPage } from '../common/http/pagination';
import { wellFormedJson } from '../database/jsonb-text';
import type { AdminActor } from './admin-actor';
import { AdminAuditEntity } from './admin-audit.entity';
import { AuditEntryDto, AuditQueryDto } from './admin.dto';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string;
  /** Plain JSON (bigints become strings). */
  before?: unknown;
  after?: unknown;
}

/**
 * The audit trail of admin actions. `record` writes in the caller's transaction, so the row commits with
 * the action it describes or not at all; rows are never changed afterwards (a trigger refuses it).
 */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(manager: EntityManager, actor: AdminActor, entry: AuditEntry): Promise<void> {
    await manager.getRepository(AdminAuditEntity).insert({
      actorId: actor.id,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: plainJson(entry.before) as object | null,
      after: plainJson(entry.after) as object | null,
      requestId: actor.requestId,
    });
  }

  /** For an action already committed by code that does not audit itself (the admin-route safety net). */
  async recordCommitted(actor: AdminActor, entry: AuditEntry): Promise<void> {
    await this.record(this.dataSource.manager, actor, entry);
  }

  /** Newest first. */
  async list(query: AuditQueryDto): Promise<Page<AuditEntryDto>> {
    const builder = this.dataSource.getRepository(AdminAuditEntity).createQueryBuilder('audit').orderBy('audit.id', 'DESC');
    if (query.actor) builder.andWhere('audit.actor_id = :actor', { actor: query.actor });
    if (query.action) builder.andWhere('audit.action = :action', { action: query.action });
    if (query.target) builder.andWhere('audit.target_id = :target', { target: query.target });
    if (query.from) builder.andWhere('audit.created_at >= :from', { from: new Date(query.from) });
    if (query.to) builder.andWhere('audit.created_at < :to', { to: new Date(query.to) });
    const [rows, total] = await builder.skip(offsetOf(query)).take(query.limit).getManyAndCount();
    return toPage(rows.map(toAuditEntryDto), total, query);
  }
}

function toAuditEntryDto(row: AdminAuditEntity): AuditEntryDto {
  return {
    id: row.id,
    actorId: row.actorId,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    before: row.before ?? null,
    after: row.after ?? null,
    requestId: row.requestId,
    createdAt: row.createdAt.toISOString(),
  };
}

/** JSON for a jsonb column: bigints as decimal strings, Dates as ISO strings, undefined as null. */
export function plainJson(value: unknown): unknown {
  if (value === undefined) return null;
  return wellFormedJson(JSON.parse(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item))) as unknown);
}
