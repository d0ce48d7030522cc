import * as os from 'node:os';

import { Inject, Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { Semaphore } from './semaphore';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * argon2id off the event loop (libuv threads), with at most one hash in flight per core: more
 * threads than cores only queue inside the kernel and raise the tail latency of every request.
 */
@Injectable()
export class PasswordHasher {
  private readonly gate: Semaphore;
  /** A real hash of a random password, verified when the email is unknown so both paths cost the same. */
  private dummyHash?: Promise<string>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.gate = new Semaphore(config.auth.hashConcurrency || os.availableParallelism());
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    const queued = process.hrtime.bigint();
    const running = this.gate.run(() => {
      this.metrics.hashWait.observe(Number(process.hrtime.bigint() - queued) / 1e9);
      this.metrics.hashQueueDepth.set(this.gate.waiting);
      return task();
    });
    this.metrics.hashQueueDepth.set(this.gate.waiting);
    return running;
  }

  hash(password: string): Promise<string> {
    return this.run(() => hash(password, ARGON2_OPTIONS));
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    return this.run(() => verify(hashed, password).catch(() => false));
  }

  /** Spends the same work as verify() against an account that does not exist. */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= hash(`dummy-${Math.random()}-${Date.now()}`, ARGON2_OPTIONS);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
