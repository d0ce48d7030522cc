import * as fs from 'node:fs';
import * as os from 'node:os';

import type { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { HashThreads } from './hash-threads';
import { ARGON2_OPTIONS, PasswordHasher } from './password-hasher';

/** The nice value of each thread of this process, from /proc (Linux). */
function niceByThread(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}

describe('HashThreads: argon2id on threads of its own at a lower priority', () => {
  let threads: HashThreads;

  afterEach(async () => {
    await threads?.close();
  });

  it('hashes and verifies: the right password true, a wrong one false, a malformed hash an error', async () => {
    threads = new HashThreads(2, 10);
    const hashed = await threads.hash('correct horse', ARGON2_OPTIONS);
    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await expect(threads.verify(hashed, 'correct horse')).resolves.toBe(true);
    await expect(threads.verify(hashed, 'wrong horse')).resolves.toBe(false);
    await expect(threads.verify('not-a-hash', 'x')).rejects.toThrow();
  });

  it('runs its threads the given nice value lower than the process, and leaves the rest of the process alone', async () => {
    const before = niceByThread();
    const base = os.getPriority();
    threads = new HashThreads(2, 10);
    const hashed = await threads.hash('pw', ARGON2_OPTIONS);
    await Promise.all([threads.verify(hashed, 'pw'), threads.verify(hashed, 'pw')]);
    const after = niceByThread();
    const added = [...after].filter(([tid]) => !before.has(tid));
    // Two hash threads (each Worker also brings a few helper threads of V8's, at its priority).
    expect(added.filter(([, nice]) => nice === Math.min(19, base + 10)).length).toBeGreaterThanOrEqual(2);
    expect(after.get(process.pid)).toBe(base);
    expect([...before].every(([tid, nice]) => after.get(tid) === undefined || after.get(tid) === nice)).toBe(true);
  });

  it('answers every request when more arrive than it has threads, and refuses work once closed', async () => {
    threads = new HashThreads(1, 0);
    const hashed = await threads.hash('pw', ARGON2_OPTIONS);
    const answers = await Promise.all(['pw', 'no', 'pw', 'no', 'pw'].map((p) => threads.verify(hashed, p)));
    expect(answers).toEqual([true, false, true, false, true]);
    const inFlight = expect(threads.verify(hashed, 'pw')).rejects.toThrow(/closed/);
    const queued = expect(threads.verify(hashed, 'pw')).rejects.toThrow(/closed/);
    await threads.close();
    await inFlight;
    await queued;
    await expect(threads.hash('pw', ARGON2_OPTIONS)).rejects.toThrow(/closed/);
  });
});

describe('PasswordHasher: hashes yield the CPU only while sign-ins queue', () => {
  const config = { auth: { hashConcurrency: 1, hashNice: 10, signInQueueLimit: 0, signInMaxWaitMs: 1000 } } as unknown as AppConfig;
  let hasher: PasswordHasher;

  afterEach(async () => {
    await hasher?.onModuleDestroy();
  });

  const nicedThreads = (before: Map<number, number>) =>
    [...niceByThread()].filter(([tid, nice]) => !before.has(tid) && nice > os.getPriority()).length;

  it('runs one sign-in at a time at the process priority (libuv), and a queue of them HASH_NICE lower', async () => {
    const before = niceByThread();
    hasher = new PasswordHasher(config, new Metrics(false));
    const hashed = await hasher.hash('pw');
    for (let i = 0; i < 3; i++) {
      await expect(hasher.verify(hashed, i === 1 ? 'no' : 'pw')).resolves.toBe(i !== 1);
    }
    expect(nicedThreads(before)).toBe(0);
    // Four at once on one thread: while one hashes, three wait, so the next ones yield.
    const answers = await Promise.all(['pw', 'pw', 'no', 'pw'].map((p) => hasher.verify(hashed, p)));
    expect(answers).toEqual([true, true, false, true]);
    expect(nicedThreads(before)).toBeGreaterThanOrEqual(1);
  });
});
