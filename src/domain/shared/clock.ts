/** The time source, injected so that tests can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move: for tests. */
export class ManualClock implements Clock {
  constructor(private current: Date = new Date()) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(to: Date): void {
    this.current = new Date(to.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/**
 * Real time shifted by an offset that only grows: for the demo, which lives through a spike's
 * delivery day in seconds. Time keeps running between jumps, so queues and timers still work.
 */
export class SimulatedClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    if (ms > 0) this.offsetMs += ms;
  }
}

/**
 * A request's clock (PRODUCT.md section 13): the live clock, or the caller's sandbox test clock as
 * read when its key was authenticated, standing still for the request. The one clock source of
 * requests; jobs get theirs from domain/sandbox/world-clock.ts.
 */
export function clockForPrincipal(live: Clock, principal: { sandboxId?: string | null; sandboxClockTime?: Date | null } | null): Clock {
  return principal?.sandboxId && principal.sandboxClockTime ? new ManualClock(principal.sandboxClockTime) : live;
}
