import { InProcessQueueDriver } from './in-process.driver';
import { JobRegistry } from './queue.types';

describe('InProcessQueueDriver', () => {
  it('runs a job after it is added, with its data', async () => {
    const registry = new JobRegistry();
    const seen: unknown[] = [];
    registry.define({ queue: 'q', name: 'j', handler: async (data) => void seen.push(data) });
    const sut = new InProcessQueueDriver(registry, 10);
    await sut.add('q', 'j', { n: 1 });
    await sut.drain();
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('retries with backoff, then gives up and calls the dead-letter hook once', async () => {
    const registry = new JobRegistry();
    let calls = 0;
    const exhausted: string[] = [];
    registry.define({
      queue: 'q',
      name: 'flaky',
      handler: async () => {
        calls++;
        throw new Error(`boom ${calls}`);
      },
      onExhausted: async (_data, err) => void exhausted.push(err.message),
    });
    const sut = new InProcessQueueDriver(registry, 5);
    await sut.add('q', 'flaky', {}, { attempts: 3, backoffMs: 1 });
    await sut.drain();
    expect(calls).toBe(3);
    expect(exhausted).toEqual(['boom 3']);
  });

  it('succeeds on a retry without reaching the dead-letter hook', async () => {
    const registry = new JobRegistry();
    let calls = 0;
    const exhausted = jest.fn();
    registry.define({
      queue: 'q',
      name: 'second-time-lucky',
      handler: async (_d, ctx) => {
        calls++;
        if (ctx.attempt < 2) {
          throw new Error('not yet');
        }
      },
      onExhausted: exhausted,
    });
    const sut = new InProcessQueueDriver(registry, 5);
    await sut.add('q', 'second-time-lucky', {}, { attempts: 3, backoffMs: 1 });
    await sut.drain();
    expect(calls).toBe(2);
    expect(exhausted).not.toHaveBeenCalled();
  });

  it('runs a job id once, as bull does', async () => {
    const registry = new JobRegistry();
    let calls = 0;
    registry.define({ queue: 'q', name: 'once', handler: async () => void calls++ });
    const sut = new InProcessQueueDriver(registry, 5);
    await sut.add('q', 'once', {}, { jobId: 'abc' });
    await sut.add('q', 'once', {}, { jobId: 'abc' });
    await sut.drain();
    expect(calls).toBe(1);
  });

  it('refuses a job nobody handles', async () => {
    const sut = new InProcessQueueDriver(new JobRegistry(), 5);
    await expect(sut.add('q', 'nobody', {})).rejects.toThrow(/No handler/);
  });
});
