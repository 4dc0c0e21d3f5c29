import { Body, Controller, Param, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Actor, type AdminActor, AuditedInService } from '../admin/admin-actor';
import { Roles } from '../auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { PerpMarketDto, UpdatePerpMarketDto } from './perp-market.dto';
import { toPerpMarketDto } from './perp-market.mapper';
import { PerpMarketsService } from './perp-markets.service';
import { INVALID_PERP_MARKET_CHANGE, UNKNOWN_SYMBOL } from './perps.api-errors';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/perps')
export class PerpsAdminController {
  constructor(private readonly perpMarkets: PerpMarketsService) {}

  @Patch(':symbol')
  @ApiOperation({ summary: 'Change a perp symbol’s leverage cap, fees, maintenance or minimum margin, or halt it' })
  @ApiParam({ name: 'symbol', example: 'BTC_USDC_PERP' })
  @ApiOkResponse({ type: PerpMarketDto, description: 'Applies to positions and orders opened from now on; open positions keep their terms' })
  @ApiErrors(INVALID_PERP_MARKET_CHANGE, UNKNOWN_SYMBOL)
  @AuditedInService()
  async update(@Actor() actor: AdminActor, @Param('symbol') symbol: string, @Body() body: UpdatePerpMarketDto): Promise<PerpMarketDto> {
    return toPerpMarketDto(await this.perpMarkets.update(symbol, body, actor));
  }
}
