import { Injectable } from '@nestjs/common';

/** The one source of "now", so tests can move time (token expiry, cool-downs, TOTP steps). */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }

  nowMs(): number {
    return this.now().getTime();
  }
}

/** A clock tests set and advance by hand. */
export class FakeClock extends Clock {
  private offsetMs = 0;
  private fixed?: number;

  override now(): Date {
    return new Date(this.fixed ?? Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    if (this.fixed !== undefined) {
      this.fixed += ms;
    } else {
      this.offsetMs += ms;
    }
  }

  set(date: Date): void {
    this.fixed = date.getTime();
  }

  reset(): void {
    this.offsetMs = 0;
    this.fixed = undefined;
  }
}
