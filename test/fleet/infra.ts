import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Real processes for the fleet suite: a private PostgreSQL cluster and Redis server (so the
 * suite can restart them without disturbing anything else on the machine), HAProxy in front of
 * the API processes, and the built apps themselves.
 */

export const ROOT = path.resolve(__dirname, '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(check()).catch(() => false)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(everyMs);
  }
}

function findBinary(candidates: string[]): string | undefined {
  return candidates.find((p) => fs.existsSync(p));
}

/** A Debian package installed on demand when running as root on Debian, as the console journeys do for Chromium. */
export function ensureDebianPackage(pkg: string, binaries: string[]): string {
  const found = findBinary(binaries);
  if (found) {
    return found;
  }
  if (!fs.existsSync('/etc/debian_version') || process.getuid?.() !== 0) {
    throw new Error(`The fleet suite needs ${pkg}: install it (Debian/Ubuntu: apt-get install ${pkg}).`);
  }
  process.stderr.write(`Fleet suite: installing Debian's ${pkg} package...\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env });
  const installed = findBinary(binaries);
  if (!installed) {
    throw new Error(`apt-get install ${pkg} finished but ${binaries.join(' or ')} is missing`);
  }
  return installed;
}

function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => path.join(base, v, 'bin')).find((d) => fs.existsSync(path.join(d, 'initdb')));
  if (!dir) {
    throw new Error('The fleet suite needs the PostgreSQL server binaries (Debian: apt-get install postgresql).');
  }
  return dir;
}

/** As root, PostgreSQL's tools must run as another user. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export class PrivatePostgres {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-fleet-pg-'));
  private readonly bin = postgresBin();
  port = 0;

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/latchkey`;
  }

  private run(tool: string, args: string[]) {
    const [cmd, argv] = asPostgres(path.join(this.bin, tool), args);
    return execFileSync(cmd, argv, { stdio: 'pipe', encoding: 'utf8' });
  }

  async start(): Promise<this> {
    this.port = await freePort();
    if (process.getuid?.() === 0) {
      execFileSync('chown', ['postgres:postgres', this.dir]);
    }
    const data = path.join(this.dir, 'data');
    this.run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await this.up();
    this.run('createdb', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', 'latchkey']);
    return this;
  }

  /** Starts the server and waits until it accepts connections. */
  async up(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
    this.run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-o', opts, '-l', path.join(this.dir, 'log'), '-w', '-t', '60', 'start']);
  }

  /** A fast shutdown: every connection is cut, as a crash or a failover would. */
  down(): void {
    this.run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  stop(): void {
    try {
      this.down();
    } catch {
      // already stopped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export class PrivateRedis {
  private child?: ChildProcess;
  port = 0;
  private readonly bin = ensureDebianPackage('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port ||= await freePort();
    await this.up();
    return this;
  }

  async up(): Promise<void> {
    this.child = spawn(this.bin, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await waitFor('Redis', () => canConnect(this.port), 20_000);
  }

  async down(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }

  async stop(): Promise<void> {
    await this.down();
  }
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** HAProxy round-robin over the API processes, health-checking /ready every 200 ms. */
export class Balancer {
  private child?: ChildProcess;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-fleet-lb-'));
  readonly binary = ensureDebianPackage('haproxy', ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']);
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(backends: number[]): Promise<this> {
    this.port = await freePort();
    const cfg = [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout http-keep-alive 10s',
      '  retries 3',
      '  option redispatch',
      '  retry-on conn-failure empty-response',
      `frontend api`,
      `  bind 127.0.0.1:${this.port}`,
      '  default_backend apps',
      'backend apps',
      '  balance roundrobin',
      '  option httpchk GET /ready',
      '  timeout check 2s',
      '  default-server inter 250 fall 2 rise 1',
      ...backends.map((p, i) => `  server api${i + 1} 127.0.0.1:${p} check`),
      '',
    ].join('\n');
    const file = path.join(this.dir, 'haproxy.cfg');
    fs.writeFileSync(file, cfg);
    this.child = spawn(this.binary, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    this.child.stderr?.on('data', (d) => (err += d));
    await waitFor(`HAProxy (${err})`, () => canConnect(this.port), 20_000);
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One built app (`start:api` or `start:worker`) as its own process, with its output kept for failures. */
export class AppProcess {
  child?: ChildProcess;
  output = '';
  /** Every error line the process (and its restarts) wrote, kept apart from `output`, whose last 20,000
   * characters a flood of warnings (an outage's 503s) would otherwise push them out of. */
  readonly errorLines: string[] = [];
  port = 0;
  metricsPort = 0;

  constructor(
    readonly kind: 'api' | 'worker',
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<this> {
    if (this.kind === 'api') {
      this.port ||= await freePort();
    }
    this.metricsPort ||= await freePort();
    const main = path.join(ROOT, `dist/apps/${this.kind}/src/main.js`);
    this.output = '';
    this.child = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ...this.env,
        HOST: '127.0.0.1',
        METRICS_PORT: String(this.metricsPort),
        ...(this.kind === 'api' ? { PORT: String(this.port) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // One unfinished line per stream, so stdout and stderr chunks never splice into one line.
    const keep = () => {
      let partial = '';
      return (d: Buffer) => {
        this.output = (this.output + d).slice(-20_000);
        const lines = (partial + d).split('\n');
        partial = lines.pop() ?? '';
        this.errorLines.push(...lines.filter((l) => /Unhandled|error/i.test(l)));
        this.errorLines.splice(0, Math.max(0, this.errorLines.length - 200));
      };
    };
    this.child.stdout?.on('data', keep());
    this.child.stderr?.on('data', keep());
    const child = this.child;
    await waitFor(
      `${this.kind} to start`,
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`${this.kind} exited with ${child.exitCode}: ${this.output}`);
        }
        if (this.kind === 'api') {
          const res = await fetch(`http://127.0.0.1:${this.port}/ready`);
          return res.status === 200;
        }
        return /worker running/.test(this.output);
      },
      90_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${this.kind} output ---\n${this.output}`);
    });
    return this;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal and resolves when the process has exited. */
  async signal(sig: NodeJS.Signals, timeoutMs = 30_000): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return child?.exitCode ?? null;
    }
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

/** Builds dist/ when a source is newer than the last build (several suites may ask at once). */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-if-stale.js')], { cwd: ROOT, stdio: 'inherit' });
}
