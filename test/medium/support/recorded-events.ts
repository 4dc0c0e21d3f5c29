import { EventEmitter2 } from '@nestjs/event-emitter';

export interface RecordedEvent {
  name: string;
  payload: unknown;
}

/** Every domain event the module emits, in order, so a scenario can say what went out (and what did not). */
export class RecordedEvents {
  private events: RecordedEvent[] = [];
  private readonly listener = (name: string | string[], payload: unknown) => this.events.push({ name: String(name), payload });

  constructor(private readonly emitter: EventEmitter2) {
    emitter.onAny(this.listener);
  }

  named<T = unknown>(name: string): T[] {
    return this.events.filter((event) => event.name === name).map((event) => event.payload as T);
  }

  names(): string[] {
    return this.events.map((event) => event.name);
  }

  clear(): void {
    this.events = [];
  }

  stop(): void {
    this.emitter.offAny(this.listener);
  }
}
