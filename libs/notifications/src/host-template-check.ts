import type { FieldError } from '@latchkey/core';
import Handlebars from 'handlebars';

/** A JSON Schema node, as far as the template check reads it. */
export interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode | SchemaNode[];
  additionalProperties?: SchemaNode | boolean;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

/**
 * What the renderer gives every host template besides the event's data: the recipient's name and
 * language, the deployment's public URL and the link table's plain links (`links.<kind>`).
 */
export const STANDARD_VARIABLES = ['name', 'locale', 'publicUrl', 'links'] as const;

const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
const INLINE_HELPERS = new Set(['lookup', 'log', 'if', 'unless']);
const DATA_VARIABLES = new Set(['index', 'key', 'first', 'last', 'root']);

/** `unknown`: a place the schema does not describe (free-form object, array item without a schema). */
type Scope = SchemaNode | 'unknown';

interface Frame {
  scope: Scope;
  /** Block parameters (`{{#each items as |item i|}}`) visible in this frame and the ones inside. */
  locals: Map<string, Scope>;
}

function propertiesOf(node: SchemaNode): Record<string, SchemaNode> | undefined {
  const parts = [node, ...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? [])];
  const withProps = parts.filter((p) => p && typeof p === 'object' && p.properties);
  if (withProps.length === 0) {
    return undefined;
  }
  return Object.assign({}, ...withProps.map((p) => p.properties));
}

function itemScope(scope: Scope): Scope {
  if (scope === 'unknown') {
    return 'unknown';
  }
  if (scope.items && !Array.isArray(scope.items)) {
    return scope.items;
  }
  if (scope.additionalProperties && typeof scope.additionalProperties === 'object') {
    return scope.additionalProperties;
  }
  return 'unknown';
}

/** The first line of a Handlebars error and the line it names. */
function describeError(err: unknown): { line: number | null; message: string } {
  const e = err as { message?: string; lineNumber?: number };
  const message = String(e.message ?? err);
  const line = e.lineNumber ?? Number(/on line (\d+)/.exec(message)?.[1] ?? NaN);
  const detail = message.split('\n').filter((l) => l && !/^-*\^$/.test(l));
  const last = detail[detail.length - 1] ?? message;
  return {
    line: Number.isFinite(line) ? line : null,
    message: last.replace(/ - \d+:\d+$/, ''),
  };
}

/**
 * Parses one host template and checks every variable it reads against the event type's data
 * schema and the standard variables, following `#each` and `#with` into nested schemas. Returns
 * the problems, each naming `field` and the line, so the host can fix its template before any
 * user receives a broken message.
 */
