// tsc compiles TypeScript only; templates travel to dist beside the code that reads them.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
for (const lib of fs.readdirSync(path.join(root, 'libs'))) {
  const src = path.join(root, 'libs', lib, 'src', 'templates');
  if (fs.existsSync(src)) {
    fs.cpSync(src, path.join(root, 'dist', 'libs', lib, 'src', 'templates'), { recursive: true });
  }
}
