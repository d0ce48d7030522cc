import * as os from 'node:os';

import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { HashThreads } from './hash-threads';
import { Semaphore } from './semaphore';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * argon2id off the event loop, with at most one hash in flight per core: more threads than cores
 * only queue inside the kernel and raise the tail latency of every request. At ordinary load a hash
 * runs on libuv's pool, at the process's priority, so a sign-in waits on nothing but its own hash.
 * While sign-ins queue for the pool (a full round of them waiting: a flood), hashes run on threads
 * of their own at a lower CPU priority (HashThreads, HASH_NICE), so the API's other requests and
 * PostgreSQL keep the cores and authenticated reads keep their speed.
 */
@Injectable()
export class PasswordHasher implements OnModuleDestroy {
  private readonly gate: Semaphore;
  private readonly concurrency: number;
  /** Threads at HASH_NICE, for hashes started while others queue; none when HASH_NICE=0. */
  private readonly yielding?: HashThreads;
  /** A real hash of a random password, verified when the email is unknown so both paths cost the same. */
  private dummyHash?: Promise<string>;
  /** Sign-ins admitted and not yet through their hash. */
  private admitted = 0;
  /** Moving average of one hash's wall time, for the admission limit and Retry-After. */
  private hashMs = 50;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.concurrency = config.auth.hashConcurrency || os.availableParallelism();
    this.gate = new Semaphore(this.concurrency);
    this.yielding = config.auth.hashNice > 0 ? new HashThreads(this.concurrency, config.auth.hashNice) : undefined;
  }

  async onModuleDestroy(): Promise<void> {
    await this.yielding?.close();
  }

  private run<T>(task: (threads?: HashThreads) => Promise<T>): Promise<T> {
    const queued = process.hrtime.bigint();
    const running = this.gate.run(async () => {
      const started = process.hrtime.bigint();
      this.metrics.hashWait.observe(Number(started - queued) / 1e9);
      this.metrics.hashQueueDepth.set(this.gate.waiting);
      try {
        return await task(this.gate.waiting >= this.concurrency ? this.yielding : undefined);
      } finally {
        this.hashMs += (Number(process.hrtime.bigint() - started) / 1e6 - this.hashMs) / 16;
      }
    });
    this.metrics.hashQueueDepth.set(this.gate.waiting);
    return running;
  }

  /**
   * Admission for a sign-in's hash: while the sign-ins already admitted would
   * keep a new one waiting longer than SIGN_IN_MAX_WAIT_MS for the hash pool (or SIGN_IN_QUEUE_LIMIT
   * are in), it is refused at once with the seconds after which to retry, instead of joining a
   * queue that only grows under a flood. The pool is FIFO (Semaphore), so the admitted ones keep
   * their order. `release` once the sign-in's hash is done.
   */
  admitSignIn(): { admitted: true; release: () => void } | { admitted: false; retryAfterSeconds: number } {
    const limit =
      this.config.auth.signInQueueLimit ||
      Math.max(this.concurrency, Math.floor((this.config.auth.signInMaxWaitMs / this.hashMs) * this.concurrency));
    if (this.admitted >= limit) {
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(((this.admitted / this.concurrency) * this.hashMs) / 1000)) };
    }
    this.admitted++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (!released) {
          released = true;
          this.admitted--;
        }
      },
    };
  }

  hash(password: string): Promise<string> {
    return this.run((threads) => (threads ? threads.hash(password, ARGON2_OPTIONS) : hash(password, ARGON2_OPTIONS)));
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    return this.run((threads) => (threads ? threads.verify(hashed, password) : verify(hashed, password)).catch(() => false));
  }

  /** Spends the same work as verify() against an account that does not exist. */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= hash(`dummy-${Math.random()}-${Date.now()}`, ARGON2_OPTIONS);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
