import { Module } from '@nestjs/common';
import { CreatorEarnings } from './creator-earnings.service';

/**
 * The one piece of creators that other venues use while they pay a creator (prediction markets import it);
 * it depends on nothing but the configuration, so CreatorsModule can in turn read the markets.
 */
@Module({ providers: [CreatorEarnings], exports: [CreatorEarnings] })
export class CreatorEarningsModule {}
