'use strict';
/**
 * `npm run bench`: builds the server (npm script), then runs every benchmark in its own Node
 * process, one after another, prints a summary and writes bench/results/latest.json.
 * Usage: node bench/run.js [name ...]   (e.g. node bench/run.js lockout-burst)
 */
const { spawn, execSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { table } = require('./lib');

const BENCHES = [
  'signin-throughput',
  'mfa-totp-verify',
  'authenticated-get',
  'api-key-get',
  'login-flood',
  'unknown-vs-wrong',
  'forgot-timing',
  'lockout-burst',
  'accounts-report',
  'export-memory',
  'notifications-throughput',
  'outbox-crash',
];

// Figures a later bench compares against (notifications: deliveries per peak sign-in).
const shared = {};

function runOne(name) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [path.join(__dirname, `${name}.js`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...shared },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('exit', (code) => {
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('BENCH_RESULT '));
      let result = null;
      try {
        result = line ? JSON.parse(line.slice('BENCH_RESULT '.length)) : null;
      } catch {
        result = null;
      }
      resolve({
        name,
        code,
        seconds: Math.round((Date.now() - t0) / 100) / 10,
        result,
      });
    });
  });
}

function fmt(x) {
  return x === undefined || x === null ? '' : String(x);
}

async function main() {
  const wanted = process.argv.slice(2);
  const list = wanted.length ? BENCHES.filter((b) => wanted.includes(b)) : BENCHES;
  const started = new Date();
  const t0 = Date.now();
  const runs = [];
  for (const name of list) {
    const run = await runOne(name);
    if (name === 'signin-throughput' && run.result?.measured?.median) {
      shared.BENCH_PEAK_SIGNINS = String(run.result.measured.median);
    }
    runs.push(run);
  }

  const rows = runs.map(({ name, code, seconds, result: r }) => {
    if (!r)
      return {
        bench: name,
        baseline: '',
        measured: '',
        ratio: '',
        goal: '',
        result: `ERROR (exit ${code})`,
        s: seconds,
      };
    const base = r.baseline ? `${r.baseline.median} ${r.baseline.name}` : '';
    let measured = r.measured ? `${r.measured.median} ${r.measured.name}` : '';
    if (r.bench === 'api-key-get') {
      measured += ` (p50/p99 ${r.measured.p50ms}/${r.measured.p99ms} ms; revocation instant ${r.revocation.instant}/${r.revocation.trials})`;
    }
    if (r.bench === 'authenticated-get') {
      measured += ` (p50/p99 ${r.measured.p50ms}/${r.measured.p99ms} ms vs /health ${r.baseline.p50ms}/${r.baseline.p99ms} ms; revocation instant ${r.revocation.instant}/${r.revocation.trials})`;
    }
    if (r.bench === 'signin-throughput' && r.p2)
      measured += `; P2 p99 at 70 % of peak ${r.p2.ratio} x one hash (goal ${r.p2.goal}: ${r.p2.pass ? 'PASS' : 'MISS'})`;
    if (r.bench === 'notifications-throughput') measured += ` (${r.perPeakSignin} x peak sign-ins ${r.peakSignins}/s)`;
    if (r.bench === 'outbox-crash')
      measured = `lost ${r.lost}, duplicated ${r.duplicated}; pickup after a kill median ${r.measured.median} ms, max ${r.measured.max} ms`;
    if (r.bench === 'lockout-burst') measured = `max ${r.measured.max}, median ${r.measured.median} hash checks of ${r.burst} requests`;
    return {
      bench: name,
      baseline: base,
      measured,
      ratio: fmt(r.ratio),
      goal: r.goal,
      result: r.pass ? 'PASS' : 'MISS',
      s: seconds,
    };
  });
  const total = Math.round((Date.now() - t0) / 100) / 10;
  console.log('\n==================== bench summary (medians) ====================');
  console.log(`machine: ${os.cpus()[0].model}, ${os.availableParallelism()} cores, Node ${process.version}`);
  console.log(table(rows, ['bench', 'ratio', 'goal', 'result', 'baseline', 'measured', 's']));
  console.log(`total ${total} s (benchmarks only; the build runs before)`);

  let commit = null;
  try {
    commit = execSync('git rev-parse --short HEAD', {
      cwd: path.resolve(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    /* not a git checkout */
  }
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'latest.json');
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt: started.toISOString(),
        seconds: total,
        commit,
        machine: {
          cpu: os.cpus()[0].model,
          cores: os.availableParallelism(),
          memGiB: Math.round(os.totalmem() / 2 ** 30),
          node: process.version,
          platform: `${os.platform()} ${os.release()}`,
        },
        benches: runs.map(({ name, code, seconds, result }) => ({
          name,
          exitCode: code,
          seconds,
          ...(result || { error: true }),
        })),
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`written ${path.relative(process.cwd(), file)}`);
  process.exit(runs.some((r) => r.code !== 0 || !r.result) ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
