// The registry this project installs from serves only some platform builds of packages with
// native binaries (@swc/core, msgpackr-extract, ...). npm writes their other platforms into a
// package's optionalDependencies but cannot add them to the lock file, and `npm ci` then refuses
// the lock as out of sync. This drops optional dependencies the lock has no entry for.
// Run after changing dependencies: `npm install && node scripts/prune-lock.js`.
const fs = require('node:fs');
const path = require('node:path');

const file = path.resolve(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const present = new Set(Object.keys(lock.packages));

function resolves(from, name) {
  // node_modules lookup: nearest node_modules up the tree, then the root.
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (present.has(candidate)) return true;
    if (!dir) return false;
    const idx = dir.lastIndexOf('/node_modules/');
    dir = idx >= 0 ? dir.slice(0, idx) : dir.startsWith('node_modules/') ? '' : dir.includes('/') ? '' : '';
  }
}

let dropped = 0;
for (const [key, pkg] of Object.entries(lock.packages)) {
  if (!pkg.optionalDependencies) continue;
  for (const name of Object.keys(pkg.optionalDependencies)) {
    if (!resolves(key, name)) {
      delete pkg.optionalDependencies[name];
      dropped++;
    }
  }
}
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`prune-lock: dropped ${dropped} optional dependencies the registry does not serve`);
