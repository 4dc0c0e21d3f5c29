/**
 * Malformed requests for every operation of an OpenAPI document: each variant changes one thing
 * of an otherwise plausible request (one body field, one path or query parameter, the whole body),
 * so a 5xx points at the input that caused it.
 */

export interface OpenApiParameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: { type?: string; example?: unknown; enum?: unknown[] };
}

export interface OpenApiSchema {
  type?: string;
  properties?: Record<string, OpenApiSchema & { example?: unknown; oneOf?: unknown[] }>;
  required?: string[];
  $ref?: string;
}

export interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: { 'application/json'?: { schema?: OpenApiSchema } } };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, OpenApiSchema> };
}

export interface MalformedRequest {
  /** What was changed, for the failure report. */
  variant: string;
  /** Reaches code that runs before authentication (body parsing, routing), so worth sending without access too. */
  beforeGuard?: boolean;
  /** Damages one body field: validation that does not depend on who asks, so one admitted identity sends these. */
  bodyField?: boolean;
  path: string;
  query: string;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Raw JSON text, not a value: lets a variant hold what JSON.stringify cannot write (lone surrogates, deep nesting). */
const RAW = 'raw-value-7f3a9c';
const BYTES_MARK = 'invalid-bytes-7f3a9c';

const nested = (levels: number, open = '[', close = ']') => open.repeat(levels) + close.repeat(levels);

/** Raw JSON values that are wrong for (almost) any field. */
const BAD_VALUES: Record<string, string> = {
  null: 'null',
  true: 'true',
  zero: '0',
  'zero string': '"0"',
  negative: '-1',
  fraction: '1.5',
  'huge number': '1e308',
  'long integer': '123456789012345678901234567890',
  'empty string': '""',
  blank: '"   "',
  'huge string': `"${'x'.repeat(60_000)}"`,
  'lone high surrogate': '"\\ud800"',
  'lone low surrogate inside': '"a\\udfffb@example.com"',
  NUL: '"a\\u0000b"',
  'negative decimal string': '"-1"',
  'exponent string': '"1e5"',
  'NaN string': '"NaN"',
  'hex string': '"0x10"',
  'non-ASCII digits': '"١٢"',
  'too many decimals': '"1.0000000000000000001"',
  'huge decimal': `"${'9'.repeat(200)}"`,
  object: '{"a":1}',
  array: '[1,"2",null]',
  'array of objects': '[{"a":[]}]',
  'array of nulls': '[null,null]',
  'big array': `[${Array.from({ length: 5000 }, () => '"a"').join(',')}]`,
  'nested 20 (under the depth limit)': nested(20),
  'nested 40 (over the depth limit)': nested(40),
  'nested 1500': nested(1500),
  'prototype key': '{"__proto__":{"polluted":true}}',
};

/** Raw whole bodies: not an object, not JSON, or hostile at the top. */
const BAD_BODIES: Record<string, string> = {
  'empty object': '{}',
  'top-level null': 'null',
  'top-level array': '[]',
  'top-level string': '"text"',
  'top-level number': '42',
  'invalid JSON': '{"a":',
  'trailing garbage': '{} x',
  'top-level nested 5000': nested(5000),
  'object nested 1500': `${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}`,
  'prototype pollution': '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}',
};

/** Path parameter values: not ids, ids of nothing, hostile encodings. */
const BAD_PATH_VALUES: Record<string, string> = {
  'not a uuid': 'not-a-uuid',
  zero: '0',
  negative: '-1',
  'big integer': '123456789012345678901234567890',
  'nil uuid': '00000000-0000-0000-0000-000000000000',
  'uuid of nothing': '3f0c1b8e-9a4d-4c2e-8f71-2b6d5e4a9c10',
  'uuid with suffix': '3f0c1b8e-9a4d-4c2e-8f71-2b6d5e4a9c10x',
  'uppercase uuid': '3F0C1B8E-9A4D-4C2E-8F71-2B6D5E4A9C10',
  'braced uuid': '%7B3f0c1b8e-9a4d-4c2e-8f71-2b6d5e4a9c10%7D',
  'long string': 'x'.repeat(3000),
  'invalid UTF-8 (lone surrogate)': '%ED%A0%80',
  'bad percent-encoding': '%E0%A4%A',
  emoji: '%F0%9F%98%80',
  NUL: '%00',
  'encoded slash': '..%2F..%2Fhealth',
  space: '%20',
  null: 'null',
};

/** Query values for one parameter. */
const BAD_QUERY_VALUES: Record<string, string> = {
  word: 'abc',
  empty: '',
  zero: '0',
  negative: '-1',
  fraction: '1.5',
  exponent: '1e400',
  'huge integer': '99999999999999999999',
  'long string': 'x'.repeat(5000),
  NUL: '%00',
  'invalid UTF-8 (lone surrogate)': '%ED%A0%80',
  'bad percent-encoding': '%E0%A4%A',
  'non-ASCII digits': '%D9%A1%D9%A2',
};

/** Labels whose damage is done while Express decodes the path or parses the body, before guards run. */
const DECODED_BEFORE_GUARD = new Set(['long string', 'invalid UTF-8 (lone surrogate)', 'bad percent-encoding', 'NUL']);
const PARSED_BEFORE_GUARD = new Set(['nested 40 (over the depth limit)', 'nested 1500', 'huge string']);

export function resolveSchema(document: OpenApiDocument, schema: OpenApiSchema | undefined): OpenApiSchema | undefined {
  if (!schema?.$ref) return schema;
  return document.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
}

/** A body the DTO would accept as far as its examples go (each property's example). */
export function exampleBody(schema: OpenApiSchema): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    body[name] = property.example ?? (property.type === 'number' || property.type === 'integer' ? 1 : property.type === 'array' ? [] : 'x');
  }
  return body;
}

