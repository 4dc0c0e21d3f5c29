import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere, LessThan, MoreThanOrEqual } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { NotFound } from '../common/errors/domain-error';
import { offsetOf, Page, toPage } from '../common/http/pagination';
import { commandTransaction, whenCommitted } from '../common/transactions/command-transaction';
import { isPgError, PgError } from '../database/pg-errors';
import type { AdminActor } from './admin-actor';
import { AdminApprovalEntity, ApprovalStatus } from './admin-approval.entity';
import { ApprovalDto, ApprovalQueryDto } from './admin.dto';
import { ApprovalAlreadyPending, ApprovalExpired, ApprovalNotPending, SelfApprovalRefused } from './admin.errors';
import { approvalExpiresAt, approvalExpiryCutoff, effectiveApprovalStatus } from './approval-expiry';
import { AuditService, plainJson } from './audit.service';

export interface ApprovalRequest {
  action: string;
  targetId: string;
  asset: string;
  /** Decimal string in the asset's units. */
  amount: string;
  /** What the executor needs to run the action later (plain JSON). */
  payload: Record<string, unknown>;
}

export interface ApprovalOutcome {
  /** The action's response (plain JSON), kept on the approval. */
  result: unknown;
  /** Effects outside the database, run once the approval's transaction committed (cache invalidation, jobs). */
  afterCommit?: () => unknown;
}

/**
 * Runs an approved action inside the approval's transaction (`approver` is the second admin). It re-checks
 * everything the action checks, so an approval of something no longer possible fails and stays PENDING (until it
 * expires after ADMIN_APPROVAL_TTL_MS, or is rejected).
 */
export type ApprovalExecutor = (manager: EntityManager, approval: Readonly<AdminApprovalEntity>, approver: AdminActor) => Promise<ApprovalOutcome>;

/**
 * Four eyes on large money moves. The module that owns a money move asks for an approval instead of doing it
 * (above ADMIN_APPROVAL_THRESHOLD) and registers the executor that runs it; a second, different admin approves,
 * and the action, the approval's new status and both audit rows commit in one transaction. An approval not
 * decided within ADMIN_APPROVAL_TTL_MS reads EXPIRED (src/admin/approval-expiry.ts): it can be rejected, never
 * approved, and a new request for its target replaces it.
 */
@Injectable()
export class ApprovalsService {
  private readonly executors = new Map<string, ApprovalExecutor>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Called once per action by the owning module (at module init). */
  register(action: string, executor: ApprovalExecutor): void {
    if (this.executors.has(action)) throw new Error(`approval executor for ${action} registered twice`);
    this.executors.set(action, executor);
  }

  /**
   * Records a PENDING approval in the caller's transaction (audited as `approval.requested`). Where one pending
   * approval per target is enforced (withdrawals), an expired one in the way is stored as EXPIRED first (audited as
   * `approval.expired`), so the target can be asked about again; a live one is 409 ApprovalAlreadyPending.
   */
  async request(manager: EntityManager, actor: AdminActor, request: ApprovalRequest): Promise<ApprovalDto> {
    if (!this.executors.has(request.action)) throw new Error(`no approval executor for ${request.action}`);
    const repository = manager.getRepository(AdminApprovalEntity);
    const fresh = () => repository.create({ ...request, payload: plainJson(request.payload) as Record<string, unknown>, status: 'PENDING', requestedBy: actor.id, requestId: actor.requestId });
    let saved = await this.insertPending(manager, fresh());
    let replaced: { before: ApprovalDto; row: AdminApprovalEntity } | undefined;
    if (!saved) {
      // The unique index saw a committed PENDING row for this target. Its caller holds the target's row lock
      // (withdrawals), so no one else asks about it meanwhile; if someone did, the second insert below is a 409.
      const pending = await repository.findOne({ where: { action: request.action, targetId: request.targetId, status: 'PENDING' }, lock: { mode: 'pessimistic_write' } });
      if (pending && this.statusOf(pending, new Date()) !== 'EXPIRED') throw new ApprovalAlreadyPending(request.action, request.targetId, pending.id);
      if (pending) {
        replaced = { before: { ...this.toDto(pending), status: 'PENDING' }, row: pending };
        pending.status = 'EXPIRED';
        await repository.save(pending);
      }
      saved = await this.insertPending(manager, fresh());
      if (!saved) {
        const live = await repository.findOneBy({ action: request.action, targetId: request.targetId, status: 'PENDING' });
        throw new ApprovalAlreadyPending(request.action, request.targetId, live?.id);
      }
    }
    const dto = this.toDto(saved);
    if (replaced) {
      await this.audit.record(manager, actor, { action: 'approval.expired', targetType: 'approval', targetId: replaced.row.id, before: replaced.before, after: { ...this.toDto(replaced.row), replacedBy: saved.id } });
    }
    await this.audit.record(manager, actor, { action: 'approval.requested', targetType: 'approval', targetId: saved.id, before: null, after: dto });
    return dto;
  }

  /** Inserts in a savepoint, so a unique violation (null) leaves the caller's transaction usable. */
  private async insertPending(manager: EntityManager, row: AdminApprovalEntity): Promise<AdminApprovalEntity | null> {
    try {
      return await manager.transaction((inner) => inner.getRepository(AdminApprovalEntity).save(row));
    } catch (error) {
      if (isPgError(error, PgError.UniqueViolation)) return null;
      throw error;
    }
  }

