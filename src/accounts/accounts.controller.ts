import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser } from '../auth/auth.decorators';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { PageQueryDto } from '../common/http/pagination';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { AccountDto, LedgerPageDto, LedgerQueryDto } from './account.dto';
import { WITHDRAWAL_NOT_FOUND, WITHDRAWAL_NOT_PENDING } from './accounts.api-errors';
import { AccountsService } from './accounts.service';
import { CreateWithdrawalDto, WithdrawalDto, WithdrawalPageDto } from './withdrawal.dto';
import { WithdrawalsService } from './withdrawals.service';

@ApiTags('accounts')
@Controller('accounts/me')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly withdrawals: WithdrawalsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your balances per asset (available and locked)' })
  @ApiOkResponse({ type: AccountDto, description: 'Balances per asset; the first call opens the account and grants the starting balance' })
  me(@CurrentUser() caller: AuthenticatedUser): Promise<AccountDto> {
    return this.accounts.overview(caller.id);
  }

  @Get('ledger')
  @ApiOperation({ summary: 'Your ledger entries, newest first' })
  @ApiOkResponse({ type: LedgerPageDto, description: 'Ledger entries of the caller, newest first' })
  ledger(@CurrentUser() caller: AuthenticatedUser, @Query() query: LedgerQueryDto): Promise<LedgerPageDto> {
    return this.accounts.ledgerOf(caller.id, query);
  }

  @Post('withdrawals')
  @ApiOperation({ summary: 'Request a withdrawal: the amount is locked until it is sent, rejected or cancelled' })
  @Idempotent()
  @ApiCreatedResponse({ type: WithdrawalDto, description: 'PENDING; the amount is now locked' })
  @ApiErrors(validationFailed('chain', 'must be one of: dev'), {
    status: 422,
    error: 'InsufficientFunds',
    message: 'available balance 40.000000 USDC is less than 60.500000 USDC',
    details: { asset: 'USDC', bucket: 'available', balance: '40.000000', required: '60.500000' },
    description: 'the available balance does not cover the amount',
  })
  requestWithdrawal(@CurrentUser() caller: AuthenticatedUser, @Body() body: CreateWithdrawalDto): Promise<WithdrawalDto> {
    return this.withdrawals.request(caller.id, body);
  }

  @Get('withdrawals')
  @ApiOperation({ summary: 'Your withdrawals, newest first' })
  @ApiOkResponse({ type: WithdrawalPageDto, description: 'The caller’s withdrawals, newest first' })
  listWithdrawals(@CurrentUser() caller: AuthenticatedUser, @Query() query: PageQueryDto): Promise<WithdrawalPageDto> {
    return this.withdrawals.listOf(caller.id, query);
  }

  @Post('withdrawals/:id/cancel')
  @ApiOperation({ summary: 'Cancel one of your PENDING withdrawals and release its hold' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: WithdrawalDto, description: 'CANCELLED; the hold is released' })
  @ApiErrors(WITHDRAWAL_NOT_FOUND, WITHDRAWAL_NOT_PENDING)
  cancelWithdrawal(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', 'Withdrawal') id: string): Promise<WithdrawalDto> {
    return this.withdrawals.cancel(caller.id, id);
  }
}
