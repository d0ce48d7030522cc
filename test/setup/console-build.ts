import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function newestMtime(dir: string): number {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .reduce(
      (max, e) => Math.max(max, e.isDirectory() ? newestMtime(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs),
      0,
    );
}

/** What the build reads besides admin-ui/src: the page that loads the bundle, Vite's settings, the dependencies. */
const BUILD_INPUTS = ['admin-ui/index.html', 'admin-ui/vite.config.ts', 'admin-ui/package.json'];

/**
 * Whether the bundle is React's production build. Jest runs with NODE_ENV=test, which a Vite build
 * started from it inherits: it then bundles React's development build (its checks and owner stacks
 * made the journeys' Chromium CPU about a fifth higher), unlike what `npm start` serves. Only the
 * development build prints its invitation to install React's DevTools.
 */
function builtForProduction(): boolean {
  const assets = path.join(ROOT, 'admin-ui/dist/assets');
  const scripts = fs.existsSync(assets) ? fs.readdirSync(assets).filter((f) => f.endsWith('.js')) : [];
  return (
    scripts.length > 0 && scripts.every((f) => !fs.readFileSync(path.join(assets, f), 'utf8').includes('react.dev/link/react-devtools'))
  );
}

export function consoleBuildIsFresh(): boolean {
  const index = path.join(ROOT, 'admin-ui/dist/index.html');
  if (!fs.existsSync(index)) {
    return false;
  }
  const inputs = BUILD_INPUTS.map((f) => path.join(ROOT, f)).filter((f) => fs.existsSync(f));
  const newest = Math.max(newestMtime(path.join(ROOT, 'admin-ui/src')), ...inputs.map((f) => fs.statSync(f).mtimeMs));
  return fs.statSync(index).mtimeMs >= newest && builtForProduction();
}

/**
 * Builds admin-ui/dist when it is missing, older than the sources or not a production build, the
 * build `npm start` makes (Vite's default with NODE_ENV unset; set here against Jest's `test`).
 * Called once from the global setup (which has no time limit) before any journey starts, so a
 * fresh clone on a busy machine never spends a test hook's time budget on a Vite build, and
 * parallel files never build at once.
 */
export function ensureConsoleBuilt(): void {
  if (!consoleBuildIsFresh()) {
    execFileSync('npm', ['run', 'build:admin'], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } });
  }
}

/** Whether this Jest run may include the console journeys (no path filter, or one naming them). */
export function runIncludesConsole(globalConfig: { testPathPatterns?: { patterns?: string[] }; selectProjects?: string[] }): boolean {
  if (globalConfig.selectProjects?.length && !globalConfig.selectProjects.includes('e2e')) {
    return false;
  }
  const patterns = globalConfig.testPathPatterns?.patterns ?? [];
  return patterns.length === 0 || patterns.some((p) => /console/.test(p));
}