  async approve(approver: AdminActor, approvalId: string): Promise<ApprovalDto> {
    const { dto, afterCommit } = await commandTransaction(this.dataSource, async (manager) => {
      const row = await this.lockUndecided(manager, approvalId);
      // Decided under the row's lock and before the executor runs: an expired approval moves nothing.
      if (this.statusOf(row, new Date()) === 'EXPIRED') throw new ApprovalExpired(approvalId, approvalExpiresAt(row.createdAt, this.config.adminApprovalTtlMs).toISOString());
      if (row.requestedBy === approver.id) throw new SelfApprovalRefused(approvalId);
      const executor = this.executors.get(row.action);
      if (!executor) throw new Error(`no approval executor for ${row.action}`);
      const before = this.toDto(row);
      const outcome = await executor(manager, row, approver);
      row.status = 'APPROVED';
      row.decidedBy = approver.id;
      row.decidedAt = new Date();
      row.result = plainJson(outcome.result);
      await manager.getRepository(AdminApprovalEntity).save(row);
      const dto = this.toDto(row);
      await this.audit.record(manager, approver, { action: 'approval.approved', targetType: 'approval', targetId: row.id, before, after: dto });
      return { dto, afterCommit: outcome.afterCommit };
    });
    if (afterCommit) await whenCommitted(afterCommit);
    return dto;
  }

  /**
   * Either admin may reject (the requester withdrawing it, or another refusing it); nothing moves. An EXPIRED
   * approval may be rejected too, which closes it for good with a reason.
   */
  async reject(actor: AdminActor, approvalId: string, reason?: string): Promise<ApprovalDto> {
    return commandTransaction(this.dataSource, async (manager) => {
      const row = await this.lockUndecided(manager, approvalId);
      const before = this.toDto(row);
      row.status = 'REJECTED';
      row.decidedBy = actor.id;
      row.decidedAt = new Date();
      row.reason = reason ?? null;
      await manager.getRepository(AdminApprovalEntity).save(row);
      const dto = this.toDto(row);
      await this.audit.record(manager, actor, { action: 'approval.rejected', targetType: 'approval', targetId: row.id, before, after: dto });
      return dto;
    });
  }

  /** Oldest first, so the queue reads in the order it was asked. `status` filters on the status shown (EXPIRED included). */
  async list(query: ApprovalQueryDto): Promise<Page<ApprovalDto>> {
    const now = new Date();
    const [rows, total] = await this.dataSource.getRepository(AdminApprovalEntity).findAndCount({
      where: query.status ? whereShownAs(query.status, approvalExpiryCutoff(now, this.config.adminApprovalTtlMs)) : {},
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: offsetOf(query),
      take: query.limit,
    });
    return toPage(
      rows.map((row) => this.toDto(row, now)),
      total,
      query,
    );
  }

  /** The row, locked, while nobody decided it yet (PENDING, or EXPIRED whether computed or stored). */
  private async lockUndecided(manager: EntityManager, approvalId: string): Promise<AdminApprovalEntity> {
    const row = await manager.getRepository(AdminApprovalEntity).findOne({ where: { id: approvalId }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw new NotFound(`Approval ${approvalId} not found`);
    if (row.status !== 'PENDING' && row.status !== 'EXPIRED') throw new ApprovalNotPending(approvalId, row.status);
    return row;
  }

  private statusOf(row: AdminApprovalEntity, now: Date): ApprovalStatus {
    return effectiveApprovalStatus(row, this.config.adminApprovalTtlMs, now);
  }

  private toDto(row: AdminApprovalEntity, now = new Date()): ApprovalDto {
    return toApprovalDto(row, this.config.adminApprovalTtlMs, now);
  }
}

/** Stored rows that read as `status` at the cutoff's instant (PENDING rows asked before `cutoff` read EXPIRED). */
function whereShownAs(status: ApprovalStatus, cutoff: Date): FindOptionsWhere<AdminApprovalEntity> | FindOptionsWhere<AdminApprovalEntity>[] {
  if (status === 'PENDING') return { status: 'PENDING', createdAt: MoreThanOrEqual(cutoff) };
  if (status === 'EXPIRED') return [{ status: 'EXPIRED' }, { status: 'PENDING', createdAt: LessThan(cutoff) }];
  return { status };
}

/** The approval as a client sees it at `now`: a PENDING one past ADMIN_APPROVAL_TTL_MS reads EXPIRED. */
export function toApprovalDto(row: AdminApprovalEntity, ttlMs: number, now: Date): ApprovalDto {
  const status = effectiveApprovalStatus(row, ttlMs, now);
  return {
    id: row.id,
    action: row.action,
    targetId: row.targetId,
    asset: row.asset,
    amount: row.amount,
    status,
    expiresAt: status === 'PENDING' || status === 'EXPIRED' ? approvalExpiresAt(row.createdAt, ttlMs).toISOString() : null,
    requestedBy: row.requestedBy,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    reason: row.reason,
    payload: row.payload,
    result: row.result ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
