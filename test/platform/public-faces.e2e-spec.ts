import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as ts from 'typescript';

/**
 * The public face of each lib (issue 14): `libs/<lib>/src/index.ts` is all another lib or an app
 * may import, so it names its module, service façades, DTOs, port tokens/types and the decorators
 * and guards other libs' controllers use, and nothing else. The rule this test holds:
 *
 * - no `export *` (a face is a list of names a reader can review, not whatever a file holds);
 * - no exported name ending in `Repository` or `Controller` (storage and routes stay inside);
 * - no entity class as a value (a class from a `*.entity.ts` file or with `@Entity`): only its
 *   owner registers and queries it; another lib may see its shape as a type (`export type`),
 *   which can neither register a repository nor name the table;
 * - nothing re-exported from another lib (each name has one door, its owner's).
 *
 * Tests may reach a lib's internals by relative path (the lint rule allows it for test/ only).
 */

const ROOT = path.resolve(__dirname, '../..');

interface Violation {
  lib: string;
  problem: string;
}

function isEntityClass(decl: ts.Declaration): boolean {
  if (/\.entity\.ts$/.test(decl.getSourceFile().fileName)) {
    return true;
  }
  if (!ts.isClassDeclaration(decl)) {
    return false;
  }
  return (ts.getDecorators(decl) ?? []).some((d) => {
    const call = d.expression;
    return ts.isCallExpression(call) && ts.isIdentifier(call.expression) && call.expression.text === 'Entity';
  });
}

/** Checks the index of every lib under `libsDir`; `compilerOptions` resolve `@latchkey/*` the way the code does. */
function faceViolations(libsDir: string, compilerOptions: ts.CompilerOptions): Violation[] {
  const libs = fs
    .readdirSync(libsDir)
    .filter((lib) => fs.existsSync(path.join(libsDir, lib, 'src', 'index.ts')))
    .sort();
  const indexOf = (lib: string) => path.join(libsDir, lib, 'src', 'index.ts');
  const program = ts.createProgram(libs.map(indexOf), { ...compilerOptions, noEmit: true });
  const checker = program.getTypeChecker();
  const violations: Violation[] = [];
  for (const lib of libs) {
    const source = program.getSourceFile(indexOf(lib));
    if (!source) {
      violations.push({ lib, problem: 'index.ts not compiled' });
      continue;
    }
    const libSrc = path.join(libsDir, lib, 'src') + path.sep;
    for (const statement of source.statements) {
      if (ts.isExportDeclaration(statement) && !statement.exportClause) {
        violations.push({ lib, problem: `export * from ${statement.moduleSpecifier?.getText(source) ?? '?'}` });
      }
    }
    const moduleSymbol = checker.getSymbolAtLocation(source);
    for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      const name = exported.getName();
      if (/(Repository|Controller)$/.test(name)) {
        violations.push({ lib, problem: `exports ${name}` });
      }
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = target.getDeclarations() ?? [];
      const typeOnly = (exported.getDeclarations() ?? []).some(
        (d) => (ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) || ts.isTypeOnlyImportOrExportDeclaration(d),
      );
      if (!typeOnly && declarations.some(isEntityClass)) {
        violations.push({ lib, problem: `exports the entity ${name} as a value (export its type, or keep it inside)` });
      }
      const outside = declarations.map((d) => d.getSourceFile().fileName).find((f) => !path.resolve(f).startsWith(libSrc));
      if (outside && !outside.includes(`${path.sep}node_modules${path.sep}`)) {
        violations.push({ lib, problem: `re-exports ${name} from ${path.relative(libsDir, outside)}` });
      }
    }
  }
  return violations;
}

function projectOptions(): ts.CompilerOptions {
  const file = path.join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  return ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, file).options;
}

describe('Public faces (issue 14): each lib exports its module, façades, DTOs and ports, nothing else', () => {
  it('no lib index has export *, a repository, a controller, an entity as a value, or another lib’s name', () => {
    expect(faceViolations(path.join(ROOT, 'libs'), projectOptions())).toEqual([]);
  });

  it('the check fails on each kind of widening (a face that breaks every rule once)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faces-'));
    try {
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      };
      write('base/src/index.ts', 'export const BASE_NAME = 1;\n');
      write('wide/src/things.ts', 'export class ThingsRepository {}\nexport class ThingsController {}\nexport const helper = 1;\n');
      write('wide/src/thing.entity.ts', 'export class Thing { id = 1; }\n');
      write(
        'wide/src/other.ts',
        "function Entity(_t: string) { return (_c: unknown) => undefined; }\n@Entity('others')\nexport class Other {}\n",
      );
      write(
        'wide/src/index.ts',
        [
          "export * from './things';",
          "export { Thing } from './thing.entity';",
          "export { Other } from './other';",
          "export { BASE_NAME } from '@fixture/base';",
          '',
        ].join('\n'),
      );
      write('narrow/src/thing.entity.ts', 'export class NarrowThing { id = 1; }\n');
      write('narrow/src/index.ts', "export type { NarrowThing } from './thing.entity';\n");
      const problems = faceViolations(dir, {
        experimentalDecorators: true,
        baseUrl: dir,
        paths: { '@fixture/*': ['*/src/index.ts'] },
        strict: true,
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          { lib: 'wide', problem: "export * from './things'" },
          { lib: 'wide', problem: 'exports ThingsRepository' },
          { lib: 'wide', problem: 'exports ThingsController' },
          { lib: 'wide', problem: 'exports the entity Thing as a value (export its type, or keep it inside)' },
          { lib: 'wide', problem: 'exports the entity Other as a value (export its type, or keep it inside)' },
          { lib: 'wide', problem: `re-exports BASE_NAME from ${path.join('base', 'src', 'index.ts')}` },
        ]),
      );
      expect(problems.filter((p) => p.lib !== 'wide')).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
