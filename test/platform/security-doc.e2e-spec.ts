import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Every `file › test name` of docs/security.md; a bare `› name` continues the file before it. */
function citedTests(): Array<{ file: string; name: string }> {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/security.md'), 'utf8');
  const cited: Array<{ file: string; name: string }> = [];
  let file = '';
  for (const [, ref] of doc.matchAll(/`([^`]*› [^`]+)`/g)) {
    const [, head, name] = /^(.*?)\s*› (.+)$/s.exec(ref) ?? [];
    if (head) {
      file = head.trim();
    }
    if (file.endsWith('.ts')) {
      cited.push({ file, name: name.trim() });
    }
  }
  return cited;
}

describe('docs/security.md: the ASVS map points at tests that exist', () => {
  const cited = citedTests();

  it('cites tests', () => {
    expect(cited.length).toBeGreaterThan(50);
  });

  it.each(cited.map((c) => [c.file, c.name]))('%s › %s', (file, name) => {
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const prefix = name.replace(/…$/, '').trim();
    const literal = source.includes(`'${prefix}`) || source.includes(`"${prefix}`) || source.includes(`\`${prefix}`);
    // A parametrised name (it.each with %s) matches with its placeholders filled in.
    const templates = [...source.matchAll(/['"`]([^'"`\n]*%[sdpi][^'"`\n]*)['"`]/g)].map(
      ([, t]) => new RegExp(`^${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%[sdpi]/g, '.+')}`),
    );
    expect(literal || templates.some((re) => re.test(prefix))).toBe(true);
  });
});
