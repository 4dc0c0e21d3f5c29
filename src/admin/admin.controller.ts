import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { ApiErrors, ApiErrorSpec } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { Actor, type AdminActor, AuditedInService } from './admin-actor';
import { ApprovalDto, ApprovalPageDto, ApprovalQueryDto, AuditPageDto, AuditQueryDto, RejectApprovalDto } from './admin.dto';
import { ApprovalsService } from './approvals.service';
import { AuditService } from './audit.service';

const APPROVAL_NOT_FOUND: ApiErrorSpec = { status: 404, error: 'NotFound', message: 'Approval 3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98 not found', description: 'no such approval' };
const APPROVAL_NOT_PENDING: ApiErrorSpec = {
  status: 409,
  error: 'ApprovalNotPending',
  message: 'Approval 3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98 is APPROVED, not PENDING',
  details: { status: 'APPROVED' },
  description: 'already approved or rejected',
};
const APPROVAL_EXPIRED: ApiErrorSpec = {
  status: 409,
  error: 'ApprovalExpired',
  message: 'Approval 3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98 expired at 2026-12-04T14:00:00.000Z (not decided within ADMIN_APPROVAL_TTL_MS): nothing was run; reject it or request the action again',
  details: { status: 'EXPIRED', expiredAt: '2026-12-04T14:00:00.000Z' },
  description: 'not decided within ADMIN_APPROVAL_TTL_MS of the request: nothing runs (reject it, or request the action again)',
};

@ApiTags('admin')
@Roles('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly audit: AuditService,
    private readonly approvals: ApprovalsService,
  ) {}

  @Get('audit')
  @Roles('admin', 'support')
  @ApiOperation({ summary: 'The audit trail of admin actions, newest first (append-only); support staff may read it too' })
  @ApiOkResponse({ type: AuditPageDto })
  listAudit(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return this.audit.list(query);
  }

  @Get('approvals')
  @ApiOperation({ summary: 'Large money moves waiting for (or decided by) a second admin, oldest first; undecided after ADMIN_APPROVAL_TTL_MS they read EXPIRED' })
  @ApiOkResponse({ type: ApprovalPageDto })
  listApprovals(@Query() query: ApprovalQueryDto): Promise<ApprovalPageDto> {
    return this.approvals.list(query);
  }

  @Post('approvals/:id/approve')
  @ApiOperation({ summary: 'Approve a pending money move as the second admin: it runs now, in the same transaction' })
  @HttpCode(200)
  @Idempotent()
  @AuditedInService()
  @ApiOkResponse({ type: ApprovalDto, description: 'APPROVED, with the executed action’s response in `result`' })
  @ApiErrors(
    APPROVAL_NOT_FOUND,
    APPROVAL_NOT_PENDING,
    APPROVAL_EXPIRED,
    { status: 403, error: 'SelfApprovalRefused', message: 'Approval 3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98 was requested by you: a different admin must approve it', description: 'the requester cannot approve their own request' },
    { status: 422, error: 'InsufficientFunds', message: 'available balance 5.000000 USDC is less than 200000.000000 USDC', description: 'the action no longer fits (it stays PENDING)' },
    {
      status: 422,
      error: 'PostingTooLarge',
      message: 'a single ledger movement of 1000000000000000.000000 USDC exceeds LEDGER_MAX_POSTING (1000000000000 USDC)',
      details: { asset: 'USDC', amount: '1000000000000000.000000', max: '1000000000000' },
      description: 'an absurd amount (it stays PENDING; reject it)',
    },
  )
  approve(@Actor() actor: AdminActor, @UuidParam('id', 'Approval') id: string): Promise<ApprovalDto> {
    return this.approvals.approve(actor, id);
  }

  @Post('approvals/:id/reject')
  @ApiOperation({ summary: 'Reject a pending or expired money move (the requester may withdraw their own); nothing moves' })
  @HttpCode(200)
  @AuditedInService()
  @ApiOkResponse({ type: ApprovalDto, description: 'REJECTED' })
  @ApiErrors(APPROVAL_NOT_FOUND, APPROVAL_NOT_PENDING)
  reject(@Actor() actor: AdminActor, @UuidParam('id', 'Approval') id: string, @Body() body: RejectApprovalDto): Promise<ApprovalDto> {
    return this.approvals.reject(actor, id, body.reason);
  }
}
