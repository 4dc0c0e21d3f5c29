import { Module } from '@nestjs/common';
import { PerpMarketsService } from './perp-markets.service';
import { PerpsAdminController } from './perps.admin.controller';

@Module({
  controllers: [PerpsAdminController],
  providers: [PerpMarketsService],
  exports: [PerpMarketsService],
})
export class TradesModule {}