export function checkTemplate(field: string, source: string, rootSchema: SchemaNode | null, linkKinds: readonly string[]): FieldError[] {
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(source);
    // The compiler finds what the parser lets through (a block closed by another name).
    Handlebars.precompile(source);
  } catch (err) {
    const { line, message } = describeError(err);
    return [{ field, message: `${line !== null ? `line ${line}: ` : ''}${message}` }];
  }
  const errors: FieldError[] = [];
  if (rootSchema === null) {
    // No usable schema (its own errors are reported): the syntax is all that can be checked.
    return errors;
  }
  const fail = (node: hbs.AST.Node, message: string) => errors.push({ field, message: `line ${node.loc.start.line}: ${message}` });
  const root: Frame = { scope: rootSchema, locals: new Map() };

  const resolve = (path: hbs.AST.PathExpression, frames: Frame[]): Scope | undefined => {
    const parts = [...path.parts];
    let scope: Scope;
    let atRoot: boolean;
    if (path.data) {
      const head = parts.shift();
      if (!head || !DATA_VARIABLES.has(head)) {
        fail(path, `{{${path.original}}} is not a variable Handlebars provides (@index, @key, @first, @last, @root)`);
        return undefined;
      }
      if (head !== 'root') {
        return 'unknown';
      }
      scope = rootSchema;
      atRoot = true;
    } else {
      const frame = frames[frames.length - 1 - path.depth];
      if (!frame) {
        fail(path, `{{${path.original}}} climbs above the template's data`);
        return undefined;
      }
      const local = path.depth === 0 && !/^this[./]/.test(path.original) ? findLocal(frames, parts[0]) : undefined;
      if (local !== undefined) {
        parts.shift();
        scope = local;
        atRoot = false;
      } else {
        scope = frame.scope;
        atRoot = frame === root;
      }
    }
    if (parts.length === 0) {
      return scope;
    }
    if (atRoot && (STANDARD_VARIABLES as readonly string[]).includes(parts[0])) {
      if (parts[0] === 'links' && parts.length > 1 && !linkKinds.includes(parts[1])) {
        fail(path, `{{${path.original}}}: ${parts[1]} is not a link (${linkKinds.join(', ')})`);
      }
      return 'unknown';
    }
    for (const [i, part] of parts.entries()) {
      if (scope === 'unknown') {
        return 'unknown';
      }
      const props = propertiesOf(scope);
      if (!props) {
        if (i === 0 && atRoot) {
          fail(
            path,
            `{{${path.original}}} is not declared in dataSchema.properties (nor a standard variable: ${STANDARD_VARIABLES.join(', ')})`,
          );
          return undefined;
        }
        return 'unknown';
      }
      const next = props[part];
      if (!next) {
        if (i === 0 && atRoot) {
          fail(
            path,
            `{{${path.original}}} is not declared in dataSchema.properties (nor a standard variable: ${STANDARD_VARIABLES.join(', ')})`,
          );
        } else {
          fail(path, `{{${path.original}}}: ${part} is not declared in the schema of ${parts.slice(0, i).join('.') || 'this'}`);
        }
        return undefined;
      }
      scope = next;
    }
    return scope;
  };

  const findLocal = (frames: Frame[], name: string): Scope | undefined => {
    for (let i = frames.length - 1; i >= 0; i--) {
      if (frames[i].locals.has(name)) {
        return frames[i].locals.get(name);
      }
    }
    return undefined;
  };

  const expression = (node: hbs.AST.Expression, frames: Frame[]): Scope | undefined => {
    switch (node.type) {
      case 'PathExpression':
        return resolve(node as hbs.AST.PathExpression, frames);
      case 'SubExpression':
        call(node as hbs.AST.SubExpression, frames);
        return 'unknown';
      default:
        return 'unknown';
    }
  };

  const call = (node: hbs.AST.MustacheStatement | hbs.AST.SubExpression, frames: Frame[]) => {
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    if (!hasArgs) {
      expression(node.path as hbs.AST.Expression, frames);
      return;
    }
    const helper = node.path as hbs.AST.PathExpression;
    if (helper.type !== 'PathExpression' || !INLINE_HELPERS.has(helper.original)) {
      fail(node, `${(helper as { original?: string }).original ?? 'this'} is not a helper (available: ${[...INLINE_HELPERS].join(', ')})`);
      return;
    }
    node.params.forEach((p) => expression(p, frames));
    node.hash?.pairs.forEach((p) => expression(p.value, frames));
  };

  const program = (p: hbs.AST.Program | undefined, frames: Frame[]) => {
    for (const statement of p?.body ?? []) {
      switch (statement.type) {
        case 'MustacheStatement':
          call(statement as hbs.AST.MustacheStatement, frames);
          break;
        case 'BlockStatement':
          block(statement as hbs.AST.BlockStatement, frames);
          break;
        case 'PartialStatement':
        case 'PartialBlockStatement':
        case 'DecoratorBlock':
        case 'Decorator':
          fail(statement, 'partials and decorators are not available in host templates');
          break;
        default:
          break;
      }
    }
  };

  const block = (node: hbs.AST.BlockStatement, frames: Frame[]) => {
    const path = node.path as hbs.AST.PathExpression;
    const blockParams = node.program?.blockParams ?? [];
    if (path.type === 'PathExpression' && BLOCK_HELPERS.has(path.original) && node.params.length > 0) {
      const target = expression(node.params[0], frames);
      node.params.slice(1).forEach((p) => expression(p, frames));
      node.hash?.pairs.forEach((p) => expression(p.value, frames));
      let inner: Frame[] = frames;
      if (path.original === 'each' || path.original === 'with') {
        const scope: Scope = target === undefined ? 'unknown' : path.original === 'each' ? itemScope(target) : target;
        const locals = new Map<string, Scope>();
        if (blockParams[0]) {
          locals.set(blockParams[0], scope);
        }
        if (blockParams[1]) {
          locals.set(blockParams[1], 'unknown');
        }
        inner = [...frames, { scope, locals }];
      }
      program(node.program, inner);
      program(node.inverse, frames);
      return;
    }
    if (node.params.length > 0 || path.type !== 'PathExpression') {
      fail(node, `${path.original ?? 'this'} is not a block helper (available: ${[...BLOCK_HELPERS].join(', ')})`);
      return;
    }
    // A section ({{#items}}…{{/items}}, {{^items}}…{{/items}}): iterates an array or enters an object.
    const target = resolve(path, frames);
    const scope: Scope = target === undefined || target === 'unknown' ? 'unknown' : target.type === 'array' ? itemScope(target) : target;
    program(node.program, [...frames, { scope, locals: new Map() }]);
    program(node.inverse, frames);
  };

  program(ast, [root]);
  return errors;
}