function withRawField(base: Record<string, unknown>, field: string, raw: string): string {
  return JSON.stringify({ ...base, [field]: RAW }).replace(`"${RAW}"`, () => raw);
}

export interface OperationInputs {
  /** Path parameter values to use when a variant is not about that parameter (real ids reach deeper). */
  knownPathValues: Record<string, string>;
}

function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => values[name]);
}

function queryString(values: Record<string, string>): string {
  const pairs = Object.entries(values).map(([name, value]) => `${encodeURIComponent(name)}=${value}`);
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

/** Every malformed request for one operation. */
export function malformedRequests(document: OpenApiDocument, template: string, operation: OpenApiOperation, inputs: OperationInputs): MalformedRequest[] {
  const parameters = operation.parameters ?? [];
  const pathParams = parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const queryParams = parameters.filter((p) => p.in === 'query');
  const pathValues = Object.fromEntries(pathParams.map((name) => [name, inputs.knownPathValues[name] ?? BAD_PATH_VALUES['uuid of nothing']]));
  const requiredQuery = Object.fromEntries(
    queryParams.filter((p) => p.required).map((p) => [p.name, encodeURIComponent(String(p.schema?.example ?? p.schema?.enum?.[0] ?? 'x'))]),
  );
  const schema = resolveSchema(document, operation.requestBody?.content?.['application/json']?.schema);
  const base = schema ? exampleBody(schema) : undefined;
  const baseBody = base ? JSON.stringify(base) : undefined;
  const plain = (variant: string, overrides: Partial<MalformedRequest> = {}): MalformedRequest => ({
    variant,
    path: fillPath(template, pathValues),
    query: queryString(requiredQuery),
    body: baseBody,
    ...overrides,
  });

  const requests: MalformedRequest[] = [plain('examples as given', { beforeGuard: true })];
  for (const name of pathParams) {
    for (const [label, value] of Object.entries(BAD_PATH_VALUES)) {
      requests.push(plain(`path ${name}: ${label}`, { path: fillPath(template, { ...pathValues, [name]: value }), beforeGuard: DECODED_BEFORE_GUARD.has(label) }));
    }
  }
  for (const parameter of queryParams) {
    for (const [label, value] of Object.entries(BAD_QUERY_VALUES)) {
      requests.push(plain(`query ${parameter.name}: ${label}`, { query: queryString({ ...requiredQuery, [parameter.name]: value }) }));
    }
    requests.push(plain(`query ${parameter.name}: repeated`, { query: `${queryString(requiredQuery) || '?'}&${parameter.name}=1&${parameter.name}=2` }));
    requests.push(plain(`query ${parameter.name}: bracketed`, { query: `${queryString(requiredQuery) || '?'}&${parameter.name}[a]=1` }));
    if (parameter.required) {
      const { [parameter.name]: _missing, ...others } = requiredQuery;
      requests.push(plain(`query ${parameter.name}: missing`, { query: queryString(others) }));
    }
  }
  if (base) {
    for (const field of Object.keys(base)) {
      for (const [label, raw] of Object.entries(BAD_VALUES)) {
        requests.push(plain(`body ${field}: ${label}`, { body: withRawField(base, field, raw), beforeGuard: PARSED_BEFORE_GUARD.has(label), bodyField: true }));
        // Alone, too: the other fields' own checks (a PATCH that already moved closesAt) must not hide this one.
        requests.push(plain(`body ${field} alone: ${label}`, { body: withRawField({}, field, raw), bodyField: true }));
      }
      const { [field]: _left, ...without } = base;
      requests.push(plain(`body ${field}: missing`, { body: JSON.stringify(without), bodyField: true }));
      // Bytes that are not UTF-8 at all: the parser must refuse them or decode them to U+FFFD.
      const [before, after] = withRawField(base, field, `"${BYTES_MARK}"`).split(BYTES_MARK);
      const invalidUtf8 = Buffer.concat([Buffer.from(before), Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from(after)]);
      requests.push(plain(`body ${field}: invalid UTF-8 bytes`, { body: invalidUtf8, beforeGuard: true }));
    }
    requests.push(plain('body: unknown field', { body: JSON.stringify({ ...base, unexpected: 1 }) }));
  }
  // Every operation gets hostile whole bodies, with a body in its contract or not; the parser sees them before any guard.
  const whole = (variant: string, overrides: Partial<MalformedRequest>) => requests.push(plain(variant, { ...overrides, beforeGuard: true }));
  for (const [label, raw] of Object.entries(BAD_BODIES)) whole(`whole body: ${label}`, { body: raw });
  whole('whole body: form-encoded', { body: 'a[b][c][d][e][f][g]=1&a=2', contentType: 'application/x-www-form-urlencoded' });
  whole('whole body: text/plain', { body: baseBody ?? 'text', contentType: 'text/plain' });
  whole('whole body: JSON over the size limit', { body: `{"a":"${'x'.repeat(200_000)}"}` });
  whole('header Content-Type: JSON in UTF-16', { contentType: 'application/json; charset=utf-16le', body: Buffer.from(baseBody ?? '{}', 'utf16le') });
  whole('header Content-Type: unknown charset', { contentType: 'application/json; charset=klingon' });
  requests.push(plain('header Idempotency-Key: 300 characters', { headers: { 'Idempotency-Key': 'k'.repeat(300) } }));
  requests.push(plain('header Idempotency-Key: empty', { headers: { 'Idempotency-Key': '' } }));
  return requests;
}
