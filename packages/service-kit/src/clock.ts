/**
 * Where a service reads the time. Production uses the system clock; tests hand a service a clock they move, so that
 * "expires after its time to live" is decided by the test's own `advance`, not by how fast the machine is.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock that runs with the system clock plus an offset the test moves forward. Time keeps flowing (Kafka, timers and
 * HTTP still behave), and `advance(61_000)` makes a 60-second expiry due at once, on any machine.
 */
export class OffsetClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error('a clock only moves forward');
    this.offsetMs += ms;
  }
}
