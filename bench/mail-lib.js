'use strict';
/**
 * What the delivery benches share: a real SMTP sink (smtp-server) in the bench process that
 * counts every Message-ID, and `start:worker` processes pointed at it.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const L = require('./lib');

const WORKER_MAIN = path.resolve(__dirname, '../dist/apps/worker/src/main.js');
// Workers of every Latchkey on one Redis database share the queue `latchkey:notifications`: a
// bench of another checkout on database 13 would take these jobs and claim nothing in its own
// PostgreSQL database (its rows would wait out their queue lease). The delivery benches get a
// database of their own.
const REDIS_URL = process.env.BENCH_NOTIFY_REDIS_URL || 'redis://127.0.0.1:6379/11';

function startSink() {
  const { SMTPServer } = require('smtp-server');
  const seen = new Map();
  const firstAt = new Map();
  const againAt = new Map();
  let waiter = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 1024 * 1024,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (d) => {
        if (head.length < 8192) head += d.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^Message-ID:\s*<([^>]+)>/im.exec(head)?.[1] ?? '?';
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (!firstAt.has(id)) firstAt.set(id, Date.now());
        else againAt.set(id, Date.now());
        if (waiter) waiter();
        callback();
      });
    },
  });
  // A client killed mid-conversation (outbox-crash) resets its connection: not the sink's failure.
  server.on('error', () => undefined);
  // Answer each SMTP command at once (no Nagle delay on the sink's replies).
  server.server.on('connection', (socket) => socket.setNoDelay(true));
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `smtp://127.0.0.1:${server.server.address().port}`,
        seen,
        firstAt,
        againAt,
        total: () => [...seen.values()].reduce((a, b) => a + b, 0),
        onMessage(fn) {
          waiter = fn;
        },
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}

function startWorker(db, sinkUrl, i, redisUrl) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `latchkey-bench-worker-`));
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS || '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, WORKER_MAIN], {
    cwd: path.resolve(__dirname, '..'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      SMTP_URL: process.env.BENCH_SMTP_QUERY ? `${sinkUrl}?${process.env.BENCH_SMTP_QUERY}` : sinkUrl,
      DATA_DIR: dataDir,
      PUBLIC_URL: 'http://localhost:3000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (d) => {
      output += d.toString();
      if (/worker running/.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker ${i} exited (${code}):\n${output}`)));
  });
  return {
    pid: child.pid,
    child,
    ready,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

module.exports = { REDIS_URL, WORKER_MAIN, startSink, startWorker, L };
