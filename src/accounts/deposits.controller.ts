import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/http/pagination';
import { DepositPageDto } from './deposit.dto';
import { DepositsService } from './deposits.service';

@ApiTags('accounts')
@Controller('accounts/me')
export class DepositsController {
  constructor(private readonly deposits: DepositsService) {}

  @Get('deposits')
  @ApiOperation({ summary: 'Your on-chain deposits, newest first: SEEN → CONFIRMED (after the chain’s confirmations) → CREDITED' })
  @ApiOkResponse({ type: DepositPageDto, description: 'The caller’s deposits from the address they signed in with or linked, newest first' })
  list(@CurrentUser() caller: AuthenticatedUser, @Query() query: PageQueryDto): Promise<DepositPageDto> {
    return this.deposits.listOf(caller.id, query);
  }
}
