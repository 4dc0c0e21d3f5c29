import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, type AdminActor, AuditedInService } from '../admin/admin-actor';
import { Roles } from '../auth/auth.decorators';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { AdminDepositDto, AdminDepositPageDto, AdminDepositsQueryDto, AssignDepositDto } from './deposit.dto';
import { DepositReviewService } from './deposit-review.service';
import { DEPOSIT_NOT_FOUND, DEPOSIT_NOT_UNASSIGNED } from './deposits.api-errors';
import { DepositsService } from './deposits.service';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/deposits')
export class DepositsAdminController {
  constructor(
    private readonly deposits: DepositsService,
    private readonly review: DepositReviewService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every on-chain deposit, newest first; `status=UNASSIGNED` lists those from addresses no user has' })
  @ApiOkResponse({ type: AdminDepositPageDto })
  list(@Query() query: AdminDepositsQueryDto): Promise<AdminDepositPageDto> {
    return this.deposits.listForAdmin(query);
  }

  @Post(':id/assign')
  @ApiOperation({ summary: 'Credit an UNASSIGNED deposit to a user (out of the unassigned-deposits account)' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: AdminDepositDto, description: 'CREDITED to the user' })
  @ApiErrors(validationFailed('userId', 'must be a UUID'), DEPOSIT_NOT_FOUND, DEPOSIT_NOT_UNASSIGNED)
  @AuditedInService()
  assign(@Actor() actor: AdminActor, @UuidParam('id', 'Deposit') id: string, @Body() body: AssignDepositDto): Promise<AdminDepositDto> {
    return this.review.assign(actor, id, body.userId);
  }

  @Post(':id/return')
  @ApiOperation({ summary: 'Send an UNASSIGNED deposit back to its sender: RETURN_REQUESTED, its amount held until the return is paid on chain' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: AdminDepositDto, description: 'RETURN_REQUESTED' })
  @ApiErrors(DEPOSIT_NOT_FOUND, DEPOSIT_NOT_UNASSIGNED)
  @AuditedInService()
  requestReturn(@Actor() actor: AdminActor, @UuidParam('id', 'Deposit') id: string): Promise<AdminDepositDto> {
    return this.review.requestReturn(actor, id);
  }
}
