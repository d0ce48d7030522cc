import 'reflect-metadata';

import { FieldError } from './domain.exception';

/** Deepest nesting a request value may have; no DTO here goes past three levels. */
export const MAX_INPUT_DEPTH = 16;

const MULTILINE_KEY = 'latchkey:multiline';
const SWAGGER_PROPS = 'swagger/apiModelProperties';
const SWAGGER_PROPS_ARRAY = 'swagger/apiModelPropertiesArray';

/** Lets a string field carry line breaks and tabs (messages, notes); every other field is one line. */
export function MultiLine(): PropertyDecorator {
  return (target, key) => Reflect.defineMetadata(MULTILINE_KEY, true, target, key);
}

// A UTF-16 surrogate without its partner cannot be encoded as UTF-8: PostgreSQL refuses it and
// encodeURIComponent (inside the email validator) throws.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// NUL (PostgreSQL refuses it in text), the other C0 controls but tab and line breaks, DEL and C1.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// Line breaks, tabs, and the bidi overrides and isolates that make a name read differently than it is.
const SINGLE_LINE_ONLY = /[\t\n\r\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

/** What is wrong with a piece of text for this API (a lone surrogate, a control character, a line break where one line is wanted). */
export function textProblem(value: string, multiLine: boolean): string | undefined {
  if (LONE_SURROGATE.test(value)) {
    return 'is not valid Unicode text (a lone surrogate)';
  }
  if (CONTROL.test(value)) {
    return 'must not contain NUL or other control characters';
  }
  if (!multiLine && SINGLE_LINE_ONLY.test(value)) {
    return 'must be a single line without tabs or direction overrides';
  }
  return undefined;
}

interface PropertyInfo {
  nullable?: boolean;
  type?: unknown;
}

function declaredProperties(type: unknown): Set<string> | undefined {
  const proto = typeof type === 'function' ? (type as { prototype?: object }).prototype : undefined;
  const names = proto ? (Reflect.getMetadata(SWAGGER_PROPS_ARRAY, proto) as string[] | undefined) : undefined;
  return names ? new Set(names.map((n) => n.replace(/^:/, ''))) : undefined;
}

function propertyInfo(type: unknown, key: string): PropertyInfo | undefined {
  const proto = typeof type === 'function' ? (type as { prototype?: object }).prototype : undefined;
  return proto ? (Reflect.getMetadata(SWAGGER_PROPS, proto, key) as PropertyInfo | undefined) : undefined;
}

/** The DTO class of a nested property, from its OpenAPI metadata (`type: Dto` or `type: () => Dto`). */
function nestedType(info: PropertyInfo | undefined): unknown {
  let type = info?.type;
  if (Array.isArray(type)) {
    type = type[0];
  }
  if (typeof type === 'function' && !(type as { prototype?: unknown }).prototype) {
    try {
      type = (type as () => unknown)();
    } catch {
      return undefined;
    }
  }
  return declaredProperties(type) ? type : undefined;
}

function isMultiLine(type: unknown, key: string): boolean {
  const proto = typeof type === 'function' ? (type as { prototype?: object }).prototype : undefined;
  return !!proto && Reflect.getMetadata(MULTILINE_KEY, proto, key) === true;
}

/**
 * Checks a request value before any validator or the database sees it: every string is valid
 * Unicode without NUL or control characters (line breaks only in @MultiLine fields), nesting stays
 * under MAX_INPUT_DEPTH, and a null is accepted only where the DTO documents the field as
 * nullable. Answers the offending fields, named by path; iterative, so any depth is safe.
 */
export function inputProblems(value: unknown, type: unknown, root: string): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { value: unknown; type: unknown; path: string; depth: number; multiLine: boolean }[] = [
    { value, type, path: root, depth: 0, multiLine: false },
  ];
  while (stack.length > 0 && errors.length < 20) {
    const item = stack.pop()!;
    const field = item.path || 'body';
    if (typeof item.value === 'string') {
      const problem = textProblem(item.value, item.multiLine);
      if (problem) {
        errors.push({ field, message: problem });
      }
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') {
      continue;
    }
    if (item.depth >= MAX_INPUT_DEPTH) {
      errors.push({ field, message: `is nested deeper than ${MAX_INPUT_DEPTH} levels` });
      continue;
    }
    if (Array.isArray(item.value)) {
      item.value.forEach((element, i) =>
        stack.push({ value: element, type: item.type, path: `${item.path}[${i}]`, depth: item.depth + 1, multiLine: item.multiLine }),
      );
      continue;
    }
    const declared = declaredProperties(item.type);
    for (const [key, child] of Object.entries(item.value as Record<string, unknown>)) {
      const path = item.path ? `${item.path}.${key}` : key;
      if (textProblem(key, false)) {
        errors.push({ field: item.path || 'body', message: 'has a field name that is not valid text' });
        continue;
      }
      const info = declared?.has(key) ? propertyInfo(item.type, key) : undefined;
      if (child === null && info && info.nullable !== true) {
        errors.push({ field: path, message: 'must not be null' });
        continue;
      }
      stack.push({
        value: child,
        type: nestedType(info),
        path,
        depth: item.depth + 1,
        multiLine: item.multiLine || isMultiLine(item.type, key),
      });
    }
  }
  return errors;
}
