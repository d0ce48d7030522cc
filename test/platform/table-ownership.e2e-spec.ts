import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CROSSINGS_TO_REMOVE, TABLE_OWNERS } from '../../libs/core/src/database/table-ownership';

const LIBS = path.resolve(__dirname, '../../libs');
const MIGRATIONS = path.join(LIBS, 'core/src/database/migrations');
const owners: Record<string, string> = TABLE_OWNERS;

const KNOWN_CROSSINGS = new Set(Object.keys(CROSSINGS_TO_REMOVE));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      return full === MIGRATIONS ? [] : sourceFiles(full);
    }
    return /\.ts$/.test(e.name) && !/\.spec\.ts$/.test(e.name) ? [full] : [];
  });
}

const libOf = (file: string) => path.relative(LIBS, file).split(path.sep)[0]!;

/** Entity class name → table, from every @Entity('table') class. */
function entityTables(files: string[]): Map<string, { table: string; file: string }> {
  const map = new Map<string, { table: string; file: string }>();
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/@Entity\('([a-z_0-9]+)'\)\s*export class (\w+)/g)) {
      map.set(m[2]!, { table: m[1]!, file });
    }
  }
  return map;
}

describe('Table ownership (issue 14): each table has one owning lib; no other lib names it', () => {
  const files = Object.keys({ ...Object.fromEntries(fs.readdirSync(LIBS).map((l) => [l, 1])) }).flatMap((lib) =>
    fs.existsSync(path.join(LIBS, lib, 'src')) ? sourceFiles(path.join(LIBS, lib, 'src')) : [],
  );
  const entities = entityTables(files);

  it('every table the migrations create has an owner, and every owner entry is a real table', () => {
    const created = new Set<string>();
    for (const f of fs.readdirSync(MIGRATIONS)) {
      for (const m of fs
        .readFileSync(path.join(MIGRATIONS, f), 'utf8')
        .matchAll(/CREATE (?:UNLOGGED )?TABLE (?:IF NOT EXISTS )?([a-z_0-9]+)/g)) {
        created.add(m[1]!);
      }
    }
    expect([...created].filter((t) => !(t in owners)).sort()).toEqual([]);
    expect(
      Object.keys(owners)
        .filter((t) => !created.has(t))
        .sort(),
    ).toEqual([]);
  });

  it("every entity lives in its table's owner", () => {
    const misplaced = [...entities.values()]
      .filter((e) => owners[e.table] !== libOf(e.file))
      .map((e) => `${e.table} in ${path.relative(LIBS, e.file)}`);
    expect(misplaced).toEqual([]);
  });

  it('no lib names another lib’s table in SQL or registers its entity, beyond the known crossings', () => {
    const found = new Map<string, string>();
    for (const file of files) {
      const lib = libOf(file);
      const text = fs.readFileSync(file, 'utf8');
      const tables = new Set<string>();
      for (const m of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE|TRUNCATE)\s+([a-z_][a-z0-9_]*)\b/g)) {
        tables.add(m[1]!);
      }
      for (const m of text.matchAll(/(?:forFeature\(\[([^\]]*)\]|InjectRepository\((\w+)\)|getRepository\((\w+)\))/g)) {
        for (const name of (m[1] ?? m[2] ?? m[3] ?? '').split(/[\s,]+/).filter(Boolean)) {
          const entity = entities.get(name);
          if (entity) {
            tables.add(entity.table);
          }
        }
      }
      for (const table of tables) {
        const owner = owners[table];
        if (owner && owner !== lib) {
          found.set(`${lib} -> ${table}`, path.relative(LIBS, file));
        }
      }
    }
    const added = [...found.keys()].filter((c) => !KNOWN_CROSSINGS.has(c)).map((c) => `${c} (${found.get(c)})`);
    const gone = [...KNOWN_CROSSINGS].filter((c) => !found.has(c));
    expect({ added: added.sort(), gone: gone.sort() }).toEqual({ added: [], gone: [] });
  });

  it('docs/architecture.md draws the libs, ports and table ownership as the code has them', () => {
    const root = path.resolve(__dirname, '../..');
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/architecture.js'), '--check'], { cwd: root, encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  });
});
