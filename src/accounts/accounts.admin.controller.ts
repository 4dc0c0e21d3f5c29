import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { WITHDRAWAL_ALREADY_APPROVED, WITHDRAWAL_NOT_FOUND, WITHDRAWAL_NOT_PENDING } from './accounts.api-errors';
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
  @ApiOperation({ summary: 'Credit or debit a user’s balance against the house, with a reason (audited in the ledger)' })
  @Idempotent()
  @ApiCreatedResponse({ type: AdjustmentDto })
  @ApiErrors(
    { status: 404, error: 'NotFound', message: 'User 9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e not found', description: 'no such user' },
    {
      status: 422,
      error: 'InsufficientFunds',
      message: 'available balance 5.000000 USDC is less than 20.000000 USDC',
      details: { asset: 'USDC', bucket: 'available', balance: '5.000000', required: '20.000000' },
      description: 'a negative adjustment larger than the available balance',
    },
  )
  adjust(
    @CurrentUser() admin: AuthenticatedUser,
    @UuidParam('userId', 'User') userId: string,
    @Body() body: CreateAdjustmentDto,
  ): Promise<AdjustmentDto> {
    return this.accounts.adjust(admin.id, userId, body);
  }

  @Post('withdrawals/:id/approve')
  @ApiOperation({ summary: 'Approve a PENDING withdrawal above WITHDRAWAL_REVIEW_THRESHOLD: the chain sender then pays it' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: WithdrawalDto, description: 'Still PENDING with `approvedAt` set; the sender takes it next (SENDING, SENT, COMPLETED)' })
  @ApiErrors(WITHDRAWAL_NOT_FOUND, WITHDRAWAL_NOT_PENDING, WITHDRAWAL_ALREADY_APPROVED)
  approve(@CurrentUser() admin: AuthenticatedUser, @UuidParam('id', 'Withdrawal') id: string): Promise<WithdrawalDto> {
    return this.withdrawals.approve(admin.id, id);
  }

  @Post('withdrawals/:id/reject')
  @ApiOperation({ summary: 'Reject a PENDING withdrawal and release its hold' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: WithdrawalDto, description: 'REJECTED; the hold is released' })
  @ApiErrors(WITHDRAWAL_NOT_FOUND, WITHDRAWAL_NOT_PENDING)
  reject(@CurrentUser() admin: AuthenticatedUser, @UuidParam('id', 'Withdrawal') id: string, @Body() body: RejectWithdrawalDto): Promise<WithdrawalDto> {
    return this.withdrawals.reject(admin.id, id, body.reason);
  }

  @Get('ledger/reconciliation')
  @ApiOperation({ summary: 'Check the ledger: every transaction balances and cached balances equal their entries' })
  @ApiOkResponse({ type: ReconciliationDto })
  reconcile(): Promise<ReconciliationDto> {
    return this.reconciliation.run();
  }
}
