import { Worker } from 'node:worker_threads';

/**
 * The code each hash thread runs: it lowers its own scheduling priority by `nice` (Linux:
 * setpriority on its thread id, which touches no other thread), then hashes and verifies
 * synchronously, one request at a time. Kept as a string so it runs the same from `dist` and from the TypeScript
 * sources the tests load (a Worker cannot load a .ts file).
 */
const THREAD_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const os = require('node:os');
const argon2 = require(workerData.argon2);
if (workerData.nice > 0) {
  try {
    // Relative to the priority the thread was born with (the process's, e.g. under \`nice\`).
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + workerData.nice));
  } catch {
    // Not Linux (no per-thread priority): the thread runs at the process's priority.
  }
}
parentPort.on('message', (task) => {
  try {
    const value = task.op === 'hash' ? argon2.hashSync(task.password, task.options) : argon2.verifySync(task.hashed, task.password);
    parentPort.postMessage({ id: task.id, value });
  } catch (error) {
    parentPort.postMessage({ id: task.id, error: String((error && error.message) || error) });
  }
});
`;

interface Task {
  id: number;
  op: 'hash' | 'verify';
  password: string;
  hashed?: string;
  options?: object;
}

interface Pending {
  task: Task;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  busy?: Pending;
}

/**
 * argon2id on threads of its own at a lower CPU priority (`nice`). PasswordHasher sends a hash
 * here only while sign-ins queue for its pool, so a flood of them takes only the CPU the rest of the
 * API and PostgreSQL leave; otherwise it uses libuv's pool, whose threads run at the event loop's
 * priority (with every hash there, a 2x flood cut authenticated reads to 0.30 of their quiet rate).
 *
 * One task per thread at a time; the caller (PasswordHasher's FIFO semaphore) keeps at most
 * `size` in flight, extra ones wait here in order. Threads start on first use, are unref'ed
 * while idle (an idle pool does not keep the process alive) and are replaced if one dies.
 */
export class HashThreads {
  private readonly threads: Thread[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly argon2Path = require.resolve('@node-rs/argon2');

  constructor(
    private readonly size: number,
    private readonly nice: number,
  ) {}

  hash(password: string, options: object): Promise<string> {
    return this.submit({ id: this.nextId++, op: 'hash', password, options }) as Promise<string>;
  }

  verify(hashed: string, password: string): Promise<boolean> {
    return this.submit({ id: this.nextId++, op: 'verify', password, hashed }) as Promise<boolean>;
  }

  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    for (const pending of [...this.waiting.splice(0), ...threads.map((t) => t.busy)]) {
      pending?.reject(new Error('The hash threads are closed'));
    }
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private submit(task: Task): Promise<string | boolean> {
    if (this.closed) {
      return Promise.reject(new Error('The hash threads are closed'));
    }
    return new Promise((resolve, reject) => {
      const pending = { task, resolve, reject };
      const idle = this.threads.find((t) => !t.busy) ?? (this.threads.length < this.size ? this.spawn() : undefined);
      if (idle) {
        this.start(idle, pending);
      } else {
        this.waiting.push(pending);
      }
    });
  }

  private start(thread: Thread, pending: Pending): void {
    thread.busy = pending;
    // Referenced while it works: a hash in flight keeps the process alive until it answers.
    thread.worker.ref();
    thread.worker.postMessage(pending.task);
  }

  private spawn(): Thread {
    const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { argon2: this.argon2Path, nice: this.nice } });
    const thread: Thread = { worker };
    worker.unref();
    worker.on('message', (answer: { id: number; value?: string | boolean; error?: string }) => {
      const busy = thread.busy;
      thread.busy = undefined;
      worker.unref();
      if (busy && busy.task.id === answer.id) {
        if (answer.error !== undefined) {
          busy.reject(new Error(answer.error));
        } else {
          busy.resolve(answer.value as string | boolean);
        }
      }
      this.next(thread);
    });
    const fail = (error: Error) => {
      const index = this.threads.indexOf(thread);
      if (index >= 0) {
        this.threads.splice(index, 1);
      }
      thread.busy?.reject(error);
      thread.busy = undefined;
      // The next waiting task gets a fresh thread.
      const waiting = this.waiting.shift();
      if (waiting && !this.closed) {
        this.start(this.spawn(), waiting);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed && this.threads.includes(thread)) {
        fail(new Error(`A hash thread exited (code ${code})`));
      }
    });
    this.threads.push(thread);
    return thread;
  }

  private next(thread: Thread): void {
    const waiting = this.waiting.shift();
    if (waiting) {
      this.start(thread, waiting);
    }
  }
}
