import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { NotFound } from '../common/errors/domain-error';
import { offsetOf, Page, toPage } from '../common/http/pagination';
import { commandTransaction, whenCommitted } from '../common/transactions/command-transaction';
import { isPgError, PgError } from '../database/pg-errors';
import type { AdminActor } from './admin-actor';
import { AdminApprovalEntity } from './admin-approval.entity';
import { ApprovalDto, ApprovalQueryDto } from './admin.dto';
import { ApprovalAlreadyPending, ApprovalNotPending, SelfApprovalRefused } from './admin.errors';
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
 * everything the action checks, so an approval of something no longer possible fails and stays PENDING.
 */
export type ApprovalExecutor = (manager: EntityManager, approval: Readonly<AdminApprovalEntity>, approver: AdminActor) => Promise<ApprovalOutcome>;

/**
 * Four eyes on large money moves. The module that owns a money move asks for an approval instead of doing it
 * (above ADMIN_APPROVAL_THRESHOLD) and registers the executor that runs it; a second, different admin approves,
 * and the action, the approval's new status and both audit rows commit in one transaction.
 */
@Injectable()
export class ApprovalsService {
  private readonly executors = new Map<string, ApprovalExecutor>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Called once per action by the owning module (at module init). */
  register(action: string, executor: ApprovalExecutor): void {
    if (this.executors.has(action)) throw new Error(`approval executor for ${action} registered twice`);
    this.executors.set(action, executor);
  }

  /** Records a PENDING approval in the caller's transaction (audited as `approval.requested`). */
  async request(manager: EntityManager, actor: AdminActor, request: ApprovalRequest): Promise<ApprovalDto> {
    if (!this.executors.has(request.action)) throw new Error(`no approval executor for ${request.action}`);
    const repository = manager.getRepository(AdminApprovalEntity);
    let saved: AdminApprovalEntity;
    try {
      // A savepoint, so a unique violation leaves the caller's transaction usable for the 409.
      saved = await manager.transaction((inner) =>
        inner.getRepository(AdminApprovalEntity).save(
          repository.create({ ...request, payload: plainJson(request.payload) as Record<string, unknown>, status: 'PENDING', requestedBy: actor.id, requestId: actor.requestId }),
        ),
      );
    } catch (error) {
      if (isPgError(error, PgError.UniqueViolation)) {
        const pending = await repository.findOneBy({ action: request.action, targetId: request.targetId, status: 'PENDING' });
        throw new ApprovalAlreadyPending(request.action, request.targetId, pending?.id);
      }
      throw error;
    }
    const dto = toApprovalDto(saved);
    await this.audit.record(manager, actor, { action: 'approval.requested', targetType: 'approval', targetId: saved.id, before: null, after: dto });
    return dto;
  }

  async approve(approver: AdminActor, approvalId: string): Promise<ApprovalDto> {
    const { dto, afterCommit } = await commandTransaction(this.dataSource, async (manager) => {
      const row = await this.lockPending(manager, approvalId);
      if (row.requestedBy === approver.id) throw new SelfApprovalRefused(approvalId);
      const executor = this.executors.get(row.action);
      if (!executor) throw new Error(`no approval executor for ${row.action}`);
      const before = toApprovalDto(row);
      const outcome = await executor(manager, row, approver);
      row.status = 'APPROVED';
      row.decidedBy = approver.id;
      row.decidedAt = new Date();
      row.result = plainJson(outcome.result);
      await manager.getRepository(AdminApprovalEntity).save(row);
      const dto = toApprovalDto(row);
      await this.audit.record(manager, approver, { action: 'approval.approved', targetType: 'approval', targetId: row.id, before, after: dto });
      return { dto, afterCommit: outcome.afterCommit };
    });
    if (afterCommit) await whenCommitted(afterCommit);
    return dto;
  }

  /** Either admin may reject (the requester withdrawing it, or another refusing it); nothing moves. */
  async reject(actor: AdminActor, approvalId: string, reason?: string): Promise<ApprovalDto> {
    return commandTransaction(this.dataSource, async (manager) => {
      const row = await this.lockPending(manager, approvalId);
      const before = toApprovalDto(row);
      row.status = 'REJECTED';
      row.decidedBy = actor.id;
      row.decidedAt = new Date();
      row.reason = reason ?? null;
      await manager.getRepository(AdminApprovalEntity).save(row);
      const dto = toApprovalDto(row);
      await this.audit.record(manager, actor, { action: 'approval.rejected', targetType: 'approval', targetId: row.id, before, after: dto });
      return dto;
    });
  }

  /** Oldest first, so the queue reads in the order it was asked. */
  async list(query: ApprovalQueryDto): Promise<Page<ApprovalDto>> {
    const [rows, total] = await this.dataSource.getRepository(AdminApprovalEntity).findAndCount({
      where: query.status ? { status: query.status } : {},
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: offsetOf(query),
      take: query.limit,
    });
    return toPage(rows.map(toApprovalDto), total, query);
  }

  private async lockPending(manager: EntityManager, approvalId: string): Promise<AdminApprovalEntity> {
    const row = await manager.getRepository(AdminApprovalEntity).findOne({ where: { id: approvalId }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw new NotFound(`Approval ${approvalId} not found`);
    if (row.status !== 'PENDING') throw new ApprovalNotPending(approvalId, row.status);
    return row;
  }
}

export function toApprovalDto(row: AdminApprovalEntity): ApprovalDto {
  return {
    id: row.id,
    action: row.action,
    targetId: row.targetId,
    asset: row.asset,
    amount: row.amount,
    status: row.status,
    requestedBy: row.requestedBy,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    reason: row.reason,
    payload: row.payload,
    result: row.result ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
