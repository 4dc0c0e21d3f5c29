/**
 * A small JSON Schema (draft 2020-12 subset) validator: enough for the strategy rules document, which is
 * published as a real JSON Schema so clients can validate with any library. Supported keywords: `type`,
 * `properties`, `required`, `additionalProperties: false`, `enum`, `const`, `minimum`, `maximum`,
 * `exclusiveMinimum`, `exclusiveMaximum`, `pattern`, `minLength`, `maxLength`, `minProperties`, `$ref` to
 * `#/$defs/...`, and `oneOf` of objects told apart by a `kind` constant (the error then names the branch's
 * field, not "matches none of 4 schemas").
 */

export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  type?: 'object' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: false;
  minProperties?: number;
  enum?: readonly (string | number)[];
  const?: string | number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  oneOf?: JsonSchema[];
  examples?: unknown[];
}

export interface SchemaProblem {
  /** JSON Pointer-like path from the document root, e.g. `rules/entry/sizing/amount`. */
  path: string;
  message: string;
}

export function validateAgainst(schema: JsonSchema, value: unknown, rootPath: string, root: JsonSchema = schema): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  visit(schema, value, rootPath, root, problems);
  return problems;
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace(/^#\/\$defs\//, '');
  const target = root.$defs?.[name];
  if (!target) throw new Error(`unknown $ref ${schema.$ref}`);
  return resolve(target, root);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function visit(raw: JsonSchema, value: unknown, path: string, root: JsonSchema, problems: SchemaProblem[]): void {
  const schema = resolve(raw, root);
  const fail = (message: string) => problems.push({ path, message });
  if (schema.oneOf) {
    visitOneOf(schema.oneOf.map((branch) => resolve(branch, root)), value, path, root, problems);
    return;
  }
  if (schema.type) {
    const actual = typeOf(value);
    const fits = schema.type === actual || (schema.type === 'number' && actual === 'integer');
    if (!fits) {
      fail(`must be ${schema.type === 'integer' || schema.type === 'object' ? 'an' : 'a'} ${schema.type}`);
      return;
    }
  }
  if (schema.const !== undefined && value !== schema.const) fail(`must be ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value as string | number)) fail(`must be one of ${schema.enum.map((item) => JSON.stringify(item)).join(', ')}`);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail('must be a finite number');
    if (schema.minimum !== undefined && value < schema.minimum) fail(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`must be at most ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) fail(`must be greater than ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) fail(`must be less than ${schema.exclusiveMaximum}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) fail(`must be at least ${schema.minLength} characters long`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) fail(`must be at most ${schema.maxLength} characters long`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) fail(`must match ${schema.pattern}${schema.description ? ` (${schema.description})` : ''}`);
  }
  if (schema.type === 'object' && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) fail(`must have at least ${schema.minProperties} of ${Object.keys(schema.properties ?? {}).join(', ')}`);
    for (const name of schema.required ?? []) if (!(name in record)) problems.push({ path: `${path}/${name}`, message: 'is required' });
    for (const key of keys) {
      const property = schema.properties?.[key];
      if (property) visit(property, record[key], `${path}/${key}`, root, problems);
      else if (schema.additionalProperties === false) problems.push({ path: `${path}/${key}`, message: 'is not allowed' });
    }
  }
}

/** Branches are objects with a constant `kind`: the value's kind picks the branch to report against. */
function visitOneOf(branches: JsonSchema[], value: unknown, path: string, root: JsonSchema, problems: SchemaProblem[]): void {
  const kinds = branches.map((branch) => branch.properties?.kind?.const);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ path, message: 'must be an object' });
    return;
  }
  const kind = (value as Record<string, unknown>).kind;
  const index = kinds.indexOf(kind as string);
  if (index < 0) {
    problems.push({ path: `${path}/kind`, message: `must be one of ${kinds.map((item) => JSON.stringify(item)).join(', ')}` });
    return;
  }
  visit(branches[index], value, path, root, problems);
}
