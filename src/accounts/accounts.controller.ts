import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser } from '../auth/auth.decorators';
import { ErrorBody } from '../common/http/error-body';
import { PageQueryDto } from '../common/http/pagination';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { AccountDto, LedgerPageDto, LedgerQueryDto } from './account.dto';
import { AccountsService } from './accounts.service';
import { CreateWithdrawalDto, WithdrawalDto, WithdrawalPageDto } from './withdrawal.dto';
import { WithdrawalsService } from './withdrawals.service';

@ApiTags('accounts')
@ApiBearerAuth('bearer')
@Controller('accounts/me')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly withdrawals: WithdrawalsService,
  ) {}

  @Get()
  @ApiOkResponse({ type: AccountDto, description: 'Balances per asset; the first call opens the account and grants the starting balance' })
  me(@CurrentUser() caller: AuthenticatedUser): Promise<AccountDto> {
    return this.accounts.overview(caller.id);
  }

  @Get('ledger')
  @ApiOkResponse({ type: LedgerPageDto, description: 'Ledger entries of the caller, newest first' })
  ledger(@CurrentUser() caller: AuthenticatedUser, @Query() query: LedgerQueryDto): Promise<LedgerPageDto> {
    return this.accounts.ledgerOf(caller.id, query);
  }

  @Post('withdrawals')
  @Idempotent()
  @ApiCreatedResponse({ type: WithdrawalDto, description: 'PENDING; the amount is now locked' })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'InsufficientFunds, or IdempotencyKeyMismatch' })
  requestWithdrawal(@CurrentUser() caller: AuthenticatedUser, @Body() body: CreateWithdrawalDto): Promise<WithdrawalDto> {
    return this.withdrawals.request(caller.id, body);
  }

  @Get('withdrawals')
  @ApiOkResponse({ type: WithdrawalPageDto, description: 'The caller’s withdrawals, newest first' })
  listWithdrawals(@CurrentUser() caller: AuthenticatedUser, @Query() query: PageQueryDto): Promise<WithdrawalPageDto> {
    return this.withdrawals.listOf(caller.id, query);
  }

  @Post('withdrawals/:id/cancel')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: WithdrawalDto, description: 'CANCELLED; the hold is released' })
  @ApiNotFoundResponse({ type: ErrorBody })
  cancelWithdrawal(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', 'Withdrawal') id: string): Promise<WithdrawalDto> {
    return this.withdrawals.cancel(caller.id, id);
  }
}
