import { Injectable } from '@nestjs/common';

/**
 * The time the payout deadlines are measured with. Injected (rather than `Date.now()` inline) so a test can put a
 * payment past its deadline without sleeping through it, which made the deadline case flaky on a loaded machine.
 */
@Injectable()
export class Clock {
  /** Milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }
}
