import { OnQueueFailed, Process, Processor } from '@nestjs/bull';
import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { Job } from 'bull';

import { InProcessQueueDriver } from './in-process.driver';
import { BULL_EVENT_METADATA, BULL_PROCESS_METADATA, BULL_QUEUE_METADATA, JobProcessors } from './job-processors';

/** What the processors below saw, per test. */
@Injectable()
class Seen {
  data: unknown[] = [];
  attempts: number[] = [];
  exhausted: string[] = [];
  failFirst = 0;
}

@Processor('q')
class TestProcessor {
  constructor(private readonly seen: Seen) {}

  @Process({ name: 'j' })
  async job(job: Job) {
    this.seen.data.push(job.data);
  }

  @Process({ name: 'flaky' })
  async flaky(job: Job) {
    this.seen.attempts.push(job.attemptsMade + 1);
    if (job.attemptsMade < this.seen.failFirst) {
      throw new Error(`boom ${job.attemptsMade + 1}`);
    }
  }

  @OnQueueFailed()
  async failed(job: Job, err: Error) {
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      this.seen.exhausted.push(err.message);
    }
  }
}

@Module({ imports: [DiscoveryModule], providers: [Seen, TestProcessor, JobProcessors] })
class TestModule {}

async function setup() {
  const app = await Test.createTestingModule({ imports: [TestModule] }).compile();
  await app.init();
  return { sut: new InProcessQueueDriver(app.get(JobProcessors), 5), seen: app.get(Seen), app };
}

describe('InProcessQueueDriver: runs the @Processor classes bull runs on Redis', () => {
  it('reads the metadata keys @nestjs/bull writes (a release that renames them fails here)', () => {
    expect(Reflect.getMetadata(BULL_QUEUE_METADATA, TestProcessor)).toEqual({ name: 'q' });
    expect(Reflect.getMetadata(BULL_PROCESS_METADATA, TestProcessor.prototype.job)).toEqual({ name: 'j' });
    expect(Reflect.getMetadata(BULL_EVENT_METADATA, TestProcessor.prototype.failed)).toMatchObject({ eventName: 'failed' });
  });

  it('runs a job after it is added, with its data', async () => {
    const { sut, seen } = await setup();
    await sut.add('q', 'j', { n: 1 });
    await sut.drain();
    expect(seen.data).toEqual([{ n: 1 }]);
  });

  it('retries with backoff, then gives up and tells the failed listener once it is exhausted', async () => {
    const { sut, seen } = await setup();
    seen.failFirst = 99;
    await sut.add('q', 'flaky', {}, { attempts: 3, backoffMs: 1 });
    await sut.drain();
    expect(seen.attempts).toEqual([1, 2, 3]);
    expect(seen.exhausted).toEqual(['boom 3']);
  });

  it('succeeds on a retry without the job counting as exhausted', async () => {
    const { sut, seen } = await setup();
    seen.failFirst = 1;
    await sut.add('q', 'flaky', {}, { attempts: 3, backoffMs: 1 });
    await sut.drain();
    expect(seen.attempts).toEqual([1, 2]);
    expect(seen.exhausted).toEqual([]);
  });

  it('runs a job id once, as bull does', async () => {
    const { sut, seen } = await setup();
    await sut.add('q', 'j', { n: 1 }, { jobId: 'abc' });
    await sut.add('q', 'j', { n: 2 }, { jobId: 'abc' });
    await sut.drain();
    expect(seen.data).toEqual([{ n: 1 }]);
  });

  it('refuses a job nobody handles', async () => {
    const { sut } = await setup();
    await expect(sut.add('q', 'nobody', {})).rejects.toThrow(/No handler/);
    await expect(sut.add('other', 'j', {})).rejects.toThrow(/No handler/);
  });
});
