import { Global, Module } from '@nestjs/common';
import { DomainEventBus } from './domain-event-bus';

/** Global so every service can record events with `DomainEventBus` (EventEmitterModule carries them). */
@Global()
@Module({
  providers: [DomainEventBus],
  exports: [DomainEventBus],
})
export class DomainEventsModule {}
