// Smoke test of the built app as `npm start` runs it: embedded PGlite, in-process queue, demo
// seed. Then a deliberately broken setting must stop the start with a message naming it.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const main = path.join(root, 'dist/apps/api/src/main.js');

function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function fail(msg) {
  console.error(`SMOKE FAILED: ${msg}`);
  process.exitCode = 1;
}

async function main_() {
  const bad = spawnSync(process.execPath, [main], { env: { ...cleanEnv(), PORT: 'eighty' }, encoding: 'utf8', timeout: 30_000 });
  if (bad.status !== 1 || !/PORT: .*got "eighty"/.test(bad.stderr)) {
    fail(`a bad PORT should stop the start naming it; got status ${bad.status}: ${bad.stderr}`);
  } else {
    console.log('ok: PORT=eighty stops the start with:', bad.stderr.trim().split('\n').slice(-1)[0].trim());
  }

  // Production refuses what is only safe in development, naming each setting.
  const prod = spawnSync(process.execPath, [main], {
    env: {
      ...cleanEnv(),
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://latchkey@127.0.0.1:1/latchkey',
      REDIS_URL: 'redis://127.0.0.1:1',
      DATA_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
      PUBLIC_URL: 'http://id.example.com',
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const wanted = [/PUBLIC_URL: an http:\/\/ URL/, /SMTP_URL: required/, /SMS_ENABLED=false/];
  if (prod.status !== 1 || !wanted.every((re) => re.test(prod.stderr))) {
    fail(`production with http, no SMTP and no Twilio should stop naming each; got status ${prod.status}: ${prod.stderr}`);
  } else {
    console.log('ok: production refuses an http PUBLIC_URL, mail to a folder and SMS to a folder');
  }

  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-smoke-'));
  const env = { ...cleanEnv(), PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [main, '--with-worker', '--seed-demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (/Demo sign-ins/.test(out)) {
        const res = await fetch(`${base}/ready`).catch(() => undefined);
        if (res && res.status === 200) break;
      }
      if (child.exitCode !== null) throw new Error(`the app exited: ${out}`);
      if (Date.now() > deadline) throw new Error(`not ready in 90 s: ${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log('ok: /ready is 200 on the embedded defaults');
    const password = /password for all: (\S+)\)/.exec(out)?.[1];
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'owner@demo.latchkey.dev', password }),
    });
    const body = await login.json();
    if (login.status !== 200 || body.status !== 'authenticated') throw new Error(`demo sign-in: ${login.status} ${JSON.stringify(body)}`);
    console.log('ok: the printed demo sign-in works');
    const admin = await fetch(`${base}/admin/`);
    const html = await admin.text();
    if (admin.status !== 200 || !/<div id="root">/.test(html)) throw new Error(`/admin/ answered ${admin.status}`);
    console.log('ok: the console is served at /admin/');
    const docs = await fetch(`${base}/api/docs-json`);
    if (docs.status !== 200) throw new Error(`/api/docs-json answered ${docs.status}`);
    console.log('ok: OpenAPI at /api/docs-json');
  } catch (err) {
    fail(err.message);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The embedded defaults: no database, Redis, SMTP or Twilio settings from the caller. */
function cleanEnv() {
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_BASE', 'DISCORD_API_BASE', 'NODE_ENV']) {
    delete env[k];
  }
  return env;
}

main_();
