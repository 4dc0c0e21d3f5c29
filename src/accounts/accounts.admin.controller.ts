import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { ErrorBody } from '../common/http/error-body';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { AccountsService } from './accounts.service';
import { AdjustmentDto, CreateAdjustmentDto } from './adjustment.dto';
import { ReconciliationDto } from './reconciliation.dto';
import { ReconciliationService } from './reconciliation.service';
import { RejectWithdrawalDto, WithdrawalDto } from './withdrawal.dto';
import { WithdrawalsService } from './withdrawals.service';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@Roles('admin')
@Controller('admin')
export class AccountsAdminController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly withdrawals: WithdrawalsService,
    private readonly reconciliation: ReconciliationService,
  ) {}

  @Post('accounts/:userId/adjustments')
  @Idempotent()
  @ApiCreatedResponse({ type: AdjustmentDto })
  @ApiNotFoundResponse({ type: ErrorBody })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'InsufficientFunds for a negative adjustment' })
  adjust(
    @CurrentUser() admin: AuthenticatedUser,
    @UuidParam('userId', 'User') userId: string,
    @Body() body: CreateAdjustmentDto,
  ): Promise<AdjustmentDto> {
    return this.accounts.adjust(admin.id, userId, body);
  }

  @Post('withdrawals/:id/reject')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: WithdrawalDto, description: 'REJECTED; the hold is released' })
  @ApiNotFoundResponse({ type: ErrorBody })
  reject(@CurrentUser() admin: AuthenticatedUser, @UuidParam('id', 'Withdrawal') id: string, @Body() body: RejectWithdrawalDto): Promise<WithdrawalDto> {
    return this.withdrawals.reject(admin.id, id, body.reason);
  }

  @Get('ledger/reconciliation')
  @ApiOkResponse({ type: ReconciliationDto })
  reconcile(): Promise<ReconciliationDto> {
    return this.reconciliation.run();
  }
}
