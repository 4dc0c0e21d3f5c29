import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ChainsDto } from './chains.dto';
import { ChainsService } from './chains.service';

@ApiTags('chains')
@Controller('chains')
export class ChainsController {
  constructor(private readonly chains: ChainsService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'The configured chains: chain id, RPC URL (development only), vault, token and seed-commitment addresses, confirmations' })
  @ApiOkResponse({ type: ChainsDto })
  list(): ChainsDto {
    return this.chains.describe();
  }
}
