import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor, type AdminActor, AuditedInService } from '../admin/admin-actor';
import { ApprovalDto } from '../admin/admin.dto';
import { Roles } from '../auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { POSTING_TOO_LARGE, WITHDRAWAL_ALREADY_APPROVED, WITHDRAWAL_NOT_FOUND, WITHDRAWAL_NOT_PENDING } from './accounts.api-errors';
import { UuidParam } from '../common/http/uuid-param';
import { AccountsService } from './accounts.service';
import { AdjustmentDto, CreateAdjustmentDto } from './adjustment.dto';
import { ReconciliationDto } from './reconciliation.dto';
import { ReconciliationService } from './reconciliation.service';
import { RejectWithdrawalDto, WithdrawalDto } from './withdrawal.dto';
import { WithdrawalsService } from './withdrawals.service';

@ApiTags('admin')
@Roles('admin')
@Controller('admin')
export class AccountsAdminController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly withdrawals: WithdrawalsService,
    private readonly reconciliation: ReconciliationService,
  ) {}

  @Post('accounts/:userId/adjustments')
  @ApiOperation({ summary: 'Credit or debit a user’s balance against the house, with a reason (audited); above ADMIN_APPROVAL_THRESHOLD a second admin approves it' })
  @Idempotent()
  @AuditedInService()
  @ApiCreatedResponse({ type: AdjustmentDto, description: 'Posted' })
  @ApiAcceptedResponse({ type: ApprovalDto, description: 'Above ADMIN_APPROVAL_THRESHOLD: a PENDING approval; nothing moved yet' })
  @ApiErrors(
    { status: 404, error: 'NotFound', message: 'User 9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e not found', description: 'no such user' },
    {
      status: 422,
      error: 'InsufficientFunds',
      message: 'available balance 5.000000 USDC is less than 20.000000 USDC',
      details: { asset: 'USDC', bucket: 'available', balance: '5.000000', required: '20.000000' },
      description: 'a negative adjustment larger than the available balance',
    },
    POSTING_TOO_LARGE,
  )
  async adjust(
    @Actor() actor: AdminActor,
    @UuidParam('userId', 'User') userId: string,
    @Body() body: CreateAdjustmentDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AdjustmentDto | ApprovalDto> {
    const outcome = await this.accounts.adjust(actor, userId, body);
    if ('adjustment' in outcome) return outcome.adjustment;
    response.status(202);
    return outcome.approval;
  }

  @Post('withdrawals/:id/approve')
  @ApiOperation({ summary: 'Approve a PENDING withdrawal above WITHDRAWAL_REVIEW_THRESHOLD: the chain sender then pays it (above ADMIN_APPROVAL_THRESHOLD, once a second admin approves too)' })
  @HttpCode(200)
  @Idempotent()
  @AuditedInService()
  @ApiOkResponse({ type: WithdrawalDto, description: 'Still PENDING with `approvedAt` set; the sender takes it next (SENDING, SENT, COMPLETED)' })
  @ApiAcceptedResponse({ type: ApprovalDto, description: 'Above ADMIN_APPROVAL_THRESHOLD: a PENDING approval for a second admin; the withdrawal is not cleared yet' })
  @ApiErrors(WITHDRAWAL_NOT_FOUND, WITHDRAWAL_NOT_PENDING, WITHDRAWAL_ALREADY_APPROVED, {
    status: 409,
    error: 'ApprovalAlreadyPending',
    message: 'An approval of withdrawal.approve on 5d1f7c2a-8e3b-4c6d-9a0f-1b2c3d4e5f60 is already pending',
    details: { approvalId: '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98' },
    description: 'a second admin’s approval is already asked for (an EXPIRED one does not count: a new request replaces it)',
  })
  async approve(@Actor() actor: AdminActor, @UuidParam('id', 'Withdrawal') id: string, @Res({ passthrough: true }) response: Response): Promise<WithdrawalDto | ApprovalDto> {
    const outcome = await this.withdrawals.approve(actor, id);
    if ('withdrawal' in outcome) return outcome.withdrawal;
    response.status(202);
    return outcome.approval;
  }

  @Post('withdrawals/:id/reject')
  @ApiOperation({ summary: 'Reject a PENDING withdrawal and release its hold' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: WithdrawalDto, description: 'REJECTED; the hold is released' })
  @AuditedInService()
  @ApiErrors(WITHDRAWAL_NOT_FOUND, WITHDRAWAL_NOT_PENDING)
  reject(@Actor() actor: AdminActor, @UuidParam('id', 'Withdrawal') id: string, @Body() body: RejectWithdrawalDto): Promise<WithdrawalDto> {
    return this.withdrawals.reject(actor, id, body.reason);
  }

  @Get('ledger/reconciliation')
  @Roles('admin', 'support')
  @ApiOperation({ summary: 'Check the ledger: every transaction balances and cached balances equal their entries; support staff may read it too' })
  @ApiOkResponse({ type: ReconciliationDto })
  reconcile(): Promise<ReconciliationDto> {
    return this.reconciliation.run();
  }
}
